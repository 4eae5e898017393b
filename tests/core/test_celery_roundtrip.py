"""A task goes through the real broker (Redis in CI) to a real worker and back."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from core.models import Heartbeat
from core.services import BEAT_HEARTBEAT
from core.tasks import record_heartbeat
from sdgpilot.celery import app


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_celery_round_trip_through_real_worker():
    if os.environ.get("CI"):
        assert app.conf.broker_url.startswith("redis://")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = record_heartbeat.delay()
        deadline = time.monotonic() + 30
        while not Heartbeat.objects.filter(name=BEAT_HEARTBEAT).exists():
            assert time.monotonic() < deadline, "the worker did not run the task in 30 s"
            time.sleep(0.1)
        if app.conf.result_backend:
            assert result.get(timeout=10) == Heartbeat.objects.get().beat_at.isoformat()
    assert Heartbeat.objects.get(name=BEAT_HEARTBEAT).count == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_half_yearly_snapshot_through_real_worker_is_taken_once(reference_data):
    """The beat job's task, queued twice on the broker and run by a worker: one snapshot."""
    from municipalities.enums import StatusPart
    from municipalities.models import Municipality, Snapshot
    from municipalities.services.status import status_update
    from municipalities.tasks import take_half_yearly_snapshot
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, password=None)
    status_update(
        municipality=Municipality.objects.get(pk="44021"),
        actor=staff,
        base_version=0,
        values={("goals", "7"): {"today": "some", "ambition": "strong"}},
        kind=StatusPart.GOALS,
    )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        take_half_yearly_snapshot.delay()
        take_half_yearly_snapshot.delay()
        # The solo pool runs the queue in order: once this one has run, both have.
        record_heartbeat.delay()
        deadline = time.monotonic() + 30
        while not Heartbeat.objects.filter(name=BEAT_HEARTBEAT).exists():
            assert time.monotonic() < deadline, "the worker did not run the tasks in 30 s"
            time.sleep(0.1)
    snapshot = Snapshot.objects.get()
    assert snapshot.key.startswith("auto-")
    assert list(snapshot.entries.values_list("municipality_id", flat=True)) == ["44021"]
