"""Staff pages of the decision, the proces-verbaal, and who may open any proposal page."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from selection.enums import (
    AmendmentAction,
    ConflictType,
    DecisionRule,
    DecisionStatus,
    Outcome,
    Vote,
)
from selection.models import Candidacy, Decision
from selection.services.decision import decision_confirm, decision_record
from selection.services.proposal import selection_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _members(programme):
    return list(programme.board_members.select_related("user", "organisation").order_by("pk"))


def _decision(run, staff, **kwargs):
    values = {
        "meeting_date": date(2017, 5, 2),
        "meeting_location": "Paleizenstraat 90, Brussel",
        "quorum": 2,
        "minutes": "Het voorstel wordt besproken.",
        "votes": {m.pk: (True, Vote.FOR) for m in _members(run.programme)},
    }
    values.update(kwargs)
    return decision_record(run=run, actor=staff, **values)


def _form_data(run, **extra):
    data = {
        "meeting_date": "2017-05-02",
        "meeting_location": "Paleizenstraat 90, Brussel",
        "quorum": "2",
        "rule": DecisionRule.UNANIMITY,
        "minutes": "Het voorstel wordt besproken.",
        "amendments-TOTAL_FORMS": "3",
        "amendments-INITIAL_FORMS": "0",
        "amendments-MIN_NUM_FORMS": "0",
        "amendments-MAX_NUM_FORMS": "1000",
    }
    for row in range(3):  # what a browser sends for an unused row
        for field in ("candidacy", "action", "reason"):
            data[f"amendments-{row}-{field}"] = ""
    for member in _members(run.programme):
        data[f"present_{member.pk}"] = "on"
        data[f"vote_{member.pk}"] = Vote.FOR
    data.update(extra)
    return data


def test_decide_page_records_a_draft_with_votes_and_an_amendment(staff_client, run):
    programme = run.programme
    out = Candidacy.objects.get(programme=programme, municipality_id="41024")
    into = Candidacy.objects.get(programme=programme, municipality_id="23002")
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]),
        _form_data(
            run,
            **{
                "amendments-0-candidacy": str(out.pk),
                "amendments-0-action": AmendmentAction.REMOVE,
                "amendments-0-reason": "Trekt zich terug.",
                "amendments-1-candidacy": str(into.pk),
                "amendments-1-action": AmendmentAction.ADD,
                "amendments-1-reason": "Eerste reserve.",
            },
        ),
    )
    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("selection:decision_detail", args=[decision.pk])
    assert decision.status == DecisionStatus.DRAFT
    assert decision.votes.filter(present=True, vote=Vote.FOR).count() == 3
    group = set(decision.selected.values_list("municipality_id", flat=True))
    assert group == (set(run.result["selected"]) - {"41024"}) | {"23002"}


def test_decide_page_refuses_an_amendment_without_reason(staff_client, run):
    into = Candidacy.objects.get(programme=run.programme, municipality_id="23002")
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]),
        _form_data(
            run,
            **{"amendments-0-candidacy": str(into.pk), "amendments-0-action": AmendmentAction.ADD},
        ),
    )
    assert response.status_code == 200
    assert not Decision.objects.exists()
    assert response.context["formset"].errors[0]["reason"]


def test_decide_page_shows_a_wrong_group_size(staff_client, run):
    into = Candidacy.objects.get(programme=run.programme, municipality_id="23002")
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]),
        _form_data(
            run,
            **{
                "amendments-0-candidacy": str(into.pk),
                "amendments-0-action": AmendmentAction.ADD,
                "amendments-0-reason": "Ook erbij.",
            },
        ),
    )
    assert response.status_code == 200
    assert not Decision.objects.exists()
    assert response.context["errors"] == ["De pilootgroep moet precies 20 leden hebben, niet 21."]


def test_decide_page_prefills_the_reserve_replacement(staff_client, run, staff):
    from selection.services.proposal import candidacy_withdraw

    candidacy_withdraw(
        candidacy=Candidacy.objects.get(programme=run.programme, municipality_id="71016"),
        actor=staff,
    )
    response = staff_client.get(reverse("selection:decision_create", args=[run.pk]))
    initial = response.context["formset"].initial
    assert [(row["candidacy"].municipality_id, row["action"]) for row in initial] == [
        ("71016", AmendmentAction.REMOVE),
        (response.context["report"].reserve[0].replacement.nis_code, AmendmentAction.ADD),
    ]


def test_confirm_button_sets_the_groups(staff_client, run, staff):
    decision = _decision(run, staff)
    response = staff_client.post(reverse("selection:decision_confirm", args=[decision.pk]))
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.CONFIRMED
    outcomes = list(
        Candidacy.objects.filter(programme=run.programme).values_list("outcome", flat=True)
    )
    assert outcomes.count(Outcome.PILOT) == 20
    assert outcomes.count(Outcome.OUTREACH) == 30


def test_confirm_button_without_quorum_shows_why(staff_client, run, staff):
    first = _members(run.programme)[0]
    decision = _decision(run, staff, votes={first.pk: (True, Vote.FOR)})
    response = staff_client.post(
        reverse("selection:decision_confirm", args=[decision.pk]), follow=True
    )
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    assert "Het quorum is niet bereikt: 1 aanwezig, 2 nodig." in response.content.decode()


def test_decision_page_shows_unanimity(staff_client, run, staff):
    decision = _decision(run, staff)
    response = staff_client.get(reverse("selection:decision_detail", args=[decision.pk]))
    assert response.context["report"].unanimous is True
    assert len(response.context["report"].selected) == 20
    assert len(response.context["report"].outreach) == 30


def test_proces_verbaal_holds_members_votes_hash_and_the_20(staff_client, scored, staff):
    programme = scored
    members = _members(programme)
    municipality_with_conflict = Candidacy.objects.get(programme=programme, municipality_id="23002")
    declaration = members[0].conflict_declarations.get(candidacy=municipality_with_conflict)
    declaration.conflict_type = ConflictType.EMPLOYMENT
    declaration.save()
    run = selection_run(programme=programme, actor=staff)
    votes = {m.pk: (True, Vote.FOR) for m in members} | {members[2].pk: (True, Vote.ABSTAIN)}
    decision = decision_confirm(
        decision=_decision(run, staff, votes=votes, rule=DecisionRule.MAJORITY), actor=staff
    )
    staff_client.cookies["django_language"] = "en"  # the record is Dutch whatever the UI
    response = staff_client.get(reverse("selection:decision_record", args=[decision.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="nl">' in body
    assert "Proces-verbaal" in body
    for member in members:
        assert escape(member.user.get_full_name()) in body
        assert escape(member.organisation.name) in body
    assert decision.scores_hash in body
    assert len(decision.scores_hash) == 64
    report = response.context["report"]
    assert len(report.selected) == 20
    for row in report.selected:
        assert escape(row.name) in body
    assert {row.nis_code for row in report.selected} == set(run.result["selected"])
    assert len(report.outreach) == 30
    assert report.unanimous is False
    assert report.vote_counts == {"Voor": 2, "Tegen": 0, "Onthouding": 1}
    assert "Onthouding" in body
    assert "Paleizenstraat 90, Brussel" in body
    assert "Motivatie" in body and "Provincie: Limburg ten minste 4" in body
    assert [(c.member, c.municipality) for c in report.conflicts] == [
        (members[0].user.get_full_name(), "Asse")
    ]
    assert "geselecteerd om de quota Provincie: Limburg ≥ 4 te halen" in body
    assert 'style="' not in body


def test_proces_verbaal_of_a_draft_says_so(staff_client, run, staff):
    decision = _decision(run, staff)
    response = staff_client.get(reverse("selection:decision_record", args=[decision.pk]))
    assert response.context["report"].hash_is_stored is False
    assert "Concept: niet bevestigd" in response.content.decode()


# --- Access ------------------------------------------------------------------------------

GET_PAGES = ["proposal", "run_detail", "decision_create", "decision_detail", "decision_record"]
POST_PAGES = ["run_rerun", "run_withdraw", "decision_confirm", "decision_discard"]


def _url(name, run, decision):
    if name == "proposal":
        return reverse("selection:proposal", args=[run.programme.pk])
    if name.startswith("run_") or name == "decision_create":
        return reverse(f"selection:{name}", args=[run.pk])
    return reverse(f"selection:{name}", args=[decision.pk])


@pytest.fixture
def decision(run, staff):
    return _decision(run, staff)


@pytest.fixture
def member_user(run):
    member = _members(run.programme)[0]
    return member.user


@pytest.mark.parametrize("name", GET_PAGES + POST_PAGES)
@pytest.mark.parametrize("role", ["board_member", "contact"])
def test_board_member_and_contact_get_403_everywhere(
    client, run, decision, member_user, contact, name, role
):
    client.force_login(member_user if role == "board_member" else contact.user)
    url = _url(name, run, decision)
    response = client.post(url, {"candidacy": "1"}) if name in POST_PAGES else client.get(url)
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    assert Decision.objects.count() == 1
    assert not Candidacy.objects.filter(outcome=Outcome.WITHDRAWN).exists()


@pytest.mark.parametrize("name", GET_PAGES + POST_PAGES)
def test_anonymous_is_sent_to_login(client, run, decision, name):
    url = _url(name, run, decision)
    response = client.post(url) if name in POST_PAGES else client.get(url)
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


@pytest.mark.parametrize("name", GET_PAGES)
def test_staff_can_open_every_page(staff_client, run, decision, name):
    assert staff_client.get(_url(name, run, decision)).status_code == 200


def test_unknown_decision_is_404_for_staff(staff_client, decision):
    for name in ("decision_detail", "decision_record"):
        url = reverse(f"selection:{name}", args=[decision.pk + 99])
        assert staff_client.get(url).status_code == 404


def test_admin_shows_runs_and_decisions_read_only(client, run, decision):
    admin = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True, password=None)
    client.force_login(admin)
    for model, obj in (("selectionrun", run), ("decision", decision)):
        assert client.get(reverse(f"admin:selection_{model}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:selection_{model}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.get(reverse(f"admin:selection_{model}_add")).status_code == 403
        delete = client.post(reverse(f"admin:selection_{model}_delete", args=[obj.pk]))
        assert delete.status_code == 403
    body = client.get(reverse("admin:selection_decision_change", args=[decision.pk])).content
    assert "Paleizenstraat 90, Brussel" in body.decode()
    for member in _members(run.programme):  # the votes inline
        assert escape(str(member)) in body.decode()
