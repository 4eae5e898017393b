"""Writes of the advisory board: seating a person on a programme's board, the mail that
tells them, and deactivating or reactivating a seat.

The board's active members are part of what a proposal and a decision rest on: the ranking
counts only their reviews, the optimiser's runs hash the set of active seats, and a
recorded decision lists the votes of the members active when it was recorded. So a change
to the active board is refused while a draft decision waits for confirmation (its votes
would no longer be those of the board), is kept in the admin's change history with who made
it and why, and says what it changes for the scoring, the runs or the decision.

`board_member_add` is the bare write the admin and the import use: it sends no mail (an
import of an earlier board must not mail everyone). The staff page uses
`board_member_invite`, which checks what a person typing an address gets wrong and sends the
mail after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.security import normalise_email

from ..enums import DecisionStatus, OrganisationKind, ProgrammePhase, ReviewStatus
from ..models import BoardMember, BoardOrganisation, Decision, Programme, Review

EMAIL_MAX_LENGTH = 254
#: The User model's name columns.
PERSON_NAME_MAX_LENGTH = 150
#: BoardOrganisation.name.
ORGANISATION_NAME_MAX_LENGTH = 200
#: A reason for a change to the board, kept in the change history.
REASON_MAX_LENGTH = 200
#: Phases in which a change to the active board needs a reason: the scores are frozen and
#: the change alters the proposal (deliberation), or it follows the decision (decided).
REASON_PHASES = frozenset({ProgrammePhase.DELIBERATION, ProgrammePhase.DECIDED})

MAIL_LANGUAGES = {code for code, _name in settings.LANGUAGES}


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
    language: str = "",
) -> tuple[BoardMember, bool]:
    """Seat a person on a programme's board, with an account and an organisation if new.

    Permission: the admin's add permission on board members (`selection.add_boardmember`).
    An existing account (by e-mail address) keeps its name and language; its seat gets the
    organisation and the active flag of the row; a change to who is active is refused while
    a draft decision waits (`board_change_refusal`). A new account has no usable password and
    the given language (Dutch by default); it gets no mail here: the staff page's
    `board_member_invite` sends the link to choose a password. Returns the seat and
    whether it is new.
    """
    if not actor.has_perm("selection.add_boardmember"):
        raise PermissionDenied
    user = _account(email=email, first_name=first_name, last_name=last_name, language=language)
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
    if (member.active if member is not None else False) != active:
        refusal = board_change_refusal(programme)
        if refusal:
            raise ValidationError(refusal, code="draft_decision")
    if created:
        member = BoardMember(programme=programme, user=user)
    member.organisation, member.active = found, active
    member.save()
    return member, created


def _account(*, email: str, first_name: str, last_name: str, language: str):
    """The account of `email`, made (without a usable password) if there is none.

    Two requests seating the same new person at once (on two programmes) both find no
    account; the second insert fails on the unique address and then reads the first's.
    """
    users = get_user_model()
    user = users.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    user = users(email=email, first_name=first_name, last_name=last_name)
    if language in MAIL_LANGUAGES:
        user.language = language
    user.set_unusable_password()
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return users.objects.get(email__iexact=email)
    return user


# --- Checks shared by the staff page's writes ----------------------------------------------


def _lock_programme(programme: Programme) -> Programme:
    """The programme row, locked: board changes and decisions of one programme run one after
    the other (decision_record and decision_confirm lock the same row first)."""
    return Programme.objects.select_for_update().get(pk=programme.pk)


def open_draft_decision(programme: Programme) -> Decision | None:
    """The programme's draft decision, if one waits for confirmation."""
    return (
        Decision.objects.filter(programme=programme, status=DecisionStatus.DRAFT)
        .order_by("-created_at", "-pk")
        .first()
    )


def board_change_refusal(programme: Programme) -> str | None:
    """Why the programme's active board cannot change now, or None.

    A draft decision lists a vote row for every member active when it was recorded, and
    checks the quorum against them: changing the board under it would make the draft speak
    for a board that no longer exists. Discarding or confirming it comes first.
    """
    draft = open_draft_decision(programme)
    if draft is None:
        return None
    return _(
        "A draft decision (meeting of %(date)s) lists the votes of the board as it is now. "
        "Confirm or discard that draft before changing the board."
    ) % {"date": formats.date_format(draft.meeting_date, "j F Y")}


