from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from core.services import health_probe_register

        from .reminders import oldest_due_unsent_age

        # Seconds since the oldest mail that is due but not sent became due, on /healthz.
        health_probe_register("oldest_due_delivery_age_s", oldest_due_unsent_age)
