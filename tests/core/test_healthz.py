import pytest
from django.db import OperationalError
from django.utils import timezone

from core.models import Heartbeat
from core.services import BEAT_HEARTBEAT, heartbeat_record
from sdgpilot.celery import app

pytestmark = pytest.mark.django_db


def test_healthz_ok_reports_database_broker_and_beat_age(client):
    heartbeat_record(now=timezone.now() - timezone.timedelta(seconds=42))
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["database"] == "ok"
    assert data["broker"] == "ok"
    assert 42 <= data["beat_heartbeat_age_s"] < 60


def test_healthz_without_heartbeat_reports_null_age(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["beat_heartbeat_age_s"] is None


def test_healthz_503_when_broker_down(client, monkeypatch):
    # Nothing listens on port 1: the broker is unreachable.
    connect = app.connection_for_write
    monkeypatch.setattr(
        app, "connection_for_write", lambda *a, **kw: connect("redis://127.0.0.1:1/0")
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["broker"].startswith("error")
    assert data["database"] == "ok"


def test_healthz_503_when_database_down(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["database"] == "error: OperationalError"
    assert data["beat_heartbeat_age_s"] is None


def test_heartbeat_record_counts_beats():
    heartbeat_record()
    heartbeat_record()
    assert Heartbeat.objects.get(name=BEAT_HEARTBEAT).count == 2


def test_beat_schedule_runs_heartbeat_every_minute():
    entry = app.conf.beat_schedule["record-beat-heartbeat"]
    assert entry["task"] == "core.tasks.record_heartbeat"
    assert entry["schedule"] == 60.0
    app.loader.import_default_modules()  # what a worker or beat does when it starts
    assert "core.tasks.record_heartbeat" in app.tasks


def test_healthz_reports_the_age_of_the_oldest_due_unsent_delivery(client, reference_data):
    from datetime import timedelta

    from meetings.enums import DeliveryKind, MeetingKind, MeetingStatus
    from meetings.models import Delivery, Meeting
    from tests.factories import ProgrammeFactory, UserFactory

    assert client.get("/healthz").json()["oldest_due_delivery_age_s"] is None
    now = timezone.now()
    meeting = Meeting.objects.create(
        programme=ProgrammeFactory(),
        kind=MeetingKind.PILOT_MEETING,
        title="Bijeenkomst",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        status=MeetingStatus.PUBLISHED,
    )
    Delivery.objects.create(
        meeting=meeting,
        kind=DeliveryKind.REMINDER,
        key="reminder:0:s0",
        recipient=UserFactory(password=None),
        due_at=now - timedelta(minutes=5),
        deadline=now + timedelta(days=1),
    )
    age = client.get("/healthz").json()["oldest_due_delivery_age_s"]
    assert 300 <= age < 360
