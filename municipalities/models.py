import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .enums import Degurba, SdgStatusLevel, StatusPart, TargetType, Track

nis_code_validator = RegexValidator(r"^\d{5}$", _("A NIS code has exactly five digits."))


class Province(models.Model):
    nis_code = models.CharField(
        _("NIS code"), max_length=5, primary_key=True, validators=[nis_code_validator]
    )
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Arrondissement(models.Model):
    nis_code = models.CharField(
        _("NIS code"), max_length=5, primary_key=True, validators=[nis_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="arrondissements",
        verbose_name=_("province"),
    )

    class Meta:
        verbose_name = _("arrondissement")
        verbose_name_plural = _("arrondissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A Flemish municipality as it stood in 2017-2018, before the 2019 mergers."""

    nis_code = models.CharField(
        _("NIS code"), max_length=5, primary_key=True, validators=[nis_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("province"),
    )
    arrondissement = models.ForeignKey(
        Arrondissement,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("arrondissement"),
    )
    population_2017 = models.PositiveIntegerField(
        _("population on 1 January 2017"),
        null=True,
        blank=True,
        help_text=_("Empty for the municipalities merged on 1 January 2019."),
    )
    population_2018 = models.PositiveIntegerField(_("population on 1 January 2018"))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=8, decimal_places=2)
    degurba = models.PositiveSmallIntegerField(_("degree of urbanisation"), choices=Degurba.choices)
    merged_2019 = models.BooleanField(_("merged on 1 January 2019"), default=False)
    nis_code_2019 = models.CharField(_("NIS code 2019-2024"), max_length=5)
    name_2019 = models.CharField(_("name 2019-2024"), max_length=100)
    merged_2025 = models.BooleanField(_("merged on 1 January 2025"), default=False)
    nis_code_2025 = models.CharField(_("NIS code from 2025"), max_length=5)
    name_2025 = models.CharField(_("name from 2025"), max_length=100)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(degurba__in=[1, 2, 3]), name="municipality_degurba_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def population(self) -> int:
        """The most recent population figure the reference data has (1 January 2018)."""
        return self.population_2018


class SDGGoal(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    short_title_nl = models.CharField(_("short title (Dutch)"), max_length=100)
    short_title_en = models.CharField(_("short title (English)"), max_length=100)
    title_en = models.CharField(_("official title (English)"), max_length=300)
    colour = models.CharField(_("colour"), max_length=7)

    class Meta:
        verbose_name = _("sustainable development goal")
        verbose_name_plural = _("sustainable development goals")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=17), name="sdggoal_number_1_17"
            ),
        ]

    def __str__(self) -> str:
        return f"SDG {self.number}: {self.short_title}"

    @property
    def code(self) -> str:
        return f"SDG {self.number}"

    @property
    def short_title(self) -> str:
        if (get_language() or "nl").startswith("en"):
            return self.short_title_en
        return self.short_title_nl


class SDGTarget(models.Model):
    code = models.CharField(_("code"), max_length=6, unique=True)
    goal = models.ForeignKey(
        SDGGoal, on_delete=models.PROTECT, related_name="targets", verbose_name=_("goal")
    )
    target_id = models.CharField(_("target"), max_length=2)
    type = models.CharField(_("type"), max_length=30, choices=TargetType.choices)
    text_en = models.TextField(_("text (English)"))

    class Meta:
        verbose_name = _("SDG target")
        verbose_name_plural = _("SDG targets")
        ordering = ["goal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "target_id"], name="sdgtarget_goal_target"),
        ]

    def __str__(self) -> str:
        return self.code


