"""Invitations to become a municipality's contact: create, send, accept, resend, revoke.

An invitation is a link with a random token (256 bits) that sets a password and makes the
invitee a contact of one municipality. Only the token's SHA-256 is stored, so the database
alone never gives a working link. The link works once and for INVITATION_DAYS days; a newer
invitation for the same address revokes the open ones.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

import rules
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.security import normalise_email

from ..models import ContactInvitation, Municipality, MunicipalityContact

logger = logging.getLogger(__name__)

INVITATION_DAYS = 7
# secrets.token_urlsafe(32) gives 43 characters; anything much longer is not a token.
MAX_TOKEN_LENGTH = 128
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 150


class InvitationInvalid(Exception):
    """The link does not (or no longer) open an invitation.

    `code` says why: "unknown", "expired", "used" or "unavailable" (the address became a
    contact elsewhere or its account was deactivated since the invitation was sent).
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def token_hash(token: str) -> str | None:
    """The stored form of a token; None for something that cannot be one."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _clean_name(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(
            {field: _("At most %(count)d characters.") % {"count": NAME_MAX_LENGTH}}
        )
    if "\0" in value:
        raise ValidationError({field: _("Remove the NUL character.")})
    return value


def _existing_user(email: str):
    return (
        get_user_model()
        .objects.select_related("municipality_contact__municipality")
        .filter(email__iexact=email)
        .first()
    )


def _contact_problem(user, municipality: Municipality) -> str | None:
    """Why this existing account cannot become a contact of `municipality`, if it cannot."""
    if not user.is_active:
        return _(
            "The account of this e-mail address is deactivated. Reactivate it in the users "
            "administration first."
        )
    contact = getattr(user, "municipality_contact", None)
    if contact is None:
        return None
    if contact.municipality_id == municipality.pk:
        return _("This e-mail address is already a contact of %(municipality)s.") % {
            "municipality": municipality.name
        }
    return _(
        "This e-mail address is already the contact of %(other)s; a person is contact of one "
        "municipality only."
    ) % {"other": contact.municipality.name}


def invitation_validate(*, municipality: Municipality, email: str) -> str:
    """The address as accounts store it, or ValidationError({"email": …}) if it cannot be invited.

    Refused: a malformed address, and an address whose account is already a contact (of this
    municipality or of another: a user is contact of one municipality) or is deactivated.
    A staff member or board member may be invited: they keep their roles.
    """
    email = normalise_email(email) or ""
    if not email:
        raise ValidationError({"email": _("Enter an e-mail address.")})
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {"email": _("At most %(count)d characters.") % {"count": EMAIL_MAX_LENGTH}}
        )
    try:
        EmailValidator()(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    user = _existing_user(email)
    if user is not None:
        problem = _contact_problem(user, municipality)
        if problem:
            raise ValidationError({"email": problem})
    return email


@transaction.atomic
def invitation_create(
    *, municipality: Municipality, email: str, first_name: str = "", last_name: str = "", actor
) -> tuple[ContactInvitation, str]:
    """A new invitation and its token (the only time the token exists in clear).

    Permission: `municipalities.invite_contact` (staff). See invitation_validate for the
    addresses refused. Open invitations for the same address (to any municipality: a person
    becomes contact of one) are revoked, so only the newest link works.
    """
    if not rules.has_perm("municipalities.invite_contact", actor):
        raise PermissionDenied
    email = invitation_validate(municipality=municipality, email=email)
    first_name = _clean_name(first_name, "first_name")
    last_name = _clean_name(last_name, "last_name")
    now = timezone.now()
    ContactInvitation.objects.filter(
        email=email, accepted_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    invitation = ContactInvitation.objects.create(
        municipality=municipality,
        email=email,
        first_name=first_name,
        last_name=last_name,
        token_hash=token_hash(token),
        created_at=now,
        created_by=actor,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    return invitation, token


def invitation_link(*, token: str, request_or_base_url: HttpRequest | str) -> str:
    """The absolute URL of the accept page, on the host of the request (as password-reset
    links are) or under a base URL such as "https://sdg.vvsg.be"."""
    path = reverse("portal:invitation_accept", kwargs={"token": token})
    if isinstance(request_or_base_url, str):
        return request_or_base_url.rstrip("/") + path
    return request_or_base_url.build_absolute_uri(path)


def invitation_send(
    *, invitation: ContactInvitation, token: str, request_or_base_url: HttpRequest | str
) -> None:
    """Send the invitation e-mail once the current transaction commits.

    The message is rendered now (in the current language) and sent only if the invitation
    is really saved: a rolled-back import or dry run sends nothing. A failing mail server is
    logged and does not undo the invitation; staff can resend it from the admin.
    """
    context = {
        "invitation": invitation,
        "municipality": invitation.municipality,
        "link": invitation_link(token=token, request_or_base_url=request_or_base_url),
        "days": INVITATION_DAYS,
        "expires_at": invitation.expires_at,
    }
    subject = " ".join(
        render_to_string("municipalities/email/invitation_subject.txt", context).split()
    )
    body = render_to_string("municipalities/email/invitation_body.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[invitation.email])
    transaction.on_commit(message.send, robust=True)


def invitation_resend(*, invitation: ContactInvitation, actor) -> tuple[ContactInvitation, str]:
    """A new invitation with a new token for the same person; the old link stops working.

    Permission: as invitation_create. An accepted invitation is not resent.
    """
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."), code="used")
    return invitation_create(
        municipality=invitation.municipality,
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        actor=actor,
    )


@transaction.atomic
def invitation_revoke(*, invitation: ContactInvitation, actor) -> bool:
    """Make an open invitation's link stop working now; False if it was not open."""
    if not rules.has_perm("municipalities.invite_contact", actor):
        raise PermissionDenied
    now = timezone.now()
    return bool(
        ContactInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
    )


