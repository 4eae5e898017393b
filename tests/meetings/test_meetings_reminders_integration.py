"""Reminders end to end: a real Celery worker on the real broker (Redis in CI) and a real
SMTP server on loopback (aiosmtpd), as in production but on one machine.

What is proved: a reminder arrives once, also when its task is queued twice; a 5xx marks
it failed; a 4xx is retried and then delivered; the sweeper recovers mails whose tasks the
broker lost; a worker killed mid-batch and restarted loses nothing and duplicates nothing
beyond the documented window (PostgreSQL: the worker is a separate process there);
rescheduling and cancelling through the meeting services update and cancel the calendar
entry.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import icalendar
import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat
from core.services import BEAT_HEARTBEAT
from core.tasks import record_heartbeat
from meetings import mail, tasks
from meetings.enums import DeliveryKind, DeliveryStatus, MeetingStatus
from meetings.mail import drop_connection
from meetings.models import Delivery
from meetings.reminders import (
    QUEUED_LOST_AFTER,
    SENDING_STUCK_AFTER,
    SendLater,
    delivery_send,
    dispatch_due,
    notices_plan,
    reminders_plan,
    sweep,
)
from meetings.tasks import send_delivery
from sdgpilot.celery import app
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    """An SMTP server's message handler: keeps what it accepts; answers the queued
    replies first (e.g. "451 ..." or "554 ...") to the DATA command."""

    def __init__(self, delay: float = 0.0):
        self.messages = []
        self.peers = []  # the client address of each accepted mail: one per SMTP session
        self.replies = []
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(message_from_bytes(envelope.content))
        self.peers.append(session.peer)
        return "250 OK"

    def deliveries(self) -> Counter:
        return Counter(int(m["X-SDGPilot-Delivery"]) for m in self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings, meetings_urls):
    """An SMTP server on loopback, and Django's SMTP backend pointed at it."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://sdg.example.org"
    sink.port = controller.port
    sink.controller = controller
    yield sink
    sink.controller.stop()
    drop_connection()


@pytest.fixture
def broker():
    """An empty queue before and after: no task of another test runs here."""
    app.control.purge()
    yield app
    app.control.purge()


# The worker thread and the test take turns at the database. SQLite's in-memory test
# database is shared between the two threads through a shared cache, whose table locks
# fail at once ("database table is locked") instead of waiting; on PostgreSQL the lock
# costs nothing. Every task runs holding it, and so does every query of the test while
# the worker runs (`locked`).
DB_LOCK = threading.Lock()


def locked(function, *args, **kwargs):
    with DB_LOCK:
        return function(*args, **kwargs)


def wait_for(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not locked(predicate):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def sent_count() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.SENT).count()


def drain():
    """Wait until the (solo, in-order) worker has run everything queued so far."""
    locked(Heartbeat.objects.filter(name=BEAT_HEARTBEAT).delete)
    record_heartbeat.delay()
    wait_for(lambda: Heartbeat.objects.filter(name=BEAT_HEARTBEAT).exists(), "the worker")


def _take_lock(**kwargs):
    DB_LOCK.acquire()


def _release_lock(**kwargs):
    DB_LOCK.release()


@contextmanager
def worker():
    """A real worker (solo pool) in a thread of this process, on the real broker."""
    task_prerun.connect(_take_lock, weak=False)
    task_postrun.connect(_release_lock, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        task_prerun.disconnect(_take_lock)
        task_postrun.disconnect(_release_lock)


def _due_now(meeting):
    """Plan the meeting's reminders; the moment both invitee reminders are due."""
    reminders_plan(meeting=meeting)
    last = Delivery.objects.filter(meeting=meeting, rule__offset_days=-1).first().due_at
    return last + timedelta(seconds=1)


def test_a_reminder_arrives_once_even_when_its_task_runs_twice(
    reminder_rules, published_meeting, smtp, broker
):
    now = _due_now(published_meeting)
    ids = list(Delivery.objects.filter(due_at__lte=now).values_list("pk", flat=True))
    with worker():
        assert locked(dispatch_due, now=now) == 8
        wait_for(lambda: sent_count() == 8, "8 sent")
        # The same tasks again (a broker delivering twice, a second dispatcher, the sweeper).
        for pk in ids:
            send_delivery.delay(pk)
        assert locked(dispatch_due, now=now) == 0
        drain()
    assert smtp.deliveries() == Counter(dict.fromkeys(ids, 1))
    message = smtp.messages[0]
    assert message["To"].endswith(">")
    kinds = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= kinds
    assert set(Delivery.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_a_dispatch_queues_each_row_as_its_own_task_over_batched_writes(broker, monkeypatch):
    """The producer's batch writes several messages per round trip; each is still one
    send task for one row, none lost or doubled across the batch boundaries."""
    monkeypatch.setattr(tasks, "QUEUE_BATCH", 7)
    ids = list(range(1, 51))
    tasks.queue_sends(ids)
    queued = []
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        while (message := channel.basic_get("celery", no_ack=True)) is not None:
            assert message.headers["task"] == "meetings.tasks.send_delivery"
            queued.append(message.decode()[0][0])
    assert sorted(queued) == ids


def test_an_smtp_5xx_marks_failed(reminder_rules, published_meeting, smtp, broker):
    person = published_meeting.invitations.first().user
    notices_plan(meeting=published_meeting, kind=DeliveryKind.INVITATION, users=[person])
    smtp.replies.append("554 5.7.1 Message rejected")
    with worker():
        assert locked(dispatch_due) == 1
        wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.FAILED).exists(), "failed")
    delivery = Delivery.objects.get()
    assert delivery.error == "SMTP 554: 5.7.1 Message rejected"
    assert delivery.attempts == 1
    assert smtp.messages == []


