"""The reminder engine: planning in local time, claiming once, sending once, recovering.

The real worker and SMTP server are in test_meetings_reminders_integration.py; here the
functions run in the test process and mail goes to Django's locmem outbox.
"""

import smtplib
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import icalendar
import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks, urlize

from core.services import health_check
from meetings import reminders
from meetings.enums import (
    DeliveryKind,
    DeliveryStatus,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
    ReminderTarget,
)
from meetings.mail import message_for, rule_html, rule_text, rule_text_problem, when_text
from meetings.models import Delivery, DispatchState, MeetingDocument, ReminderOptOut, ReminderRule
from meetings.reminders import (
    MAX_ATTEMPTS,
    QUEUED_LOST_AFTER,
    SENDING_STUCK_AFTER,
    SendLater,
    delivery_send,
    dispatch_due,
    dispatch_pause_set,
    local_shift,
    notices_plan,
    reminders_plan,
    reminders_supersede,
    sweep,
)
from meetings.tasks import send_delivery
from sdgpilot.celery import app
from tests.factories import UserFactory
from tests.meetings.conftest import days_ahead, local

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(kind, offset):
    return ReminderRule.objects.get(kind=kind, offset_days=offset)


def rows(meeting, **filters):
    return Delivery.objects.filter(meeting=meeting, **filters)


@pytest.fixture(autouse=True)
def _urls(meetings_urls):
    """Mails link to the meetings pages: their URLs must reverse."""


@pytest.fixture
def queued_tasks(monkeypatch):
    """The ids handed to the broker, in order (the send task itself does not run)."""
    sent = []
    monkeypatch.setattr(send_delivery, "apply_async", lambda args, **options: sent.append(args[0]))
    return sent


def _due_reminder(meeting, *, status=DeliveryStatus.QUEUED, **fields):
    """The meeting's one-day reminder to its first invitee, ready to send."""
    person = fields.pop("recipient", None) or meeting.invitations.order_by("pk").first().user
    the_rule = fields.pop("rule", None) or rule(meeting.kind, -1)
    now = timezone.now()
    return Delivery.objects.create(
        meeting=meeting,
        kind=DeliveryKind.REMINDER,
        rule=the_rule,
        key=fields.pop("key", f"reminder:{the_rule.pk}:s{meeting.sequence}"),
        recipient=person,
        status=status,
        due_at=fields.pop("due_at", now - timedelta(minutes=1)),
        deadline=fields.pop("deadline", meeting.starts_at),
        queued_at=now if status == DeliveryStatus.QUEUED else None,
        **fields,
    )


def _fail_with(monkeypatch, *errors):
    """The locmem backend raises the given errors in turn, then delivers as usual."""
    queue = list(errors)
    original = LocmemBackend.send_messages

    def send_messages(self, messages):
        if queue:
            raise queue.pop(0)
        return original(self, messages)

    monkeypatch.setattr(LocmemBackend, "send_messages", send_messages)


# --- The default policy ------------------------------------------------------------------


def test_default_policy_has_the_offsets_of_the_issue(reminder_rules):
    invitees = {
        (r.kind, r.offset_days, r.include_documents)
        for r in reminder_rules
        if r.target == ReminderTarget.INVITEES
    }
    assert invitees == {
        (MeetingKind.PILOT_MEETING, -7, False),
        (MeetingKind.PILOT_MEETING, -1, False),
        (MeetingKind.INFO_SESSION, -7, False),
        (MeetingKind.ANNUAL_GATHERING, -60, False),
        (MeetingKind.ANNUAL_GATHERING, -14, False),
        (MeetingKind.ANNUAL_GATHERING, -2, False),
        (MeetingKind.BOARD_MEETING, -14, True),
        (MeetingKind.BOARD_MEETING, -2, False),
    }
    nudges = {(r.kind, r.offset_days) for r in reminder_rules if r.target == "organiser"}
    assert nudges == {(kind, 2) for kind in MeetingKind.values}
    for r in reminder_rules:
        for text in (r.subject_nl, r.subject_en, r.body_nl, r.body_en):
            assert rule_text_problem(text) is None
        assert "{{ meeting }}" in r.subject_nl and "{{ meeting }}" in r.subject_en


# --- Planning ----------------------------------------------------------------------------


def test_plan_gives_each_invitee_each_reminder_at_the_meetings_local_hour(
    reminder_rules, published_meeting, meetings_world
):
    meeting = published_meeting
    created = reminders_plan(meeting=meeting)
    invitees = meetings_world.pilot_users
    assert created == 2 * len(invitees) + 1
    week, day = rule(meeting.kind, -7), rule(meeting.kind, -1)
    nudge = ReminderRule.objects.get(kind=meeting.kind, target=ReminderTarget.ORGANISER)
    start = timezone.localtime(meeting.starts_at)
    for the_rule, days in ((week, 7), (day, 1)):
        planned = rows(meeting, rule=the_rule)
        assert {d.recipient for d in planned} == set(invitees)
        for delivery in planned:
            assert delivery.key == f"reminder:{the_rule.pk}:s0"
            assert delivery.status == DeliveryStatus.PLANNED
            due = timezone.localtime(delivery.due_at)
            assert (due.hour, due.minute) == (start.hour, start.minute) == (10, 0)
            assert due.date() == start.date() - timedelta(days=days)
            assert delivery.deadline == meeting.starts_at
    organiser_row = rows(meeting, rule=nudge).get()
    assert organiser_row.recipient == meetings_world.staff
    end = timezone.localtime(meeting.ends_at)
    assert timezone.localtime(organiser_row.due_at) == end + timedelta(days=2)
    assert organiser_row.deadline == organiser_row.due_at + timedelta(days=2)


