from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProgrammePhase(models.TextChoices):
    APPLICATIONS = "applications", _("Applications")
    SCORING = "scoring", _("Scoring")
    DELIBERATION = "deliberation", _("Deliberation")
    DECIDED = "decided", pgettext_lazy("programme phase", "Decided")


class ScoreVisibility(models.TextChoices):
    NEVER = "never", _("Never")
    AFTER_OWN = "after_own", _("After submitting their own review")
    ALWAYS = "always", _("Always")


class OrganisationKind(models.TextChoices):
    VVSG_DEPARTMENT = "vvsg", _("VVSG department")
    NGO = "ngo", _("NGO")
    INSTITUTE = "institute", _("Institute")
    PROVINCE = "province", _("Province")
    NETWORK = "network", _("Network")


class SdgStatusLevel(models.TextChoices):
    """Where a municipality stood on the SDGs when it applied."""

    NOT_STARTED = "not_started", _("Not started")
    EXPLORING = "exploring", _("Exploring")
    ACTIVE = "active", _("Working on it")
    ADVANCED = "advanced", _("Advanced")


class CandidacyState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("candidacy state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("candidacy state", "Submitted")


class Outcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("candidacy outcome", "Pending")
    PILOT = "pilot", _("Pilot group")
    OUTREACH = "outreach", _("Outreach group")
    WITHDRAWN = "withdrawn", pgettext_lazy("candidacy outcome", "Withdrawn")


class SizeClass(models.TextChoices):
    SMALL = "small", pgettext_lazy("municipality size", "Small")
    MEDIUM = "medium", pgettext_lazy("municipality size", "Medium")
    LARGE = "large", pgettext_lazy("municipality size", "Large")
