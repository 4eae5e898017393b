"""The facts of a candidacy that diversity quotas apply to, as stable string values."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from municipalities.enums import Degurba, SdgStatusLevel

from .enums import DiversityAttribute, SizeClass
from .models import Candidacy

YES, NO = "yes", "no"
DEGURBA_VALUES = {
    Degurba.CITIES: "cities",
    Degurba.TOWNS_AND_SUBURBS: "towns_suburbs",
    Degurba.RURAL: "rural",
}
_BOOLEAN_LABELS = {YES: pgettext_lazy("fact", "yes"), NO: pgettext_lazy("fact", "no")}


def _yes_no(flag: bool) -> str:
    return YES if flag else NO


def candidacy_facts(candidacy: Candidacy) -> dict[str, str]:
    """Every diversity attribute of a candidacy. Needs municipality and programme loaded."""
    municipality = candidacy.municipality
    return {
        DiversityAttribute.PROVINCE: municipality.province.name,
        DiversityAttribute.SIZE_CLASS: candidacy.programme.size_class(municipality.population_2018),
        DiversityAttribute.DEGURBA: DEGURBA_VALUES[municipality.degurba],
        DiversityAttribute.SDG_STATUS: candidacy.sdg_status,
        DiversityAttribute.TWINNING: _yes_no(candidacy.has_twinning),
        DiversityAttribute.FLEMISH_SUBSIDY: _yes_no(candidacy.flemish_gos_subsidy),
        DiversityAttribute.FEDERAL_SUBSIDY: _yes_no(candidacy.federal_subsidy),
        DiversityAttribute.CONTACT_PERSON: _yes_no(candidacy.has_contact_person),
    }


def attribute_values(attribute: str, provinces: list[str] | None = None) -> list[str]:
    """The possible values of an attribute, in display order."""
    if attribute == DiversityAttribute.PROVINCE:
        return list(provinces or [])
    if attribute == DiversityAttribute.SIZE_CLASS:
        return list(SizeClass.values)
    if attribute == DiversityAttribute.DEGURBA:
        return list(DEGURBA_VALUES.values())
    if attribute == DiversityAttribute.SDG_STATUS:
        return list(SdgStatusLevel.values)
    return [YES, NO]


def value_label(attribute: str, value: str) -> str:
    """A person's word for an attribute value, in the active language."""
    if attribute == DiversityAttribute.SIZE_CLASS and value in SizeClass.values:
        return str(SizeClass(value).label)
    if attribute == DiversityAttribute.DEGURBA:
        for degurba, code in DEGURBA_VALUES.items():
            if code == value:
                return str(Degurba(degurba).label)
    if attribute == DiversityAttribute.SDG_STATUS and value in SdgStatusLevel.values:
        return str(SdgStatusLevel(value).label)
    if value in _BOOLEAN_LABELS:
        return str(_BOOLEAN_LABELS[value])
    return value


def attribute_label(attribute: str) -> str:
    if attribute in DiversityAttribute.values:
        return str(DiversityAttribute(attribute).label)
    return attribute


def quota_label(attribute: str, value: str) -> str:
    """E.g. "Province: Limburg" or "Degree of urbanisation: Rural areas"."""
    return _("%(attribute)s: %(value)s") % {
        "attribute": attribute_label(attribute),
        "value": value_label(attribute, value),
    }