@pytest.mark.parametrize(
    ("starts", "offset", "due_utc", "start_utc"),
    [
        # Summer time starts on Sunday 29 March 2026: the week before is UTC+1, the
        # meeting day UTC+2. Same local hour, a different UTC hour.
        (local(2026, 3, 31, 10), -7, utc(2026, 3, 24, 9), utc(2026, 3, 31, 8)),
        (local(2026, 3, 31, 10), -1, utc(2026, 3, 30, 8), utc(2026, 3, 31, 8)),
        # Summer time ends on Sunday 25 October 2026: the other way round.
        (local(2026, 10, 27, 10), -7, utc(2026, 10, 20, 8), utc(2026, 10, 27, 9)),
        (local(2026, 10, 27, 10), -1, utc(2026, 10, 26, 9), utc(2026, 10, 27, 9)),
    ],
)
def test_plan_keeps_the_local_hour_across_the_change_of_summer_time(
    reminder_rules, make_meeting, starts, offset, due_utc, start_utc
):
    meeting = make_meeting(starts_at=starts, ends_at=starts + timedelta(hours=2))
    assert meeting.starts_at == start_utc
    reminders_plan(meeting=meeting, now=utc(2026, 1, 1))
    for delivery in rows(meeting, rule=rule(MeetingKind.PILOT_MEETING, offset)):
        assert delivery.due_at == due_utc
        assert timezone.localtime(delivery.due_at).hour == 10
        assert delivery.status == DeliveryStatus.PLANNED


def test_local_shift_across_both_changes_and_into_the_gap():
    # The annual gathering's save-the-date, 60 days before an autumn meeting in summer time.
    assert local_shift(local(2026, 11, 20, 19), -60) == utc(2026, 9, 21, 17)
    # 02:30 does not exist on 29 March 2026: it falls an hour later, 03:30 summer time.
    moved = local_shift(local(2026, 3, 30, 2, 30), -1)
    assert timezone.localtime(moved).hour == 3 and moved == utc(2026, 3, 29, 1, 30)


def test_plan_twice_plans_once(reminder_rules, published_meeting):
    first = reminders_plan(meeting=published_meeting)
    snapshot = set(rows(published_meeting).values_list("pk", "key", "recipient_id", "due_at"))
    assert reminders_plan(meeting=published_meeting) == 0
    assert set(rows(published_meeting).values_list("pk", "key", "recipient_id", "due_at")) == (
        snapshot
    )
    assert first == len(snapshot)


def test_plan_skips_what_is_already_past_and_says_so(reminder_rules, make_meeting):
    meeting = make_meeting(starts_at=days_ahead(3))
    reminders_plan(meeting=meeting)
    week = rows(meeting, rule=rule(meeting.kind, -7))
    assert week.exists()
    assert set(week.values_list("status", flat=True)) == {DeliveryStatus.SKIPPED}
    assert set(week.values_list("error", flat=True)) == {reminders.DUE_BEFORE_PLANNED}
    day = rows(meeting, rule=rule(meeting.kind, -1))
    assert set(day.values_list("status", flat=True)) == {DeliveryStatus.PLANNED}
    # Skipped rows are never claimed.
    dispatch_due(now=meeting.starts_at - timedelta(hours=1))
    assert set(week.values_list("status", flat=True)) == {DeliveryStatus.SKIPPED}


def test_plan_without_recording_passed_times_leaves_them_out(reminder_rules, make_meeting):
    meeting = make_meeting(starts_at=days_ahead(3))
    assert reminders_plan(meeting=meeting, record_passed=False) == rows(meeting).count()
    assert not rows(meeting, rule=rule(meeting.kind, -7)).exists()
    day = rows(meeting, rule=rule(meeting.kind, -1))
    assert day.exists()
    assert set(day.values_list("status", flat=True)) == {DeliveryStatus.PLANNED}


def test_reschedule_replans_and_supersedes_the_pending_ones(
    reminder_rules, published_meeting, queued_tasks
):
    meeting = published_meeting
    reminders_plan(meeting=meeting)
    week = rule(meeting.kind, -7)
    # One reminder already went out before the change: it stays sent.
    sent = rows(meeting, rule=week).first()
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    old_pending = set(rows(meeting, status=DeliveryStatus.PLANNED).values_list("pk", flat=True))
    meeting.starts_at += timedelta(days=2)
    meeting.ends_at += timedelta(days=2)
    meeting.sequence += 1
    meeting.save()
    created = reminders_plan(meeting=meeting)
    assert created == len(old_pending) + 1
    assert set(Delivery.objects.filter(pk__in=old_pending).values_list("status", flat=True)) == {
        DeliveryStatus.SUPERSEDED
    }
    assert Delivery.objects.get(pk=sent.pk).status == DeliveryStatus.SENT
    new = rows(meeting, key__endswith=":s1")
    assert new.count() == created
    for delivery in new.filter(rule=week):
        assert timezone.localtime(delivery.due_at).date() == (
            timezone.localtime(meeting.starts_at).date() - timedelta(days=7)
        )
        assert delivery.deadline == meeting.starts_at


def test_plan_follows_a_changed_rule_for_rows_not_yet_queued(reminder_rules, published_meeting):
    reminders_plan(meeting=published_meeting)
    week = rule(published_meeting.kind, -7)
    week.offset_days = -5
    week.save()
    assert reminders_plan(meeting=published_meeting) == 0
    for delivery in rows(published_meeting, rule=week):
        assert timezone.localtime(delivery.due_at).date() == (
            timezone.localtime(published_meeting.starts_at).date() - timedelta(days=5)
        )


def test_plan_leaves_out_who_opted_out_and_who_is_no_longer_invited(
    reminder_rules, published_meeting, meetings_world
):
    opted, uninvited, *others = meetings_world.pilot_users
    ReminderOptOut.objects.create(user=opted)
    published_meeting.invitations.filter(user=uninvited).update(active=False)
    reminders_plan(meeting=published_meeting)
    invitee_rows = rows(published_meeting, rule__target=ReminderTarget.INVITEES)
    assert {d.recipient for d in invitee_rows} == set(others)


def test_plan_of_a_meeting_that_is_not_published_plans_nothing(reminder_rules, make_meeting):
    draft = make_meeting(status=MeetingStatus.DRAFT)
    assert reminders_plan(meeting=draft) == 0
    assert not rows(draft).exists()


def test_rules_switched_off_or_of_other_kinds_plan_nothing(reminder_rules, make_meeting):
    ReminderRule.objects.filter(kind=MeetingKind.INFO_SESSION).update(active=False)
    info = make_meeting(kind=MeetingKind.INFO_SESSION, audience=MeetingAudience.OUTREACH)
    assert reminders_plan(meeting=info) == 0
    coaching = make_meeting(kind=MeetingKind.COACHING)
    reminders_plan(meeting=coaching)
    assert set(rows(coaching).values_list("rule__target", flat=True)) == {"organiser"}


