import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from meetings.models import Meeting
from municipalities.models import Province
from selection.models import BoardOrganisation, Programme

from .enums import PartnerKind


class Partner(models.Model):
    """An organisation the programme works with: a government body, a board organisation,
    a province."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="partners", verbose_name=_("programme")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=PartnerKind.choices)
    role = models.TextField(
        _("role"), blank=True, help_text=_("What the partner does for the programme.")
    )
    board_organisation = models.ForeignKey(
        BoardOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("board organisation"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("province"),
    )
    website = models.URLField(_("website"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="partner_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


def contact_upload_to(instance, filename: str) -> str:
    # The stored name never comes from the user: only the checked extension is kept.
    return f"partners/{instance.partner_id}/{uuid.uuid4().hex}.{instance.document_extension}"


class PartnerContact(models.Model):
    """One contact with a partner: a meeting, a call, a letter; who, about what, and how it
    ended."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    date = models.DateField(_("date"))
    who = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_contacts",
        verbose_name=_("staff member"),
    )
    topic = models.CharField(_("topic"), max_length=200)
    outcome = models.TextField(_("outcome"), blank=True)
    meetings = models.ManyToManyField(
        Meeting, blank=True, related_name="partner_contacts", verbose_name=_("meetings")
    )
    document = models.FileField(
        _("document"), upload_to=contact_upload_to, max_length=200, blank=True
    )
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    document_extension = models.CharField(_("type"), max_length=10, blank=True)
    history = HistoricalRecords(m2m_fields=[meetings])

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.topic}"


class Subsidy(models.Model):
    """A grant that funds the programme, with the reports the funder expects."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="subsidies", verbose_name=_("programme")
    )
    funder = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="subsidies", verbose_name=_("funder")
    )
    amount = models.DecimalField(
        _("amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subsidy")
        verbose_name_plural = _("subsidies")
        ordering = ["programme", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="subsidy_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="subsidy_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder}: {self.reference or self.starts_on}"


class SubsidyReport(models.Model):
    """A report due to the funder; staff are reminded once before it is due."""

    subsidy = models.ForeignKey(
        Subsidy, on_delete=models.CASCADE, related_name="reports", verbose_name=_("subsidy")
    )
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    remind_days_before = models.PositiveSmallIntegerField(_("remind days before"), default=30)
    # Set by the one run of the reminder task that claims the report (compare-and-set).
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subsidy report")
        verbose_name_plural = _("subsidy reports")
        ordering = ["subsidy", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["subsidy", "title"], name="subsidyreport_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title
