import random
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from demo.services import SEED, _candidates, demo_seed
from meetings.enums import MeetingKind
from meetings.models import Meeting
from municipalities.models import MunicipalityContact
from municipalities.services import known_pilots
from selection.models import BoardMember, Candidacy, Programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(reference_data):
    return demo_seed(password="demo-pass-123")


def test_demo_creates_programme_with_50_candidacies_in_all_provinces(demo):
    programme = Programme.objects.get()
    assert programme.is_demo
    assert programme.pilot_group_size == 20
    candidacies = Candidacy.objects.filter(programme=programme)
    assert candidacies.count() == 50
    provinces = Counter(candidacies.values_list("municipality__province__name", flat=True))
    assert set(provinces) == {
        "Antwerpen",
        "Limburg",
        "Oost-Vlaanderen",
        "Vlaams-Brabant",
        "West-Vlaanderen",
    }


def test_demo_includes_the_eight_publicly_known_pilots(demo):
    pilots = {row["nis_code"] for row in known_pilots()}
    assert len(pilots) == 8
    chosen = set(Candidacy.objects.values_list("municipality_id", flat=True))
    assert pilots <= chosen


def test_demo_board_has_twelve_members_from_design_organisations(demo):
    members = BoardMember.objects.select_related("user", "organisation")
    assert members.count() == 12
    assert {m.user.email for m in members} == {f"board{n:02d}@example.org" for n in range(1, 13)}
    organisations = {m.organisation.name for m in members}
    assert {"11.11.11", "Vredeseilanden", "Cifal Flanders", "KINA", "Platforma"} <= organisations


def test_demo_has_a_contact_per_candidate_and_shared_password(demo):
    user_model = get_user_model()
    assert MunicipalityContact.objects.count() == 50
    gent = user_model.objects.get(email="contact-44021@example.org")
    assert gent.municipality_contact.municipality_id == "44021"
    assert gent.check_password("demo-pass-123")
    staff = user_model.objects.get(email="staff@example.org")
    assert staff.is_staff and staff.check_password("demo-pass-123")


def test_demo_first_pilot_meeting_on_16_may_2017(demo):
    meeting = Meeting.objects.get()
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
    assert Programme.objects.count() == 1


def test_seed_demo_command_writes_password_file(reference_data, settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    settings.DEMO_PASSWORD_FILE = tmp_path / "demo-password.txt"
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
    call_command("seed_demo")
    assert settings.DEMO_PASSWORD_FILE.read_text().strip() == "from-the-environment"
    user = get_user_model().objects.get(email="board07@example.org")
    assert user.check_password("from-the-environment")


def test_demo_board01_has_an_empty_desk_and_the_others_scored(demo):
    from selection.models import ConflictDeclaration, Review

    assert not Review.objects.filter(member__user__email="board01@example.org").exists()
    per_member = Counter(ConflictDeclaration.objects.values_list("member__user__email", flat=True))
    assert set(per_member) == {f"board{n:02d}@example.org" for n in range(2, 13)}
    assert set(per_member.values()) == {50}
    reviews = Review.objects.count()
    conflicts = ConflictDeclaration.objects.exclude(conflict_type="none").count()
    assert reviews + conflicts == 11 * 50


def test_demo_criteria_and_quotas_admit_a_pilot_group(demo):
    from selection import optimiser
    from selection.enums import CriterionKind
    from selection.facts import candidacy_facts
    from selection.models import Quota

    programme = Programme.objects.get()
    assert programme.criteria.filter(kind=CriterionKind.JUDGEMENT).count() == 3
    assert programme.criteria.filter(kind=CriterionKind.DIVERSITY).count() == 8
    candidacies = programme.candidacies.select_related("municipality__province", "programme")
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
                for q in Quota.objects.select_related("criterion")
            ],
        }
    )
    assert optimiser.solve(problem, explain=False).status == "optimal"