def test_an_smtp_4xx_is_retried_then_delivered(
    reminder_rules, published_meeting, smtp, broker, settings
):
    settings.REMINDERS_RETRY_BACKOFF_S = 1
    person = published_meeting.invitations.first().user
    notices_plan(meeting=published_meeting, kind=DeliveryKind.INVITATION, users=[person])
    smtp.replies += ["451 4.3.0 Try again later", "421 4.7.0 Busy"]
    with worker():
        assert locked(dispatch_due) == 1
        wait_for(lambda: sent_count() == 1, "sent")
    delivery = Delivery.objects.get()
    assert delivery.attempts == 3
    assert delivery.error == ""
    assert smtp.deliveries() == Counter({delivery.pk: 1})


def test_the_sweeper_recovers_tasks_the_broker_lost(
    reminder_rules, published_meeting, smtp, broker
):
    now = _due_now(published_meeting)
    # Dispatched while no worker runs, then the broker loses every task (Redis flushed).
    assert dispatch_due(now=now) == 8
    app.control.purge()
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 8
    with worker():
        drain()
        assert smtp.messages == []
        # Queued at `now` (the dispatch's clock): lost once QUEUED_LOST_AFTER has passed.
        assert locked(sweep, now=now + QUEUED_LOST_AFTER - timedelta(seconds=1)).lost == 0
        assert locked(sweep, now=now + QUEUED_LOST_AFTER).lost == 8
        wait_for(lambda: sent_count() == 8, "8 sent")
        drain()
    assert sorted(smtp.deliveries().values()) == [1] * 8


