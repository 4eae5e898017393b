"""The demo: two programmes of real municipalities, with generated people and facts.

- "SDG-proeftraject 2017-2019" as it ended: 50 candidacies, scored by the 12 board members,
  moved through the phases, one run of the optimiser and the board's unanimous decision,
  confirmed: 20 pilots and 30 outreach municipalities. Of the 50, only the eight
  municipalities that public sources name as 2017 pilots are real candidates; the other 42
  are drawn at random from the reference data, since the full list of the 50 candidates was
  never published. The eight were chosen in reality, so the demo gives them a clearly
  better hidden quality: the optimiser selects them under the standard quotas on its own,
  and the decision needs no amendment. Their contacts kept the SDG status up to date from
  May 2017 to December 2019, with a snapshot every half year (demo/status.py).
- "SDG-traject 2026-2028" in the scoring phase: the 48 of those 50 municipalities that still
  exist in 2026 apply again, with two municipalities of the same provinces in the place of
  the two that merged in 2019 and 2025. The same 12 users sit on its board; board02 ..
  board12 have scored part or all of it, board01 has an empty desk. Its partners are the
  same bodies, with contacts of 2026 and a subsidy whose reports are still due
  (demo/partners.py).

Everything is drawn from one fixed seed, so every run gives the same demo (apart from the
password).
"""

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker
from simple_history.utils import bulk_create_with_history

from demo.meetings import seed_meetings, seed_upcoming_board_meeting
from demo.partners import CURRENT_PLAN, seed_partners
from demo.status import seed_status_history
from municipalities.enums import SdgStatusLevel
from municipalities.models import Municipality, MunicipalityContact
from municipalities.services import known_pilots
from selection.enums import (
    AggregationMethod,
    CandidacyState,
    ConflictType,
    CriterionKind,
    DecisionRule,
    OrganisationKind,
    ProgrammePhase,
    ReviewStatus,
    Vote,
)
from selection.models import (
    BoardMember,
    BoardOrganisation,
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Decision,
    Programme,
    Review,
    Score,
    SelectionRun,
)
from selection.selectors.scoring import order_key
from selection.services.criteria import programme_seed_criteria
from selection.services.decision import decision_confirm, decision_record
from selection.services.programme import programme_set_phase
from selection.services.proposal import selection_run

SEED = 2017
BRUSSELS = ZoneInfo("Europe/Brussels")
STAFF_EMAIL = "staff@example.org"
DECIDED_NAME = "SDG-proeftraject 2017-2019"
CURRENT_NAME = "SDG-traject 2026-2028"
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
# How many candidacies board02 .. board12 have dealt with (a review submitted, or a conflict
# declared) in the 2026-2028 programme, in each member's own order; each one who is not done
# has the next one open as a draft.
CURRENT_SUBMITTED = [50, 50, 48, 45, 41, 36, 30, 24, 17, 10, 5]
DECISION_MINUTES = (
    "[Demo] De klankbordgroep bespreekt de rangschikking van de 50 kandidaturen en het "
    "voorstel van 20 pilootgemeenten onder de diversiteitsquota (spreiding over de "
    "provincies, grote en kleine gemeenten, verstedelijking, stand van zaken rond de SDG's, "
    "stedenband, subsidies, contactpersoon). Ze neemt het voorstel unaniem over. De andere "
    "30 kandidaten worden betrokken via infosessies en de jaarlijkse SDG-bijeenkomst."
)


@dataclass(frozen=True)
class DemoSummary:
    """What the seed made. ``programme`` is the decided 2017-2019 one."""

    programme: Programme
    current: Programme
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
    """The 50 candidates of 2017: the eight known pilots and a random draw per province."""
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


def _current_candidates(rng: random.Random, past: list[Municipality]) -> list[Municipality]:
    """The 50 candidates of 2026: the past ones that still exist, and for each one that
    merged since (in 2019 or 2025), another municipality of the same province."""
    gone = [m for m in past if m.merged_2019 or m.merged_2025]
    chosen = [m for m in past if m not in gone]
    taken = {m.nis_code for m in past}
    for municipality in gone:
        pool = list(
            Municipality.objects.filter(
                province_id=municipality.province_id, merged_2019=False, merged_2025=False
            )
            .exclude(pk__in=taken)
            .select_related("province")
            .order_by("nis_code")
        )
        replacement = rng.choice(pool)
        taken.add(replacement.nis_code)
        chosen.append(replacement)
    return sorted(chosen, key=lambda m: m.nis_code)


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


