import random
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.services import CURRENT_NAME, DECIDED_NAME, SEED, _candidates, demo_seed
from meetings.enums import MeetingKind
from meetings.models import Meeting
from municipalities.models import MunicipalityContact
from municipalities.services import known_pilots
from selection.enums import (
    DecisionRule,
    DecisionStatus,
    Outcome,
    ProgrammePhase,
    ReviewStatus,
    Vote,
)
from selection.models import (
    BoardMember,
    Candidacy,
    ConflictDeclaration,
    Programme,
    Review,
    Score,
)
from selection.selectors.decisions import current_decision
from selection.selectors.runs import run_freshness, run_nis_codes
from selection.selectors.scores import score_fingerprint, settings_hash

pytestmark = pytest.mark.django_db


PROVINCES = {"Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen"}
KNOWN = {row["nis_code"] for row in known_pilots()}


@pytest.fixture
def demo(reference_data):
    return demo_seed(password="demo-pass-123")


@pytest.fixture
def decided(demo):
    return Programme.objects.get(name=DECIDED_NAME)


@pytest.fixture
def current(demo):
    return Programme.objects.get(name=CURRENT_NAME)


def test_demo_creates_two_programmes_of_50_candidacies_in_all_provinces(demo, decided, current):
    assert set(Programme.objects.all()) == {decided, current}
    assert demo.programme == decided and demo.current == current
    for programme in (decided, current):
        assert programme.is_demo
        assert programme.pilot_group_size == 20
        candidacies = Candidacy.objects.filter(programme=programme)
        assert candidacies.count() == 50
        provinces = Counter(candidacies.values_list("municipality__province__name", flat=True))
        assert set(provinces) == PROVINCES
    assert decided.call_closes_at.year == 2017
    assert current.call_closes_at.year == current.starts_on.year == 2026


def test_demo_current_programme_has_the_past_candidates_that_still_exist(decided, current):
    past = {c.municipality for c in decided.candidacies.select_related("municipality")}
    now = {c.municipality for c in current.candidacies.select_related("municipality")}
    merged = {m for m in past if m.merged_2019 or m.merged_2025}
    assert merged  # the draw holds municipalities merged since 2017
    assert now & past == past - merged
    assert not any(m.merged_2019 or m.merged_2025 for m in now)
    assert Counter(m.province_id for m in now) == Counter(m.province_id for m in past)


def test_demo_board_has_twelve_members_from_design_organisations(decided, current):
    emails = {f"board{n:02d}@example.org" for n in range(1, 13)}
    for programme in (decided, current):
        members = BoardMember.objects.filter(programme=programme).select_related(
            "user", "organisation"
        )
        assert members.count() == 12
        assert {m.user.email for m in members} == emails
        organisations = {m.organisation.name for m in members}
        assert {
            "11.11.11",
            "Vredeseilanden",
            "Cifal Flanders",
            "KINA",
            "Platforma",
        } <= organisations
    assert get_user_model().objects.filter(email__startswith="board").count() == 12


def test_demo_has_a_contact_per_candidate_and_shared_password(decided, current):
    user_model = get_user_model()
    municipalities = set(decided.candidacies.values_list("municipality_id", flat=True)) | set(
        current.candidacies.values_list("municipality_id", flat=True)
    )
    contacts = MunicipalityContact.objects.select_related("user")
    assert {c.municipality_id for c in contacts} == municipalities
    assert {c.user.email for c in contacts} == {f"contact-{n}@example.org" for n in municipalities}
    gent = user_model.objects.get(email="contact-44021@example.org")
    assert gent.municipality_contact.municipality_id == "44021"
    assert gent.check_password("demo-pass-123")
    staff = user_model.objects.get(email="staff@example.org")
    assert staff.is_staff and staff.check_password("demo-pass-123")


def test_demo_first_pilot_meeting_on_16_may_2017(decided):
    meeting = Meeting.objects.get(title="Eerste bijeenkomst pilootgroep")
    assert meeting.programme == decided
    assert meeting.kind == MeetingKind.PILOT_MEETING
    assert meeting.starts_at.isoformat() == "2017-05-16T08:00:00+00:00"


def test_demo_choice_is_deterministic(reference_data):
    first = [m.nis_code for m in _candidates(random.Random(SEED))]
    second = [m.nis_code for m in _candidates(random.Random(SEED))]
    assert first == second
    assert len(set(first)) == 50


