import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from municipalities.models import Municipality
from selection.models import Programme

from .enums import (
    Answer,
    Channel,
    ContactScope,
    DeliveryKind,
    DeliveryStatus,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
    ReminderTarget,
)


class Meeting(models.Model):
    """A session of the programme: a pilot meeting, info session, board meeting, ..."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    audience = models.CharField(
        _("audience"),
        max_length=20,
        choices=MeetingAudience.choices,
        default=MeetingAudience.PILOT,
    )
    contact_scope = models.CharField(
        _("contacts invited"),
        max_length=10,
        choices=ContactScope.choices,
        default=ContactScope.ALL,
    )
    chosen_municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="+", verbose_name=_("chosen municipalities")
    )
    chosen_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("chosen people")
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    # The calendar entry's identity: the UID stays, the SEQUENCE rises with every change that
    # invitees are told about (reschedule, cancel), so calendars update the entry.
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    outcome = models.TextField(
        _("outcome report"), blank=True, help_text=_("A short public report of the outcome.")
    )
    history = HistoricalRecords(m2m_fields=[chosen_municipalities, chosen_people])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("meeting")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MaxValueValidator(600)]
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.title


def meeting_upload_to(instance, filename: str) -> str:
    # The stored name never comes from the user: only the checked extension is kept.
    return f"meetings/{instance.meeting_id}/{uuid.uuid4().hex}.{instance.extension}"


class MeetingDocument(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="documents", verbose_name=_("meeting")
    )
    file = models.FileField(_("file"), upload_to=meeting_upload_to, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(_("type"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")
        ordering = ["meeting", "name"]

    def __str__(self) -> str:
        return self.name


class MeetingLink(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="links", verbose_name=_("meeting")
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """A person invited to a meeting, their answer, and whether they attended."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("meeting")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
        verbose_name=_("person"),
    )
    # The municipality the person is invited for (None for board members and staff).
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_invitations",
        verbose_name=_("municipality"),
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    # False once the meeting's audience no longer includes the person: kept for the record.
    active = models.BooleanField(_("invited"), default=True)
    answer = models.CharField(
        _("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["meeting", "municipality__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.meeting}"


class Expectation(models.Model):
    """An expectation raised at a meeting, per municipality (or the group as a whole)."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="expectations",
        verbose_name=_("raised at"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expectations",
        verbose_name=_("municipality"),
    )
    category = models.CharField(_("category"), max_length=20, choices=ExpectationCategory.choices)
    text = models.TextField(_("expectation"))
    # municipalities.enums.Audience values: whom the expectation is about.
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expectation")
        verbose_name_plural = _("expectations")
        ordering = ["meeting__starts_at", "category", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class ExpectationReview(models.Model):
    """At a later meeting: how far an expectation was met."""

    expectation = models.ForeignKey(
        Expectation, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("expectation")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="expectation_reviews",
        verbose_name=_("reviewed at"),
    )
    fulfilment = models.CharField(_("met"), max_length=10, choices=Fulfilment.choices)
    note = models.TextField(_("note"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expectation review")
        verbose_name_plural = _("expectation reviews")
        ordering = ["meeting__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["expectation", "meeting"], name="expectationreview_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expectation}: {self.get_fulfilment_display()}"


class ReminderRule(models.Model):
    """One reminder of a meeting kind's policy: when it goes out, to whom, with what text.

    `offset_days` counts from the start of the meeting (negative: before) or, for the
    organiser's minutes nudge, from its end (positive: after). Templates are Django template
    text with {{ meeting }}, {{ person }}, {{ when }}, {{ place }}, {{ link }}.
    """

    kind = models.CharField(_("meeting kind"), max_length=30, choices=MeetingKind.choices)
    name = models.CharField(_("name"), max_length=100)
    offset_days = models.SmallIntegerField(
        _("days from the meeting"),
        validators=[MinValueValidator(-365), MaxValueValidator(60)],
        help_text=_("Negative: days before the start. Positive: days after the end."),
    )
    target = models.CharField(
        _("sent to"), max_length=20, choices=ReminderTarget.choices, default=ReminderTarget.INVITEES
    )
    subject_nl = models.CharField(_("subject (Dutch)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_nl = models.TextField(_("text (Dutch)"))
    body_en = models.TextField(_("text (English)"))
    include_documents = models.BooleanField(_("with the meeting's documents"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["kind", "offset_days"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Delivery(models.Model):
    """One mail to one person about one meeting: the outbox row the reminders work from.

    `key` names what is sent, e.g. "reminder:12:s2" (rule 12, planned for the meeting's
    sequence 2), "invitation:s0", "update:s3", "cancellation". With the unique constraint a
    mail is planned once, whatever retries or races happen.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("meeting")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeliveryKind.choices)
    rule = models.ForeignKey(
        ReminderRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("reminder rule"),
    )
    key = models.CharField(_("key"), max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meeting_deliveries",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PLANNED,
        db_index=True,
    )
    due_at = models.DateTimeField(_("due at"), db_index=True)
    deadline = models.DateTimeField(_("deadline"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    sending_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "key", "recipient", "channel"], name="delivery_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.key} -> {self.recipient}"


class CalendarFeed(models.Model):
    """A person's secret calendar URL; resetting it makes the old URL answer 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("person"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class ReminderOptOut(models.Model):
    """A person who wants no reminders (invitations, updates and cancellations still go)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminder_opt_out",
        verbose_name=_("person"),
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder opt-out")
        verbose_name_plural = _("reminder opt-outs")

    def __str__(self) -> str:
        return str(self.user)


class DispatchState(models.Model):
    """The staff's pause switch for sending reminders (one row)."""

    paused = models.BooleanField(_("reminders paused"), default=False)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("reminder dispatch")
        verbose_name_plural = _("reminder dispatch")

    def __str__(self) -> str:
        return str(_("paused") if self.paused else _("running"))
