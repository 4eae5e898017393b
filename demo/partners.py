"""The demo's partners of both programmes: the Flemish government bodies that the answer to
written question no. 384 names, the advisory board's organisations, the five provinces; a
handful of contacts with them, the joint trainings and workshop (2017-2019 only: the
2026-2028 programme has no pilot group yet) and the subsidy that funds the trajectory with
its reports (submitted for 2017-2019, due in the future for 2026-2028).

The bodies, their roles and the board's organisations are real (DESIGN.md). The contacts,
the trainings and the subsidy's figures are generated and marked "[Demo]": no public source
gives the subsidy's amount, so it is a round illustrative figure, and its note says so.
Each programme has its own :class:`PartnerPlan` with fixed dates, so the demo is the same
on every run.
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
TEAM_DO_ROLE = (
    "Provinciale SDG-vormingen en workshops voor Vlaamse, provinciale en lokale ambtenaren."
)
SUBSIDY_AMOUNT = Decimal("100000.00")
SUBSIDY_NOTE = (
    "[Demo] Illustratief bedrag: geen openbare bron noemt het bedrag van de subsidie. "
    "Vervang het door het bedrag van het subsidiebesluit."
)


@dataclass(frozen=True)
class Contact:
    """One contact with a partner; `meetings` are titles of meetings of the programme."""

    partner: str
    day: date
    topic: str
    outcome: str
    meetings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartnerPlan:
    """What one programme's partners did: the government's roles, the joint trainings, the
    contacts and the subsidy with its reports (title, due, submitted or None)."""

    government: tuple[tuple[str, str], ...]
    trainings: tuple[Plan, ...]
    contacts: tuple[Contact, ...]
    subsidy_reference: str
    reports: tuple[tuple[str, date, date | None], ...]


TRAININGS_2017 = (
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
    Plan(
        MeetingKind.WORKSHOP,
        MeetingAudience.PILOT,
        "Workshop SDG-indicatoren voor lokale besturen",
        date(2019, 5, 14),
        time(13, 30),
        time(16, 30),
        description="[Demo] Workshop over indicatoren om de SDG's in de gemeente op te volgen.",
    ),
)
DECIDED_PLAN = PartnerPlan(
    government=(
        (
            ABB,
            "De SDG's in de beleidsplannen van de gemeenten en in de nieuwe beleids- en "
            "beheerscyclus (BBC) na de lokale verkiezingen van 2018.",
        ),
        (TEAM_DO, TEAM_DO_ROLE),
        (BUZA, "Volgt de subsidie aan VVSG op die het SDG-proeftraject financiert."),
    ),
    trainings=TRAININGS_2017,
    contacts=(
        Contact(
            BUZA,
            date(2017, 3, 14),
            "Subsidie voor het SDG-proeftraject",
            "[Demo] Afspraken over de subsidie en de rapportering.",
        ),
        Contact(
            ABB,
            date(2017, 6, 8),
            "De SDG's in de beleids- en beheerscyclus",
            "[Demo] ABB bekijkt hoe de SDG's een plaats krijgen in de nieuwe BBC.",
        ),
        Contact(
            TEAM_DO,
            date(2017, 11, 21),
            "Planning van de provinciale SDG-vormingen",
            "[Demo] Twee vormingen in 2018, in West- en Oost-Vlaanderen.",
            (TRAININGS_2017[0].title, TRAININGS_2017[1].title),
        ),
        Contact(
            "Provincie Limburg",
            date(2018, 9, 18),
            "Jaarlijkse SDG-bijeenkomst 2018",
            "[Demo] De provincie ontvangt de bijeenkomst in het provinciehuis.",
            ("Jaarlijkse SDG-bijeenkomst 2018",),
        ),
        Contact(
            ABB,
            date(2018, 11, 6),
            "De SDG's in de meerjarenplannen 2020-2025",
            "[Demo] Tips van de pilootgemeenten voor de omgevingsanalyse gedeeld.",
        ),
        Contact(
            TEAM_DO,
            date(2019, 3, 12),
            "Workshop SDG-indicatoren",
            "[Demo] Samen een workshop voor de pilootgroep in mei.",
            (TRAININGS_2017[2].title,),
        ),
        Contact(
            BUZA,
            date(2019, 12, 10),
            "Afronding en eindrapport",
            "[Demo] Het eindrapport volgt in het voorjaar van 2020.",
        ),
    ),
    subsidy_reference="[Demo] Subsidie SDG-proeftraject VVSG",
    reports=(
        ("Tussentijds rapport 2018", date(2018, 6, 30), date(2018, 6, 25)),
        ("Eindrapport SDG-proeftraject", date(2020, 3, 31), date(2020, 3, 20)),
    ),
)

# The 2026-2028 programme is still being scored: no pilot group, so no joint training yet;
# its contacts run from January to November 2026 and its reports fall due in 2027 and 2029.
CURRENT_PLAN = PartnerPlan(
    government=(
        (
            ABB,
            "De SDG's in de meerjarenplannen 2026-2031 van de gemeenten en in de beleids- "
            "en beheerscyclus (BBC).",
        ),
        (TEAM_DO, TEAM_DO_ROLE),
        (BUZA, "Volgt de subsidie aan VVSG op die het SDG-traject 2026-2028 financiert."),
    ),
    trainings=(),
    contacts=(
        Contact(
            BUZA,
            date(2026, 1, 20),
            "Subsidie voor het SDG-traject 2026-2028",
            "[Demo] Afspraken over de subsidie, de looptijd en de twee rapporten.",
        ),
        Contact(
            ABB,
            date(2026, 3, 10),
            "De SDG's in de meerjarenplannen 2026-2031",
            "[Demo] ABB bekijkt hoe het traject de gemeenten helpt de SDG's op te volgen in "
            "hun nieuwe meerjarenplan.",
        ),
        Contact(
            TEAM_DO,
            date(2026, 5, 19),
            "Provinciale SDG-vormingen in 2027",
            "[Demo] De vormingen worden per provincie gepland zodra de pilootgroep gekozen is.",
        ),
        Contact(
            "Provincie Antwerpen",
            date(2026, 9, 15),
            "Jaarlijkse SDG-bijeenkomst 2027",
            "[Demo] De provincie biedt het provinciehuis aan voor de bijeenkomst.",
        ),
        Contact(
            BUZA,
            date(2026, 11, 17),
            "Stand van de selectie",
            "[Demo] De klankbordgroep beoordeelt de kandidaturen; de beslissing volgt begin 2027.",
        ),
    ),
    subsidy_reference="[Demo] Subsidie SDG-traject 2026-2028 VVSG",
    reports=(
        ("Tussentijds rapport 2027", date(2027, 6, 30), None),
        ("Eindrapport SDG-traject 2026-2028", date(2029, 3, 31), None),
    ),
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


def seed_partners(
    *,
    programme: Programme,
    staff,
    contacts: dict[str, object],
    plan: PartnerPlan = DECIDED_PLAN,
) -> DemoPartners:
    """The partners, contacts, joint trainings and subsidy of `programme`, after `plan`
    (by default the 2017-2019 programme's)."""
    rng = random.Random(SEED)
    made = DemoPartners()
    by_name = {}
    for name, role in plan.government:
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

    if plan.trainings:
        invitees = _invitees(programme, contacts)
        made.trainings = [
            _past_meeting(rng, training, programme=programme, staff=staff, invitees=invitees)
            for training in plan.trainings
        ]
    titles = {c for contact in plan.contacts for c in contact.meetings}
    meetings = {
        m.title: m
        for m in Meeting.objects.filter(programme=programme, title__in=titles).order_by(
            "starts_at", "pk"
        )
    }
    for contact in plan.contacts:
        made.contacts.append(
            partner_contact_log(
                actor=staff,
                partner=by_name[contact.partner],
                date=contact.day,
                topic=contact.topic,
                outcome=contact.outcome,
                meetings=[meetings[t] for t in contact.meetings if t in meetings],
            )
        )

    made.subsidy = subsidy_record(
        actor=staff,
        programme=programme,
        funder=by_name[BUZA],
        amount=SUBSIDY_AMOUNT,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        reference=plan.subsidy_reference,
        note=SUBSIDY_NOTE,
        reports=[(title, due) for title, due, _submitted in plan.reports],
    )
    submitted = {title: day for title, _due, day in plan.reports if day is not None}
    for report in made.subsidy.reports.all():
        if report.title in submitted:
            subsidy_report_submit(actor=staff, report=report, submitted_on=submitted[report.title])
    return made
