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


class CriterionKind(models.TextChoices):
    JUDGEMENT = "judgement", _("Judgement (scored by the board)")
    DIVERSITY = "diversity", _("Diversity (a fact, used as a quota)")


class DiversityAttribute(models.TextChoices):
    """Candidacy facts that diversity quotas can be set on."""

    PROVINCE = "province", _("Province")
    SIZE_CLASS = "size_class", _("Size class")
    DEGURBA = "degurba", _("Degree of urbanisation")
    SDG_STATUS = "sdg_status", _("SDG status")
    TWINNING = "twinning", _("Town twinning")
    FLEMISH_SUBSIDY = "flemish_subsidy", _("Flemish GOS subsidy")
    FEDERAL_SUBSIDY = "federal_subsidy", _("Federal subsidy")
    CONTACT_PERSON = "contact_person", _("Contact person")


class ConflictType(models.TextChoices):
    NONE = "none", _("No conflict of interest")
    EMPLOYMENT = "employment", _("I work for, or recently worked for, this municipality")
    POLITICAL = "political", _("I hold or held a political mandate there")
    PERSONAL = "personal", _("Close personal relationship with someone involved")
    ADVISORY = "advisory", _("I advised this candidacy or the municipality on it")
    FINANCIAL = "financial", _("Financial interest")
    OTHER = "other", _("Other")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("review status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("review status", "Submitted")


class AggregationMethod(models.TextChoices):
    MEAN = "mean", _("Mean of the members' scores")
    ZSCORE = "zscore", _("Scores normalised per member (z-scores)")


class Vote(models.TextChoices):
    FOR = "for", pgettext_lazy("vote", "For")
    AGAINST = "against", pgettext_lazy("vote", "Against")
    ABSTAIN = "abstain", pgettext_lazy("vote", "Abstain")


class DecisionRule(models.TextChoices):
    """How the board's votes carry a decision."""

    UNANIMITY = "unanimity", _("Unanimity of the members present")
    MAJORITY = "majority", _("Simple majority of the votes cast (abstentions do not count)")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("decision status", "Draft")
    CONFIRMED = "confirmed", pgettext_lazy("decision status", "Confirmed")


class AmendmentAction(models.TextChoices):
    ADD = "add", _("Add to the pilot group")
    REMOVE = "remove", _("Remove from the pilot group")


class Group(models.TextChoices):
    """Where a municipality stands in a programme: the group its candidacy ended up in."""

    CANDIDATE = "candidate", pgettext_lazy("programme group", "Candidate")
    PILOT = "pilot", _("Pilot group")
    OUTREACH = "outreach", _("Outreach group")
