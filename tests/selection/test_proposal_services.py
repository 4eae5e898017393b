"""The optimiser run from the database: input, stored run, re-run, reserve list."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from selection import optimiser
from selection.enums import CandidacyState, DiversityAttribute, Outcome
from selection.models import Candidacy, SelectionRun
from selection.selectors.proposal import proposal_input, run_report
from selection.services.proposal import candidacy_withdraw, selection_rerun, selection_run
from tests.factories import (
    CandidacyFactory,
    DiversityCriterionFactory,
    QuotaFactory,
    municipality,
)

pytestmark = pytest.mark.django_db

LIMBURG_FORCED = {"71016", "71020", "71024", "71037"}


def _candidacy(programme, nis):
    return Candidacy.objects.get(programme=programme, municipality_id=nis)


def test_proposal_input_has_the_issue_shape(scored, staff):
    data = proposal_input(user=staff, programme=scored, method="mean")
    assert set(data) == {"size", "candidates", "quotas", "include", "exclude", "seed"}
    assert data["size"] == 20
    assert data["seed"] == scored.selection_seed
    assert data["include"] == [] and data["exclude"] == []
    assert len(data["candidates"]) == 50
    gent_like = data["candidates"][0]
    assert set(gent_like) == {"id", "score", "attributes"}
    assert set(gent_like["attributes"]) == set(DiversityAttribute.values)
    assert {(q["attribute"], q["value"], q["min"], q["max"]) for q in data["quotas"]} == {
        ("province", "Limburg", 4, None),
        ("province", "West-Vlaanderen", None, 4),
        ("degurba", "rural", None, 6),
    }
    # The optimiser accepts it as it is.
    assert optimiser.parse_problem(data).size == 20


def test_proposal_input_leaves_out_withdrawn_and_draft_candidacies(scored, staff):
    Candidacy.objects.filter(programme=scored, municipality_id="11002").update(
        outcome=Outcome.WITHDRAWN
    )
    CandidacyFactory(
        programme=scored,
        municipality=municipality("44021"),
        state=CandidacyState.DRAFT,
        submitted_at=None,
    )
    ids = {c["id"] for c in proposal_input(user=staff, programme=scored)["candidates"]}
    assert len(ids) == 49
    assert "11002" not in ids
    assert "44021" not in ids


def test_proposal_input_unscored_candidacy_scores_zero(scored, staff):
    CandidacyFactory(programme=scored, municipality=municipality("44021"))
    rows = {c["id"]: c for c in proposal_input(user=staff, programme=scored)["candidates"]}
    assert rows["44021"]["score"] == 0.0


def test_proposal_input_refuses_a_board_member(scored):
    member = scored.board_members.first()
    with pytest.raises(PermissionDenied):
        proposal_input(user=member.user, programme=scored)


def test_selection_run_stores_input_result_and_who(scored, staff):
    run = selection_run(programme=scored, method="zscore", actor=staff)
    assert SelectionRun.objects.get() == run
    assert run.aggregation == "zscore"
    assert run.created_by == staff
    assert run.status == "optimal"
    assert run.input == proposal_input(user=staff, programme=scored, method="zscore")
    # One result shape: the stored result is exactly what selection_solve prints.
    assert run.result == optimiser.solve_json(run.input)
    assert len(run.result["selected"]) == 20
    assert set(run.result["reasons"]) == {c["id"] for c in run.input["candidates"]}


def test_selection_run_meets_the_quotas_with_structured_reasons(scored, staff):
    run = selection_run(programme=scored, actor=staff)
    selected = set(run.result["selected"])
    assert selected >= LIMBURG_FORCED
    assert run.result["reasons"]["71016"] == {
        "kind": "quota_min",
        "attribute": "province",
        "value": "Limburg",
        "limit": 4,
    }
    assert run.result["reasons"]["41024"] == {"kind": "rank", "rank": 1}
    assert run.result["reasons"]["31040"]["kind"] == "quota_max_full"


def test_selection_rerun_reproduces_the_result(scored, staff):
    run = selection_run(programme=scored, actor=staff)
    again = selection_rerun(run=run, actor=staff)
    assert again.pk != run.pk
    assert again.input == run.input
    assert again.result == run.result
    assert again.status == run.status


def test_selection_rerun_uses_the_stored_input_not_todays_scores(scored, staff):
    run = selection_run(programme=scored, actor=staff)
    # Later changes to the programme do not change what a stored run gives.
    Candidacy.objects.filter(programme=scored, municipality_id="41024").update(
        outcome=Outcome.WITHDRAWN
    )
    again = selection_rerun(run=run, actor=staff)
    assert again.result == run.result
    assert "41024" in again.result["selected"]


def test_selection_run_include_and_exclude(scored, staff):
    include = [_candidacy(scored, "71011")]
    exclude = [_candidacy(scored, "41024")]
    run = selection_run(programme=scored, include=include, exclude=exclude, actor=staff)
    assert run.input["include"] == ["71011"]
    assert run.input["exclude"] == ["41024"]
    assert "71011" in run.result["selected"]
    assert "41024" not in run.result["selected"]
    assert run.result["reasons"]["71011"] == {"kind": "included"}
    assert run.result["reasons"]["41024"] == {"kind": "excluded"}


def test_selection_run_refuses_include_and_exclude_of_the_same(scored, staff):
    both = [_candidacy(scored, "71011")]
    with pytest.raises(ValidationError):
        selection_run(programme=scored, include=both, exclude=both, actor=staff)
    assert not SelectionRun.objects.exists()


def test_selection_run_refuses_a_candidacy_of_another_programme(scored, staff):
    other = CandidacyFactory(municipality=municipality("44021"))
    with pytest.raises(ValidationError):
        selection_run(programme=scored, include=[other], actor=staff)


def test_selection_run_refuses_a_board_member(scored):
    member = scored.board_members.first()
    with pytest.raises(PermissionDenied):
        selection_run(programme=scored, actor=member.user)
    assert not SelectionRun.objects.exists()


def test_selection_run_infeasible_is_stored_with_conflict_and_suggestion(scored, staff):
    criterion = DiversityCriterionFactory(
        programme=scored, attribute=DiversityAttribute.TWINNING, name="Stedenband"
    )
    # No candidacy of the fixture has a twinning: at least 2 "yes" cannot hold.
    QuotaFactory(criterion=criterion, value="yes", minimum=2)
    run = selection_run(programme=scored, actor=staff)
    assert run.status == "infeasible"
    assert run.result["conflicts"][0]["quotas"] == [
        {"attribute": "twinning", "value": "yes", "bound": "min", "limit": 2}
    ]
    assert [c["kind"] for c in run.result["conflicts"]] == ["quotas"]
    assert run.result["conflicts"][0]["cause"] == "group_too_small"
    assert run.result["conflicts"][0]["available"] == 0
    assert run.result["suggestion"] == [
        {"attribute": "twinning", "value": "yes", "bound": "min", "from": 2, "to": 0}
    ]


def test_candidacy_withdraw_sets_the_outcome(scored, staff):
    candidacy = _candidacy(scored, "41024")
    candidacy_withdraw(candidacy=candidacy, actor=staff)
    candidacy.refresh_from_db()
    assert candidacy.outcome == Outcome.WITHDRAWN


def test_candidacy_withdraw_refuses_a_board_member(scored):
    candidacy = _candidacy(scored, "41024")
    with pytest.raises(PermissionDenied):
        candidacy_withdraw(candidacy=candidacy, actor=scored.board_members.first().user)
    candidacy.refresh_from_db()
    assert candidacy.outcome == Outcome.PENDING


def _counts(ids, data, attribute, value):
    attributes = {c["id"]: c["attributes"] for c in data["candidates"]}
    return sum(1 for cid in ids if attributes[cid][attribute] == value)


def test_withdrawn_limburg_pilot_is_replaced_by_limburg_keeping_quotas(scored, staff):
    run = selection_run(programme=scored, actor=staff)
    candidacy_withdraw(candidacy=_candidacy(scored, "71016"), actor=staff)
    run.refresh_from_db()
    report = run_report(user=staff, run=run)
    assert len(report.reserve) == 1
    row = report.reserve[0]
    assert row.withdrawn.nis_code == "71016"
    assert row.replacement is not None
    new = row.replacement.nis_code
    assert new not in run.result["selected"]
    group = (set(run.result["selected"]) - {"71016"}) | {new}
    assert len(group) == 20
    # Every quota still holds: Limburg needs 4, so the replacement is from Limburg.
    assert _counts(group, run.input, "province", "Limburg") >= 4
    assert _counts(group, run.input, "province", "West-Vlaanderen") <= 4
    assert _counts(group, run.input, "degurba", "rural") <= 6
    expected = optimiser.propose_replacement(
        optimiser.parse_problem(run.input), run.result["selected"], "71016"
    )
    assert new == expected.replacement


def test_withdrawn_pilot_without_quota_keeping_replacement_says_so(scored, staff):
    # Limburg needs 4 and every other Limburg candidacy has withdrawn too.
    run = selection_run(programme=scored, actor=staff)
    for candidacy in Candidacy.objects.filter(
        programme=scored, municipality__province__name="Limburg"
    ).exclude(municipality_id__in=LIMBURG_FORCED):
        candidacy_withdraw(candidacy=candidacy, actor=staff)
    candidacy_withdraw(candidacy=_candidacy(scored, "71016"), actor=staff)
    run.refresh_from_db()
    report = run_report(user=staff, run=run)
    assert [(r.withdrawn.nis_code, r.replacement) for r in report.reserve] == [("71016", None)]
