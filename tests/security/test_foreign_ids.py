"""Ids of another programme, municipality or member: 404 in a URL, refused in a form.

Each case sends an id that exists but belongs elsewhere, checks the answer, and checks that
nothing was written. Where a form could simply be broken, a control sends the same body
with an id of the page's own programme and sees it accepted.
"""

import re
from datetime import date

import pytest
from django.urls import URLResolver, get_resolver, reverse

from municipalities.enums import SdgStatusLevel
from selection.enums import (
    AmendmentAction,
    ConflictType,
    DecisionRule,
    Outcome,
    ProgrammePhase,
    Vote,
)
from selection.models import (
    Candidacy,
    ConflictDeclaration,
    Decision,
    DecisionVote,
    Review,
    Score,
    SelectionRun,
)
from selection.services.proposal import selection_run
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
    scored_programme,
)

pytestmark = pytest.mark.django_db

GENT, HALLE = "44021", "23027"


def scoring_programme():
    """A programme being scored, with Gent's and Halle's candidacies and one criterion."""
    programme = ProgrammeFactory(phase=ProgrammePhase.SCORING)
    CriterionFactory(programme=programme, name="Motivatie")
    CandidacyFactory(programme=programme, municipality_id=GENT)
    CandidacyFactory(programme=programme, municipality_id=HALLE)
    return programme


@pytest.fixture
def home(reference_data):
    return scoring_programme()


@pytest.fixture
def away(reference_data):
    """Another programme with the same municipalities: its ids must open nothing."""
    return scoring_programme()


@pytest.fixture
def member(home):
    """An active member of `home` who declared no conflict on its Gent candidacy."""
    member = BoardMemberFactory(programme=home, user__password=None)
    ConflictDeclarationFactory(member=member, candidacy=home.candidacies.get(municipality=GENT))
    return member


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, password=None)


@pytest.fixture
def own(reference_data):
    """A scored programme in deliberation (20 candidacies, 3 members, a pilot group of 6)."""
    return scored_programme(per_province=4, size=6)


@pytest.fixture
def run(own, staff):
    run = selection_run(programme=own, actor=staff)
    assert run.status == "optimal"
    return run


def login(client, user):
    client.force_login(user)
    return client


# --- URLs ----------------------------------------------------------------------------


