"""Writes of meetings: create, edit, publish (or record as held afterwards), reschedule,
cancel, answers, attendance, expectations, minutes, documents and next year's annual
gathering.

Every function here checks the permission itself (staff: ``meetings.manage_meeting``) and
records who changed what (simple_history). The deliveries a change causes, invitations,
updates, cancellations and the reminders of the policy, are planned by meetings.reminders
inside the same transaction: a change that rolls back plans nothing, and a change that
commits has its mails planned (the dispatcher sends them after commit).

Times are stored in UTC and computed in local time (Europe/Brussels) where the calendar
matters: next year's gathering starts at the same local time, whatever the DST offsets.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.uploads import display_name, document_type
from municipalities.enums import Audience
from municipalities.models import MunicipalityContact
from selection.enums import Outcome
from selection.models import BoardMember, Candidacy

from . import reminders
from .enums import (
    Answer,
    ContactScope,
    DeliveryKind,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
)
from .models import (
    AgendaItem,
    Expectation,
    ExpectationReview,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingLink,
)
from .selectors import expectation_municipalities

logger = logging.getLogger(__name__)

MANAGE = "meetings.manage_meeting"
# The fields that place the meeting in the invitees' calendars: a change tells them.
SCHEDULE_FIELDS = ("starts_at", "ends_at", "location", "online_link")
# The fields that decide who is invited.
AUDIENCE_FIELDS = ("programme", "audience", "contact_scope")
EDITABLE_FIELDS = (
    "kind",
    "title",
    "programme",
    "description",
    "audience",
    "contact_scope",
    "organiser",
    *SCHEDULE_FIELDS,
)
ANSWERS = (Answer.YES, Answer.NO, Answer.MAYBE)
# The history's change reason holds at most 100 characters.
REASON_LENGTH = 100
# The history's reason of a meeting entered after it took place (stored, not shown).
RECORDED_HELD = "recorded as held after it took place"


def _require_manage(actor, meeting=None) -> None:
    if not rules.has_perm(MANAGE, actor, meeting):
        raise PermissionDenied


def _lock(meeting: Meeting) -> Meeting:
    """Lock the meeting's row for the rest of the transaction and read its current state
    into the caller's instance, so two changes of one meeting run one after the other."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("pk").first()
    meeting.refresh_from_db()
    return meeting


def _save(instance, actor, reason: str = "") -> None:
    instance._history_user = actor
    if reason:
        instance._change_reason = reason[:REASON_LENGTH]
    instance.save()


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError(_("Give the start and the end of the meeting."), code="times")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError(_("The times need a time zone."), code="naive")
    if ends_at <= starts_at:
        raise ValidationError(_("The meeting must end after it starts."), code="end_before_start")


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- The audience ----------------------------------------------------------------------


def _contacts(municipality_ids: Iterable[str], scope: str) -> list[tuple[int, str]]:
    """(user id, municipality id) of the municipalities' contacts: all of them, or only the
    first (by pk) of each municipality. Deactivated accounts receive nothing."""
    rows = (
        MunicipalityContact.objects.filter(
            municipality_id__in=list(municipality_ids), user__is_active=True
        )
        .order_by("municipality__name", "municipality_id", "pk")
        .values_list("user_id", "municipality_id")
    )
    if scope != ContactScope.FIRST:
        return list(rows)
    first: dict[str, int] = {}
    for user_id, municipality_id in rows:
        first.setdefault(municipality_id, user_id)
    return [(user_id, municipality_id) for municipality_id, user_id in first.items()]


def audience_of(meeting: Meeting) -> dict[int, str | None]:
    """Who the meeting's audience is now: user id -> the municipality they are invited for
    (None for board members and people chosen by name who are no contact)."""
    audience = meeting.audience
    outcomes = []
    if audience in (MeetingAudience.PILOT, MeetingAudience.ALL):
        outcomes.append(Outcome.PILOT)
    if audience in (MeetingAudience.OUTREACH, MeetingAudience.ALL):
        outcomes.append(Outcome.OUTREACH)
    if audience == MeetingAudience.CHOSEN:
        municipality_ids = list(meeting.chosen_municipalities.values_list("pk", flat=True))
    elif outcomes:
        municipality_ids = list(
            Candidacy.objects.filter(
                programme_id=meeting.programme_id, outcome__in=outcomes
            ).values_list("municipality_id", flat=True)
        )
    else:
        municipality_ids = []
    invitees: dict[int, str | None] = dict(_contacts(municipality_ids, meeting.contact_scope))
    if audience in (MeetingAudience.BOARD, MeetingAudience.ALL):
        for user_id in (
            BoardMember.objects.filter(
                programme_id=meeting.programme_id, active=True, user__is_active=True
            )
            .order_by("pk")
            .values_list("user_id", flat=True)
        ):
            invitees.setdefault(user_id, None)
    if audience == MeetingAudience.CHOSEN:
        people = meeting.chosen_people.filter(is_active=True).order_by("pk")
        contact_of = dict(
            MunicipalityContact.objects.filter(user__in=people).values_list(
                "user_id", "municipality_id"
            )
        )
        for user_id in people.values_list("pk", flat=True):
            invitees.setdefault(user_id, contact_of.get(user_id))
    return invitees


