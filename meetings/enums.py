from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    PILOT_MEETING = "pilot_meeting", _("Pilot group meeting")
    COACHING = "coaching", _("Coaching session")
    INFO_SESSION = "info_session", _("Info session")
    ANNUAL_GATHERING = "annual_gathering", _("Annual SDG gathering")
    BOARD_MEETING = "board_meeting", _("Advisory board meeting")
    WORKSHOP = "workshop", _("Workshop")
