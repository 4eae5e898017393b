from celery import shared_task

from .services import heartbeat_record


@shared_task(name="core.tasks.record_heartbeat", ignore_result=False)
def record_heartbeat() -> str:
    """Run by beat every minute; /healthz reports how long ago it last ran."""
    return heartbeat_record().beat_at.isoformat()