def test_supersede_on_cancel_leaves_sent_and_sending_rows(reminder_rules, published_meeting):
    reminders_plan(meeting=published_meeting)
    first, second, *_rest = rows(published_meeting).order_by("pk")
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.SENT)
    Delivery.objects.filter(pk=second.pk).update(status=DeliveryStatus.SENDING)
    published_meeting.status = MeetingStatus.CANCELLED
    published_meeting.save()
    superseded = reminders_supersede(meeting=published_meeting)
    assert superseded == rows(published_meeting).count() - 2
    assert rows(published_meeting, status=DeliveryStatus.SUPERSEDED).count() == superseded
    assert set(
        rows(published_meeting, status=DeliveryStatus.SUPERSEDED).values_list("error", flat=True)
    ) == {reminders.MEETING_CANCELLED}


def test_notices_are_due_now_once_per_change(published_meeting, meetings_world):
    users = meetings_world.pilot_users
    before = timezone.now()
    assert notices_plan(meeting=published_meeting, kind=DeliveryKind.INVITATION, users=users) == 4
    assert notices_plan(meeting=published_meeting, kind=DeliveryKind.INVITATION, users=users) == 0
    invitation = rows(published_meeting, kind=DeliveryKind.INVITATION)
    assert set(invitation.values_list("key", flat=True)) == {"invitation:s0"}
    for delivery in invitation:
        assert before <= delivery.due_at <= timezone.now()
        assert delivery.deadline == published_meeting.ends_at
        assert delivery.status == DeliveryStatus.PLANNED
    published_meeting.sequence = 3
    notices_plan(meeting=published_meeting, kind=DeliveryKind.UPDATE, users=users)
    notices_plan(meeting=published_meeting, kind=DeliveryKind.CANCELLATION, users=users)
    assert set(rows(published_meeting).values_list("key", flat=True)) == {
        "invitation:s0",
        "update:s3",
        "cancellation",
    }
    with pytest.raises(ValueError):
        notices_plan(meeting=published_meeting, kind=DeliveryKind.REMINDER, users=users)


def test_notices_of_a_meeting_that_is_over_are_skipped(make_meeting, meetings_world):
    over = make_meeting(starts_at=days_ahead(-3))
    notices_plan(meeting=over, kind=DeliveryKind.INVITATION, users=meetings_world.pilot_users)
    assert set(rows(over).values_list("status", "error")) == {
        (DeliveryStatus.SKIPPED, reminders.MEETING_OVER)
    }


def test_notices_ignore_the_reminder_opt_out(published_meeting, meetings_world):
    ReminderOptOut.objects.create(user=meetings_world.pilot_users[0])
    notices_plan(
        meeting=published_meeting,
        kind=DeliveryKind.INVITATION,
        users=meetings_world.pilot_users,
    )
    assert rows(published_meeting).count() == 4


# --- Dispatch ----------------------------------------------------------------------------


def _planned_due(meeting):
    """Plan the reminders and return the moment the one-day reminders are due."""
    reminders_plan(meeting=meeting)
    day = rule(meeting.kind, -1)
    return rows(meeting, rule=day).first().due_at + timedelta(seconds=1)


def test_dispatch_claims_each_due_row_once(
    reminder_rules, published_meeting, queued_tasks, django_capture_on_commit_callbacks
):
    now = _planned_due(published_meeting)
    due = set(rows(published_meeting, due_at__lte=now).values_list("pk", flat=True))
    assert len(due) == 8  # both reminders of the four invitees; not the organiser's nudge
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now) == 8
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now) == 0
    assert sorted(queued_tasks) == sorted(due)
    claimed = rows(published_meeting, pk__in=due)
    assert set(claimed.values_list("status", "queued_at")) == {(DeliveryStatus.QUEUED, now)}
    assert rows(published_meeting, status=DeliveryStatus.PLANNED).count() == 1


def test_dispatch_queues_nothing_before_commit(
    reminder_rules, published_meeting, queued_tasks, django_capture_on_commit_callbacks
):
    now = _planned_due(published_meeting)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch_due(now=now)
    assert queued_tasks == []
    # One callback queues the whole batch, one task per row.
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(queued_tasks) == sorted(
        rows(published_meeting, status=DeliveryStatus.QUEUED).values_list("pk", flat=True)
    )
    assert len(queued_tasks) == 8


def test_dispatch_takes_the_oldest_first_up_to_the_limit(
    reminder_rules, published_meeting, queued_tasks, django_capture_on_commit_callbacks
):
    now = _planned_due(published_meeting)
    week = set(rows(published_meeting, rule__offset_days=-7).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now, limit=4) == 4
    assert set(queued_tasks) == week


def test_dispatch_marks_rows_past_their_deadline_missed(
    reminder_rules, published_meeting, queued_tasks
):
    reminders_plan(meeting=published_meeting)
    after_start = published_meeting.starts_at + timedelta(minutes=1)
    assert dispatch_due(now=after_start) == 0
    missed = rows(published_meeting, status=DeliveryStatus.MISSED)
    assert missed.count() == 8
    assert set(missed.values_list("error", flat=True)) == {reminders.DEADLINE_PASSED}
    assert rows(published_meeting, status=DeliveryStatus.PLANNED).count() == 1  # the nudge


def test_dispatch_claims_nothing_while_paused(
    reminder_rules,
    published_meeting,
    queued_tasks,
    meetings_world,
    django_capture_on_commit_callbacks,
):
    now = _planned_due(published_meeting)
    dispatch_pause_set(actor=meetings_world.staff, paused=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now) == 0
    assert queued_tasks == []
    assert rows(published_meeting, status=DeliveryStatus.PLANNED).count() == 9
    dispatch_pause_set(actor=meetings_world.staff, paused=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now) == 8


def test_only_staff_pause(meetings_world):
    with pytest.raises(PermissionDenied):
        dispatch_pause_set(actor=meetings_world.pilot_users[0], paused=True)
    assert not DispatchState.objects.filter(paused=True).exists()
    state = dispatch_pause_set(actor=meetings_world.staff, paused=True)
    assert state.paused and state.changed_by == meetings_world.staff
    assert DispatchState.objects.count() == 1


