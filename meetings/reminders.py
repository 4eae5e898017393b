"""Reminders and notices: planning the outbox rows, claiming the due ones, sending each once.

The `Delivery` table is the single source of truth (pretix's outbox, Indico's reminders):
one row per (meeting, what is sent, recipient, channel), unique in the database. The life of
a row::

    planned --dispatch_due--> queued --delivery_send--> sending --(mail accepted)--> sent
       |                        |  ^                      |
       |                        |  +--- 4xx, retry -------+--> failed (5xx, or 4xx too often)
       +--> skipped (due before it was planned, or no longer wanted when it came to sending)
       +--> superseded (the meeting changed or was cancelled before it went out)
       +--> missed (its deadline passed before it could go out)

Beat never holds a schedule per meeting: `dispatch_due` runs every minute and `sweep` every
five (sdgpilot/celery.py).

Exactly once, and its one window. Claiming is a compare-and-set on the row's status, so two
dispatchers, two sweepers or a task delivered twice never both move the same row; the send
task marks the row `sending` and commits *before* it talks to the mail server, so a second
run of the task finds `sending` or `sent` and does nothing. What no database can close is
the moment between the mail server accepting the message and the row being marked `sent`:
if the worker dies right there, the row stays `sending`, the sweeper re-queues it after
SENDING_STUCK_AFTER (10 minutes) and the person gets that mail twice. Nothing else can
duplicate a mail (a mail that fails is never re-sent at once on another connection: it is
retried through the row); the benchmark (benchmarks/reminders.py) counts duplicates.

SQLite has no SKIP LOCKED: there claims are compare-and-set updates inside the IMMEDIATE
transactions the settings ask for (see `_claim`).
"""

from __future__ import annotations

import functools
import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import rules
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from .enums import DeliveryKind, DeliveryStatus, MeetingStatus, ReminderTarget
from .models import Delivery, DispatchState, Invitation, Meeting, ReminderOptOut, ReminderRule

logger = logging.getLogger(__name__)

PENDING = (DeliveryStatus.PLANNED, DeliveryStatus.QUEUED)
UNSENT = (DeliveryStatus.PLANNED, DeliveryStatus.QUEUED, DeliveryStatus.SENDING)

# A queued row whose task has not run for this long was lost on the broker (Redis flushed,
# a message dropped): the sweeper queues it again. Longer than the longest retry backoff
# (8 minutes), so a row waiting for its retry is not queued a second time.
QUEUED_LOST_AFTER = timedelta(minutes=15)
# A row still `sending` after this long belongs to a worker that died mid-send: the sweeper
# queues it again. This is the documented duplicate window (see the module docstring): it
# must be longer than one SMTP conversation can take (meetings.mail.SEND_TIMEOUT_S).
SENDING_STUCK_AFTER = timedelta(minutes=10)
# Attempts at a temporary failure (SMTP 4xx, connection refused, timeout) before `failed`.
MAX_ATTEMPTS = 5
RETRY_BACKOFF_S = 60  # doubled at each attempt: 1, 2, 4, 8 minutes
RETRY_BACKOFF_MAX_S = 8 * 60
# How long after its due time the organiser's minutes nudge may still go out.
AFTER_DEADLINE = timedelta(days=2)

# The reasons stored in `Delivery.error` for rows that did not go: stored in English, shown
# to staff in their language (`reason_display`).
DUE_BEFORE_PLANNED = gettext_noop("Its time had passed when it was planned.")
MEETING_CHANGED = gettext_noop("The meeting changed; a newer mail replaces it.")
MEETING_CANCELLED = gettext_noop("The meeting was cancelled.")
MEETING_OFF = gettext_noop("The meeting is no longer published.")
MEETING_NOT_CANCELLED = gettext_noop("The meeting is no longer cancelled.")
NOT_INVITED = gettext_noop("The person is no longer invited.")
OPTED_OUT = gettext_noop("The person opted out of reminders.")
NOT_ORGANISER = gettext_noop("The person is no longer the organiser.")
RULE_OFF = gettext_noop("The reminder rule was switched off or deleted.")
DEADLINE_PASSED = gettext_noop("Its deadline passed before it could go out.")
MEETING_OVER = gettext_noop("The meeting was over when it was planned.")
INACTIVE_ACCOUNT = gettext_noop("The person's account is inactive.")
NOTHING_SENT = gettext_noop("The mail backend sent nothing.")
REASONS = frozenset(
    {
        DUE_BEFORE_PLANNED,
        MEETING_CHANGED,
        MEETING_CANCELLED,
        MEETING_OFF,
        MEETING_NOT_CANCELLED,
        NOT_INVITED,
        OPTED_OUT,
        NOT_ORGANISER,
        RULE_OFF,
        DEADLINE_PASSED,
        MEETING_OVER,
        INACTIVE_ACCOUNT,
        NOTHING_SENT,
    }
)


