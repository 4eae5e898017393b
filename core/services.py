"""Operational writes and checks: heartbeats and health."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat

BEAT_HEARTBEAT = "beat"
# Figures the apps above core add to the health check (in their AppConfig.ready), by the
# name /healthz reports them under: a function of `now` giving a number or None.
_probes: dict[str, Callable[[datetime | None], float | None]] = {}


@transaction.atomic
def heartbeat_record(*, name: str = BEAT_HEARTBEAT, now: datetime | None = None) -> Heartbeat:
    """Record that the named periodic job ran now."""
    now = now or timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(beat_at=now, count=F("count") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "count": 1})
    return Heartbeat.objects.get(name=name)


@dataclass(frozen=True)
class Health:
    database: str
    broker: str
    beat_heartbeat_age_s: float | None
    # The apps' figures (health_probe_register), e.g. meetings' oldest_due_delivery_age_s.
    # Informational: a backlog does not make the check fail.
    figures: dict[str, float | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.broker == "ok"


def check_database(alias: str = "default") -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_broker() -> str:
    from sdgpilot.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_BROKER_TIMEOUT_S)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def beat_heartbeat_age(now: datetime | None = None) -> float | None:
    try:
        beat = Heartbeat.objects.get(name=BEAT_HEARTBEAT)
    except (Heartbeat.DoesNotExist, DatabaseError):
        return None
    return round(((now or timezone.now()) - beat.beat_at).total_seconds(), 1)


def health_probe_register(name: str, probe: Callable[[datetime | None], float | None]) -> None:
    """Add a figure to the health check; an app calls it from its AppConfig.ready."""
    _probes[name] = probe


def _figures(now: datetime | None = None) -> dict[str, float | None]:
    figures = {}
    for name, probe in _probes.items():
        try:
            figures[name] = probe(now)
        except DatabaseError:
            figures[name] = None
    return figures


def health_check() -> Health:
    database = check_database()
    return Health(
        database=database,
        broker=check_broker(),
        beat_heartbeat_age_s=beat_heartbeat_age() if database == "ok" else None,
        figures=_figures() if database == "ok" else dict.fromkeys(_probes),
    )