def test_claim_by_compare_and_set_skips_a_row_another_claimer_took(
    reminder_rules, published_meeting, monkeypatch
):
    """The SQLite path: a row claimed by someone else between the read and the update is
    not claimed a second time."""
    now = _planned_due(published_meeting)
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    due = Delivery.objects.filter(
        status=DeliveryStatus.PLANNED, due_at__lte=now, deadline__gt=now
    ).order_by("due_at", "pk")
    listed = list(due.values_list("pk", flat=True))
    taken = listed[2]
    original = type(due).values_list

    def values_list_then_race(self, *fields, **kwargs):
        result = list(original(self, *fields, **kwargs))
        # Another dispatcher claims one row right after this one read the candidates.
        Delivery.objects.filter(pk=taken).update(status=DeliveryStatus.QUEUED)
        return result

    monkeypatch.setattr(type(due), "values_list", values_list_then_race)
    won = reminders._claim(due, limit=100, status=DeliveryStatus.QUEUED, queued_at=now)
    assert taken not in won
    assert sorted(won) == sorted(set(listed) - {taken})


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED across connections needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_claim_each_row_once(
    reference_data, reminder_rules, make_meeting, monkeypatch
):
    queued = []
    lock = threading.Lock()

    def record(args, **options):
        with lock:
            queued.append(args[0])

    monkeypatch.setattr(send_delivery, "apply_async", record)
    meetings = [make_meeting() for _ in range(6)]
    for meeting in meetings:
        reminders_plan(meeting=meeting)
    now = max(m.starts_at for m in meetings) - timedelta(hours=1)
    due = set(
        Delivery.objects.filter(due_at__lte=now, status=DeliveryStatus.PLANNED).values_list(
            "pk", flat=True
        )
    )
    assert len(due) == 6 * 8
    barrier = threading.Barrier(2)
    counts = []

    def dispatch():
        try:
            barrier.wait()
            for _ in range(10):
                counts.append(dispatch_due(now=now, limit=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == len(due)
    assert sorted(queued) == sorted(due)
    assert Delivery.objects.filter(pk__in=due, status=DeliveryStatus.QUEUED).count() == len(due)


# --- Sending -----------------------------------------------------------------------------


def test_send_twice_sends_once(reminder_rules, published_meeting):
    delivery = _due_reminder(published_meeting)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None and delivery.sending_at is not None
    assert mail.outbox[0].to == [
        f"{delivery.recipient.get_full_name()} <{delivery.recipient.email}>"
    ]


def test_the_locked_row_and_its_related_rows_are_what_the_orm_reads(
    reminder_rules, published_meeting
):
    """The send task reads row, meeting, recipient and rule in one plain statement: every
    field must come out as a queryset gives it (types, time zones, choices)."""
    from django.db import transaction

    delivery = _due_reminder(published_meeting)
    organiserless = _due_reminder(published_meeting, key="invitation:s0", rule=None)
    organiserless.kind = DeliveryKind.INVITATION
    organiserless.rule = None
    organiserless.save()
    expected = Delivery.objects.select_related("meeting", "recipient", "rule").get(pk=delivery.pk)
    with transaction.atomic():
        locked = reminders._lock(delivery.pk)
        without_rule = reminders._lock(organiserless.pk)
        missing = reminders._lock(delivery.pk + 1000)
    for mine, theirs in (
        (locked, expected),
        (locked.meeting, expected.meeting),
        (locked.recipient, expected.recipient),
        (locked.rule, expected.rule),
    ):
        for field in type(theirs)._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
    assert locked.due_at.tzinfo is not None and locked.meeting.starts_at.tzinfo is not None
    assert (locked.paused, locked.invited, locked.was_invited, locked.opted_out) == (
        False,
        True,
        True,
        False,
    )
    assert without_rule.rule is None and without_rule.rule_id is None
    assert missing is None
    ReminderOptOut.objects.create(user=delivery.recipient)
    published_meeting.invitations.filter(user=delivery.recipient).update(active=False)
    DispatchState.objects.update_or_create(pk=1, defaults={"paused": True})
    with transaction.atomic():
        flags = reminders._lock(delivery.pk)
    assert (flags.paused, flags.invited, flags.was_invited, flags.opted_out) == (
        True,
        False,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Aurélie", "De Witte", "Aurélie De Witte <a@example.org>"),
        ("Jan", "Peeters, schepen", '"Jan Peeters, schepen" <a@example.org>'),
        ("", "", "a@example.org"),
    ],
)
def test_recipient_address_keeps_the_name_and_quotes_where_needed(first, last, expected):
    from meetings.mail import recipient_address

    person = UserFactory.build(first_name=first, last_name=last, email="a@example.org")
    assert recipient_address(person) == expected


def test_the_task_run_twice_sends_once(reminder_rules, published_meeting):
    delivery = _due_reminder(published_meeting)
    assert send_delivery.apply(args=[delivery.pk]).get() == DeliveryStatus.SENT
    assert send_delivery.apply(args=[delivery.pk]).get() == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_send_does_nothing_to_a_row_that_is_not_queued(reminder_rules, published_meeting):
    for status in (
        DeliveryStatus.PLANNED,
        DeliveryStatus.SENDING,
        DeliveryStatus.SUPERSEDED,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.FAILED,
    ):
        delivery = _due_reminder(published_meeting, status=status)
        assert delivery_send(delivery_id=delivery.pk) == status
        delivery.delete()
    assert delivery_send(delivery_id=10**9) == "missing"
    assert mail.outbox == []


def test_send_rechecks_that_the_meeting_is_still_on(reminder_rules, published_meeting):
    delivery = _due_reminder(published_meeting)
    published_meeting.status = MeetingStatus.CANCELLED
    published_meeting.save()
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SUPERSEDED
    delivery.refresh_from_db()
    assert delivery.error == reminders.MEETING_CANCELLED
    assert mail.outbox == []


def test_send_rechecks_that_the_person_is_still_invited(reminder_rules, published_meeting):
    delivery = _due_reminder(published_meeting)
    published_meeting.invitations.filter(user=delivery.recipient).update(active=False)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SKIPPED
    delivery.refresh_from_db()
    assert delivery.error == reminders.NOT_INVITED
    assert mail.outbox == []


def test_send_rechecks_the_opt_out_rule_and_sequence(reminder_rules, published_meeting):
    opted = _due_reminder(published_meeting)
    ReminderOptOut.objects.create(user=opted.recipient)
    assert delivery_send(delivery_id=opted.pk) == DeliveryStatus.SKIPPED
    second = published_meeting.invitations.order_by("pk")[1].user
    off = _due_reminder(published_meeting, recipient=second)
    ReminderRule.objects.filter(pk=off.rule_id).update(active=False)
    assert delivery_send(delivery_id=off.pk) == DeliveryStatus.SKIPPED
    assert Delivery.objects.get(pk=off.pk).error == reminders.RULE_OFF
    third = published_meeting.invitations.order_by("pk")[2].user
    stale = _due_reminder(
        published_meeting, recipient=third, rule=rule(MeetingKind.PILOT_MEETING, -7)
    )
    published_meeting.sequence += 1
    published_meeting.save()
    assert delivery_send(delivery_id=stale.pk) == DeliveryStatus.SUPERSEDED
    assert mail.outbox == []


def test_the_minutes_nudge_goes_to_the_organiser_only_while_organiser(
    reminder_rules, published_meeting, meetings_world, meetings_url_settings
):
    nudge = ReminderRule.objects.get(kind=published_meeting.kind, target="organiser")
    delivery = _due_reminder(
        published_meeting,
        rule=nudge,
        recipient=meetings_world.staff,
        deadline=timezone.now() + timedelta(days=1),
    )
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    body = mail.outbox[0].body
    assert reverse("meetings:detail", args=[published_meeting.pk]) in body
    # No opt-out link and no calendar entry in the organiser's nudge.
    assert "/meetings/reminders/" not in body
    assert not mail.outbox[0].attachments
    other = UserFactory(is_staff=True, password=None)
    published_meeting.organiser = other
    published_meeting.save()
    again = _due_reminder(
        published_meeting,
        rule=nudge,
        recipient=meetings_world.staff,
        key="reminder:x:s0",
        deadline=timezone.now() + timedelta(days=1),
    )
    assert delivery_send(delivery_id=again.pk) == DeliveryStatus.SKIPPED


def test_send_after_the_deadline_is_missed(reminder_rules, published_meeting):
    delivery = _due_reminder(published_meeting, deadline=timezone.now() - timedelta(seconds=1))
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.MISSED
    assert mail.outbox == []


def test_send_while_paused_returns_the_row_to_the_dispatcher(
    reminder_rules, published_meeting, meetings_world
):
    delivery = _due_reminder(published_meeting)
    dispatch_pause_set(actor=meetings_world.staff, paused=True)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.PLANNED
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PLANNED
    assert mail.outbox == []


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
        smtplib.SMTPSenderRefused(421, b"4.7.0 Busy", "sdg@example.org"),
        smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"4.2.1 Mailbox busy")}),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
    ],
    ids=["451", "421", "rcpt-450", "disconnected", "refused", "timeout"],
)
def test_a_temporary_failure_is_retried_with_backoff(
    reminder_rules, published_meeting, monkeypatch, error
):
    delivery = _due_reminder(published_meeting)
    _fail_with(monkeypatch, error)
    with pytest.raises(SendLater) as later:
        delivery_send(delivery_id=delivery.pk)
    assert later.value.countdown == 60
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert delivery.error
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.error) == (2, "")
    assert len(mail.outbox) == 1


