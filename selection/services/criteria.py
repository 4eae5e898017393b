"""The programme's criteria and quotas, seeded from the published selection criteria."""

from decimal import Decimal

from django.db import transaction

from municipalities.enums import SdgStatusLevel
from selection.enums import CriterionKind, DiversityAttribute, SizeClass
from selection.facts import NO, YES
from selection.models import Criterion, Programme, Quota

# What the board scores. Names and rubrics are the programme's own (Dutch) content.
JUDGEMENT_CRITERIA = [
    (
        "Motivatie",
        Decimal("2"),
        "Hoe overtuigend legt de gemeente uit waarom ze deelneemt? 1: geen of een algemene "
        "motivatie; 3: duidelijke redenen, gekoppeld aan het eigen beleid; 5: een "
        "doorleefde motivatie, gedragen door bestuur en administratie.",
    ),
    (
        "Haalbaarheid van de SDG-ambitie",
        Decimal("1"),
        "Kan de gemeente haar SDG-ambitie waarmaken in de omgevingsanalyse en het "
        "meerjarenplan 2020-2025? 1: geen concreet plan of middelen; 3: een plan met "
        "enkele middelen; 5: een concreet plan met tijd, mensen en politiek draagvlak.",
    ),
    (
        "Voorbeeldwaarde voor andere gemeenten",
        Decimal("1"),
        "Kunnen andere gemeenten leren van wat deze gemeente doet? 1: weinig "
        "overdraagbaar; 3: enkele bruikbare lessen; 5: sterk voorbeeld voor het netwerk.",
    ),
]

# The published criteria for the pilot group, as diversity attributes with quotas for a
# group of 20: (attribute, name, [(value, min, max), ...]).
DIVERSITY_CRITERIA = [
    (
        DiversityAttribute.PROVINCE,
        "Geografische spreiding per provincie",
        [
            (p, 3, 6)
            for p in (
                "Antwerpen",
                "Limburg",
                "Oost-Vlaanderen",
                "Vlaams-Brabant",
                "West-Vlaanderen",
            )
        ],
    ),
    (
        DiversityAttribute.SIZE_CLASS,
        "Variatie tussen grotere en kleinere gemeenten",
        [(SizeClass.SMALL, 5, None), (SizeClass.MEDIUM, 4, None), (SizeClass.LARGE, 4, None)],
    ),
    (
        DiversityAttribute.DEGURBA,
        "Variatie in verstedelijkingsgraad",
        [("rural", 3, None), ("towns_suburbs", 8, None)],
    ),
    (
        DiversityAttribute.SDG_STATUS,
        "Variatie in stand van zaken rond de SDG's",
        [(SdgStatusLevel.NOT_STARTED, 3, None), (SdgStatusLevel.ADVANCED, None, 5)],
    ),
    (DiversityAttribute.TWINNING, "Met en zonder stedenband", [(YES, 5, None), (NO, 5, None)]),
    (
        DiversityAttribute.FLEMISH_SUBSIDY,
        "Met en zonder Vlaamse impulssubsidie GOS",
        [(YES, 5, None), (NO, 5, None)],
    ),
    (
        DiversityAttribute.FEDERAL_SUBSIDY,
        "Met en zonder federale subsidie ontwikkelingssamenwerking",
        [(YES, 2, None), (NO, 5, None)],
    ),
    (DiversityAttribute.CONTACT_PERSON, "Aanwezigheid van een contactpersoon", [(YES, 16, None)]),
]


@transaction.atomic
def programme_seed_criteria(*, programme: Programme) -> list[Criterion]:
    """Create the standard judgement and diversity criteria, with quotas, when missing."""
    created = []
    for position, (name, weight, rubric) in enumerate(JUDGEMENT_CRITERIA):
        criterion, made = Criterion.objects.get_or_create(
            programme=programme,
            kind=CriterionKind.JUDGEMENT,
            name=name,
            defaults={"weight": weight, "rubric": rubric, "position": position},
        )
        if made:
            created.append(criterion)
    for position, (attribute, name, quotas) in enumerate(DIVERSITY_CRITERIA):
        criterion, made = Criterion.objects.get_or_create(
            programme=programme,
            kind=CriterionKind.DIVERSITY,
            attribute=attribute,
            defaults={"name": name, "position": position, "weight": 0},
        )
        if made:
            created.append(criterion)
            Quota.objects.bulk_create(
                Quota(criterion=criterion, value=value, minimum=low, maximum=high)
                for value, low, high in quotas
            )
    return created