def reason_display(error: str) -> str:
    """A stored reason in the current language; an SMTP error as the server gave it."""
    return gettext(error) if error in REASONS else error


# --- Times ------------------------------------------------------------------------------


def local_shift(moment: datetime, days: int) -> datetime:
    """`moment` moved by `days` on the Brussels wall clock, returned in UTC.

    A 10:00 meeting's reminder a week earlier goes at 10:00 local time, also when summer
    time starts or ends in between (the last Sundays of March and October): the UTC hour
    differs then, the local one does not. A wall time that does not exist (02:30 on the day
    summer time starts) falls an hour later, one that exists twice takes the first.
    """
    zone = timezone.get_default_timezone()
    local = moment.astimezone(zone)
    shifted = datetime.combine(
        local.date() + timedelta(days=days), local.time().replace(tzinfo=None), tzinfo=zone
    )
    return shifted.astimezone(UTC)


def rule_times(rule: ReminderRule, meeting: Meeting) -> tuple[datetime, datetime]:
    """(due, deadline) of a rule for a meeting, in UTC.

    A negative offset counts back from the start and must go out before the start; zero
    or positive counts on from the end (the organiser's minutes nudge) and may go out up
    to two days late.
    """
    if rule.offset_days < 0:
        return local_shift(meeting.starts_at, rule.offset_days), meeting.starts_at
    due = local_shift(meeting.ends_at, rule.offset_days)
    return due, due + AFTER_DEADLINE


def reminder_key(rule: ReminderRule, meeting: Meeting) -> str:
    return f"reminder:{rule.pk}:s{meeting.sequence}"


def notice_key(kind: str, meeting: Meeting) -> str:
    # A meeting is cancelled once: its cancellation needs no sequence.
    if kind == DeliveryKind.CANCELLATION:
        return str(DeliveryKind.CANCELLATION)
    return f"{kind}:s{meeting.sequence}"


def key_sequence(key: str) -> int | None:
    """The meeting sequence a key was planned for ("reminder:12:s2" -> 2)."""
    tail = key.rsplit(":", 1)[-1]
    return int(tail[1:]) if tail.startswith("s") and tail[1:].isdigit() else None


# --- Planning ---------------------------------------------------------------------------


def _invitees(meeting: Meeting) -> list:
    """The people a reminder to the invitees goes to: active invitations of active
    accounts, less those who opted out of reminders."""
    return list(
        get_user_model()
        .objects.filter(
            meeting_invitations__meeting=meeting,
            meeting_invitations__active=True,
            is_active=True,
        )
        .exclude(pk__in=ReminderOptOut.objects.values("user_id"))
        .order_by("pk")
    )