def invitation_open(*, token: str) -> ContactInvitation | None:
    """The invitation a link opens: unused and not expired; None for any other token."""
    digest = token_hash(token)
    if digest is None:
        return None
    return (
        ContactInvitation.objects.select_related("municipality")
        .filter(token_hash=digest, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str, first_name: str, last_name: str):
    """Accept an invitation: the account (new, or the existing one of that address) gets the
    password and names and becomes a contact of the invitation's municipality. Returns it.

    The link is the only credential, so this works once: the invitation row is locked and
    marked accepted in the same transaction. Raises InvitationInvalid for an unknown,
    expired or used token, or when the address became a contact elsewhere since; a
    ValidationError ({"password": …}) for a password Django's validators refuse.
    """
    digest = token_hash(token)
    invitation = (
        ContactInvitation.objects.select_for_update()
        .select_related("municipality")
        .filter(token_hash=digest)
        .first()
        if digest
        else None
    )
    if invitation is None:
        raise InvitationInvalid("unknown")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("used")
    now = timezone.now()
    if invitation.expires_at <= now:
        raise InvitationInvalid("expired")
    first_name = _clean_name(first_name, "first_name")
    last_name = _clean_name(last_name, "last_name")

    User = get_user_model()
    user = _existing_user(invitation.email)
    if user is not None and _contact_problem(user, invitation.municipality):
        raise InvitationInvalid("unavailable")
    candidate = user or User(email=invitation.email)
    candidate.first_name, candidate.last_name = first_name, last_name
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None
    candidate.set_password(password)
    try:
        # A savepoint: another invitation of this address accepted at the same moment makes
        # the user or the contact row fail its unique constraint.
        with transaction.atomic():
            candidate.save()
            MunicipalityContact.objects.create(user=candidate, municipality=invitation.municipality)
    except IntegrityError:
        raise InvitationInvalid("unavailable") from None
    invitation.accepted_at = now
    invitation.user = candidate
    invitation.save(update_fields=["accepted_at", "user"])
    # The person is a contact now; other open links for the address could only fail.
    ContactInvitation.objects.filter(
        email=invitation.email, accepted_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    logger.info(
        "invitation %s accepted: user %s contact of %s",
        invitation.pk,
        candidate.pk,
        invitation.municipality_id,
    )
    return candidate