def test_seed_demo_command_refuses_a_second_programme(demo, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert Programme.objects.count() == 2


def test_seed_demo_command_writes_password_file(reference_data, settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    settings.DEMO_PASSWORD_FILE = tmp_path / "demo-password.txt"
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
    call_command("seed_demo")
    assert settings.DEMO_PASSWORD_FILE.read_text().strip() == "from-the-environment"
    user = get_user_model().objects.get(email="board07@example.org")
    assert user.check_password("from-the-environment")


def test_demo_decided_programme_every_member_scored_everything(decided):
    per_member = Counter(
        ConflictDeclaration.objects.filter(candidacy__programme=decided).values_list(
            "member__user__email", flat=True
        )
    )
    assert set(per_member) == {f"board{n:02d}@example.org" for n in range(1, 13)}
    assert set(per_member.values()) == {50}
    reviews = Review.objects.filter(candidacy__programme=decided)
    assert set(reviews.values_list("status", flat=True)) == {ReviewStatus.SUBMITTED}
    conflicts = (
        ConflictDeclaration.objects.filter(candidacy__programme=decided)
        .exclude(conflict_type="none")
        .count()
    )
    assert reviews.count() + conflicts == 12 * 50
    assert Score.objects.filter(review__candidacy__programme=decided).count() == 3 * reviews.count()


def test_demo_decided_programme_went_through_the_phases_to_a_unanimous_decision(decided):
    assert decided.phase == ProgrammePhase.DECIDED
    phases = list(
        decided.history.order_by("history_date", "history_id").values_list(
            "phase", "history_user__email"
        )
    )
    assert [phase for phase, _ in phases] == [
        ProgrammePhase.APPLICATIONS,
        ProgrammePhase.SCORING,
        ProgrammePhase.DELIBERATION,
        ProgrammePhase.DECIDED,
    ]
    assert {email for _, email in phases} == {"staff@example.org"}
    decision = current_decision(programme=decided)
    assert decision.status == DecisionStatus.CONFIRMED
    assert decision.rule == DecisionRule.UNANIMITY
    assert decision.meeting_date.isoformat() == "2017-05-02"
    assert decision.meeting_location == "VVSG, Brussel"
    votes = list(decision.votes.all())
    assert len(votes) == 12
    assert {(vote.present, vote.vote) for vote in votes} == {(True, Vote.FOR)}
    assert not decision.amendments.exists()
    assert decision.confirmed_by.email == "staff@example.org"


def test_demo_optimiser_selects_the_eight_known_pilots_without_amendments(decided):
    assert len(KNOWN) == 8
    assert set(decided.candidacies.values_list("municipality_id", flat=True)) >= KNOWN
    decision = current_decision(programme=decided)
    run = decision.run
    assert run.status == "optimal"
    assert set(run.result["selected"]) >= KNOWN
    pilots = set(
        decided.candidacies.filter(outcome=Outcome.PILOT).values_list("municipality_id", flat=True)
    )
    assert pilots == set(run.result["selected"])
    assert set(decision.selected.values_list("municipality_id", flat=True)) == pilots
    assert len(pilots) == 20
    assert pilots >= KNOWN
    assert decided.candidacies.filter(outcome=Outcome.OUTREACH).count() == 30


def test_demo_decided_run_is_current(decided):
    run = decided.selection_runs.get()
    staff = get_user_model().objects.get(email="staff@example.org")
    fingerprint = score_fingerprint(programme=decided, nis_codes=run_nis_codes(run))
    assert run.scores_hash == fingerprint.total
    assert run.candidacy_score_hashes == fingerprint.per_candidacy
    assert run.settings_hash == settings_hash(programme=decided)
    freshness = run_freshness(user=staff, run=run)
    assert not freshness.scores_changed and not freshness.settings_changed
    assert current_decision(programme=decided).scores_hash == run.scores_hash


def test_demo_current_programme_is_in_scoring_and_board01_has_an_empty_desk(current):
    assert current.phase == ProgrammePhase.SCORING
    assert not current.selection_runs.exists()
    assert not current.decisions.exists()
    assert set(current.candidacies.values_list("outcome", flat=True)) == {Outcome.PENDING}
    seat = current.board_members.get(user__email="board01@example.org")
    assert not ConflictDeclaration.objects.filter(member=seat).exists()
    assert not Review.objects.filter(member=seat).exists()


def test_demo_other_members_scored_part_or_all_of_the_current_programme(current):
    submitted = Counter(
        Review.objects.filter(
            candidacy__programme=current, status=ReviewStatus.SUBMITTED
        ).values_list("member__user__email", flat=True)
    )
    assert set(submitted) == {f"board{n:02d}@example.org" for n in range(2, 13)}
    declared = ConflictDeclaration.objects.filter(
        member__user__email="board02@example.org", candidacy__programme=current
    )
    conflicts = declared.exclude(conflict_type="none").count()
    assert declared.count() == 50
    assert submitted["board02@example.org"] == 50 - conflicts
    assert min(submitted.values()) < 25
    assert Review.objects.filter(candidacy__programme=current, status=ReviewStatus.DRAFT).exists()
    assert Score.objects.filter(
        review__member__user__email="board02@example.org", review__candidacy__programme=current
    ).exists()
    # The members worked in April 2026, not on the day the demo was seeded.
    worked = {
        (moment.year, moment.month)
        for moment in [
            *Review.objects.filter(candidacy__programme=current).values_list(
                "updated_at", flat=True
            ),
            *ConflictDeclaration.objects.filter(candidacy__programme=current).values_list(
                "declared_at", flat=True
            ),
        ]
    }
    assert worked == {(2026, 4)}


def test_demo_board01_home_shows_the_current_candidacies_with_nothing_declared(
    client, current, decided
):
    board01 = get_user_model().objects.get(email="board01@example.org")
    client.force_login(board01)
    response = client.get(reverse("selection:board_home"))
    assert response.status_code == 200
    boards = response.context["boards"]
    # The programme being scored comes first, the decided one after it.
    assert [board.member.programme for board in boards] == [current, decided]
    first = boards[0]
    assert {c.programme_id for c in first.candidacies} == {current.pk}
    assert len(first.candidacies) == 50
    assert {(c.declared_conflict, c.own_review_status) for c in first.candidacies} == {(None, None)}
    assert (first.progress.done, first.progress.total) == (0, 50)
    body = response.content.decode()
    assert body.index(CURRENT_NAME) < body.index(DECIDED_NAME)


def test_demo_history_rows_for_scoring(decided, current):
    for model in (ConflictDeclaration, Review, Score):
        assert model.history.count() == model.objects.count()
    rows = Review.history.filter(candidacy__programme=decided).select_related(
        "history_user", "member__user"
    )
    assert rows.count() == Review.objects.filter(candidacy__programme=decided).count()
    for row in rows:
        assert row.history_type == "+"
        assert row.history_user == row.member.user
        assert row.history_date.year == 2017
    assert {
        row.history_date.year for row in Review.history.filter(candidacy__programme=current)
    } == {2026}


def test_demo_criteria_and_quotas_admit_a_pilot_group(decided, current):
    from selection import optimiser
    from selection.enums import CriterionKind
    from selection.facts import candidacy_facts
    from selection.models import Quota

    for programme in (decided, current):
        assert programme.criteria.filter(kind=CriterionKind.JUDGEMENT).count() == 3
        assert programme.criteria.filter(kind=CriterionKind.DIVERSITY).count() == 8
        candidacies = programme.candidacies.select_related("municipality__province", "programme")
        quotas = Quota.objects.filter(criterion__programme=programme).select_related("criterion")
        problem = optimiser.parse_problem(
            {
                "size": 20,
                "candidates": [
                    {"id": c.municipality_id, "score": 1.0, "attributes": candidacy_facts(c)}
                    for c in candidacies
                ],
                "quotas": [
                    {
                        "attribute": q.criterion.attribute,
                        "value": q.value,
                        "min": q.minimum,
                        "max": q.maximum,
                    }
                    for q in quotas
                ],
            }
        )
        assert optimiser.solve(problem, explain=False).status == "optimal"


def test_seed_gives_the_decided_programme_a_status_history(demo, decided):
    from datetime import datetime
    from statistics import mean
    from zoneinfo import ZoneInfo

    from municipalities.models import MunicipalityStatus, Snapshot, StatusVersion

    brussels = ZoneInfo("Europe/Brussels")
    nis = set(decided.candidacies.values_list("municipality_id", flat=True))
    assert set(MunicipalityStatus.objects.values_list("municipality_id", flat=True)) == nis
    versions = StatusVersion.objects.select_related("author__municipality_contact")
    for version in versions:
        # Every change is the municipality's own demo contact's, within the trajectory.
        assert version.author.municipality_contact.municipality_id == version.municipality_id
        assert version.author.email == f"contact-{version.municipality_id}@example.org"
        assert datetime(2017, 5, 1, tzinfo=brussels) <= version.created_at
        assert version.created_at <= datetime(2019, 12, 31, 23, 59, tzinfo=brussels)
    snapshots = list(Snapshot.objects.order_by("taken_at"))
    assert [s.taken_at.astimezone(brussels).date().isoformat() for s in snapshots] == [
        "2017-05-16",
        "2018-01-01",
        "2018-07-01",
        "2019-01-01",
        "2019-07-01",
        "2019-12-31",
    ]
    assert all(s.label.startswith("[Demo]") for s in snapshots)
    assert all(s.entries.count() == 50 for s in snapshots)

    def gain(outcome):
        group = set(
            decided.candidacies.filter(outcome=outcome).values_list("municipality_id", flat=True)
        )
        first, last = snapshots[0], snapshots[-1]
        scores = {
            s.pk: {
                e.municipality_id: e.version.overall_score
                for e in s.entries.select_related("version")
                if e.municipality_id in group
            }
            for s in (first, last)
        }
        return mean(scores[last.pk][m] - scores[first.pk][m] for m in group)

    assert gain(Outcome.PILOT) > gain(Outcome.OUTREACH) + 10