def test_temporary_failures_end_as_failed_after_the_last_attempt(
    reminder_rules, published_meeting, monkeypatch
):
    delivery = _due_reminder(published_meeting)
    _fail_with(monkeypatch, *[smtplib.SMTPDataError(451, b"later")] * MAX_ATTEMPTS)
    countdowns = []
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(SendLater) as later:
            delivery_send(delivery_id=delivery.pk)
        countdowns.append(later.value.countdown)
    assert countdowns == [60, 120, 240, 480]
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.error) == (MAX_ATTEMPTS, "SMTP 451: later")
    assert max(countdowns) < QUEUED_LOST_AFTER.total_seconds()


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (smtplib.SMTPDataError(554, b"5.7.1 Rejected as spam"), "SMTP 554: 5.7.1 Rejected as spam"),
        (
            smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"5.1.1 No such user")}),
            "SMTP 550: 5.1.1 No such user",
        ),
        (
            smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),
            "SMTP 535: 5.7.8 Bad credentials",
        ),
    ],
    ids=["554", "rcpt-550", "auth-535"],
)
def test_a_permanent_failure_marks_failed_with_the_error(
    reminder_rules, published_meeting, monkeypatch, error, text
):
    delivery = _due_reminder(published_meeting)
    _fail_with(monkeypatch, error)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error, delivery.attempts) == (
        DeliveryStatus.FAILED,
        text,
        1,
    )
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    assert mail.outbox == []


def test_the_task_retries_a_temporary_failure(reminder_rules, published_meeting, monkeypatch):
    delivery = _due_reminder(published_meeting)
    _fail_with(monkeypatch, smtplib.SMTPDataError(451, b"later"))
    # Run eagerly, the task's retry runs at once: the second attempt delivers.
    assert send_delivery.apply(args=[delivery.pk]).get() == DeliveryStatus.SENT
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_broken_rule_template_fails_the_row(reminder_rules, published_meeting):
    delivery = _due_reminder(published_meeting)
    ReminderRule.objects.filter(pk=delivery.rule_id).update(body_nl="{% if %}", body_en="{% if %}")
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    assert "TemplateSyntaxError" in Delivery.objects.get(pk=delivery.pk).error


# --- The sweeper -------------------------------------------------------------------------


