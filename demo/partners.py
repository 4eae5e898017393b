"""The demo's partners of the 2017-2019 programme: the Flemish government bodies that the
answer to written question no. 384 names, the advisory board's organisations, the five
provinces; a handful of contacts with them (2017-2019), the provincial SDG trainings and a
workshop given together, and the subsidy that funds the trajectory with its two reports.

The bodies, their roles and the board's organisations are real (DESIGN.md). The contacts,
the trainings and the subsidy's figures are generated and marked "[Demo]": no public source
gives the subsidy's amount, so it is a round illustrative figure, and its note says so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from demo.meetings import Plan, _invitees, _past_meeting
from meetings.enums import MeetingAudience, MeetingKind
from meetings.models import Meeting
from municipalities.models import Province
from partners.enums import PartnerKind
from partners.models import Partner, PartnerContact, Subsidy
from partners.services import (
    partner_contact_log,
    partner_create,
    subsidy_record,
    subsidy_report_submit,
)
from selection.models import BoardOrganisation, Programme

SEED = 384
ABB = "Agentschap Binnenlands Bestuur"
TEAM_DO = "Departement Bestuur & Kanselarij, team Duurzame Ontwikkeling"
BUZA = "Departement Buitenlandse Zaken"
GOVERNMENT = [
    (
        ABB,
        "De SDG's in de beleidsplannen van de gemeenten en in de nieuwe beleids- en "
        "beheerscyclus (BBC) na de lokale verkiezingen van 2018.",
    ),
    (
        TEAM_DO,
        "Provinciale SDG-vormingen en workshops voor Vlaamse, provinciale en lokale ambtenaren.",
    ),
    (BUZA, "Volgt de subsidie aan VVSG op die het SDG-proeftraject financiert."),
]
SUBSIDY_AMOUNT = Decimal("100000.00")
SUBSIDY_NOTE = (
    "[Demo] Illustratief bedrag: geen openbare bron noemt het bedrag van de subsidie. "
    "Vervang het door het bedrag van het subsidiebesluit."
)
REPORTS = [
    ("Tussentijds rapport 2018", date(2018, 6, 30), date(2018, 6, 25)),
    ("Eindrapport SDG-proeftraject", date(2020, 3, 31), date(2020, 3, 20)),
]
TRAININGS = [
    Plan(
        MeetingKind.PROVINCIAL_TRAINING,
        MeetingAudience.OUTREACH,
        "Provinciale SDG-vorming West-Vlaanderen",
        date(2018, 2, 22),
        time(9, 30),
        time(12, 30),
        location="Provinciehuis West-Vlaanderen, Brugge",
        description=(
            "[Demo] Vorming over de SDG's voor lokale ambtenaren, samen met het team "
            "Duurzame Ontwikkeling van de Vlaamse overheid en de provincie."
        ),
    ),
    Plan(
        MeetingKind.PROVINCIAL_TRAINING,
        MeetingAudience.PILOT,
        "Provinciale SDG-vorming Oost-Vlaanderen",
        date(2018, 9, 27),
        time(9, 30),
        time(12, 30),
        location="Provinciehuis Oost-Vlaanderen, Gent",
        description=(
            "[Demo] Vorming over de SDG's in de omgevingsanalyse, samen met het team "
            "Duurzame Ontwikkeling van de Vlaamse overheid en de provincie."
        ),
    ),
]
WORKSHOP = Plan(
    MeetingKind.WORKSHOP,
    MeetingAudience.PILOT,
    "Workshop SDG-indicatoren voor lokale besturen",
    date(2019, 5, 14),
    time(13, 30),
    time(16, 30),
    description="[Demo] Workshop over indicatoren om de SDG's in de gemeente op te volgen.",
)


@dataclass
class DemoPartners:
    """What seed_partners made, for the tests."""

    partners: list[Partner] = field(default_factory=list)
    contacts: list[PartnerContact] = field(default_factory=list)
    trainings: list[Meeting] = field(default_factory=list)
    subsidy: Subsidy | None = None


def _province_partners(programme: Programme, staff, organisations: dict[str, BoardOrganisation]):
    made = []
    for province in Province.objects.order_by("name"):
        name = f"Provincie {province.name}"
        organisation = organisations.pop(name, None)
        role = f"Het provinciebestuur van {province.name}."
        if organisation is not None:
            role += " Zetelt in de klankbordgroep."
        made.append(
            partner_create(
                actor=staff,
                programme=programme,
                name=name,
                kind=PartnerKind.PROVINCE,
                role=role,
                province=province,
                board_organisation=organisation,
            )
        )
    return made


def seed_partners(*, programme: Programme, staff, contacts: dict[str, object]) -> DemoPartners:
    """The partners, contacts, joint trainings and subsidy of the 2017-2019 programme."""
    rng = random.Random(SEED)
    made = DemoPartners()
    by_name = {}
    for name, role in GOVERNMENT:
        by_name[name] = partner_create(
            actor=staff, programme=programme, name=name, kind=PartnerKind.GOVERNMENT, role=role
        )
    organisations = {
        o.name: o
        for o in BoardOrganisation.objects.filter(members__programme=programme)
        .distinct()
        .order_by("name")
    }
    for partner in _province_partners(programme, staff, organisations):
        by_name[partner.name] = partner
    for name, organisation in organisations.items():
        by_name[name] = partner_create(
            actor=staff,
            programme=programme,
            name=name,
            kind=PartnerKind.BOARD_ORGANISATION,
            role="Lid van de klankbordgroep.",
            board_organisation=organisation,
        )
    made.partners = list(by_name.values())

    invitees = _invitees(programme, contacts)
    made.trainings = [
        _past_meeting(rng, plan, programme=programme, staff=staff, invitees=invitees)
        for plan in TRAININGS
    ]
    workshop = _past_meeting(rng, WORKSHOP, programme=programme, staff=staff, invitees=invitees)
    made.trainings.append(workshop)
    gathering = Meeting.objects.filter(
        programme=programme, kind=MeetingKind.ANNUAL_GATHERING, starts_at__year=2018
    ).first()

    log = [
        (
            BUZA,
            date(2017, 3, 14),
            "Subsidie voor het SDG-proeftraject",
            "[Demo] Afspraken over de subsidie en de rapportering.",
            [],
        ),
        (
            ABB,
            date(2017, 6, 8),
            "De SDG's in de beleids- en beheerscyclus",
            "[Demo] ABB bekijkt hoe de SDG's een plaats krijgen in de nieuwe BBC.",
            [],
        ),
        (
            TEAM_DO,
            date(2017, 11, 21),
            "Planning van de provinciale SDG-vormingen",
            "[Demo] Twee vormingen in 2018, in West- en Oost-Vlaanderen.",
            made.trainings[:2],
        ),
        (
            "Provincie Limburg",
            date(2018, 9, 18),
            "Jaarlijkse SDG-bijeenkomst 2018",
            "[Demo] De provincie ontvangt de bijeenkomst in het provinciehuis.",
            [gathering] if gathering else [],
        ),
        (
            ABB,
            date(2018, 11, 6),
            "De SDG's in de meerjarenplannen 2020-2025",
            "[Demo] Tips van de pilootgemeenten voor de omgevingsanalyse gedeeld.",
            [],
        ),
        (
            TEAM_DO,
            date(2019, 3, 12),
            "Workshop SDG-indicatoren",
            "[Demo] Samen een workshop voor de pilootgroep in mei.",
            [workshop],
        ),
        (
            BUZA,
            date(2019, 12, 10),
            "Afronding en eindrapport",
            "[Demo] Het eindrapport volgt in het voorjaar van 2020.",
            [],
        ),
    ]
    for name, day, topic, outcome, meetings in log:
        made.contacts.append(
            partner_contact_log(
                actor=staff,
                partner=by_name[name],
                date=day,
                topic=topic,
                outcome=outcome,
                meetings=meetings,
            )
        )

    made.subsidy = subsidy_record(
        actor=staff,
        programme=programme,
        funder=by_name[BUZA],
        amount=SUBSIDY_AMOUNT,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        reference="[Demo] Subsidie SDG-proeftraject VVSG",
        note=SUBSIDY_NOTE,
        reports=[(title, due) for title, due, _submitted in REPORTS],
    )
    submitted = {title: day for title, _due, day in REPORTS}
    for report in made.subsidy.reports.all():
        subsidy_report_submit(actor=staff, report=report, submitted_on=submitted[report.title])
    return made