def invitations_sync(*, meeting: Meeting, actor=None) -> list[Invitation]:
    """Bring the meeting's invitations in line with its audience; returns the new invitees.

    Missing invitations are created, deactivated ones of people back in the audience are
    reactivated (both count as new: they are to be told), and those of people no longer in
    it are deactivated, never deleted, so their answers and the mails sent stay on record.
    Called by the services below inside their transaction; it plans no mail itself.
    """
    wanted = audience_of(meeting)
    existing = {invitation.user_id: invitation for invitation in meeting.invitations.all()}
    created, changed, new_ids = [], [], []
    for user_id, municipality_id in wanted.items():
        invitation = existing.get(user_id)
        if invitation is None:
            created.append(
                Invitation(meeting=meeting, user_id=user_id, municipality_id=municipality_id)
            )
            new_ids.append(user_id)
        elif not invitation.active or invitation.municipality_id != municipality_id:
            if not invitation.active:
                new_ids.append(user_id)
            invitation.active = True
            invitation.municipality_id = municipality_id
            changed.append(invitation)
    for user_id, invitation in existing.items():
        if user_id not in wanted and invitation.active:
            invitation.active = False
            changed.append(invitation)
    if created:
        bulk_create_with_history(created, Invitation, default_user=actor)
    if changed:
        bulk_update_with_history(
            changed, Invitation, ["active", "municipality"], default_user=actor
        )
    invitations = {
        invitation.user_id: invitation
        for invitation in meeting.invitations.filter(user_id__in=new_ids).select_related(
            "user", "municipality"
        )
    }
    return [invitations[user_id] for user_id in new_ids]


def _active_invitees(meeting: Meeting) -> list:
    return [
        invitation.user
        for invitation in meeting.invitations.filter(active=True).select_related("user")
    ]


def _invite(meeting: Meeting, actor) -> list[Invitation]:
    """Sync the invitations of a published meeting, plan the invitation mail of each new
    invitee and (re)plan the reminders."""
    new = invitations_sync(meeting=meeting, actor=actor)
    if new:
        reminders.notices_plan(
            meeting=meeting,
            kind=DeliveryKind.INVITATION,
            users=[invitation.user for invitation in new],
        )
    reminders.reminders_plan(meeting=meeting)
    return new


# --- Create, edit, publish, reschedule, cancel -----------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor,
    programme,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    online_link: str = "",
    description: str = "",
    audience: str = MeetingAudience.PILOT,
    contact_scope: str = ContactScope.ALL,
    organiser=None,
    chosen_municipalities: Iterable = (),
    chosen_people: Iterable = (),
) -> Meeting:
    """A new meeting, as a draft: nobody is invited until it is published."""
    _require_manage(actor)
    _check_times(starts_at, ends_at)
    meeting = Meeting(
        programme=programme,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online_link=online_link,
        description=description,
        audience=audience,
        contact_scope=contact_scope,
        organiser=organiser or actor,
        status=MeetingStatus.DRAFT,
    )
    _save(meeting, actor)
    if chosen_municipalities:
        meeting.chosen_municipalities.set(chosen_municipalities)
    if chosen_people:
        meeting.chosen_people.set(chosen_people)
    return meeting


