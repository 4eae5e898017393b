from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Degurba(models.IntegerChoices):
    """Eurostat's degree of urbanisation (DEGURBA 2014)."""

    CITIES = 1, _("Cities")
    TOWNS_AND_SUBURBS = 2, _("Towns and suburbs")
    RURAL = 3, _("Rural areas")


class TargetType(models.TextChoices):
    OUTCOME = "outcome", _("Outcome target")
    MEANS_OF_IMPLEMENTATION = "means_of_implementation", _("Means of implementation")


class SdgStatusLevel(models.TextChoices):
    """Where a municipality stands on the SDGs, on the scale the self-assessment gives."""

    NOT_STARTED = "not_started", _("Not started")
    EXPLORING = "exploring", _("Exploring")
    ACTIVE = "active", _("Working on it")
    ADVANCED = "advanced", _("Advanced")


class Track(models.TextChoices):
    """The three tracks of the pilot, as VVSG's self-analysis (basistool) asks about them."""

    AWARENESS = "awareness", _("Awareness")
    SUPPORT = "support", _("Political support")
    POLICY = "policy", _("Policy")


class Contribution(models.TextChoices):
    """How much a municipality contributes to a goal today, or wants to (circle exercise)."""

    NONE = "none", pgettext_lazy("contribution", "None")
    SOME = "some", pgettext_lazy("contribution", "Some")
    STRONG = "strong", pgettext_lazy("contribution", "Strong")


class MilestoneKind(models.TextChoices):
    """The policy milestones VVSG followed in the pilot."""

    ENVIRONMENT_ANALYSIS = "environment_analysis", _("SDGs in the environment analysis")
    MULTI_YEAR_PLAN = "multi_year_plan", _("SDGs in the multi-year plan 2020-2025")
    COALITION_AGREEMENT = "coalition_agreement", _("SDGs in the coalition agreement")
    COMMITMENT = "commitment", _("VVSG's SDG commitment declaration signed")
    COORDINATOR = "coordinator", _("An SDG coordinator or working group")
    COUNCIL_DECISION = "council_decision", _("A council or college decision on the SDGs")


class Audience(models.TextChoices):
    """Whom an awareness action reaches (the audiences of the first pilot meeting)."""

    CIVIL_SERVANTS = "civil_servants", _("Civil servants")
    POLITICIANS = "politicians", _("Politicians")
    CITIZENS = "citizens", _("Citizens")
    COMPANIES = "companies", _("Companies")
    ASSOCIATIONS = "associations", _("Associations")


class StatusPart(models.TextChoices):
    """What a version of the status changed."""

    ASSESSMENT = "assessment", _("Self-assessment")
    GOALS = "goals", _("Circle exercise")
    MILESTONES = "milestones", _("Milestones")
    ACTIONS = "actions", _("Awareness actions")
    RESTORE = "restore", _("Earlier version restored")