class MunicipalityContact(models.Model):
    """Links a user to the one municipality they are contact person for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="municipality_contact",
        verbose_name=_("user"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("municipality"),
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("municipality contact")
        verbose_name_plural = _("municipality contacts")
        ordering = ["municipality__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.municipality})"


# --- The municipality's SDG status ------------------------------------------------------
#
# The status is kept as versions: each save writes a new StatusVersion holding the whole
# status as a document, so the history shows who changed what and when, an earlier version
# can be restored (a new version with the old document), and a snapshot is a set of pointers
# to the versions current at that moment. MunicipalityStatus points to the current version
# and carries the version number a save must start from (two contacts saving at once).


class AssessmentQuestion(models.Model):
    """A question of the self-assessment, on one track; staff edit them in the admin."""

    track = models.CharField(_("track"), max_length=20, choices=Track.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_nl = models.CharField(_("question (Dutch)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    help_nl = models.CharField(_("explanation (Dutch)"), max_length=500, blank=True)
    help_en = models.CharField(_("explanation (English)"), max_length=500, blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive questions are no longer asked.")
    )

    class Meta:
        verbose_name = _("self-assessment question")
        verbose_name_plural = _("self-assessment questions")
        ordering = ["track", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return self.text_en if (get_language() or "nl").startswith("en") else self.text_nl

    @property
    def help_text(self) -> str:
        return self.help_en if (get_language() or "nl").startswith("en") else self.help_nl


class AssessmentOption(models.Model):
    """One answer to a question, with the points it is worth."""

    question = models.ForeignKey(
        AssessmentQuestion,
        on_delete=models.CASCADE,
        related_name="options",
        verbose_name=_("question"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_nl = models.CharField(_("answer (Dutch)"), max_length=200)
    text_en = models.CharField(_("answer (English)"), max_length=200)
    points = models.PositiveSmallIntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__lte=100), name="assessmentoption_points_max"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return self.text_en if (get_language() or "nl").startswith("en") else self.text_nl


class StatusVersion(models.Model):
    """The whole SDG status of a municipality as one save left it."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="status_versions",
        verbose_name=_("municipality"),
    )
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    part = models.CharField(_("changed"), max_length=20, choices=StatusPart.choices)
    restored_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("restored from"),
    )
    document = models.JSONField(_("status"), default=dict)
    # Computed from the document when it is saved, with the questions of that moment.
    awareness_score = models.PositiveSmallIntegerField(_("awareness (%)"), null=True)
    support_score = models.PositiveSmallIntegerField(_("political support (%)"), null=True)
    policy_score = models.PositiveSmallIntegerField(_("policy (%)"), null=True)
    overall_score = models.PositiveSmallIntegerField(_("overall (%)"), null=True)
    overall_level = models.CharField(
        _("overall level"),
        max_length=20,
        choices=SdgStatusLevel.choices,
        default=SdgStatusLevel.NOT_STARTED,
    )

    class Meta:
        verbose_name = _("status version")
        verbose_name_plural = _("status versions")
        ordering = ["municipality", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="statusversion_unique_number"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "created_at"])]

    def __str__(self) -> str:
        return f"{self.municipality} v{self.number}"

    def track_score(self, track: str) -> int | None:
        return getattr(self, f"{track}_score")


class MunicipalityStatus(models.Model):
    """The current version of a municipality's status, and the number a save starts from."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="status",
        verbose_name=_("municipality"),
    )
    current = models.OneToOneField(
        StatusVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )

    class Meta:
        verbose_name = _("SDG status")
        verbose_name_plural = _("SDG statuses")

    def __str__(self) -> str:
        return str(self.current)


def milestone_upload_to(instance, filename: str) -> str:
    # The stored name never comes from the user: only the checked extension is kept.
    return f"status/{instance.municipality_id}/{uuid.uuid4().hex}.{instance.extension}"


class StatusDocument(models.Model):
    """A file a contact attached to a milestone (a council decision, a plan)."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="status_documents",
        verbose_name=_("municipality"),
    )
    file = models.FileField(_("file"), upload_to=milestone_upload_to, max_length=200)
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
        verbose_name = _("status document")
        verbose_name_plural = _("status documents")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.name


class Snapshot(models.Model):
    """Every municipality's status at one moment: the version each had then."""

    label = models.CharField(_("label"), max_length=120)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    # Set for the automatic half-yearly snapshots ("auto-2027-01-01"): taken once each.
    key = models.CharField(_("key"), max_length=40, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return self.label


class SnapshotEntry(models.Model):
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="entries", verbose_name=_("snapshot")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    version = models.ForeignKey(
        StatusVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )

    class Meta:
        verbose_name = _("snapshot entry")
        verbose_name_plural = _("snapshot entries")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "municipality"], name="snapshotentry_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot}: {self.municipality}"


class ContactInvitation(models.Model):
    """An invitation to become a municipality's contact: a link that sets a password.

    Only a hash of the token is stored; the link works once and for INVITATION_DAYS days.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("municipality"),
    )
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("contact invitation")
        verbose_name_plural = _("contact invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.municipality})"