@transaction.atomic
def reminders_plan(
    *, meeting: Meeting, now: datetime | None = None, record_passed: bool = True
) -> int:
    """(Re)plan the reminder rows of a published meeting for its current sequence.

    One row per active rule of the meeting's kind and recipient, keyed
    "reminder:<rule>:s<sequence>", so planning twice plans once (the unique constraint
    decides, whatever runs concurrently). Pending rows of older sequences (the meeting was
    rescheduled) are superseded; planned rows of this sequence follow a changed rule or
    time. A row whose time has already passed is stored as skipped, saying so: a person
    invited three days before a meeting gets no "one week to go" (`record_passed` False
    leaves such a row out instead, for a meeting entered after it took place: nobody missed
    a mail). A meeting that is not
    published gets no reminders (its pending ones are superseded). Returns the number of
    rows created.
    """
    now = now or timezone.now()
    if meeting.status != MeetingStatus.PUBLISHED:
        reminders_supersede(meeting=meeting)
        return 0
    suffix = f":s{meeting.sequence}"
    (
        Delivery.objects.filter(meeting=meeting, kind=DeliveryKind.REMINDER, status__in=PENDING)
        .exclude(key__endswith=suffix)
        .update(status=DeliveryStatus.SUPERSEDED, error=MEETING_CHANGED)
    )
    rules = list(ReminderRule.objects.filter(kind=meeting.kind, active=True).order_by("pk"))
    invitees = _invitees(meeting) if any(r.target == ReminderTarget.INVITEES for r in rules) else []
    organiser = meeting.organiser if meeting.organiser_id else None
    wanted: dict[tuple[str, int], Delivery] = {}
    for rule in rules:
        due, deadline = rule_times(rule, meeting)
        if rule.target == ReminderTarget.ORGANISER:
            people = [organiser] if organiser is not None and organiser.is_active else []
        else:
            people = invitees
        late = due <= now
        if late and not record_passed:
            continue
        for person in people:
            wanted[(reminder_key(rule, meeting), person.pk)] = Delivery(
                meeting=meeting,
                kind=DeliveryKind.REMINDER,
                rule=rule,
                key=reminder_key(rule, meeting),
                recipient=person,
                status=DeliveryStatus.SKIPPED if late else DeliveryStatus.PLANNED,
                error=DUE_BEFORE_PLANNED if late else "",
                due_at=due,
                deadline=deadline,
                created_at=now,
            )
    existing = {
        (row.key, row.recipient_id): row
        for row in Delivery.objects.filter(
            meeting=meeting, kind=DeliveryKind.REMINDER, key__endswith=suffix
        )
    }
    # A rule's offset or the meeting's time changed without a new sequence: planned rows
    # follow it (rows already queued or further along are left alone).
    changed = []
    for pair, row in existing.items():
        target = wanted.get(pair)
        if target is None or row.status != DeliveryStatus.PLANNED:
            continue
        if (row.due_at, row.deadline) != (target.due_at, target.deadline):
            row.due_at, row.deadline = target.due_at, target.deadline
            row.status, row.error = target.status, target.error
            changed.append(row)
    Delivery.objects.bulk_update(changed, ["due_at", "deadline", "status", "error"])
    new = [row for pair, row in wanted.items() if pair not in existing]
    before = Delivery.objects.filter(meeting=meeting, kind=DeliveryKind.REMINDER).count()
    Delivery.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return Delivery.objects.filter(meeting=meeting, kind=DeliveryKind.REMINDER).count() - before


@transaction.atomic
def notices_plan(*, meeting: Meeting, kind: str, users, now: datetime | None = None) -> int:
    """Plan an invitation, update or cancellation to each of `users`, due now.

    Keyed "<kind>:s<sequence>" ("cancellation" once), so a person is told about each
    change once. A notice may go out until the meeting ends; for a meeting already over it
    is stored as skipped. Opting out of reminders does not stop notices. Returns the number
    of rows created.
    """
    if kind not in (DeliveryKind.INVITATION, DeliveryKind.UPDATE, DeliveryKind.CANCELLATION):
        raise ValueError(f"not a notice: {kind!r}")
    now = now or timezone.now()
    key = notice_key(kind, meeting)
    over = meeting.ends_at <= now
    people = {user.pk: user for user in users if user.is_active}
    rows = [
        Delivery(
            meeting=meeting,
            kind=kind,
            key=key,
            recipient=user,
            status=DeliveryStatus.SKIPPED if over else DeliveryStatus.PLANNED,
            error=MEETING_OVER if over else "",
            due_at=now,
            deadline=meeting.ends_at,
            created_at=now,
        )
        for user in people.values()
    ]
    before = Delivery.objects.filter(meeting=meeting, key=key).count()
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Delivery.objects.filter(meeting=meeting, key=key).count() - before


@transaction.atomic
def reminders_supersede(*, meeting: Meeting) -> int:
    """The meeting's pending reminders will not go (it was cancelled): superseded.

    A row already `sending` is left to finish. Returns the number of rows superseded.
    """
    reason = MEETING_CANCELLED if meeting.status == MeetingStatus.CANCELLED else MEETING_OFF
    return Delivery.objects.filter(
        meeting=meeting, kind=DeliveryKind.REMINDER, status__in=PENDING
    ).update(status=DeliveryStatus.SUPERSEDED, error=reason)


# --- The pause switch -------------------------------------------------------------------