def _programme(staff, **fields) -> Programme:
    programme = Programme(pilot_group_size=20, is_demo=True, **fields)
    programme._history_user = staff
    programme.save()
    return programme


def _seat(programme: Programme, board: list[tuple]) -> list[BoardMember]:
    return BoardMember.objects.bulk_create(
        BoardMember(programme=programme, user=user, organisation=organisation)
        for user, organisation in board
    )


def _apply(
    rng: random.Random,
    fake: Faker,
    *,
    programme: Programme,
    contacts: dict[str, object],
    municipalities: list[Municipality],
    year: int,
    status_weights: list[int],
) -> list[Candidacy]:
    """Each municipality's contact submitted a candidacy in March of `year`."""
    statuses = list(SdgStatusLevel)
    candidacies = []
    for municipality in municipalities:
        contact = contacts[municipality.nis_code]
        submitted_at = datetime(year, 3, rng.randint(1, 31), 12, 0, tzinfo=BRUSSELS)
        candidacy = Candidacy(
            programme=programme,
            municipality=municipality,
            state=CandidacyState.SUBMITTED,
            submitted_at=submitted_at,
            motivation=(
                f"[Demotekst] {municipality.name} wil de SDG's verankeren in de "
                f"omgevingsanalyse en het meerjarenplan. " + fake.paragraph(nb_sentences=4)
            ),
            has_contact_person=rng.random() < 0.85,
            contact_name=contact.get_full_name(),
            contact_email=contact.email,
            sdg_status=rng.choices(statuses, weights=status_weights)[0],
            has_twinning=rng.random() < 0.4,
            flemish_gos_subsidy=rng.random() < 0.45,
            federal_subsidy=rng.random() < 0.2,
        )
        candidacy._history_user = contact
        candidacy._history_date = submitted_at
        candidacies.append(candidacy)
    return bulk_create_with_history(candidacies, Candidacy)


@dataclass
class _Desk:
    """Declarations, reviews and scores to create, each recorded in history as made by the
    member, at the time the review was submitted (or saved)."""

    declarations: list[ConflictDeclaration] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    # (index into reviews, criterion, value, not applicable)
    scores: list[tuple[int, Criterion, int | None, bool]] = field(default_factory=list)

    def declare(self, member, candidacy, when: datetime, conflict: str = ConflictType.NONE):
        declaration = ConflictDeclaration(
            member=member,
            candidacy=candidacy,
            conflict_type=conflict,
            note="" if conflict == ConflictType.NONE else "[Demo] Gemeld bij het openen.",
        )
        self._stamp(declaration, member, when)
        self.declarations.append(declaration)

    def review(self, member, candidacy, when: datetime, values: dict, *, submitted: bool):
        review = Review(
            member=member,
            candidacy=candidacy,
            status=ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT,
            submitted_at=when if submitted else None,
            version=1,
        )
        self._stamp(review, member, when)
        self.reviews.append(review)
        index = len(self.reviews) - 1
        for criterion, value in values.items():
            self.scores.append((index, criterion, value, value is None))

    @staticmethod
    def _backdate(model, column: str, saved: list, made: list) -> None:
        by_date = defaultdict(list)
        for row, original in zip(saved, made, strict=True):
            by_date[original._history_date].append(row.pk)
        for when, pks in by_date.items():
            model.objects.filter(pk__in=pks).update(**{column: when})

    @staticmethod
    def _stamp(row, member, when: datetime) -> None:
        row._history_user = member.user
        row._history_date = when

    def save(self) -> None:
        declarations = bulk_create_with_history(self.declarations, ConflictDeclaration)
        reviews = bulk_create_with_history(self.reviews, Review)
        # auto_now stamps the rows with today; the scoring progress shows the members' last
        # activity, which is the day each row was made in the demo.
        self._backdate(ConflictDeclaration, "declared_at", declarations, self.declarations)
        self._backdate(Review, "updated_at", reviews, self.reviews)
        scores = []
        for index, criterion, value, not_applicable in self.scores:
            score = Score(
                review=reviews[index],
                criterion=criterion,
                value=value,
                not_applicable=not_applicable,
            )
            self._stamp(score, self.reviews[index].member, self.reviews[index]._history_date)
            scores.append(score)
        bulk_create_with_history(scores, Score)