def board_change_effects(programme: Programme) -> list[str]:
    """What a change to the active board means in the programme's phase, for the page."""
    if programme.phase == ProgrammePhase.DELIBERATION:
        return [
            _(
                "The programme is in deliberation: a change to the active board makes "
                "earlier optimiser runs out of date. Run the optimiser again before "
                "recording the decision."
            )
        ]
    if programme.phase == ProgrammePhase.DECIDED:
        return [
            _(
                "The decision is confirmed: it keeps the members, presence and votes it "
                "recorded. A change to the board applies from now on."
            )
        ]
    return []


def _clean_reason(programme: Programme, reason: str) -> str:
    reason = (reason or "").strip()
    if "\0" in reason:
        raise ValidationError({"reason": _("Remove the NUL character.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(count)d characters.") % {"count": REASON_MAX_LENGTH}}
        )
    if not reason and programme.phase in REASON_PHASES:
        raise ValidationError(
            {
                "reason": _(
                    "In the phase %(phase)s a change to the board needs a reason; it is kept "
                    "in the history."
                )
                % {"phase": programme.get_phase_display()}
            }
        )
    return reason


def _log(*, actor, member: BoardMember, flag: int, message, reason: str = "") -> None:
    """A row in the admin's change history of the seat (its "History" page).

    Written in the site's default language, so the history reads in one language whoever
    made the change.
    """
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
        if reason:
            text = f"{text} {_('Reason: %(reason)s') % {'reason': reason}}"
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[member],
        action_flag=flag,
        change_message=text,
        single_object=True,
    )


# --- Adding a member from the staff page -------------------------------------------------


@dataclass
class BoardInvite:
    """What `board_member_invite` did: the seat, whether the mail was the welcome with a link
    to choose a password (a new account, or one that never had a password) and what the
    change means in the programme's phase."""

    member: BoardMember
    welcome: bool
    warnings: list[str] = field(default_factory=list)


def board_email_problem(*, programme: Programme, email: str) -> tuple[str, str | None]:
    """The address as accounts store it, and why it cannot be seated on this board (or None).

    Refused: a malformed address; a person already on this board (active or not: an
    inactive seat is reactivated, not added twice); a deactivated account (the link could
    not log them in); and the contact of a municipality. A contact keeps one municipality's
    data, and the board's pages show every candidacy and, as the phase allows, the other
    members' scores: a contact never sees those, so the two roles are not combined.
    """
    email = normalise_email(email) or ""
    if not email:
        return email, _("Enter an e-mail address.")
    if len(email) > EMAIL_MAX_LENGTH:
        return email, _("At most %(count)d characters.") % {"count": EMAIL_MAX_LENGTH}
    try:
        EmailValidator()(email)
    except ValidationError:
        return email, _("Enter a valid e-mail address.")
    user = (
        get_user_model()
        .objects.select_related("municipality_contact__municipality")
        .filter(email__iexact=email)
        .first()
    )
    if user is None:
        return email, None
    seat = BoardMember.objects.filter(programme=programme, user=user).first()
    if seat is not None:
        if seat.active:
            return email, _("%(email)s is already a member of this board.") % {"email": email}
        return email, _(
            "%(email)s is already on this board, as an inactive member: reactivate the seat in "
            "the list instead."
        ) % {"email": email}
    if not user.is_active:
        return email, _(
            "The account of this e-mail address is deactivated. Reactivate it in the users "
            "administration first."
        )
    contact = getattr(user, "municipality_contact", None)
    if contact is not None:
        return email, _(
            "%(email)s is the contact person of %(municipality)s. A municipality's contact "
            "cannot sit on the board: board members see every candidacy and the scores."
        ) % {"email": email, "municipality": contact.municipality.name}
    return email, None


