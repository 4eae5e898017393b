from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from municipalities.enums import SdgStatusLevel
from municipalities.models import Municipality

from .enums import (
    AggregationMethod,
    AmendmentAction,
    CandidacyState,
    ConflictType,
    CriterionKind,
    DecisionRule,
    DecisionStatus,
    DiversityAttribute,
    OrganisationKind,
    Outcome,
    ProgrammePhase,
    ReviewStatus,
    ScoreVisibility,
    SizeClass,
    Vote,
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
    public_page = models.BooleanField(
        _("public page"),
        default=False,
        help_text=_("A page without login shows the criteria, the groups and the meetings held."),
    )
    public_since = models.DateTimeField(_("public since"), null=True, blank=True)
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


class Criterion(models.Model):
    """What the board scores (judgement) or what becomes a quota (diversity)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CriterionKind.choices)
    name = models.CharField(_("name"), max_length=200)
    rubric = models.TextField(
        _("rubric"), blank=True, help_text=_("What a 1 and a 5 mean, for the board members.")
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
    )
    scale_labels = models.JSONField(
        _("labels of the scale 1-5"),
        default=list,
        blank=True,
        help_text=_("Five labels, from 1 to 5. Empty uses the standard labels."),
    )
    attribute = models.CharField(
        _("candidacy fact"),
        max_length=30,
        choices=DiversityAttribute.choices,
        blank=True,
        help_text=_("For diversity criteria: the fact the quotas apply to."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["programme", "kind", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=CriterionKind.JUDGEMENT) & models.Q(attribute=""))
                | (models.Q(kind=CriterionKind.DIVERSITY) & ~models.Q(attribute="")),
                name="criterion_attribute_only_for_diversity",
            ),
            models.UniqueConstraint(
                fields=["programme", "attribute"],
                condition=models.Q(kind=CriterionKind.DIVERSITY),
                name="criterion_one_per_attribute",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Quota(models.Model):
    """At least `minimum` and at most `maximum` of the pilot group have this value."""

    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.CASCADE,
        related_name="quotas",
        verbose_name=_("criterion"),
        limit_choices_to={"kind": CriterionKind.DIVERSITY},
    )
    value = models.CharField(_("value"), max_length=100)
    minimum = models.PositiveSmallIntegerField(_("at least"), null=True, blank=True)
    maximum = models.PositiveSmallIntegerField(_("at most"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["criterion", "value"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "value"], name="quota_unique_value"),
            models.CheckConstraint(
                condition=models.Q(minimum__isnull=False) | models.Q(maximum__isnull=False),
                name="quota_has_a_bound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ConflictDeclaration(models.Model):
    """A board member's declaration, before opening a dossier, of a conflict or none."""

    member = models.ForeignKey(
        BoardMember,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
        verbose_name=_("board member"),
    )
    candidacy = models.ForeignKey(
        Candidacy,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
        verbose_name=_("candidacy"),
    )
    conflict_type = models.CharField(
        _("conflict of interest"), max_length=20, choices=ConflictType.choices
    )
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now=True)
    lifted_at = models.DateTimeField(_("conflict lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conflict lifted by"),
    )
    lift_reason = models.TextField(_("reason the conflict was lifted"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("conflict declaration")
        verbose_name_plural = _("conflict declarations")
        constraints = [
            models.UniqueConstraint(fields=["member", "candidacy"], name="conflict_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} / {self.candidacy}: {self.get_conflict_type_display()}"

    @property
    def has_conflict(self) -> bool:
        return self.conflict_type != ConflictType.NONE


class Review(models.Model):
    """One member's review of one candidacy: a draft until submitted."""

    member = models.ForeignKey(
        BoardMember,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("board member"),
    )
    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("candidacy")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(
        _("version"), default=0, help_text=_("Raised by every save, to detect stale forms.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["member", "candidacy"], name="review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} / {self.candidacy}"


class Score(models.Model):
    """A score on one judgement criterion: 1-5, or not applicable (never counted as 0)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review")
    )
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        related_name="scores",
        verbose_name=_("criterion"),
        limit_choices_to={"kind": CriterionKind.JUDGEMENT},
    )
    value = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_unique"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True)
                | models.Q(value__gte=1, value__lte=5, not_applicable=False),
                name="score_value_1_5_or_not_applicable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.criterion} = {self.value}"


class SelectionRun(models.Model):
    """One run of the optimiser: its inputs and outputs, kept so it can be re-run."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="selection_runs",
        verbose_name=_("programme"),
    )
    aggregation = models.CharField(
        _("aggregation"),
        max_length=20,
        choices=AggregationMethod.choices,
        default=AggregationMethod.MEAN,
    )
    input = models.JSONField(_("input"))
    result = models.JSONField(_("result"))
    status = models.CharField(_("status"), max_length=20)
    scores_hash = models.CharField(
        _("content hash of the scores"),
        max_length=64,
        blank=True,
        help_text=_("Of the scores that counted when the run was computed."),
    )
    candidacy_score_hashes = models.JSONField(
        _("content hash of the scores per candidacy"), default=dict, blank=True
    )
    settings_hash = models.CharField(
        _("content hash of the criteria, quotas and board"), max_length=64, blank=True
    )
    reserve = models.JSONField(
        _("reserve list"),
        default=list,
        blank=True,
        help_text=_(
            "Replacements for selected candidacies that withdrew, computed when the "
            "withdrawal was recorded."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("run by"),
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)

    class Meta:
        verbose_name = _("selection run")
        verbose_name_plural = _("selection runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.programme} #{self.pk}"


class Decision(models.Model):
    """The board's decision on the pilot group, frozen once confirmed."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="decisions",
        verbose_name=_("programme"),
    )
    run = models.ForeignKey(
        SelectionRun,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("proposal"),
    )
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("replaces decision"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    meeting_date = models.DateField(_("meeting date"))
    meeting_location = models.CharField(_("meeting location"), max_length=200, blank=True)
    rule = models.CharField(
        _("decision rule"),
        max_length=20,
        choices=DecisionRule.choices,
        default=DecisionRule.UNANIMITY,
    )
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), help_text=_("Members who must be present for a valid decision.")
    )
    minutes = models.TextField(_("minutes"), blank=True)
    selected = models.ManyToManyField(
        Candidacy, related_name="pilot_decisions", verbose_name=_("pilot group"), blank=True
    )
    scores_hash = models.CharField(_("content hash of the scores"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    history = HistoricalRecords(m2m_fields=[selected])

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=DecisionStatus.DRAFT)
                | models.Q(confirmed_at__isnull=False),
                name="decision_confirmed_has_timestamp",
            ),
            # Confirmed decisions form one chain per programme: one first decision, and each
            # later one replaces exactly one (`supersedes` is one-to-one), so at most one
            # confirmed decision is not replaced by a confirmed one: the current decision.
            models.UniqueConstraint(
                fields=["programme"],
                condition=models.Q(status=DecisionStatus.CONFIRMED, supersedes__isnull=True),
                name="decision_one_first_confirmed_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.meeting_date}"


class DecisionVote(models.Model):
    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="votes", verbose_name=_("decision")
    )
    member = models.ForeignKey(
        BoardMember,
        on_delete=models.PROTECT,
        related_name="votes",
        verbose_name=_("board member"),
    )
    present = models.BooleanField(_("present"), default=True)
    vote = models.CharField(_("vote"), max_length=20, choices=Vote.choices, blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["decision", "member"], name="vote_unique"),
            models.CheckConstraint(
                condition=models.Q(present=True) | models.Q(vote=""),
                name="vote_only_when_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_vote_display()}"


class Amendment(models.Model):
    """A change by hand to the proposal, with its reason."""

    decision = models.ForeignKey(
        Decision,
        on_delete=models.CASCADE,
        related_name="amendments",
        verbose_name=_("decision"),
    )
    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.PROTECT, related_name="+", verbose_name=_("candidacy")
    )
    action = models.CharField(_("change"), max_length=10, choices=AmendmentAction.choices)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.UniqueConstraint(fields=["decision", "candidacy"], name="amendment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.candidacy}"