def dispatch_state() -> DispatchState:
    state = DispatchState.objects.order_by("pk").first()
    return state if state is not None else DispatchState(paused=False)


def dispatch_paused() -> bool:
    return DispatchState.objects.filter(paused=True).exists()


@transaction.atomic
def dispatch_pause_set(*, actor, paused: bool) -> DispatchState:
    """Pause or resume sending reminders and notices; staff only.

    While paused nothing is claimed or re-queued, and a send task that finds the switch on
    puts its row back to planned; rows whose deadline passes meanwhile become missed.
    """
    if not rules.has_perm("meetings.manage_meeting", actor):
        raise PermissionDenied
    state = DispatchState.objects.select_for_update().order_by("pk").first()
    if state is None:
        state = DispatchState()
    state.paused = bool(paused)
    state.changed_at = timezone.now()
    state.changed_by = actor
    state.save()
    logger.info("reminders %s by %s", "paused" if paused else "resumed", actor.pk)
    return state


# --- Dispatch ---------------------------------------------------------------------------


def _queue(ids: list[int]) -> None:
    """One send task per row, handed to the broker only once the claim is committed (one
    callback for the batch, publishing over one broker connection in pipelined writes)."""
    from .tasks import queue_sends

    if ids:
        transaction.on_commit(partial(queue_sends, list(ids)))


def _mark_missed(now: datetime) -> int:
    """Rows that can no longer go out in time become missed (shown to staff)."""
    return Delivery.objects.filter(status__in=PENDING, deadline__lte=now).update(
        status=DeliveryStatus.MISSED, error=DEADLINE_PASSED
    )


