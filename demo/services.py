"""The demo programme: real municipalities, generated people and facts, one fixed seed.

Only the eight municipalities that public sources name as 2017 pilots are real candidates;
the other 42 are drawn at random from the reference data and marked as demo data, since
the full list of the 50 candidates was never published.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from meetings.enums import MeetingKind
from meetings.models import Meeting
from municipalities.models import Municipality, MunicipalityContact
from municipalities.services import known_pilots
from selection.enums import (
    CandidacyState,
    ConflictType,
    CriterionKind,
    OrganisationKind,
    ProgrammePhase,
    ReviewStatus,
    SdgStatusLevel,
)
from selection.models import (
    BoardMember,
    BoardOrganisation,
    Candidacy,
    ConflictDeclaration,
    Programme,
    Review,
    Score,
)
from selection.services.criteria import programme_seed_criteria

SEED = 2017
BRUSSELS = ZoneInfo("Europe/Brussels")
STAFF_EMAIL = "staff@example.org"
CANDIDATES_PER_PROVINCE = {
    "Antwerpen": 11,
    "Limburg": 8,
    "Oost-Vlaanderen": 11,
    "Vlaams-Brabant": 9,
    "West-Vlaanderen": 11,
}
# The organisations DESIGN.md names; twelve seats, two for VVSG's sustainability team.
BOARD_SEATS = [
    ("VVSG - Werking & Organisatie", OrganisationKind.VVSG_DEPARTMENT),
    ("VVSG - Integratie & Werk", OrganisationKind.VVSG_DEPARTMENT),
    ("VVSG - Duurzaam Beleid", OrganisationKind.VVSG_DEPARTMENT),
    ("VVSG - Duurzaam Beleid", OrganisationKind.VVSG_DEPARTMENT),
    ("VVSG - Kinderopvang", OrganisationKind.VVSG_DEPARTMENT),
    ("11.11.11", OrganisationKind.NGO),
    ("Vredeseilanden", OrganisationKind.NGO),
    ("Cifal Flanders", OrganisationKind.INSTITUTE),
    ("Instituut voor de Overheid", OrganisationKind.INSTITUTE),
    ("Platforma", OrganisationKind.NETWORK),
    ("KINA", OrganisationKind.NETWORK),
    ("Provincie Antwerpen", OrganisationKind.PROVINCE),
]


@dataclass(frozen=True)
class DemoSummary:
    programme: Programme
    candidacies: int
    board_members: int
    contacts: int
    password: str


def demo_password(explicit: str | None = None) -> str:
    return explicit or secrets.token_urlsafe(12)


def _user(email: str, first: str, last: str, password_hash: str, **extra):
    user_model = get_user_model()
    return user_model.objects.create(
        email=email, first_name=first, last_name=last, password=password_hash, **extra
    )


def _candidates(rng: random.Random) -> list[Municipality]:
    pilots = {row["nis_code"] for row in known_pilots()}
    chosen = list(Municipality.objects.filter(pk__in=pilots).select_related("province"))
    for province, wanted in CANDIDATES_PER_PROVINCE.items():
        already = sum(1 for m in chosen if m.province.name == province)
        pool = list(
            Municipality.objects.filter(province__name=province)
            .exclude(pk__in=pilots)
            .order_by("nis_code")
        )
        chosen += rng.sample(pool, wanted - already)
    return sorted(chosen, key=lambda m: m.nis_code)


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


def _demo_scores(rng: random.Random, programme: Programme) -> None:
    """Every member but the first has declared and scored every candidacy.

    board01 is left with an empty desk, so that whoever tries the demo scores for real.
    Scores follow a hidden quality per candidacy, a leniency per member and noise, so that
    rankings, disagreement and agreement look like a real board's.
    """
    members = list(programme.board_members.order_by("user__email"))[1:]
    candidacies = list(programme.candidacies.order_by("municipality_id"))
    criteria = list(programme.criteria.filter(kind=CriterionKind.JUDGEMENT))
    # The eight municipalities public sources name as pilots were chosen in reality: the
    # demo gives them a better hidden quality, so the demo proposal tends to agree.
    known = {row["nis_code"] for row in known_pilots()}
    quality = {
        c.pk: rng.gauss(3.2, 0.8) + (0.8 if c.municipality_id in known else 0.0)
        for c in candidacies
    }
    declarations, reviews, pending_scores = [], [], []
    for member in members:
        leniency = rng.gauss(0, 0.4)
        for candidacy in candidacies:
            if rng.random() < 0.03:
                declarations.append(
                    ConflictDeclaration(
                        member=member,
                        candidacy=candidacy,
                        conflict_type=rng.choice([ConflictType.EMPLOYMENT, ConflictType.ADVISORY]),
                        note="[Demo] Gemeld bij het openen van het dossier.",
                    )
                )
                continue
            declarations.append(
                ConflictDeclaration(
                    member=member, candidacy=candidacy, conflict_type=ConflictType.NONE
                )
            )
            reviews.append(
                Review(
                    member=member,
                    candidacy=candidacy,
                    status=ReviewStatus.SUBMITTED,
                    submitted_at=datetime(2017, 4, rng.randint(3, 25), 14, 0, tzinfo=BRUSSELS),
                    version=1,
                )
            )
            for criterion in criteria:
                not_applicable = criterion.position == 2 and rng.random() < 0.02
                value = (
                    None
                    if not_applicable
                    else _clamp(quality[candidacy.pk] + leniency + rng.gauss(0, 0.6))
                )
                pending_scores.append((len(reviews) - 1, criterion, value, not_applicable))
    ConflictDeclaration.objects.bulk_create(declarations)
    Review.objects.bulk_create(reviews)
    Score.objects.bulk_create(
        Score(review=reviews[i], criterion=c, value=v, not_applicable=na)
        for i, c, v, na in pending_scores
    )


@transaction.atomic
def demo_seed(*, password: str) -> DemoSummary:
    """Create the demo 2017-2019 programme. Deterministic apart from the password."""
    rng = random.Random(SEED)
    fake = Faker("nl_BE")
    fake.seed_instance(SEED)
    password_hash = make_password(password)

    _user(STAFF_EMAIL, "Sam", "Staf", password_hash, is_staff=True, is_superuser=True)
    programme = Programme.objects.create(
        name="SDG-proeftraject 2017-2019",
        starts_on=date(2017, 5, 16),
        ends_on=date(2019, 12, 31),
        pilot_group_size=20,
        phase=ProgrammePhase.SCORING,
        call_closes_at=datetime(2017, 3, 31, 23, 59, tzinfo=BRUSSELS),
        is_demo=True,
    )

    organisations = {}
    for number, (org_name, kind) in enumerate(BOARD_SEATS, start=1):
        if org_name not in organisations:
            organisations[org_name] = BoardOrganisation.objects.get_or_create(
                name=org_name, defaults={"kind": kind}
            )[0]
        user = _user(
            f"board{number:02d}@example.org", fake.first_name(), fake.last_name(), password_hash
        )
        BoardMember.objects.create(
            programme=programme, user=user, organisation=organisations[org_name]
        )

    statuses = list(SdgStatusLevel)
    municipalities = _candidates(rng)
    for municipality in municipalities:
        first, last = fake.first_name(), fake.last_name()
        email = f"contact-{municipality.nis_code}@example.org"
        user = _user(email, first, last, password_hash)
        MunicipalityContact.objects.create(
            user=user, municipality=municipality, job_title="Duurzaamheidsambtenaar"
        )
        has_twinning = rng.random() < 0.4
        Candidacy.objects.create(
            programme=programme,
            municipality=municipality,
            state=CandidacyState.SUBMITTED,
            submitted_at=datetime(2017, 3, rng.randint(1, 31), 12, 0, tzinfo=BRUSSELS),
            motivation=(
                f"[Demotekst] {municipality.name} wil de SDG's verankeren in de "
                f"omgevingsanalyse en het meerjarenplan 2020-2025. "
                + fake.paragraph(nb_sentences=4)
            ),
            has_contact_person=rng.random() < 0.85,
            contact_name=f"{first} {last}",
            contact_email=email,
            sdg_status=rng.choices(statuses, weights=[3, 4, 3, 1])[0],
            has_twinning=has_twinning,
            flemish_gos_subsidy=rng.random() < 0.45,
            federal_subsidy=rng.random() < 0.2,
        )

    programme_seed_criteria(programme=programme)
    _demo_scores(rng, programme)

    Meeting.objects.create(
        programme=programme,
        kind=MeetingKind.PILOT_MEETING,
        title="Eerste bijeenkomst pilootgroep",
        starts_at=datetime(2017, 5, 16, 10, 0, tzinfo=BRUSSELS),
        ends_at=datetime(2017, 5, 16, 16, 0, tzinfo=BRUSSELS),
        location="VVSG, Brussel",
        description=(
            "Kennismaking van de 20 pilootgemeenten en inventaris van hun verwachtingen "
            "over draagvlak en beleid."
        ),
    )
    return DemoSummary(
        programme=programme,
        candidacies=len(municipalities),
        board_members=len(BOARD_SEATS),
        contacts=len(municipalities),
        password=password,
    )
