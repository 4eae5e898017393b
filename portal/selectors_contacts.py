"""Staff reads of the contact persons of every municipality and of their invitations.

Every function takes the user and refuses anyone who may not invite contacts (staff only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import rules
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from municipalities.models import ContactInvitation, Municipality, MunicipalityContact
from municipalities.selectors import municipalities_for_user
from selection.enums import Group
from selection.models import Programme
from selection.selectors.groups import latest_programme, municipality_groups

from .selectors import GroupFilter, in_group

INVITE = "municipalities.invite_contact"
PAGE_SIZE = 25
# A search longer than any municipality's name finds nothing; no need to send it on.
QUERY_MAX_LENGTH = 100


class InvitationState(models.TextChoices):
    OPEN = "open", _("open")
    EXPIRED = "expired", _("expired or revoked")
    ACCEPTED = "accepted", _("accepted")


@dataclass(frozen=True)
class ContactFilters:
    """Which municipalities the page lists. No programme means the one that started last."""

    programme: Programme | None = None
    group: str = GroupFilter.ALL
    query: str = ""


@dataclass(frozen=True)
class InvitationRow:
    invitation: ContactInvitation
    state: str  # InvitationState value

    @property
    def state_label(self) -> str:
        return str(InvitationState(self.state).label)


@dataclass(frozen=True)
class ContactRow:
    """One municipality with its contacts and, per invited address, its newest invitation."""

    municipality: Municipality
    group: str | None  # Group value in the programme, None without a candidacy there
    contacts: list[MunicipalityContact]
    invitations: list[InvitationRow]

    @property
    def group_label(self) -> str:
        return str(Group(self.group).label) if self.group else ""


@dataclass(frozen=True)
class ContactDirectory:
    programme: Programme | None
    filters: ContactFilters
    page: Page
    rows: list[ContactRow]


def _check(user) -> None:
    """Only staff see every municipality's contacts: PermissionDenied for anyone else."""
    if not rules.has_perm(INVITE, user):
        raise PermissionDenied


def invitation_state(invitation: ContactInvitation, now: datetime) -> str:
    if invitation.accepted_at is not None:
        return InvitationState.ACCEPTED
    if invitation.expires_at <= now:
        return InvitationState.EXPIRED
    return InvitationState.OPEN


def _newest_per_address(invitations, now: datetime) -> list[InvitationRow]:
    """The newest invitation of each address (they come newest first): an older one was
    revoked by the newer one or is superseded by it, so it says nothing more."""
    seen: set[str] = set()
    rows = []
    for invitation in invitations:
        if invitation.email in seen:
            continue
        seen.add(invitation.email)
        rows.append(InvitationRow(invitation, invitation_state(invitation, now)))
    return rows


def contact_directory(
    *, user, filters: ContactFilters, page_number: str | int | None = None
) -> ContactDirectory:
    """One page of the municipalities the filters select, each with its contacts (name,
    address, last login, active) and its invitations, for staff (PermissionDenied otherwise).

    A fixed number of queries whatever the page holds: the default programme (when none is
    chosen), its groups, the count, the page of municipalities, their contacts with their
    accounts, and their invitations.
    """
    _check(user)
    programme = filters.programme or latest_programme()
    groups = municipality_groups(programme=programme) if programme else {}
    municipalities = municipalities_for_user(user=user).prefetch_related(
        Prefetch(
            "contacts",
            queryset=MunicipalityContact.objects.select_related("user").order_by(
                "user__last_name", "user__first_name", "user__email"
            ),
        ),
        Prefetch("invitations", queryset=ContactInvitation.objects.order_by("-created_at", "-pk")),
    )
    municipalities = in_group(municipalities, groups=groups, group=filters.group)
    query = filters.query.strip()[:QUERY_MAX_LENGTH]
    if query:
        municipalities = municipalities.filter(Q(name__icontains=query) | Q(pk=query))
    page = Paginator(municipalities.order_by("name", "pk"), PAGE_SIZE).get_page(page_number)
    now = timezone.now()
    rows = [
        ContactRow(
            municipality=municipality,
            group=groups.get(municipality.pk),
            contacts=list(municipality.contacts.all()),
            invitations=_newest_per_address(municipality.invitations.all(), now),
        )
        for municipality in page.object_list
    ]
    return ContactDirectory(programme=programme, filters=filters, page=page, rows=rows)


def invitation_for_staff(*, user, pk: int) -> ContactInvitation:
    """One invitation, for staff (PermissionDenied otherwise); 404 for an id that is not one."""
    _check(user)
    try:
        return ContactInvitation.objects.select_related("municipality").get(pk=pk)
    except ContactInvitation.DoesNotExist:
        raise Http404 from None


def municipality_choices(*, user) -> list[tuple[str, str]]:
    """(NIS code, "name (NIS code)") of every municipality, the invite form's choices."""
    _check(user)
    return [
        (nis, f"{name} ({nis})")
        for nis, name in Municipality.objects.order_by("name", "pk").values_list("pk", "name")
    ]