def _reschedule(meeting: Meeting, actor, schedule: Mapping) -> bool:
    """Apply new times and place to the locked meeting; for a published one tell the
    invitees (a new SEQUENCE, an update mail) and re-plan the reminders. True if changed."""
    merged = {field: schedule.get(field, getattr(meeting, field)) for field in SCHEDULE_FIELDS}
    merged["location"] = merged["location"] or ""
    merged["online_link"] = merged["online_link"] or ""
    _check_times(merged["starts_at"], merged["ends_at"])
    if all(merged[field] == getattr(meeting, field) for field in SCHEDULE_FIELDS):
        return False
    published = meeting.status == MeetingStatus.PUBLISHED
    if (
        published
        and merged["starts_at"] != meeting.starts_at
        and merged["starts_at"] <= timezone.now()
    ):
        raise ValidationError(
            _("A published meeting cannot be moved to a time in the past."), code="past"
        )
    for field, value in merged.items():
        setattr(meeting, field, value)
    if published:
        meeting.sequence += 1
    _save(meeting, actor)
    if published:
        reminders.notices_plan(
            meeting=meeting, kind=DeliveryKind.UPDATE, users=_active_invitees(meeting)
        )
        reminders.reminders_plan(meeting=meeting)
    return True


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    actor,
    chosen_municipalities: Iterable | None = None,
    chosen_people: Iterable | None = None,
    **fields,
) -> Meeting:
    """Change a draft or published meeting (the staff's edit form and the admin).

    On a published meeting a change of time or place goes through the reschedule (update
    mail, new calendar SEQUENCE, reminders re-planned), and a change of who is invited
    invites the newcomers and deactivates those left out. A cancelled meeting stays as it
    was told to its invitees; only its minutes and outcome can still be written.
    """
    _require_manage(actor, meeting)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update() got unexpected fields: {sorted(unknown)}")
    _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be changed."), code="cancelled")
    schedule = {field: fields.pop(field) for field in SCHEDULE_FIELDS if field in fields}
    before = (
        meeting.programme_id,
        meeting.audience,
        meeting.contact_scope,
        set(meeting.chosen_municipalities.values_list("pk", flat=True)),
        set(meeting.chosen_people.values_list("pk", flat=True)),
    )
    kind_before = meeting.kind
    if meeting.status == MeetingStatus.DRAFT:
        # A draft told nobody: its times change like any other field.
        fields.update(schedule)
        schedule = {}
        _check_times(
            fields.get("starts_at", meeting.starts_at), fields.get("ends_at", meeting.ends_at)
        )
    changed = [field for field, value in fields.items() if getattr(meeting, field) != value]
    for field in changed:
        setattr(meeting, field, fields[field])
    if changed:
        _save(meeting, actor)
    if chosen_municipalities is not None:
        wanted = {getattr(m, "pk", m) for m in chosen_municipalities}
        if wanted != before[3]:
            meeting.chosen_municipalities.set(wanted)
    if chosen_people is not None:
        wanted = {getattr(p, "pk", p) for p in chosen_people}
        if wanted != before[4]:
            meeting.chosen_people.set(wanted)
    if meeting.status != MeetingStatus.PUBLISHED:
        return meeting
    rescheduled = _reschedule(meeting, actor, schedule) if schedule else False
    after = (
        meeting.programme_id,
        meeting.audience,
        meeting.contact_scope,
        set(meeting.chosen_municipalities.values_list("pk", flat=True)),
        set(meeting.chosen_people.values_list("pk", flat=True)),
    )
    if after != before:
        _invite(meeting, actor)
    elif meeting.kind != kind_before and not rescheduled:
        # Another kind, another reminder policy.
        reminders.reminders_plan(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_publish(*, meeting: Meeting, actor) -> Meeting:
    """Publish a draft: invite its audience, plan each invitee's invitation mail and the
    reminders of its kind's policy, all in this transaction.

    Publishing an already published meeting brings its invitations up to date with its
    audience (newcomers are invited and told, those left out deactivated).
    """
    _require_manage(actor, meeting)
    _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be published."), code="cancelled")
    if meeting.starts_at <= timezone.now():
        raise ValidationError(
            _(
                "This meeting starts in the past: change its time before publishing it, or "
                "record it as held if it has taken place."
            ),
            code="past",
        )
    if meeting.status == MeetingStatus.DRAFT:
        meeting.status = MeetingStatus.PUBLISHED
        meeting.published_at = timezone.now()
        _save(meeting, actor)
    _invite(meeting, actor)
    return meeting


@transaction.atomic
def meeting_record_held(*, meeting: Meeting, actor) -> Meeting:
    """Enter a meeting that took place before it was put in the app (the 2017 history, a
    provincial training, a board meeting): a draft whose start has passed becomes published,
    with its audience as its invitations, so its attendance, expectations and reviews can be
    recorded.

    Nobody is told: no invitation mail is planned, and no reminder whose time has passed
    gets a row (not even a skipped one: a meeting entered afterwards missed no mail). Of the
    reminder policy only what is still ahead is planned, which for a meeting that ended less
    than two days ago is the organiser's minutes nudge. A meeting that has not started yet
    is refused (publish it instead), as is a cancelled one. An already published meeting is
    left as it is: running this twice changes nothing the second time, and the invitations
    of a past meeting are not brought in line with an audience that has changed since.
    """
    _require_manage(actor, meeting)
    _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(
            _("A cancelled meeting cannot be recorded as held."), code="cancelled"
        )
    now = timezone.now()
    if meeting.starts_at > now:
        raise ValidationError(
            _("This meeting has not started yet: publish it to invite its audience."),
            code="future",
        )
    if meeting.status != MeetingStatus.DRAFT:
        return meeting
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = now
    _save(meeting, actor, reason=RECORDED_HELD)
    invitations_sync(meeting=meeting, actor=actor)
    reminders.reminders_plan(meeting=meeting, now=now, record_passed=False)
    return meeting


@transaction.atomic
def meeting_reschedule(
    *,
    meeting: Meeting,
    actor,
    starts_at: datetime,
    ends_at: datetime,
    location: str | None = None,
    online_link: str | None = None,
) -> Meeting:
    """Move a meeting (None keeps the place or link). A published meeting's invitees get an
    update with the next calendar SEQUENCE and its pending reminders are re-planned; a
    draft is just saved."""
    _require_manage(actor, meeting)
    _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be moved."), code="cancelled")
    schedule = {"starts_at": starts_at, "ends_at": ends_at}
    if location is not None:
        schedule["location"] = location
    if online_link is not None:
        schedule["online_link"] = online_link
    _reschedule(meeting, actor, schedule)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor, reason: str = "") -> Meeting:
    """Call a meeting off: its pending reminders are superseded and every active invitee
    is sent a cancellation (the calendar entry gets STATUS:CANCELLED and the next SEQUENCE).
    The reason is kept in the meeting's history."""
    _require_manage(actor, meeting)
    _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting is already cancelled."), code="cancelled")
    if meeting.starts_at <= timezone.now():
        raise ValidationError(
            _("This meeting has already started: it can no longer be cancelled."), code="past"
        )
    was_published = meeting.status == MeetingStatus.PUBLISHED
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    _save(meeting, actor, reason=(reason or "").strip())
    reminders.reminders_supersede(meeting=meeting)
    if was_published:
        reminders.notices_plan(
            meeting=meeting, kind=DeliveryKind.CANCELLATION, users=_active_invitees(meeting)
        )
    return meeting