def _routes(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def test_no_url_carries_a_programme_with_an_object_of_it():
    """Every page outside the admin names at most one object, so no URL can pair a
    programme with another programme's run, decision or candidacy. A URL that carries two
    ids needs its own case here: the pair must match, else 404."""
    for route in _routes(get_resolver()):
        ids = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if route.startswith("admin/") or ids == ["uidb64", "token"]:
            continue
        if ids[:1] == ["nis_code"] and route.startswith("municipalities/"):
            # A municipality's own pages name a part of its status (a track, a goal, an
            # action, a document, a version) within it: read only through the municipality,
            # so another's document or action under one's own URL is a 404
            # (tests/portal/test_portal_contact.py).
            assert len(ids) <= 2, route
            continue
        if ids and re.search(r"/(partners|partner-contacts|subsidy-reports)/", route):
            # A programme's partners pages name a partner, a contact or a report within it:
            # each read through the programme, so another programme's id under this one's
            # URL is a 404 (tests/partners/test_partners_views.py
            # test_another_programmes_ids_answer_404).
            assert ids[:1] == ["programme_pk"] and len(ids) <= 2, route
            continue
        if ids and re.search(r"/board/", route) and route.startswith("staff/"):
            # The board's staff pages name a seat within the programme, read through it:
            # another programme's seat under this one's URL is a 404
            # (tests/selection/test_selection_board_staff.py).
            assert ids[:1] == ["programme_pk"] and len(ids) <= 2, route
            continue
        assert len(ids) <= 1, route


@pytest.mark.parametrize("page", ["selection:board_dossier", "selection:board_declare"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_member_gets_404_for_another_programmes_candidacy(client, member, away, page, method):
    """Although the member declared no conflict on Gent in their own programme."""
    foreign = away.candidacies.get(municipality=GENT)
    criterion = away.criteria.get()
    body = {
        "conflict_type": ConflictType.NONE,
        "version": 0,
        f"score_{criterion.pk}": "4",
        "action": "draft",
    }
    login(client, member.user)
    response = getattr(client, method)(reverse(page, args=[foreign.pk]), body)
    unknown = getattr(client, method)(reverse(page, args=[foreign.pk + 1000]), body)
    assert (response.status_code, unknown.status_code) == (404, 404)
    assert not ConflictDeclaration.objects.filter(candidacy=foreign).exists()
    assert not Review.objects.filter(candidacy=foreign).exists()


def test_contact_gets_404_for_another_municipality(client, reference_data):
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None)
    login(client, contact.user)
    own = client.get(reverse("portal:home", args=[GENT]))
    other = client.get(reverse("portal:home", args=[HALLE]))
    unknown = client.get(reverse("portal:home", args=["99999"]))
    assert (own.status_code, other.status_code, unknown.status_code) == (200, 404, 404)


# --- Forms ---------------------------------------------------------------------------


def test_score_form_ignores_a_criterion_of_another_programme(client, member, home, away):
    candidacy = home.candidacies.get(municipality=GENT)
    mine, foreign = home.criteria.get(), away.criteria.get()
    login(client, member.user)
    response = client.post(
        reverse("selection:board_dossier", args=[candidacy.pk]),
        {"version": 0, f"score_{mine.pk}": "4", f"score_{foreign.pk}": "5", "action": "draft"},
    )
    assert response.status_code == 302
    assert set(Score.objects.values_list("criterion_id", "value")) == {(mine.pk, 4)}


def test_apply_form_writes_only_the_contacts_own_municipality(client, reference_data):
    call = ProgrammeFactory(phase=ProgrammePhase.APPLICATIONS)
    elsewhere = ProgrammeFactory(phase=ProgrammePhase.APPLICATIONS)
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None)
    login(client, contact.user)
    response = client.post(
        reverse("selection:apply", args=[call.pk]),
        {
            "motivation": "Nog te schrijven",
            "sdg_status": SdgStatusLevel.EXPLORING,
            "save": "1",
            # Not fields of the form: they must change nothing.
            "municipality": HALLE,
            "programme": elsewhere.pk,
        },
    )
    assert response.status_code == 302
    assert set(Candidacy.objects.values_list("programme_id", "municipality_id")) == {
        (call.pk, GENT)
    }


@pytest.mark.parametrize("field", ["include", "exclude"])
def test_run_form_refuses_a_candidacy_of_another_programme(client, staff, own, home, field):
    url = reverse("selection:proposal", args=[own.pk])
    login(client, staff)
    foreign = home.candidacies.get(municipality=GENT)
    response = client.post(url, {"method": "mean", field: [foreign.pk]})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not SelectionRun.objects.exists()
    # Control: the same body with a candidacy of the programme runs.
    mine = own.candidacies.order_by("pk").first()
    assert client.post(url, {"method": "mean", field: [mine.pk]}).status_code == 302
    assert SelectionRun.objects.filter(programme=own).count() == 1


def test_withdraw_form_refuses_a_candidacy_of_another_programme(client, staff, run, home):
    foreign = home.candidacies.get(municipality=GENT)
    reserve = run.reserve
    login(client, staff)
    response = client.post(
        reverse("selection:run_withdraw", args=[run.pk]), {"candidacy": foreign.pk}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    run.refresh_from_db()
    assert (foreign.outcome, run.reserve) == (Outcome.PENDING, reserve)
    assert not Candidacy.objects.filter(outcome=Outcome.WITHDRAWN).exists()


def decision_body(run, **extra) -> dict:
    data = {
        "meeting_date": "2017-05-02",
        "meeting_location": "Paleizenstraat 90, Brussel",
        "quorum": "2",
        "rule": DecisionRule.UNANIMITY,
        "minutes": "Het voorstel wordt besproken.",
        "amendments-TOTAL_FORMS": "1",
        "amendments-INITIAL_FORMS": "0",
        "amendments-MIN_NUM_FORMS": "0",
        "amendments-MAX_NUM_FORMS": "1000",
        "amendments-0-candidacy": "",
        "amendments-0-action": "",
        "amendments-0-reason": "",
    }
    for member in run.programme.board_members.all():
        data[f"present_{member.pk}"] = "on"
        data[f"vote_{member.pk}"] = Vote.FOR
    data.update(extra)
    return data


def test_decision_form_refuses_an_amendment_of_another_programme(client, staff, run, home):
    foreign = home.candidacies.get(municipality=GENT)
    url = reverse("selection:decision_create", args=[run.pk])
    login(client, staff)
    response = client.post(
        url,
        decision_body(
            run,
            **{
                "amendments-0-candidacy": str(foreign.pk),
                "amendments-0-action": AmendmentAction.ADD,
                "amendments-0-reason": "Eerste reserve.",
            },
        ),
    )
    assert response.status_code == 200
    assert "candidacy" in response.context["formset"].errors[0]
    assert not Decision.objects.exists()
    # Control: without the foreign amendment the decision is recorded.
    assert client.post(url, decision_body(run)).status_code == 302
    assert Decision.objects.count() == 1


def test_decision_form_writes_no_vote_of_a_member_of_another_programme(client, staff, run, member):
    login(client, staff)
    response = client.post(
        reverse("selection:decision_create", args=[run.pk]),
        decision_body(run, **{f"present_{member.pk}": "on", f"vote_{member.pk}": Vote.AGAINST}),
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    voters = set(decision.votes.values_list("member_id", flat=True))
    assert voters == set(run.programme.board_members.values_list("pk", flat=True))
    assert not DecisionVote.objects.filter(member=member).exists()
    assert decision.meeting_date == date(2017, 5, 2)