def _judgement(programme: Programme) -> list[Criterion]:
    return list(programme.criteria.filter(kind=CriterionKind.JUDGEMENT).order_by("position"))


def _values(rng: random.Random, criteria: list[Criterion], level: float) -> dict:
    """A member's scores around `level`; now and then "not applicable" on the second one."""
    values = {}
    for criterion in criteria:
        not_applicable = criterion.position == 1 and rng.random() < 0.02
        values[criterion] = None if not_applicable else _clamp(level + rng.gauss(0, 0.6))
    return values


def _conflict(rng: random.Random) -> str | None:
    if rng.random() < 0.03:
        return rng.choice([ConflictType.EMPLOYMENT, ConflictType.ADVISORY])
    return None


def _score_decided(rng: random.Random, programme: Programme, members: list[BoardMember]):
    """Every member declared for and scored every candidacy, in April 2017.

    Scores follow a hidden quality per candidacy, a leniency per member and noise, so that
    rankings, disagreement and agreement look like a real board's. The eight known pilots
    get a clearly higher quality, above all on motivation (the criterion with weight 2).
    """
    known = {row["nis_code"] for row in known_pilots()}
    candidacies = list(programme.candidacies.order_by("municipality_id"))
    criteria = _judgement(programme)
    quality = {
        c.pk: rng.gauss(4.3, 0.2) if c.municipality_id in known else rng.gauss(3.0, 0.7)
        for c in candidacies
    }
    desk = _Desk()
    for member in members:
        leniency = rng.gauss(0, 0.3)
        for candidacy in candidacies:
            when = datetime(2017, 4, rng.randint(3, 25), 14, 0, tzinfo=BRUSSELS)
            conflict = _conflict(rng)
            if conflict:
                desk.declare(member, candidacy, when, conflict)
                continue
            desk.declare(member, candidacy, when)
            level = quality[candidacy.pk] + leniency
            values = _values(rng, criteria, level)
            if candidacy.municipality_id in known:
                values[criteria[0]] = _clamp(level + 0.5 + rng.gauss(0, 0.3))
            desk.review(member, candidacy, when, values, submitted=True)
    desk.save()