@transaction.atomic
def board_member_invite(
    *,
    actor,
    programme: Programme,
    email: str,
    first_name: str = "",
    last_name: str = "",
    organisation: BoardOrganisation | None = None,
    new_organisation: str = "",
    kind: str = "",
    language: str = "",
    request_or_base_url: HttpRequest | str,
) -> BoardInvite:
    """Seat a person on the board from the staff page and mail them after commit.

    Permission: as `board_member_add`. See `board_email_problem` for the addresses
    refused; refused too while a draft decision waits (`board_change_refusal`). The
    organisation is an existing one, or a new name with its kind. The programme row is
    locked first, so two staff adding the same person at once seat them once: the second
    finds the first's seat and is told so. A new account, or one without a usable password,
    gets a link to choose its password; an account with a password a note that it joined
    the board; both in the person's language (a new account's is `language`, Dutch by
    default).
    """
    if not actor.has_perm("selection.add_boardmember"):
        raise PermissionDenied
    programme = _lock_programme(programme)
    errors: dict[str, list[str]] = {}
    email, problem = board_email_problem(programme=programme, email=email)
    if problem:
        errors["email"] = [problem]
    names = {"first_name": first_name, "last_name": last_name}
    for name, value in names.items():
        value = (value or "").strip()
        if len(value) > PERSON_NAME_MAX_LENGTH:
            errors[name] = [_("At most %(count)d characters.") % {"count": PERSON_NAME_MAX_LENGTH}]
        elif "\0" in value:
            errors[name] = [_("Remove the NUL character.")]
        names[name] = value
    new_organisation = (new_organisation or "").strip()
    if organisation is not None and new_organisation:
        errors["new_organisation"] = [
            _("Choose an organisation from the list or type a new one, not both.")
        ]
    elif organisation is None and not new_organisation:
        errors["organisation"] = [_("Choose the member's organisation or type a new one.")]
    elif new_organisation:
        if len(new_organisation) > ORGANISATION_NAME_MAX_LENGTH:
            errors["new_organisation"] = [
                _("At most %(count)d characters.") % {"count": ORGANISATION_NAME_MAX_LENGTH}
            ]
        elif "\0" in new_organisation:
            errors["new_organisation"] = [_("Remove the NUL character.")]
        elif kind and kind not in OrganisationKind.values:
            errors["kind"] = [_("Choose one of the kinds.")]
        elif (
            not kind
            and not BoardOrganisation.objects.filter(name__iexact=new_organisation).exists()
        ):
            errors["kind"] = [
                _("“%(name)s” is a new organisation: give its kind.") % {"name": new_organisation}
            ]
    if errors:
        raise ValidationError(errors)
    refusal = board_change_refusal(programme)
    if refusal:
        raise ValidationError(refusal, code="draft_decision")
    existing = get_user_model().objects.filter(email__iexact=email).first()
    # An account seated before by an import or the admin may never have had a password.
    welcome = existing is None or not existing.has_usable_password()
    member, _created = board_member_add(
        actor=actor,
        programme=programme,
        email=email,
        first_name=names["first_name"],
        last_name=names["last_name"],
        organisation=organisation.name if organisation is not None else new_organisation,
        kind=kind,
        language=language,
    )
    _log(
        actor=actor,
        member=member,
        flag=ADDITION,
        message=gettext_lazy("Added on the board page; welcome mail sent.")
        if welcome
        else gettext_lazy("Added on the board page; notice sent to the existing account."),
    )
    board_member_mail(member=member, welcome=welcome, request_or_base_url=request_or_base_url)
    return BoardInvite(member=member, welcome=welcome, warnings=board_change_effects(programme))


# --- The mails ---------------------------------------------------------------------------


def _absolute(path: str, request_or_base_url: HttpRequest | str) -> str:
    if isinstance(request_or_base_url, str):
        return request_or_base_url.rstrip("/") + path
    return request_or_base_url.build_absolute_uri(path)


def password_link(*, user, request_or_base_url: HttpRequest | str) -> str:
    """A link to choose a password: Django's password-reset confirmation with a fresh token.

    The token is the one "Forgot your password?" mails; it stops working once a password
    is set or the account logs in, and after PASSWORD_RESET_TIMEOUT. Unlike that form, it
    reaches an account without a usable password, which is what a new member has.
    """
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return _absolute(path, request_or_base_url)


def mail_language(user) -> str:
    language = getattr(user, "language", "") or ""
    return language if language in MAIL_LANGUAGES else settings.LANGUAGE_CODE