# --- Answers and attendance ------------------------------------------------------------


@transaction.atomic
def invitation_answer(*, invitation: Invitation, answer: str, actor=None) -> Invitation:
    """Record an invitee's yes / no / maybe.

    ``actor`` None: the answer came through the signed link of the mail, whose signature the
    caller checked. Otherwise the actor must be the invitee (meetings.answer_invitation).
    Answers close when the meeting is over, and a cancelled meeting takes none.
    """
    if actor is not None and not rules.has_perm("meetings.answer_invitation", actor, invitation):
        raise PermissionDenied
    if answer not in ANSWERS:
        raise ValidationError(_("Answer yes, no or maybe."), code="answer")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    meeting = invitation.meeting
    if not invitation.active:
        raise ValidationError(_("You are no longer invited to this meeting."), code="inactive")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting is cancelled."), code="cancelled")
    if meeting.status != MeetingStatus.PUBLISHED:
        raise ValidationError(_("This meeting is not published."), code="draft")
    if meeting.ends_at <= timezone.now():
        raise ValidationError(_("This meeting is over: answers are closed."), code="past")
    if invitation.answer != answer:
        invitation.answer = answer
        invitation.answered_at = timezone.now()
        _save(invitation, actor or invitation.user)
    return invitation


@transaction.atomic
def attendance_record(*, meeting: Meeting, actor, attended: Mapping[int, bool | None]) -> int:
    """Record who attended (True / False / None for unknown), by invitation id, once the
    meeting has started. An id that is not one of this meeting's active invitations refuses
    the whole record: nothing is written. Returns the number of invitations changed."""
    _require_manage(actor, meeting)
    _lock(meeting)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise ValidationError(
            _("Attendance is recorded for published meetings only."), code="status"
        )
    if meeting.starts_at > timezone.now():
        raise ValidationError(
            _("Attendance can be recorded once the meeting has started."), code="future"
        )
    if any(value not in (True, False, None) for value in attended.values()):
        raise ValidationError(_("Attended is yes, no or unknown."), code="value")
    invitations = {
        invitation.pk: invitation
        for invitation in meeting.invitations.filter(active=True, pk__in=list(attended))
    }
    if set(attended) - set(invitations):
        raise ValidationError(
            _("Some of these people are not invited to this meeting."), code="foreign"
        )
    changed = []
    for pk, value in attended.items():
        invitation = invitations[pk]
        if invitation.attended is not value:
            invitation.attended = value
            changed.append(invitation)
    if changed:
        bulk_update_with_history(changed, Invitation, ["attended"], default_user=actor)
    return len(changed)