def _claim(queryset, *, limit: int, **changes) -> list[int]:
    """Move up to `limit` rows of `queryset` to `changes`, each row by one claimer only.

    PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent claimers take disjoint
    rows without waiting for each other, then one UPDATE. SQLite has no row locks and no
    SKIP LOCKED; there each row is claimed by a compare-and-set, an
    `UPDATE ... WHERE id = %s AND <the conditions it was selected by>` (status planned
    and due, or queued since before the cutoff) that only the first claimer wins: the
    others update 0 rows and skip it. The project opens SQLite transactions
    with BEGIN IMMEDIATE (settings: transaction_mode), so a second dispatcher waits for
    the first to commit instead of failing with "database is locked"; the compare-and-set
    keeps the claim exclusive even where that setting is absent.
    """
    if connection.features.has_select_for_update_skip_locked:
        ids = list(
            queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(**changes)
        return ids
    won = []
    for pk in list(queryset.values_list("pk", flat=True)[:limit]):
        # The same conditions again, on this row only: 0 rows if another claimer was first.
        if queryset.filter(pk=pk).order_by().update(**changes):
            won.append(pk)
    return won


def dispatch_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Claim the rows that are due and queue one send task for each; run every minute.

    Due: planned, due_at <= now < deadline, oldest first, at most `limit` per call. Rows
    past their deadline become missed. While the pause switch is on nothing is claimed.
    Returns the number of rows queued.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _mark_missed(now)
        if dispatch_paused():
            return 0
        due = Delivery.objects.filter(
            status=DeliveryStatus.PLANNED, due_at__lte=now, deadline__gt=now
        ).order_by("due_at", "pk")
        ids = _claim(due, limit=limit, status=DeliveryStatus.QUEUED, queued_at=now)
        _queue(ids)
    return len(ids)


@dataclass(frozen=True)
class SweepResult:
    lost: int  # queued rows queued again
    stuck: int  # sending rows queued again
    missed: int


def sweep(*, now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Recover rows the happy path lost; run every five minutes.

    Queued longer than QUEUED_LOST_AFTER (15 min): the task never ran (lost on the
    broker), queue it again. Sending longer than SENDING_STUCK_AFTER (10 min): the worker
    died mid-send, queue it again (the mail may have gone: the documented window). Rows
    past their deadline become missed. While paused nothing is queued again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        missed = _mark_missed(now)
        sending_missed = Delivery.objects.filter(
            status=DeliveryStatus.SENDING,
            deadline__lte=now,
            sending_at__lte=now - SENDING_STUCK_AFTER,
        ).update(status=DeliveryStatus.MISSED, error=DEADLINE_PASSED)
        if dispatch_paused():
            return SweepResult(lost=0, stuck=0, missed=missed + sending_missed)
        lost = _claim(
            Delivery.objects.filter(
                status=DeliveryStatus.QUEUED, queued_at__lte=now - QUEUED_LOST_AFTER
            ).order_by("queued_at", "pk"),
            limit=limit,
            queued_at=now,
        )
        stuck = _claim(
            Delivery.objects.filter(
                status=DeliveryStatus.SENDING, sending_at__lte=now - SENDING_STUCK_AFTER
            ).order_by("sending_at", "pk"),
            limit=limit,
            status=DeliveryStatus.QUEUED,
            queued_at=now,
        )
        _queue(lost + stuck)
    if lost or stuck:
        logger.warning("reminder sweep queued again: %s lost, %s stuck", len(lost), len(stuck))
    return SweepResult(lost=len(lost), stuck=len(stuck), missed=missed + sending_missed)


# --- Sending ----------------------------------------------------------------------------


class SendLater(Exception):
    """A temporary failure: the task should try again after `countdown` seconds."""

    def __init__(self, error: str, countdown: int):
        super().__init__(error)
        self.countdown = countdown


def retry_countdown(attempts: int) -> int:
    base = getattr(settings, "REMINDERS_RETRY_BACKOFF_S", RETRY_BACKOFF_S)
    return int(min(base * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX_S))


# The models the send task reads with the row, in one statement: (alias, model, the
# Delivery foreign key that reaches it; None for the row itself).
_LOCKED = (
    ("d", Delivery, None),
    ("m", Meeting, "meeting"),
    ("u", None, "recipient"),  # the user model, resolved when the statement is built
    ("r", ReminderRule, "rule"),
)


@dataclass(frozen=True)
class _LockStatement:
    sql: str
    # Per model: (alias, model, foreign key name, attnames, (column, converters) each).
    parts: tuple


@functools.cache
def _lock_statement(vendor: str) -> _LockStatement:
    """The send task's one round trip: the row locked with its meeting, recipient and rule,
    and the re-checks (the pause switch, the invitation active or ever, the opt-out).

    Plain SQL built from the models' fields, because it runs once per mail: compiling the
    equivalent queryset (select_for_update + select_related + four EXISTS) took longer
    than the database takes to answer it (benchmarks/reminders.py). Values pass through
    the same converters the ORM applies, so the instances are what a queryset gives.
    """
    quote = connection.ops.quote_name
    columns, joins, parts = [], [], []
    for alias, model, via in _LOCKED:
        model = model or get_user_model()
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{quote(field.column)}" for field in fields]
        cols = [field.get_col(alias) for field in fields]
        converters = tuple(
            (
                col,
                tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection)),
            )
            for col, field in zip(cols, fields, strict=True)
        )
        parts.append((alias, model, via, tuple(field.attname for field in fields), converters))
        if via is not None:
            fk = Delivery._meta.get_field(via)
            join = "LEFT JOIN" if fk.null else "JOIN"
            joins.append(
                f"{join} {quote(model._meta.db_table)} {alias} "
                f"ON {alias}.{quote(model._meta.pk.column)} = d.{quote(fk.column)}"
            )
    state, invitation, opt_out = (
        quote(model._meta.db_table) for model in (DispatchState, Invitation, ReminderOptOut)
    )
    meeting, person = (
        f"d.{quote(Delivery._meta.get_field(name).column)}" for name in ("meeting", "recipient")
    )
    invited = (
        f"SELECT 1 FROM {invitation} i WHERE i.{quote('meeting_id')} = {meeting} "  # noqa: S608
        f"AND i.{quote('user_id')} = {person}"
    )
    columns += [
        f"EXISTS(SELECT 1 FROM {state} s WHERE s.{quote('paused')})",  # noqa: S608
        f"EXISTS({invited} AND i.{quote('active')})",
        f"EXISTS({invited})",
        f"EXISTS(SELECT 1 FROM {opt_out} o WHERE o.{quote('user_id')} = {person})",  # noqa: S608
    ]
    # SQLite has no row locks: the settings' IMMEDIATE transaction serialises the writers.
    lock = ""
    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF d"
    elif connection.features.has_select_for_update:
        lock = " FOR UPDATE"
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Delivery._meta.db_table)} d "  # noqa: S608 - names from the models
        f"{' '.join(joins)} WHERE d.{quote(Delivery._meta.pk.column)} = %s{lock}"
    )
    return _LockStatement(sql=sql, parts=tuple(parts))