def _score_current(rng: random.Random, programme: Programme, members: list[BoardMember]):
    """board02 .. board12 have worked through part or all of their list, in April 2026;
    board01 (the first member) has declared nothing and scored nothing."""
    candidacies = list(programme.candidacies.order_by("municipality_id"))
    criteria = _judgement(programme)
    quality = {c.pk: rng.gauss(3.2, 0.8) for c in candidacies}
    desk = _Desk()
    for member, submitted in zip(members[1:], CURRENT_SUBMITTED, strict=True):
        leniency = rng.gauss(0, 0.4)
        own_order = sorted(
            candidacies,
            key=lambda c: order_key(programme=programme, member=member, candidacy_pk=c.pk),
        )
        for position, candidacy in enumerate(own_order[: submitted + 1]):
            when = datetime(2026, 4, 1 + position * 27 // 50, 10 + position % 8, 0, tzinfo=BRUSSELS)
            conflict = _conflict(rng)
            if conflict:
                desk.declare(member, candidacy, when, conflict)
                continue
            desk.declare(member, candidacy, when)
            values = _values(rng, criteria, quality[candidacy.pk] + leniency)
            if position < submitted:
                desk.review(member, candidacy, when, values, submitted=True)
            else:
                # Half-way through the next one: a draft with the first score only.
                desk.review(
                    member, candidacy, when, dict(list(values.items())[:1]), submitted=False
                )
    desk.save()


def _decide(programme: Programme, members: list[BoardMember], staff) -> None:
    """From scoring to the confirmed decision of the board's meeting of 2 May 2017."""
    programme = programme_set_phase(
        programme=programme, phase=ProgrammePhase.DELIBERATION, actor=staff
    )
    run = selection_run(programme=programme, method=AggregationMethod.MEAN, actor=staff)
    decision = decision_record(
        run=run,
        meeting_date=date(2017, 5, 2),
        meeting_location="VVSG, Brussel",
        quorum=7,
        rule=DecisionRule.UNANIMITY,
        minutes=DECISION_MINUTES,
        votes={member.pk: (True, Vote.FOR) for member in members},
        actor=staff,
    )
    decision_confirm(decision=decision, actor=staff)
    # As it happened on 2 May 2017 (the services stamp the moment of seeding): the run
    # before the meeting, the decision recorded and confirmed at its end.
    SelectionRun.objects.filter(pk=run.pk).update(
        created_at=datetime(2017, 5, 2, 11, 0, tzinfo=BRUSSELS)
    )
    Decision.objects.filter(pk=decision.pk).update(
        created_at=datetime(2017, 5, 2, 16, 15, tzinfo=BRUSSELS),
        confirmed_at=datetime(2017, 5, 2, 16, 30, tzinfo=BRUSSELS),
    )


@transaction.atomic
def demo_seed(*, password: str) -> DemoSummary:
    """Create the two demo programmes and their accounts. Deterministic apart from the
    password."""
    rng = random.Random(SEED)
    fake = Faker("nl_BE")
    fake.seed_instance(SEED)
    password_hash = make_password(password)

    staff = _user(STAFF_EMAIL, "Sam", "Staf", password_hash, is_staff=True, is_superuser=True)
    board = []
    for number, (org_name, kind) in enumerate(BOARD_SEATS, start=1):
        organisation = BoardOrganisation.objects.get_or_create(
            name=org_name, defaults={"kind": kind}
        )[0]
        user = _user(
            f"board{number:02d}@example.org", fake.first_name(), fake.last_name(), password_hash
        )
        board.append((user, organisation))

    decided_municipalities = _candidates(rng)
    current_municipalities = _current_candidates(rng, decided_municipalities)
    contacts = {}
    for municipality in sorted(
        {*decided_municipalities, *current_municipalities}, key=lambda m: m.nis_code
    ):
        user = _user(
            f"contact-{municipality.nis_code}@example.org",
            fake.first_name(),
            fake.last_name(),
            password_hash,
        )
        MunicipalityContact.objects.create(
            user=user, municipality=municipality, job_title="Duurzaamheidsambtenaar"
        )
        contacts[municipality.nis_code] = user

    decided = _programme(
        staff,
        name=DECIDED_NAME,
        starts_on=date(2017, 5, 16),
        ends_on=date(2019, 12, 31),
        call_closes_at=datetime(2017, 3, 31, 23, 59, tzinfo=BRUSSELS),
    )
    members = _seat(decided, board)
    _apply(
        rng,
        fake,
        programme=decided,
        contacts=contacts,
        municipalities=decided_municipalities,
        year=2017,
        status_weights=[3, 4, 3, 1],
    )
    programme_seed_criteria(programme=decided)
    decided = programme_set_phase(programme=decided, phase=ProgrammePhase.SCORING, actor=staff)
    _score_decided(rng, decided, members)
    _decide(decided, members, staff)
    seed_status_history(rng=rng, programme=decided, contacts=contacts, staff=staff)
    seed_meetings(programme=decided, staff=staff, contacts=contacts)
    seed_partners(programme=decided, staff=staff, contacts=contacts)

    current = _programme(
        staff,
        name=CURRENT_NAME,
        starts_on=date(2026, 6, 1),
        ends_on=date(2028, 12, 31),
        call_closes_at=datetime(2026, 3, 31, 23, 59, tzinfo=BRUSSELS),
        selection_seed="sdgpilot-2026",
    )
    members = _seat(current, board)
    _apply(
        rng,
        fake,
        programme=current,
        contacts=contacts,
        municipalities=current_municipalities,
        year=2026,
        # Nine years on, more municipalities work on the SDGs.
        status_weights=[1, 3, 4, 2],
    )
    programme_seed_criteria(programme=current)
    current = programme_set_phase(programme=current, phase=ProgrammePhase.SCORING, actor=staff)
    _score_current(rng, current, members)
    seed_partners(programme=current, staff=staff, contacts=contacts, plan=CURRENT_PLAN)
    seed_upcoming_board_meeting(programme=current, staff=staff)

    decided.refresh_from_db()
    return DemoSummary(
        programme=decided,
        current=current,
        candidacies=len(current_municipalities),
        board_members=len(BOARD_SEATS),
        contacts=len(contacts),
        password=password,
    )
