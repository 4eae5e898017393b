"""Writes of the advisory board: seating a person on a programme's board."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import BoardMember, BoardOrganisation, Programme


@transaction.atomic
def board_member_add(
    *,
    actor,
    programme: Programme,
    email: str,
    first_name: str,
    last_name: str,
    organisation: str,
    kind: str = "",
    active: bool = True,
) -> tuple[BoardMember, bool]:
    """Seat a person on a programme's board, with an account and an organisation if new.

    Permission: the admin's add permission on board members (`selection.add_boardmember`).
    An existing account (by e-mail address) keeps its name; its seat gets the organisation
    and the active flag of the row. A new account has no usable password: the person sets
    one with "Forgot your password?". Returns the seat and whether it is new.
    """
    if not actor.has_perm("selection.add_boardmember"):
        raise PermissionDenied
    users = get_user_model()
    user = users.objects.filter(email=email).first()
    if user is None:
        user = users(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    found = BoardOrganisation.objects.filter(name__iexact=organisation).first()
    if found is None:
        if not kind:
            raise ValidationError(
                {
                    "kind": _("“%(name)s” is a new organisation: give its kind.")
                    % {"name": organisation}
                }
            )
        found = BoardOrganisation(name=organisation, kind=kind)
        found.full_clean()
        found.save()
    member = BoardMember.objects.select_for_update().filter(programme=programme, user=user).first()
    created = member is None
    if created:
        member = BoardMember(programme=programme, user=user)
    member.organisation, member.active = found, active
    member.save()
    return member, created
