"""Background jobs of the municipalities app."""

from celery import shared_task
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .services.snapshots import snapshot_take


@shared_task(name="municipalities.tasks.take_half_yearly_snapshot")
def take_half_yearly_snapshot() -> int:
    """Run by beat on 1 January and 1 July: the automatic snapshot of that day, taken once.

    The key holds the date, so a second run on the same day (a retry, a second beat)
    returns the snapshot already taken. Returns its id.
    """
    today = timezone.localdate()
    # The label is stored, not translated on display: it is written in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        label = _("Automatic snapshot of %(date)s") % {"date": formats.date_format(today, "j F Y")}
    return snapshot_take(label=label, key=f"auto-{today.isoformat()}").pk
