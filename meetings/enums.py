from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingKind(models.TextChoices):
    PILOT_MEETING = "pilot_meeting", _("Pilot group meeting")
    COACHING = "coaching", _("Coaching session")
    INFO_SESSION = "info_session", _("Info session")
    ANNUAL_GATHERING = "annual_gathering", _("Annual SDG gathering")
    BOARD_MEETING = "board_meeting", _("Advisory board meeting")
    WORKSHOP = "workshop", _("Workshop")
    PROVINCIAL_TRAINING = "provincial_training", _("Provincial SDG training")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("meeting status", "Draft")
    PUBLISHED = "published", pgettext_lazy("meeting status", "Published")
    CANCELLED = "cancelled", pgettext_lazy("meeting status", "Cancelled")


class MeetingAudience(models.TextChoices):
    """Who a meeting is for; its invitations follow from it when it is published."""

    PILOT = "pilot", _("Pilot group")
    OUTREACH = "outreach", _("Outreach group")
    BOARD = "board", _("Advisory board")
    ALL = "all", _("All participants of the programme")
    CHOSEN = "chosen", _("Chosen municipalities and people")


class ContactScope(models.TextChoices):
    """Which contacts of an invited municipality are invited."""

    FIRST = "first", _("One contact per municipality")
    ALL = "all", _("Every contact of the municipality")


class Answer(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation answer", "No answer yet")
    YES = "yes", pgettext_lazy("invitation answer", "Yes")
    NO = "no", pgettext_lazy("invitation answer", "No")
    MAYBE = "maybe", pgettext_lazy("invitation answer", "Maybe")


class ExpectationCategory(models.TextChoices):
    """The two categories of the first pilot meeting (16 May 2017)."""

    SUPPORT = "support", _("Support and awareness")
    POLICY = "policy", _("Policy")


class Fulfilment(models.TextChoices):
    MET = "met", pgettext_lazy("expectation", "Met")
    PARTLY = "partly", pgettext_lazy("expectation", "Partly met")
    NOT_MET = "not_met", pgettext_lazy("expectation", "Not met")


class ReminderTarget(models.TextChoices):
    INVITEES = "invitees", _("The invitees")
    ORGANISER = "organiser", _("The organiser")


class DeliveryKind(models.TextChoices):
    """What a delivery row sends: a reminder of the policy, or a notice of a change."""

    REMINDER = "reminder", _("Reminder")
    INVITATION = "invitation", _("Invitation")
    UPDATE = "update", _("Update")
    CANCELLATION = "cancellation", _("Cancellation")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("delivery", "Planned")
    QUEUED = "queued", pgettext_lazy("delivery", "Queued")
    SENDING = "sending", pgettext_lazy("delivery", "Sending")
    SENT = "sent", pgettext_lazy("delivery", "Sent")
    FAILED = "failed", pgettext_lazy("delivery", "Failed")
    SKIPPED = "skipped", pgettext_lazy("delivery", "Skipped")
    SUPERSEDED = "superseded", pgettext_lazy("delivery", "Superseded")
    MISSED = "missed", pgettext_lazy("delivery", "Missed")