def test_reschedule_and_cancel_move_and_cancel_the_calendar_entry(
    reminder_rules, make_meeting, meetings_world, smtp, broker
):
    from meetings.services import meeting_cancel, meeting_publish, meeting_reschedule

    staff = meetings_world.staff
    meeting = make_meeting(status=MeetingStatus.DRAFT, invite=[])
    invitees = {u.pk for u in meetings_world.pilot_users}
    with worker():
        locked(meeting_publish, meeting=meeting, actor=staff)
        assert (
            locked(
                lambda: set(meeting.invitations.filter(active=True).values_list("user", flat=True))
            )
            == invitees
        )
        assert locked(dispatch_due) == len(invitees)
        wait_for(lambda: sent_count() == len(invitees), "the invitations")
        starts = meeting.starts_at + timedelta(days=1)
        locked(
            meeting_reschedule,
            meeting=meeting,
            actor=staff,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
        assert locked(dispatch_due) == len(invitees)
        wait_for(lambda: sent_count() == 2 * len(invitees), "the updates")
        locked(meeting_cancel, meeting=meeting, actor=staff, reason="Te weinig inschrijvingen")
        assert locked(dispatch_due) == len(invitees)
        wait_for(lambda: sent_count() == 3 * len(invitees), "the cancellations")
        drain()
    events = []
    for message in smtp.messages:
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        event = calendar.walk("VEVENT")[0]
        events.append((str(calendar["METHOD"]), int(event["SEQUENCE"]), str(event["UID"])))
    assert Counter((method, sequence) for method, sequence, _uid in events) == {
        ("REQUEST", 0): len(invitees),
        ("REQUEST", 1): len(invitees),
        ("CANCEL", 2): len(invitees),
    }
    assert {uid for _m, _s, uid in events} == {f"{meeting.uid}@sdgpilot"}
    reminders = Delivery.objects.filter(meeting=meeting, kind=DeliveryKind.REMINDER)
    assert not reminders.filter(status__in=[DeliveryStatus.PLANNED, DeliveryStatus.QUEUED])
    assert reminders.filter(status=DeliveryStatus.SUPERSEDED).exists()


# --- One SMTP session for many mails ------------------------------------------------------


def _queued_invitations(meeting, people):
    notices_plan(meeting=meeting, kind=DeliveryKind.INVITATION, users=people)
    rows = Delivery.objects.filter(meeting=meeting).order_by("pk")
    rows.update(status=DeliveryStatus.QUEUED)
    return list(rows.values_list("pk", flat=True))


def test_the_sender_keeps_one_smtp_session_and_opens_another_after_an_error(
    reminder_rules, published_meeting, meetings_world, smtp
):
    ids = _queued_invitations(published_meeting, meetings_world.pilot_users)
    for pk in ids[:2]:
        assert delivery_send(delivery_id=pk) == DeliveryStatus.SENT
    assert len(set(smtp.peers)) == 1
    smtp.replies.append("451 4.3.0 Try again later")
    with pytest.raises(SendLater):
        delivery_send(delivery_id=ids[2])
    for pk in ids[2:]:
        assert delivery_send(delivery_id=pk) == DeliveryStatus.SENT
    assert len(smtp.peers) == 4
    assert len(set(smtp.peers)) == 2  # a new session after the error, kept since


def test_a_session_the_server_closed_while_idle_is_reopened_before_sending(
    reminder_rules, published_meeting, meetings_world, smtp, monkeypatch
):
    ids = _queued_invitations(published_meeting, meetings_world.pilot_users)
    assert delivery_send(delivery_id=ids[0]) == DeliveryStatus.SENT
    # The server restarts (as after its idle timeout): the kept session is dead.
    smtp.controller.stop()
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    smtp.controller.start()
    monkeypatch.setattr(mail, "IDLE_CHECK_S", 0)
    assert delivery_send(delivery_id=ids[1]) == DeliveryStatus.SENT
    delivery = Delivery.objects.get(pk=ids[1])
    assert (delivery.attempts, delivery.error) == (1, "")
    assert smtp.deliveries() == Counter({ids[0]: 1, ids[1]: 1})


# --- A worker killed mid-batch -------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


# The worker process: the project's Celery app, with the meetings URLs if the root
# URLconf does not have them yet (as the tests' `meetings_urls` fixture does).
WORKER = """
import django
django.setup()
from django.conf import settings
from django.urls import NoReverseMatch, reverse
try:
    reverse("meetings:reminders")
except NoReverseMatch:
    from tests.meetings.conftest import _meetings_urlconf
    next(_meetings_urlconf(settings))
from sdgpilot.celery import app
app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"])
"""


def _worker_process(smtp_port: int) -> subprocess.Popen:
    """A worker in its own process, on the test database and broker, sending to the sink."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sdgpilot.settings",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
    }
    if app.conf.broker_url.startswith("redis://"):
        env["REDIS_URL"] = app.conf.broker_url
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker in another process needs a database server (SQLite's test database "
    "lives in this process's memory)",
)
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_within_the_window(
    reminder_rules, make_meeting, smtp, broker
):
    smtp.delay = 0.05  # each mail takes a while: the kill lands mid-batch
    people = [UserFactory(password=None) for _ in range(40)]
    meeting = make_meeting(invite=people)
    notices_plan(meeting=meeting, kind=DeliveryKind.INVITATION, users=people)
    assert dispatch_due() == 40
    first = _worker_process(smtp.port)
    try:
        wait_for(lambda: len(smtp.messages) >= 10, "the first mails", timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    # What the kill left: rows sent, some still queued, at most one caught sending.
    caught_sending = Delivery.objects.filter(status=DeliveryStatus.SENDING).count()
    assert caught_sending <= 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() < 40
    second = _worker_process(smtp.port)
    try:
        # The killed worker's unacknowledged task returns only after the broker's
        # visibility timeout; the sweeper does not wait for it.
        sweep(now=timezone.now() + SENDING_STUCK_AFTER + QUEUED_LOST_AFTER)
        wait_for(
            lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 40,
            "all 40 sent",
            timeout=90,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            second.kill()
    counts = smtp.deliveries()
    assert set(counts) == set(Delivery.objects.values_list("pk", flat=True))  # none lost
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= caught_sending  # only a row caught between send and mark