def _instance(model, attnames, converters, values):
    for index, (col, functions) in enumerate(converters):
        for function in functions:
            values[index] = function(values[index], col, connection)
    return model.from_db(connection.alias, attnames, values)


def _lock(delivery_id: int) -> Delivery | None:
    """The row, locked (SELECT ... FOR UPDATE; SQLite: the IMMEDIATE transaction), with its
    meeting, recipient and rule, and the send task's re-checks as attributes: paused,
    invited, was_invited, opted_out."""
    statement = _lock_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [delivery_id])
        row = cursor.fetchone()
    if row is None:
        return None
    row, offset, delivery = list(row), 0, None
    for _alias, model, via, attnames, converters in statement.parts:
        values = row[offset : offset + len(attnames)]
        offset += len(attnames)
        if via is None:
            delivery = _instance(model, attnames, converters, values)
        elif getattr(delivery, Delivery._meta.get_field(via).attname) is not None:
            setattr(delivery, via, _instance(model, attnames, converters, values))
    delivery.paused, delivery.invited, delivery.was_invited, delivery.opted_out = (
        bool(flag) for flag in row[offset:]
    )
    return delivery


def _why_not(delivery: Delivery):
    """None if the row should still go out, else (status, reason) for it. `delivery` comes
    from `_lock`, with its flags."""
    meeting, person = delivery.meeting, delivery.recipient
    if not person.is_active:
        return DeliveryStatus.SKIPPED, INACTIVE_ACCOUNT
    sequence = key_sequence(delivery.key)
    if delivery.kind == DeliveryKind.CANCELLATION:
        if meeting.status != MeetingStatus.CANCELLED:
            return DeliveryStatus.SKIPPED, MEETING_NOT_CANCELLED
        # The invitation may have been closed with the meeting; it must have existed.
        if not delivery.was_invited:
            return DeliveryStatus.SKIPPED, NOT_INVITED
        return None
    if meeting.status == MeetingStatus.CANCELLED:
        return DeliveryStatus.SUPERSEDED, MEETING_CANCELLED
    if meeting.status != MeetingStatus.PUBLISHED:
        return DeliveryStatus.SKIPPED, MEETING_OFF
    # An invitation of an older sequence still goes (its text and calendar entry are the
    # meeting as it is now); an older update or reminder is replaced by the newer one.
    if delivery.kind != DeliveryKind.INVITATION and sequence != meeting.sequence:
        return DeliveryStatus.SUPERSEDED, MEETING_CHANGED
    if delivery.kind == DeliveryKind.REMINDER:
        rule = delivery.rule
        if rule is None or not rule.active:
            return DeliveryStatus.SKIPPED, RULE_OFF
        if rule.target == ReminderTarget.ORGANISER:
            if meeting.organiser_id != person.pk:
                return DeliveryStatus.SKIPPED, NOT_ORGANISER
            return None
        if delivery.opted_out:
            return DeliveryStatus.SKIPPED, OPTED_OUT
    if not delivery.invited:
        return DeliveryStatus.SKIPPED, NOT_INVITED
    return None