def test_sweep_queues_again_what_the_broker_lost(
    reminder_rules, published_meeting, queued_tasks, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = _due_reminder(published_meeting)
    Delivery.objects.filter(pk=lost.pk).update(queued_at=now - QUEUED_LOST_AFTER)
    second = published_meeting.invitations.order_by("pk")[1].user
    recent = _due_reminder(published_meeting, recipient=second)
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(now=now)
    assert (result.lost, result.stuck) == (1, 0)
    assert queued_tasks == [lost.pk]
    assert Delivery.objects.get(pk=lost.pk).queued_at == now
    assert Delivery.objects.get(pk=recent.pk).queued_at == recent.queued_at
    # Queued again, it is sent once by the task.
    assert delivery_send(delivery_id=lost.pk) == DeliveryStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=now).lost == 0
    assert len(mail.outbox) == 1


def test_sweep_queues_again_what_a_dead_worker_left_sending(
    reminder_rules, published_meeting, queued_tasks, django_capture_on_commit_callbacks
):
    now = timezone.now()
    stuck = _due_reminder(
        published_meeting, status=DeliveryStatus.SENDING, sending_at=now - SENDING_STUCK_AFTER
    )
    second = published_meeting.invitations.order_by("pk")[1].user
    busy = _due_reminder(
        published_meeting,
        recipient=second,
        status=DeliveryStatus.SENDING,
        sending_at=now - timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(now=now)
    assert (result.lost, result.stuck) == (0, 1)
    assert queued_tasks == [stuck.pk]
    assert Delivery.objects.get(pk=stuck.pk).status == DeliveryStatus.QUEUED
    assert Delivery.objects.get(pk=busy.pk).status == DeliveryStatus.SENDING
    assert delivery_send(delivery_id=stuck.pk) == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_a_slow_send_finishing_after_the_sweeper_requeued_it_still_counts(
    reminder_rules, published_meeting
):
    delivery = _due_reminder(published_meeting)
    # The first worker claims it and is slow; the sweeper queues it again meanwhile.
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED)
    reminders._finish(delivery.pk, status=DeliveryStatus.SENT, sent_at=timezone.now())
    # The re-queued task then finds it sent.
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    assert mail.outbox == []


def test_sweep_marks_what_passed_its_deadline_missed(
    reminder_rules, published_meeting, queued_tasks
):
    reminders_plan(meeting=published_meeting)
    queued = _due_reminder(published_meeting, key="reminder:q:s0")
    result = sweep(now=published_meeting.starts_at)
    assert result.missed == 9
    assert Delivery.objects.get(pk=queued.pk).status == DeliveryStatus.MISSED
    assert rows(published_meeting, status=DeliveryStatus.PLANNED).count() == 1