# --- Expectations ----------------------------------------------------------------------


@transaction.atomic
def expectation_record(
    *,
    meeting: Meeting,
    actor,
    municipality,
    category: str,
    text: str,
    audiences: Iterable[str] = (),
) -> Expectation:
    """An expectation raised at a meeting by one municipality (None: the group as a whole),
    in one of the two categories, with the audiences it is about."""
    _require_manage(actor, meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting raises no expectations."), code="cancelled")
    if category not in ExpectationCategory.values:
        raise ValidationError(_("Choose a category."), code="category")
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the expectation."), code="text")
    audiences = list(dict.fromkeys(audiences or ()))
    if set(audiences) - set(Audience.values):
        raise ValidationError(_("Choose the audiences from the list."), code="audiences")
    if (
        municipality is not None
        and not expectation_municipalities(meeting=meeting).filter(pk=municipality.pk).exists()
    ):
        raise ValidationError(
            _("This municipality is not part of this meeting's programme."), code="municipality"
        )
    expectation = Expectation(
        meeting=meeting,
        municipality=municipality,
        category=category,
        text=text,
        audiences=audiences,
        created_by=actor,
    )
    _save(expectation, actor)
    return expectation


@transaction.atomic
def expectation_review(
    *, expectation: Expectation, meeting: Meeting, actor, fulfilment: str, note: str = ""
) -> ExpectationReview:
    """At a later meeting of the same programme: how far an expectation was met. Reviewing
    it again at the same meeting changes that meeting's review."""
    _require_manage(actor, meeting)
    raised_at = expectation.meeting
    if meeting.programme_id != raised_at.programme_id:
        raise ValidationError(
            _("An expectation is reviewed at a meeting of its own programme."), code="programme"
        )
    if meeting.starts_at <= raised_at.starts_at:
        raise ValidationError(
            _("An expectation is reviewed at a meeting after the one that raised it."),
            code="not_later",
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting reviews nothing."), code="cancelled")
    if fulfilment not in Fulfilment.values:
        raise ValidationError(_("Choose met, partly met or not met."), code="fulfilment")
    review = (
        ExpectationReview.objects.select_for_update()
        .filter(expectation=expectation, meeting=meeting)
        .first()
    ) or ExpectationReview(expectation=expectation, meeting=meeting)
    review.fulfilment = fulfilment
    review.note = (note or "").strip()
    review.reviewed_at = timezone.now()
    review.reviewed_by = actor
    _save(review, actor)
    return review


# --- Minutes, documents, next year's gathering ----------------------------------------


@transaction.atomic
def meeting_report_save(*, meeting: Meeting, actor, minutes: str, outcome: str) -> Meeting:
    """The meeting's minutes and short outcome report."""
    _require_manage(actor, meeting)
    _lock(meeting)
    meeting.minutes = minutes or ""
    meeting.outcome = outcome or ""
    _save(meeting, actor)
    return meeting


@transaction.atomic
def meeting_document_add(*, meeting: Meeting, actor, upload) -> MeetingDocument:
    """Attach a file to a meeting: PDF, Office or an image, its type checked by its content
    and its size limited (core.uploads); stored under a name of the server's own."""
    _require_manage(actor, meeting)
    extension = document_type(upload)
    document = MeetingDocument(
        meeting=meeting,
        name=display_name(upload.name, extension),
        extension=extension,
        size=upload.size,
        uploaded_by=actor,
    )
    # meeting_upload_to builds the stored name from the meeting and the extension.
    document.file.save("upload", upload, save=False)
    document.save()
    return document


def _next_year_local(moment: datetime) -> datetime:
    """The same local wall-clock time one year later (29 February -> 28 February)."""
    zone = _local_zone()
    local = moment.astimezone(zone).replace(tzinfo=None)
    try:
        shifted = local.replace(year=local.year + 1)
    except ValueError:
        shifted = local.replace(year=local.year + 1, day=28)
    return shifted.replace(tzinfo=zone).astimezone(UTC)


@transaction.atomic
def gathering_next_year(*, meeting: Meeting, actor) -> Meeting:
    """Next year's annual SDG gathering from this one, as a draft: one year later at the
    same local time, with the same programme, audience, place, agenda and links. A year in
    the title moves on too ("Annual SDG gathering 2018" -> "... 2019")."""
    _require_manage(actor, meeting)
    if meeting.kind != MeetingKind.ANNUAL_GATHERING:
        raise ValidationError(_("Only an annual SDG gathering is repeated next year."), code="kind")
    starts_at = _next_year_local(meeting.starts_at)
    ends_at = _next_year_local(meeting.ends_at)
    existing = Meeting.objects.filter(
        programme_id=meeting.programme_id,
        kind=MeetingKind.ANNUAL_GATHERING,
        starts_at=starts_at,
    ).first()
    if existing is not None:
        raise ValidationError(
            _("Next year's gathering already exists: %(title)s.") % {"title": existing.title},
            code="exists",
        )
    year = meeting.starts_at.astimezone(_local_zone()).year
    title = re.sub(rf"\b{year}\b", str(year + 1), meeting.title)
    new = meeting_create(
        actor=actor,
        programme=meeting.programme,
        kind=meeting.kind,
        title=title[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        location=meeting.location,
        online_link=meeting.online_link,
        description=meeting.description,
        audience=meeting.audience,
        contact_scope=meeting.contact_scope,
        organiser=meeting.organiser or actor,
        chosen_municipalities=list(meeting.chosen_municipalities.all()),
        chosen_people=list(meeting.chosen_people.all()),
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=new,
            order=item.order,
            title=item.title,
            description=item.description,
            minutes=item.minutes,
        )
        for item in meeting.agenda.all()
    )
    MeetingLink.objects.bulk_create(
        MeetingLink(meeting=new, title=link.title, url=link.url) for link in meeting.links.all()
    )
    return new


# --- Agenda and links --------------------------------------------------------------------


def agenda_version(meeting: Meeting) -> str:
    """A digest of the meeting's agenda and links as they are now: the agenda form carries
    it, so a save over someone else's newer change is refused instead of undoing it."""
    items = meeting.agenda.order_by("order", "pk").values_list(
        "pk", "title", "minutes", "description"
    )
    links = meeting.links.order_by("pk").values_list("pk", "title", "url")
    content = repr((list(items), list(links))).encode()
    return hashlib.sha256(content).hexdigest()[:16]


@transaction.atomic
def meeting_agenda_save(
    *,
    meeting: Meeting,
    actor,
    items: Sequence[Mapping],
    links: Sequence[Mapping],
    version: str,
) -> Meeting:
    """Replace the meeting's agenda (in the given order) and its links.

    `items`: title, minutes (or None), description; `links`: title, url. `version` is
    `agenda_version` as the person saw it: if someone changed the agenda or the links
    since, nothing is saved and a ValidationError says so. A cancelled meeting keeps its
    agenda. Nobody is mailed: the agenda is on the meeting's page and in the next mail.
    """
    _require_manage(actor, meeting)
    _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be changed."), code="cancelled")
    if version != agenda_version(meeting):
        raise ValidationError(
            _(
                "Someone else changed the agenda or the links of this meeting in the "
                "meantime. Nothing is saved: look at the agenda as it is now and make your "
                "change again."
            ),
            code="stale",
        )
    meeting.agenda.all().delete()
    meeting.links.all().delete()
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            order=position,
            title=item["title"],
            minutes=item.get("minutes"),
            description=item.get("description", ""),
        )
        for position, item in enumerate(items, start=1)
    )
    MeetingLink.objects.bulk_create(
        MeetingLink(meeting=meeting, title=link["title"], url=link["url"]) for link in links
    )
    logger.info("meeting %s: agenda saved by %s", meeting.pk, getattr(actor, "pk", None))
    return meeting
