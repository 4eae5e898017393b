from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from municipalities.models import Municipality

from .enums import (
    CandidacyState,
    OrganisationKind,
    Outcome,
    ProgrammePhase,
    ScoreVisibility,
    SdgStatusLevel,
    SizeClass,
)


class Programme(models.Model):
    """One run of the SDG pilot trajectory (e.g. 2017-2019)."""

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    pilot_group_size = models.PositiveSmallIntegerField(_("pilot group size"), default=20)
    phase = models.CharField(
        _("phase"),
        max_length=20,
        choices=ProgrammePhase.choices,
        default=ProgrammePhase.APPLICATIONS,
    )
    score_visibility = models.CharField(
        _("other members' scores visible"),
        max_length=20,
        choices=ScoreVisibility.choices,
        default=ScoreVisibility.AFTER_OWN,
    )
    call_closes_at = models.DateTimeField(_("application deadline"), null=True, blank=True)
    small_max_population = models.PositiveIntegerField(
        _("small municipality: population up to"), default=15_000
    )
    medium_max_population = models.PositiveIntegerField(
        _("medium municipality: population up to"),
        default=30_000,
        help_text=_("Larger municipalities count as large."),
    )
    selection_seed = models.CharField(
        _("selection seed"),
        max_length=64,
        default="sdgpilot-2017",
        help_text=_("Breaks ties between equal scores reproducibly."),
    )
    is_demo = models.BooleanField(
        _("demo programme"),
        default=False,
        help_text=_("Its candidacy facts, names and scores are generated, not real."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(medium_max_population__gt=models.F("small_max_population")),
                name="programme_size_bands_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(pilot_group_size__gte=1), name="programme_pilot_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def size_class(self, population: int) -> str:
        if population <= self.small_max_population:
            return SizeClass.SMALL
        if population <= self.medium_max_population:
            return SizeClass.MEDIUM
        return SizeClass.LARGE


class BoardOrganisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)

    class Meta:
        verbose_name = _("board organisation")
        verbose_name_plural = _("board organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BoardMember(models.Model):
    """A member of the advisory board (klankbordgroep) of one programme."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="board_members",
        verbose_name=_("programme"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="board_memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        BoardOrganisation,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("organisation"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("board member")
        verbose_name_plural = _("board members")
        ordering = ["programme", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="boardmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"


class Candidacy(models.Model):
    """A municipality's application to a programme, with the facts used for diversity."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="candidacies",
        verbose_name=_("programme"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="candidacies",
        verbose_name=_("municipality"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=CandidacyState.choices, default=CandidacyState.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    has_contact_person = models.BooleanField(_("has a contact person"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    sdg_status = models.CharField(
        _("SDG status at application"),
        max_length=20,
        choices=SdgStatusLevel.choices,
        default=SdgStatusLevel.NOT_STARTED,
    )
    has_twinning = models.BooleanField(_("town twinning"), default=False)
    twinning_partner = models.CharField(_("twinning partner"), max_length=200, blank=True)
    flemish_gos_subsidy = models.BooleanField(
        _("Flemish impulse subsidy for development cooperation (GOS)"), default=False
    )
    federal_subsidy = models.BooleanField(
        _("federal development-cooperation subsidy"), default=False
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("candidacy")
        verbose_name_plural = _("candidacies")
        ordering = ["programme", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality"], name="candidacy_unique_per_programme"
            ),
            models.CheckConstraint(
                condition=models.Q(state=CandidacyState.DRAFT)
                | models.Q(submitted_at__isnull=False),
                name="candidacy_submitted_has_timestamp",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} ({self.programme})"

    @property
    def size_class(self) -> str:
        return self.programme.size_class(self.municipality.population_2018)