def test_sweep_queues_nothing_again_while_paused(
    reminder_rules,
    published_meeting,
    queued_tasks,
    meetings_world,
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    lost = _due_reminder(published_meeting)
    Delivery.objects.filter(pk=lost.pk).update(queued_at=now - QUEUED_LOST_AFTER)
    dispatch_pause_set(actor=meetings_world.staff, paused=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=now).lost == 0
    assert queued_tasks == []


def test_beat_runs_dispatch_every_minute_and_the_sweep_every_five():
    schedule = app.conf.beat_schedule
    assert schedule["dispatch-due-reminders"] == {
        "task": "meetings.tasks.dispatch_reminders",
        "schedule": 60.0,
    }
    assert schedule["sweep-reminders"] == {
        "task": "meetings.tasks.sweep_reminders",
        "schedule": 300.0,
    }
    for name in ("dispatch_reminders", "sweep_reminders", "send_delivery"):
        assert f"meetings.tasks.{name}" in app.tasks


def test_beat_tasks_run_the_dispatch_and_the_sweep(
    reminder_rules, published_meeting, queued_tasks, django_capture_on_commit_callbacks
):
    from meetings.tasks import dispatch_reminders, sweep_reminders

    notices_plan(
        meeting=published_meeting,
        kind=DeliveryKind.INVITATION,
        users=[published_meeting.invitations.first().user],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_reminders.apply().get() == 1
        assert sweep_reminders.apply().get() == {"lost": 0, "stuck": 0, "missed": 0}
    assert len(queued_tasks) == 1


# --- The mails ---------------------------------------------------------------------------


def _calendar(message):
    parts = [
        part for part in message.message().walk() if part.get_content_type() == "text/calendar"
    ]
    assert len(parts) == 1
    return parts[0], icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def test_a_reminder_in_dutch_with_html_calendar_entry_and_opt_out(
    reminder_rules, published_meeting, meetings_url_settings
):
    delivery = _due_reminder(published_meeting)
    person = delivery.recipient
    assert person.language == "nl"
    message = message_for(delivery)
    assert message.subject == f"Morgen: {published_meeting.title}"
    assert message.body.startswith(f"Beste {person.get_full_name()},")
    assert "Wanneer: " + when_text_nl(published_meeting) in message.body
    assert "VVSG, Bischoffsheimlaan 1-8, Brussel" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<p>" in html
    part, calendar = _calendar(message)
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{published_meeting.uid}@sdgpilot"
    # The one-click opt-out: a signed token naming the person, in text, HTML and header.
    link = next(word for word in message.body.split() if "/meetings/reminders/" in word)
    assert link.startswith("https://sdg.example.org/meetings/reminders/")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert signing.loads(token, salt="meetings.opt_out") == {"u": person.pk}
    assert link in html
    # RFC 8058: the mail program's unsubscribe POSTs to the one-click address.
    assert message.extra_headers["List-Unsubscribe"] == f"<{link.rstrip('/')}/one-click/>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def when_text_nl(meeting):
    from django.utils import translation

    with translation.override("nl"):
        return when_text(meeting)


def test_a_reminder_in_english_for_who_reads_english(
    reminder_rules, published_meeting, meetings_world, meetings_url_settings
):
    english = next(u for u in meetings_world.pilot_users if u.language == "en")
    message = message_for(_due_reminder(published_meeting, recipient=english))
    assert message.subject == f"Tomorrow: {published_meeting.title}"
    assert message.body.startswith(f"Dear {english.get_full_name()},")
    start = timezone.localtime(published_meeting.starts_at)
    assert start.strftime("%A") in message.body  # the weekday in English
    assert "Invitations, changes and cancellations still reach you." in message.body


def test_the_invitation_has_answer_links_and_no_opt_out(
    published_meeting, meetings_world, meetings_url_settings
):
    person = meetings_world.pilot_users[0]
    notices_plan(meeting=published_meeting, kind=DeliveryKind.INVITATION, users=[person])
    message = message_for(rows(published_meeting).get())
    assert "/meetings/reminders/" not in message.body
    assert "List-Unsubscribe" not in message.extra_headers
    answers = [w for w in message.body.split() if "/meetings/answer/" in w]
    assert len(answers) == 3
    _part, calendar = _calendar(message)
    assert calendar["METHOD"] == "REQUEST"
    assert published_meeting.title in message.subject


def test_the_cancellation_cancels_the_calendar_entry(
    published_meeting, meetings_world, meetings_url_settings
):
    person = meetings_world.pilot_users[0]
    published_meeting.status = MeetingStatus.CANCELLED
    published_meeting.sequence = 1
    published_meeting.save()
    notices_plan(meeting=published_meeting, kind=DeliveryKind.CANCELLATION, users=[person])
    delivery = rows(published_meeting).get()
    assert delivery_send(delivery_id=_queue(delivery)) == DeliveryStatus.SENT
    message = mail.outbox[0]
    part, calendar = _calendar(message)
    assert part.get_param("method") == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert "/meetings/reminders/" not in message.body
    assert "/meetings/answer/" not in message.body


def test_an_update_goes_with_the_new_sequence(
    published_meeting, meetings_world, meetings_url_settings
):
    person = meetings_world.pilot_users[0]
    published_meeting.sequence = 2
    published_meeting.save()
    notices_plan(meeting=published_meeting, kind=DeliveryKind.UPDATE, users=[person])
    assert delivery_send(delivery_id=_queue(rows(published_meeting).get())) == "sent"
    _part, calendar = _calendar(mail.outbox[0])
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 2


def _queue(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED)
    return delivery.pk


def test_a_board_reminder_attaches_the_documents(
    reminder_rules, board_meeting, meetings_url_settings
):
    MeetingDocument.objects.create(
        meeting=board_meeting,
        file=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda"),
        name="agenda.pdf",
        extension="pdf",
        size=15,
    )
    member = board_meeting.invitations.first().user
    with_documents = rule(MeetingKind.BOARD_MEETING, -14)
    assert with_documents.include_documents
    message = message_for(_due_reminder(board_meeting, recipient=member, rule=with_documents))
    names = [a[0] for a in message.attachments if isinstance(a, tuple)]
    assert names == ["agenda.pdf"]
    pdf = next(a for a in message.attachments if isinstance(a, tuple))
    assert pdf[1] == b"%PDF-1.4 agenda" and pdf[2] == "application/pdf"
    assert "agenda.pdf" in message.body
    two_days = message_for(
        _due_reminder(board_meeting, recipient=member, rule=rule(MeetingKind.BOARD_MEETING, -2))
    )
    assert not [a for a in two_days.attachments if isinstance(a, tuple)]


def test_rule_text_gets_plain_strings_only():
    values = {"meeting": "M", "person": "P", "when": "W", "place": "<b>", "link": "L"}
    assert rule_text("{{ meeting.organiser.password }}|{{ place }}", values) == "|<b>"
    # No loader: nothing to include; no library to load.
    assert rule_text_problem('{% include "base.html" %}').startswith("TemplateDoesNotExist")
    assert rule_text_problem("{% load static %}")
    assert rule_text_problem("{% if %}")


def test_html_of_a_reminder_escapes_what_staff_wrote(
    reminder_rules, published_meeting, meetings_url_settings
):
    delivery = _due_reminder(published_meeting)
    ReminderRule.objects.filter(pk=delivery.rule_id).update(
        body_nl="<script>x</script> zie https://example.org/agenda"
    )
    delivery.rule.refresh_from_db()
    html = message_for(delivery).alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://example.org/agenda"' in html
    assert "&amp;" not in html


def test_a_mail_encodes_as_djangos_own_with_a_boundary_not_in_it(
    reminder_rules, published_meeting, meetings_url_settings
):
    """The mail's encoding remembers folded header lines and picks a random boundary; the
    bytes are Django's own, but for the boundaries and the per-message Date and ID."""
    delivery = _due_reminder(published_meeting)
    ReminderRule.objects.filter(pk=delivery.rule_id).update(
        subject_nl="Herinnering: " + "een héél lang onderwerp met accenten " * 4
    )
    delivery.rule.refresh_from_db()
    message = message_for(delivery)
    ours = message.message()
    theirs = EmailMultiAlternatives.message(message)
    boundaries = [part.get_boundary() for part in ours.walk() if part.is_multipart()]
    assert len(boundaries) == 2 and all(b.startswith("=_") for b in boundaries)
    for part, boundary in zip(
        (p for p in theirs.walk() if p.is_multipart()), boundaries, strict=True
    ):
        part.set_boundary(boundary)
    for header in ("Date", "Message-ID"):
        theirs.replace_header(header, ours[header])
    twice = [ours.as_bytes(linesep="\r\n"), ours.as_bytes(linesep="\r\n")]
    assert twice[0] == twice[1] == theirs.as_bytes(linesep="\r\n")
    head = twice[0].split(b"\r\n\r\n")[0]
    assert b"=?utf-8?" in head and b"\r\n " in head  # the long subject, encoded and folded
    body = twice[0].split(b"\r\n\r\n", 1)[1]
    assert all(body.count(b"--" + b.encode()) >= 2 for b in boundaries)


RULE_BODY = "Beste {{ person }},\n\nZie https://example.org/agenda en {{ link }}.\nTot dan."
RULE_VALUES = {
    "meeting": "M",
    "when": "W",
    "place": "P",
    "link": "https://sdg.example.org/meetings/mine/",
}


def _old_html(text: str) -> str:
    """What the HTML of a rule's text is by definition: its plain text, escaped, linked."""
    return linebreaks(urlize(text, nofollow=True, autoescape=True))


@pytest.mark.parametrize("name", ["Jan Peeters", "Émilie D'Hondt", "Ann & Co"])
def test_rule_html_is_the_linked_plain_text_for_every_recipient(name):
    values = {**RULE_VALUES, "person": name}
    plain = rule_text(RULE_BODY, values)
    assert rule_html(RULE_BODY, values, plain) == _old_html(plain)


def test_rule_html_puts_the_name_in_escaped_and_never_as_a_link():
    values = {**RULE_VALUES, "person": "<b>www.evil.example</b>"}
    plain = rule_text(RULE_BODY, values)
    html = rule_html(RULE_BODY, values, plain)
    assert "Beste &lt;b&gt;www.evil.example&lt;/b&gt;," in html
    assert 'evil.example"' not in html and "<b>" not in html
    assert '<a href="https://example.org/agenda"' in html


def test_rule_html_of_a_text_that_filters_the_name_is_made_from_the_plain_text():
    text = "Beste {{ person|upper }}, zie https://example.org/agenda"
    values = {**RULE_VALUES, "person": "Jan <Peeters>"}
    plain = rule_text(text, values)
    html = rule_html(text, values, plain)
    assert html == _old_html(plain)
    assert "JAN &lt;PEETERS&gt;" in html and "sdgpilotperson" not in html


def test_when_text_is_local_time(make_meeting):
    meeting = make_meeting(starts_at=local(2026, 3, 31, 10), ends_at=local(2026, 3, 31, 12))
    assert when_text_nl(meeting) == "dinsdag 31 maart 2026, 10:00–12:00"


def test_the_delivery_header_names_the_row(
    reminder_rules, published_meeting, meetings_url_settings
):
    delivery = _due_reminder(published_meeting)
    raw = message_from_bytes(message_for(delivery).message().as_bytes())
    assert raw["X-SDGPilot-Delivery"] == str(delivery.pk)
    assert raw["Auto-Submitted"] == "auto-generated"


# --- /healthz ----------------------------------------------------------------------------


def test_health_reports_the_oldest_due_unsent_delivery(reminder_rules, published_meeting):
    assert health_check().figures["oldest_due_delivery_age_s"] is None
    now = timezone.now()
    _due_reminder(
        published_meeting, status=DeliveryStatus.PLANNED, due_at=now - timedelta(minutes=5)
    )
    age = health_check().figures["oldest_due_delivery_age_s"]
    assert 300 <= age < 330
    # Sent, future and terminal rows do not count.
    Delivery.objects.update(status=DeliveryStatus.SENT)
    _due_reminder(
        published_meeting,
        status=DeliveryStatus.PLANNED,
        key="r:s0",
        due_at=now + timedelta(hours=1),
    )
    assert health_check().figures["oldest_due_delivery_age_s"] is None
    assert health_check().ok


# --- The staff page ----------------------------------------------------------------------


@pytest.fixture
def meetings_url_settings(meetings_urls, settings):
    settings.SITE_URL = "https://sdg.example.org"


@pytest.fixture
def staff_client(client, meetings_world, meetings_urls):
    client.force_login(meetings_world.staff)
    return client


def test_reminders_page_for_staff_only(client, meetings_world, meetings_urls):
    url = reverse("meetings:reminders")
    for user in (meetings_world.pilot_users[0], meetings_world.board_users[0]):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "pause"}).status_code == 403
    assert not DispatchState.objects.filter(paused=True).exists()
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reminders_page_shows_upcoming_counts_and_problems(
    staff_client, reminder_rules, published_meeting, meetings_url_settings
):
    reminders_plan(meeting=published_meeting)
    failed = rows(published_meeting).first()
    Delivery.objects.filter(pk=failed.pk).update(
        status=DeliveryStatus.FAILED, error="SMTP 550: 5.1.1 No such user"
    )
    missed = rows(published_meeting).order_by("-pk").first()
    Delivery.objects.filter(pk=missed.pk).update(
        status=DeliveryStatus.MISSED, error=reminders.DEADLINE_PASSED
    )
    response = staff_client.get(reverse("meetings:reminders"))
    assert response.status_code == 200
    overview = response.context["overview"]
    counts = {status: n for status, _label, n in overview.counts}
    assert counts[DeliveryStatus.PLANNED] == 7
    assert counts[DeliveryStatus.FAILED] == counts[DeliveryStatus.MISSED] == 1
    assert [entry.meeting for entry in overview.upcoming] == [published_meeting]
    assert {row.pk for row in overview.problems} == {failed.pk, missed.pk}
    body = response.content.decode()
    assert "SMTP 550: 5.1.1 No such user" in body
    assert published_meeting.title in body