def _is_temporary(error: Exception) -> bool:
    """SMTP 4xx, a dropped or refused connection, a timeout: worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPException):
        return False
    return isinstance(error, OSError)


def _decoded(message) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = f"SMTP {error.smtp_code}: {_decoded(error.smtp_error)}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "SMTP " + "; ".join(
            f"{code}: {_decoded(message)}" for code, message in error.recipients.values()
        )
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:500]


def _row_update(pk: int, *, statuses: tuple, count_attempt: bool = False, **values) -> int:
    """UPDATE one delivery row if its status is one of `statuses`: a compare-and-set.

    `Delivery.objects.filter(pk=pk, status__in=statuses).update(**values)` in plain SQL,
    for the same reason as `_lock_statement`: it runs twice per mail. Values are prepared
    by their fields as the ORM would. Returns the number of rows changed (0 or 1).
    """
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        field = Delivery._meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    if count_attempt:
        column = quote(Delivery._meta.get_field("attempts").column)
        assignments.append(f"{column} = {column} + 1")
    status = quote(Delivery._meta.get_field("status").column)
    placeholders = ", ".join(["%s"] * len(statuses))
    sql = (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608 - names from the model
        f"WHERE {quote(Delivery._meta.pk.column)} = %s AND {status} IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk, *(str(value) for value in statuses)])
        return cursor.rowcount


def _finish(pk: int, *, status: str, error: str = "", **fields) -> None:
    # From sending (ours) or queued (the sweeper re-queued it while we were slow): either
    # way this attempt decided the row.
    _row_update(
        pk,
        statuses=(DeliveryStatus.SENDING, DeliveryStatus.QUEUED),
        status=status,
        error=error,
        **fields,
    )


def delivery_send(*, delivery_id: int) -> str:
    """Send one row's mail, at most once; the body of the `send_delivery` task.

    1. In a transaction: lock the row (SELECT ... FOR UPDATE; SQLite's BEGIN IMMEDIATE
       serialises writers instead) and go on only if it is `queued`: a second run of the
       task, or a row already sent, superseded or skipped, does nothing. Re-check that the
       mail is still wanted (`_why_not`: the meeting still on, the person still invited,
       not opted out of reminders, the rule still active, no newer change); if not, the row
       is skipped or superseded with the reason. Then mark it `sending` and commit.
    2. Outside any transaction: build and send the mail.
    3. Mark it `sent`. A temporary failure (SMTP 4xx, no connection) puts the row back to
       `queued` and raises SendLater for the task to retry with backoff, up to
       MAX_ATTEMPTS attempts in all; a permanent one (SMTP 5xx, a broken template) marks
       it `failed` with the error. A crash between 2 and 3 leaves it `sending`: see the
       module docstring for that window.

    Returns the row's status after this run.
    """
    from .mail import message_for, send

    now = timezone.now()
    with transaction.atomic():
        delivery = _lock(delivery_id)
        if delivery is None:
            return "missing"
        if delivery.status != DeliveryStatus.QUEUED:
            return delivery.status
        if delivery.paused:
            # Back to the dispatcher, which picks it up once staff resume.
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
                status=DeliveryStatus.PLANNED, queued_at=None
            )
            return DeliveryStatus.PLANNED
        if delivery.deadline <= now:
            _finish(delivery.pk, status=DeliveryStatus.MISSED, error=DEADLINE_PASSED)
            return DeliveryStatus.MISSED
        refusal = _why_not(delivery)
        if refusal is not None:
            status, reason = refusal
            _finish(delivery.pk, status=status, error=reason)
            return status
        claimed = _row_update(
            delivery.pk,
            statuses=(DeliveryStatus.QUEUED,),
            count_attempt=True,
            status=DeliveryStatus.SENDING,
            sending_at=now,
        )
        if not claimed:
            return DeliveryStatus.SENDING
        attempts = delivery.attempts + 1
    try:
        message = message_for(delivery)
    except Exception as error:
        logger.exception("delivery %s: the mail could not be built", delivery.pk)
        _finish(delivery.pk, status=DeliveryStatus.FAILED, error=_describe(error))
        return DeliveryStatus.FAILED
    try:
        accepted = send(message)
    except Exception as error:
        described = _describe(error)
        if _is_temporary(error) and attempts < MAX_ATTEMPTS:
            _finish(
                delivery.pk, status=DeliveryStatus.QUEUED, error=described, queued_at=timezone.now()
            )
            logger.info("delivery %s: %s, retrying", delivery.pk, described)
            raise SendLater(described, retry_countdown(attempts)) from error
        logger.warning("delivery %s failed: %s", delivery.pk, described)
        _finish(delivery.pk, status=DeliveryStatus.FAILED, error=described)
        return DeliveryStatus.FAILED
    if not accepted:
        _finish(delivery.pk, status=DeliveryStatus.FAILED, error=NOTHING_SENT)
        return DeliveryStatus.FAILED
    _finish(delivery.pk, status=DeliveryStatus.SENT, sent_at=timezone.now())
    return DeliveryStatus.SENT


# --- Health -----------------------------------------------------------------------------


def oldest_due_unsent_age(now: datetime | None = None) -> float | None:
    """Seconds since the oldest row that is due but not sent (planned, queued or sending)
    became due; None when nothing is waiting. Grows when beat, the worker or the mail
    server is down, or while staff pause sending."""
    now = now or timezone.now()
    oldest = (
        Delivery.objects.filter(status__in=UNSENT, due_at__lte=now)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return None if oldest is None else round((now - oldest).total_seconds(), 1)


# --- The staff page (reads) -------------------------------------------------------------

UPCOMING_DAYS = 30
UPCOMING_MAX_ROWS = 3000
PROBLEMS_MAX_ROWS = 200


def _require_manage(user) -> None:
    """Reminders and their previews are for staff: anyone else gets PermissionDenied."""
    if not rules.has_perm("meetings.manage_meeting", user):
        raise PermissionDenied


@dataclass
class DeliveryGroup:
    """The rows of one mail of one meeting (same key and due time): one line on the page."""

    key: str
    kind: str
    name: str
    due_at: datetime
    rows: list


@dataclass
class MeetingDeliveries:
    meeting: Meeting
    groups: list


@dataclass
class Overview:
    paused: bool
    state: DispatchState
    counts: list  # (status, label, count) in DeliveryStatus order
    upcoming: list  # MeetingDeliveries, by meeting start
    upcoming_total: int
    upcoming_truncated: bool
    problems: list  # failed and missed rows, newest due first, each with .reason
    problems_total: int
    window_days: int = UPCOMING_DAYS


def reminders_overview(*, user, now: datetime | None = None) -> Overview:
    """What staff see on the reminders page: counts per status, the mails due in the next
    30 days (and overdue ones) grouped by meeting, the failed and missed ones."""
    from django.db.models import Count

    _require_manage(user)
    now = now or timezone.now()
    per_status = dict(
        Delivery.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    counts = [(value, label, per_status.get(value, 0)) for value, label in DeliveryStatus.choices]
    upcoming_qs = (
        Delivery.objects.filter(status__in=UNSENT, due_at__lt=now + timedelta(days=UPCOMING_DAYS))
        .select_related("meeting", "recipient", "rule")
        .order_by("meeting__starts_at", "meeting_id", "due_at", "key", "recipient__email")
    )
    rows = list(upcoming_qs[: UPCOMING_MAX_ROWS + 1])
    truncated = len(rows) > UPCOMING_MAX_ROWS
    rows = rows[:UPCOMING_MAX_ROWS]
    meetings: dict[int, MeetingDeliveries] = {}
    for row in rows:
        entry = meetings.setdefault(row.meeting_id, MeetingDeliveries(row.meeting, []))
        group = entry.groups[-1] if entry.groups else None
        if group is None or (group.key, group.due_at) != (row.key, row.due_at):
            name = row.rule.name if row.rule is not None else row.get_kind_display()
            group = DeliveryGroup(row.key, row.kind, name, row.due_at, [])
            entry.groups.append(group)
        group.rows.append(row)
    problems_qs = Delivery.objects.filter(
        status__in=(DeliveryStatus.FAILED, DeliveryStatus.MISSED)
    ).select_related("meeting", "recipient", "rule")
    problems = list(problems_qs.order_by("-due_at", "-pk")[:PROBLEMS_MAX_ROWS])
    for row in problems:
        row.reason = reason_display(row.error)
    return Overview(
        paused=dispatch_paused(),
        state=dispatch_state(),
        counts=counts,
        upcoming=list(meetings.values()),
        upcoming_total=upcoming_qs.count() if truncated else len(rows),
        upcoming_truncated=truncated,
        problems=problems,
        problems_total=per_status.get(DeliveryStatus.FAILED, 0)
        + per_status.get(DeliveryStatus.MISSED, 0),
    )


@dataclass
class Preview:
    delivery: Delivery
    to: str
    subject: str
    text: str
    attachments: list  # file names
    reason: str


def delivery_preview(*, user, pk: int) -> Preview:
    """The mail one delivery sends (or sent), as its recipient gets it; staff only.

    An unknown id is a 404. The mail is composed from the meeting and the rule as they are
    now, as the send task would.
    """
    from django.shortcuts import get_object_or_404

    from .mail import message_for

    _require_manage(user)
    delivery = get_object_or_404(
        Delivery.objects.select_related("meeting", "recipient", "rule"), pk=pk
    )
    message = message_for(delivery)
    names = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple):
            names.append(attachment[0])
        else:
            names.append(attachment.get_filename() or attachment.get_content_type())
    return Preview(
        delivery=delivery,
        to=", ".join(message.to),
        subject=message.subject,
        text=message.body,
        attachments=names,
        reason=reason_display(delivery.error),
    )
