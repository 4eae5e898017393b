"""Staff pages of the proposal: run, read the reasons in words, withdraw, charts, access."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from selection.enums import DiversityAttribute, Outcome
from selection.models import Candidacy, SelectionRun
from selection.services.proposal import selection_run
from tests.factories import DiversityCriterionFactory, QuotaFactory, scored_programme

pytestmark = pytest.mark.django_db


def _page(client, url, language="nl"):
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_proposal_page_lists_runs(staff_client, run):
    body = _page(staff_client, reverse("selection:proposal", args=[run.programme.pk]))
    assert reverse("selection:run_detail", args=[run.pk]) in body
    assert 'id="run-form"' in body


def test_proposal_page_runs_the_optimiser(staff_client, scored):
    limburg = Candidacy.objects.get(programme=scored, municipality_id="71011")
    response = staff_client.post(
        reverse("selection:proposal", args=[scored.pk]),
        {"method": "zscore", "include": [limburg.pk]},
    )
    run = SelectionRun.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("selection:run_detail", args=[run.pk])
    assert run.aggregation == "zscore"
    assert run.input["include"] == ["71011"]
    assert "71011" in run.result["selected"]


def test_proposal_page_refuses_the_same_municipality_in_and_out(staff_client, scored):
    limburg = Candidacy.objects.get(programme=scored, municipality_id="71011")
    response = staff_client.post(
        reverse("selection:proposal", args=[scored.pk]),
        {"method": "mean", "include": [limburg.pk], "exclude": [limburg.pk]},
    )
    assert response.status_code == 200
    assert not SelectionRun.objects.exists()
    assert response.context["form"].non_field_errors()


def test_run_page_shows_reasons_in_dutch(staff_client, run):
    body = _page(staff_client, reverse("selection:run_detail", args=[run.pk]))
    assert "geselecteerd: rang 1 op score" in body
    assert "geselecteerd om de quota Provincie: Limburg ≥ 4 te halen" in body
    assert "niet geselecteerd: score lager dan de laatst geselecteerde" in body
    assert "niet geselecteerd: de quota Provincie: West-Vlaanderen ≤ 4 is vol" in body
    assert "Prijs van diversiteit" in body


def test_run_page_shows_reasons_in_english(staff_client, run):
    body = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "en")
    assert "selected: rank 1 by score" in body
    assert "selected to meet the quota Province: Limburg ≥ 4" in body
    assert "not selected: score lower than the last selected" in body
    assert "not selected: the quota Province: West-Vlaanderen ≤ 4 is full" in body
    assert "Price of diversity" in body


def test_run_page_lists_20_selected_and_30_others_with_scores(staff_client, run):
    response = staff_client.get(reverse("selection:run_detail", args=[run.pk]))
    report = response.context["report"]
    assert [row.nis_code for row in report.selected] == run.result["selected"]
    assert len(report.not_selected) == 30
    assert {row.nis_code for row in report.selected} | {
        row.nis_code for row in report.not_selected
    } == {c["id"] for c in run.input["candidates"]}
    body = response.content.decode()
    for row in report.selected:
        assert escape(row.name) in body
    assert f"{run.result['objective']:.2f}".replace(".", ",") in body


def test_run_page_shows_binding_quotas_with_their_price(staff_client, run):
    report = staff_client.get(reverse("selection:run_detail", args=[run.pk])).context["report"]
    assert [(row.words, row.price) for row in report.binding] == [
        ("Provincie: Limburg ≥ 4", run.result["binding"][0]["price"]),
        ("Provincie: West-Vlaanderen ≤ 4", run.result["binding"][1]["price"]),
    ]
    assert report.price_of_diversity == run.result["price_of_diversity"] > 0


def test_run_page_charts_count_pool_proposal_and_outreach(staff_client, run):
    response = staff_client.get(reverse("selection:run_detail", args=[run.pk]))
    charts = {c.attribute: c for c in response.context["report"].charts}
    assert set(charts) == {"province", "degurba"}
    limburg = next(row for row in charts["province"].rows if row.label == "Limburg")
    assert (limburg.pool.count, limburg.pool.total) == (10, 50)
    assert (limburg.proposal.count, limburg.proposal.total) == (4, 20)
    assert (limburg.outreach.count, limburg.outreach.total) == (6, 30)
    assert limburg.proposal.percent == 20
    body = response.content.decode()
    assert "w-pct-20" in body
    assert 'style="' not in body
    assert "<script>" not in body


def test_infeasible_run_page_explains_in_words_with_the_suggestion(staff_client, scored, staff):
    criterion = DiversityCriterionFactory(
        programme=scored, attribute=DiversityAttribute.TWINNING, name="Stedenband"
    )
    QuotaFactory(criterion=criterion, value="yes", minimum=2)
    run = selection_run(programme=scored, actor=staff)
    body = _page(staff_client, reverse("selection:run_detail", args=[run.pk]))
    assert "Stedenband: ja ten minste 2 kan niet gelden: slechts 0 kandidaten hebben" in body
    assert "verlaag het minimum van Stedenband: ja van 2 naar 0" in body
    english = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "en")
    assert (
        "Town twinning: yes at least 2 cannot hold: only 0 candidates have Town twinning: yes"
        in english
    )
    assert "lower the minimum of Town twinning: yes from 2 to 0" in english
    assert reverse("selection:decision_create", args=[run.pk]) not in body


def test_infeasible_pair_of_bounds_is_named_together(staff_client, scored, staff):
    scored.criteria.get(attribute=DiversityAttribute.PROVINCE).quotas.filter(
        value="Limburg"
    ).update(maximum=3)
    run = selection_run(programme=scored, actor=staff)
    assert run.status == "infeasible"
    body = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "en")
    assert (
        "Province: Limburg at least 4 and Province: Limburg at most 3 cannot both hold "
        "when selecting 20" in body
    )


def test_withdraw_then_the_page_proposes_a_quota_keeping_replacement(staff_client, run):
    candidacy = Candidacy.objects.get(programme=run.programme, municipality_id="71016")
    response = staff_client.post(
        reverse("selection:run_withdraw", args=[run.pk]), {"candidacy": candidacy.pk}
    )
    assert response.status_code == 302
    candidacy.refresh_from_db()
    assert candidacy.outcome == Outcome.WITHDRAWN
    response = staff_client.get(reverse("selection:run_detail", args=[run.pk]))
    [row] = response.context["report"].reserve
    assert row.withdrawn.nis_code == "71016"
    assert row.replacement.province == "Limburg"
    assert "Beste vervanger die elke quota respecteert" in response.content.decode()


def test_withdraw_of_another_programmes_candidacy_is_404(staff_client, run, reference_data):
    other = scored_programme(per_province=1, size=2)
    foreign = other.candidacies.first()
    response = staff_client.post(
        reverse("selection:run_withdraw", args=[run.pk]), {"candidacy": foreign.pk}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.outcome == Outcome.PENDING


def test_rerun_button_gives_the_same_result(staff_client, run):
    response = staff_client.post(reverse("selection:run_rerun", args=[run.pk]), follow=True)
    new = SelectionRun.objects.exclude(pk=run.pk).get()
    assert new.result == run.result
    assert response.redirect_chain[-1][0] == reverse("selection:run_detail", args=[new.pk])
    assert f"hetzelfde resultaat als berekening #{run.pk}" in response.content.decode()


def test_unknown_run_is_404_for_staff(staff_client, run):
    assert staff_client.get(reverse("selection:run_detail", args=[run.pk + 99])).status_code == 404
    response = staff_client.get(reverse("selection:proposal", args=[run.programme.pk + 99]))
    assert response.status_code == 404