def test_reminders_page_previews_a_mail(
    staff_client, reminder_rules, published_meeting, meetings_url_settings
):
    reminders_plan(meeting=published_meeting)
    delivery = rows(published_meeting, rule=rule(published_meeting.kind, -1)).first()
    response = staff_client.get(reverse("meetings:reminders"), {"delivery": delivery.pk})
    preview = response.context["preview"]
    assert preview.subject == f"Morgen: {published_meeting.title}"
    assert preview.attachments == ["meeting.ics"]
    assert preview.text.startswith("Beste ")
    assert mail.outbox == []
    assert staff_client.get(reverse("meetings:reminders"), {"delivery": 10**9}).status_code == 404
    # A malformed id is ignored, not an error.
    bad = staff_client.get(reverse("meetings:reminders"), {"delivery": "x" * 5000})
    assert bad.status_code == 200 and bad.context["preview"] is None


def test_reminders_page_pause_and_resume(staff_client, meetings_world):
    url = reverse("meetings:reminders")
    assert staff_client.post(url, {"action": "pause"}).status_code == 302
    assert DispatchState.objects.get().paused
    assert staff_client.post(url, {"action": "pause"}).status_code == 302
    assert DispatchState.objects.get().paused  # pausing twice stays paused
    assert staff_client.get(url).context["switch_action"] == "resume"
    staff_client.post(url, {"action": "resume"})
    assert not DispatchState.objects.get().paused
    assert staff_client.post(url, {"action": "toggle"}).status_code == 302
    assert not DispatchState.objects.get().paused


def test_reminders_page_queries_do_not_grow_with_the_meetings(
    staff_client, reminder_rules, make_meeting, meetings_url_settings
):
    url = reverse("meetings:reminders")
    reminders_plan(meeting=make_meeting())
    staff_client.get(url)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        staff_client.get(url)
    for _ in range(4):
        reminders_plan(meeting=make_meeting())
    with CaptureQueriesContext(connection) as large:
        response = staff_client.get(url)
    assert len(response.context["overview"].upcoming) == 5
    assert len(large) == len(small)