def board_member_mail(
    *, member: BoardMember, welcome: bool, request_or_base_url: HttpRequest | str
) -> None:
    """Mail the member about their seat once the current transaction commits.

    ``welcome``: the welcome mail with the link to choose a password; otherwise a note
    that they were added to the programme's board (they log in as before). Rendered now, in
    the person's language, and sent only if the seat is really saved; a failing mail server
    is logged and does not undo the seat (staff can send the welcome mail again).
    """
    user = member.user
    with translation.override(mail_language(user)):
        context = {
            "member": member,
            "user": user,
            "programme": member.programme,
            "organisation": member.organisation,
            "board_link": _absolute(reverse("selection:board_home"), request_or_base_url),
            "login_link": _absolute(reverse("login"), request_or_base_url),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400),
        }
        if welcome:
            context["link"] = password_link(user=user, request_or_base_url=request_or_base_url)
            name = "board_welcome"
        else:
            name = "board_added"
        subject = " ".join(render_to_string(f"selection/email/{name}_subject.txt", context).split())
        body = render_to_string(f"selection/email/{name}_body.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[user.email])
    transaction.on_commit(message.send, robust=True)


@transaction.atomic
def board_member_welcome_again(
    *, actor, member: BoardMember, request_or_base_url: HttpRequest | str
) -> None:
    """Send the welcome mail with a new password link again, to a member who never logged in.

    Permission: `selection.change_boardmember`. For a seat made by the admin or an import
    too (they send no mail). Someone who has logged in uses "Forgot your password?".
    """
    if not actor.has_perm("selection.change_boardmember"):
        raise PermissionDenied
    member = BoardMember.objects.select_related("user", "programme", "organisation").get(
        pk=member.pk
    )
    if member.user.last_login is not None:
        raise ValidationError(
            _(
                "%(name)s has logged in before; they can use “Forgot your password?” on the "
                "login page."
            )
            % {"name": member.user},
            code="logged_in",
        )
    if not member.active or not member.user.is_active:
        raise ValidationError(_("This seat or account is not active."), code="inactive")
    _log(actor=actor, member=member, flag=CHANGE, message=gettext_lazy("Welcome mail sent again."))
    board_member_mail(member=member, welcome=True, request_or_base_url=request_or_base_url)


# --- Deactivating and reactivating -------------------------------------------------------


@dataclass
class ActiveChange:
    member: BoardMember
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def board_member_set_active(
    *, actor, member: BoardMember, active: bool, reason: str = ""
) -> ActiveChange:
    """Deactivate or reactivate a seat; kept in the seat's change history with the reason.

    Permission: `selection.change_boardmember`. Refused while a draft decision waits
    (`board_change_refusal`); in deliberation and after the decision a reason is required.
    An inactive member opens no board page, and their reviews stop counting in the ranking
    (they count again on reactivation); the warnings say so, and what the change means for
    the optimiser's runs or the confirmed decision.
    """
    if not actor.has_perm("selection.change_boardmember"):
        raise PermissionDenied
    programme = _lock_programme(member.programme)
    member = (
        BoardMember.objects.select_for_update(of=("self",))
        .select_related("user", "organisation")
        .get(pk=member.pk, programme=programme)
    )
    member.programme = programme
    if member.active == active:
        text = (
            _("%(name)s is already active on this board.")
            if active
            else _("%(name)s is already inactive on this board.")
        )
        raise ValidationError(text % {"name": member.user}, code="unchanged")
    reason = _clean_reason(programme, reason)
    refusal = board_change_refusal(programme)
    if refusal:
        raise ValidationError(refusal, code="draft_decision")
    member.active = active
    member.save(update_fields=["active"])
    _log(
        actor=actor,
        member=member,
        flag=CHANGE,
        message=gettext_lazy("Reactivated on the board page.")
        if active
        else gettext_lazy("Deactivated on the board page."),
        reason=reason,
    )

    warnings = []
    submitted = Review.objects.filter(member=member, status=ReviewStatus.SUBMITTED).count()
    if submitted and programme.phase != ProgrammePhase.DECIDED:
        if active:
            text = ngettext(
                "Their submitted review counts in the ranking again.",
                "Their %(count)d submitted reviews count in the ranking again.",
                submitted,
            )
        else:
            text = ngettext(
                "Their submitted review no longer counts in the ranking.",
                "Their %(count)d submitted reviews no longer count in the ranking.",
                submitted,
            )
        warnings.append(text % {"count": submitted})
    warnings.extend(board_change_effects(programme))
    return ActiveChange(member=member, warnings=warnings)
