from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .enums import Degurba, TargetType

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
