"""The Celery app: tasks are autodiscovered in each app's tasks.py."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdgpilot.settings")

app = Celery("sdgpilot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_broker_folders(sender, **kwargs):
    """The file-based broker needs its folders to exist before anyone connects."""
    if not str(sender.conf.broker_url).startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Periodic jobs live here, never one entry per meeting: beat only wakes the jobs that
# read their work from the database.
app.conf.beat_schedule = {
    "record-beat-heartbeat": {"task": "core.tasks.record_heartbeat", "schedule": 60.0},
    # The automatic snapshots of every municipality's status, at 01:00 on 1 January and
    # 1 July in CELERY_TIMEZONE (Europe/Brussels).
    "take-half-yearly-snapshot": {
        "task": "municipalities.tasks.take_half_yearly_snapshot",
        "schedule": crontab(minute=0, hour=1, day_of_month=1, month_of_year="1,7"),
    },
    # Reminders and meeting notices: claim the due deliveries every minute (one send task
    # each), and every five minutes queue again what the broker lost or a dead worker left
    # in "sending", and mark what passed its deadline as missed (meetings/reminders.py).
    "dispatch-due-reminders": {"task": "meetings.tasks.dispatch_reminders", "schedule": 60.0},
    "sweep-reminders": {"task": "meetings.tasks.sweep_reminders", "schedule": 300.0},
    # Subsidy reports coming due: each reminded once (partners/services.py), daily at 07:00.
    "remind-subsidy-reports": {
        "task": "partners.tasks.remind_subsidy_reports",
        "schedule": crontab(minute=0, hour=7),
    },
}
