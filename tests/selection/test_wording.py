"""One wording for optimiser results: the codes, their sentences, the page and the CLI agree."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from selection import optimiser, wording
from selection.models import Candidacy
from selection.optimiser import core
from selection.selectors.proposal import run_report
from selection.services.proposal import selection_run

# One example of every code the optimiser can return, in its JSON shape.
BOUND = {"attribute": "province", "value": "Limburg", "bound": "min", "limit": 4}
REASONS = {
    "rank": {"kind": "rank", "rank": 3},
    "quota_min": {"kind": "quota_min", "attribute": "province", "value": "Limburg", "limit": 4},
    "included": {"kind": "included"},
    "below_last": {"kind": "below_last"},
    "quota_max_full": {
        "kind": "quota_max_full",
        "attribute": "province",
        "value": "West-Vlaanderen",
        "limit": 4,
    },
    "excluded": {"kind": "excluded"},
    "tie": {"kind": "tie"},
    "places_reserved": {"kind": "places_reserved"},
}
CONFLICTS = {
    "included_and_excluded": {"kind": "included_and_excluded", "size": 20, "candidate": "71011"},
    "too_many_included": {"kind": "too_many_included", "size": 20, "included": 21},
    "too_few_candidates": {"kind": "too_few_candidates", "size": 20, "available": 19},
    "group_too_small": {
        "kind": "quotas",
        "quotas": [BOUND],
        "cause": "group_too_small",
        "size": 20,
        "available": 3,
    },
    "above_size": {"kind": "quotas", "quotas": [BOUND], "cause": "above_size", "size": 3},
    "included_outside": {
        "kind": "quotas",
        "quotas": [BOUND],
        "cause": "included_outside",
        "size": 20,
        "included": 18,
    },
    "included_inside": {
        "kind": "quotas",
        "quotas": [{**BOUND, "bound": "max"}],
        "cause": "included_inside",
        "size": 20,
        "included": 5,
    },
    "outside_too_small": {
        "kind": "quotas",
        "quotas": [{**BOUND, "bound": "max"}],
        "cause": "outside_too_small",
        "size": 20,
        "available": 10,
    },
    "min_above_max": {
        "kind": "quotas",
        "quotas": [BOUND, {**BOUND, "bound": "max", "limit": 3}],
        "cause": "min_above_max",
        "size": 20,
    },
}


def _both(function, code):
    with translation.override("en"):
        english = function(code)
    with translation.override("nl"):
        dutch = function(code)
    return english, dutch


def test_wording_examples_cover_every_code_of_the_optimiser():
    assert set(REASONS) == set(optimiser.REASON_KINDS)
    kinds = {c["kind"] for c in CONFLICTS.values()}
    causes = {c["cause"] for c in CONFLICTS.values() if "cause" in c}
    assert kinds == set(optimiser.CONFLICT_KINDS)
    assert causes == set(optimiser.CONFLICT_CAUSES)


@pytest.mark.parametrize("kind", optimiser.REASON_KINDS)
def test_reason_words_every_kind_has_an_english_and_a_dutch_sentence(kind):
    english, dutch = _both(wording.reason_words, REASONS[kind])
    assert english.startswith(("selected", "not selected"))
    assert dutch.startswith(("geselecteerd", "niet geselecteerd"))


def test_reason_words_fill_in_the_rank_and_the_quota():
    with translation.override("en"):
        assert wording.reason_words(REASONS["rank"]) == "selected: rank 3 by score"
        assert wording.reason_words(REASONS["quota_min"]) == (
            "selected to meet the quota Province: Limburg ≥ 4"
        )
        assert wording.reason_words(REASONS["quota_max_full"]) == (
            "not selected: the quota Province: West-Vlaanderen ≤ 4 is full"
        )
    with translation.override("nl"):
        assert wording.reason_words(REASONS["quota_min"]) == (
            "geselecteerd om de quota Provincie: Limburg ≥ 4 te halen"
        )


def test_reason_words_of_a_run_stored_with_sentences_shows_the_sentence():
    assert wording.reason_words("selected: rank 1 by score") == "selected: rank 1 by score"


@pytest.mark.parametrize("name", sorted(CONFLICTS))
def test_conflict_words_every_kind_and_cause_has_its_own_dutch_sentence(name):
    english, dutch = _both(wording.conflict_words, CONFLICTS[name])
    assert english != dutch
    with translation.override("en"):
        others = {wording.conflict_words(c) for n, c in CONFLICTS.items() if n != name}
    assert english not in others


def test_conflict_words_name_the_counts():
    with translation.override("en"):
        say = wording.conflict_words
        assert say(CONFLICTS["included_outside"]) == (
            "Province: Limburg at least 4 cannot hold: 18 of the 20 places are taken by "
            "candidates included by hand outside Province: Limburg"
        )
        assert say(CONFLICTS["outside_too_small"]) == (
            "Province: Limburg at most 4 cannot hold: only 10 available candidates are outside "
            "Province: Limburg, so at least 10 of the 20 selected have it"
        )
        assert say({**CONFLICTS["too_few_candidates"], "excluded": 1}) == (
            "only 19 candidates are available after 1 exclusion, but 20 must be selected"
        )
        assert say({**CONFLICTS["too_few_candidates"], "excluded": 2}) == (
            "only 19 candidates are available after 2 exclusions, but 20 must be selected"
        )
        assert say({**CONFLICTS["group_too_small"], "available": 1}) == (
            "Province: Limburg at least 4 cannot hold: only 1 candidate has Province: Limburg"
        )
    with translation.override("nl"):
        assert wording.conflict_words({**CONFLICTS["group_too_small"], "available": 1}) == (
            "Provincie: Limburg ten minste 4 kan niet gelden: slechts 1 kandidaat heeft "
            "Provincie: Limburg"
        )
        assert wording.conflict_words({**CONFLICTS["group_too_small"], "excluded": 7}) == (
            "Provincie: Limburg ten minste 4 kan niet gelden: na de uitsluitingen hebben "
            "slechts 3 kandidaten Provincie: Limburg"
        )


@pytest.mark.parametrize("note", optimiser.NOTES)
def test_note_words_every_note_has_an_english_and_a_dutch_sentence(note):
    english, dutch = _both(wording.note_words, note)
    assert english and dutch and english != dutch
    assert note not in english


def test_tie_break_words_name_the_seed_in_both_languages():
    english, dutch = _both(wording.tie_break_words, {"rule": "sha256_priority", "seed": "s-17"})
    assert "“s-17:”" in english and "SHA-256" in english
    assert "“s-17:”" in dutch and dutch.startswith("Van de selecties")


def test_change_words_in_both_languages():
    change = {"attribute": "province", "value": "Limburg", "bound": "min", "from": 4, "to": 3}
    assert _both(wording.change_words, change) == (
        "lower the minimum of Province: Limburg from 4 to 3",
        "verlaag het minimum van Provincie: Limburg van 4 naar 3",
    )


# --------------------------------------------------------------------------------------------
# The run page and the command line say the same


def _page(client, url, language):
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _cli_text(tmp_path, data) -> list[str]:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    # The command switches to English itself, whatever language is active.
    with translation.override("nl"):
        call_command("selection_solve", str(path), "--format", "text", stdout=out)
    return out.getvalue().splitlines()


def _cli_reasons(lines: list[str]) -> dict[str, str]:
    reasons = {}
    for line in lines:
        if line.startswith("- ") and " — " in line:
            head, reason = line[2:].split(" — ", 1)
            reasons[head.split(" ")[0]] = reason
    return reasons


@pytest.mark.django_db
def test_cli_text_and_the_english_run_page_give_the_same_reason_per_candidate(
    staff_client, staff, run, tmp_path
):
    lines = _cli_text(tmp_path, run.input)
    cli = _cli_reasons(lines)
    with translation.override("en"):
        report = run_report(user=staff, run=run)
    page = {row.nis_code: row.reason for row in report.selected + report.not_selected}
    assert cli == page
    assert len(cli) == 50
    body = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "en")
    for sentence in set(cli.values()):
        assert escape(sentence) in body
    # The Dutch page says the same codes in Dutch.
    dutch = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "nl")
    assert "selected to meet the quota" not in dutch
    assert "geselecteerd om de quota Provincie: Limburg ≥ 4 te halen" in dutch


@pytest.mark.django_db
def test_infeasible_run_cli_text_and_pages_say_the_same_conflict(
    staff_client, staff, scored, tmp_path
):
    limburg = Candidacy.objects.filter(
        programme=scored, municipality__province__name="Limburg"
    ).order_by("municipality_id")
    run = selection_run(programme=scored, exclude=list(limburg[:7]), actor=staff)
    assert run.status == "infeasible"
    english = (
        "Province: Limburg at least 4 cannot hold: only 3 candidates have Province: Limburg "
        "after exclusions"
    )
    assert f"- {english}" in _cli_text(tmp_path, run.input)
    body = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "en")
    assert english in body
    dutch = _page(staff_client, reverse("selection:run_detail", args=[run.pk]), "nl")
    assert (
        "Provincie: Limburg ten minste 4 kan niet gelden: na de uitsluitingen hebben slechts "
        "3 kandidaten Provincie: Limburg"
    ) in dutch


@pytest.mark.django_db
def test_time_limited_run_page_shows_the_note_in_the_users_language(
    staff_client, staff, scored, monkeypatch
):
    real_milp = core.milp

    def cut_short(*args, **kwargs):
        res = real_milp(*args, **kwargs)
        res.status, res.success = 1, False
        return res

    monkeypatch.setattr(core, "milp", cut_short)
    run = selection_run(programme=scored, actor=staff)
    assert run.status == "time_limit"
    assert run.result["note"] == "not_proven_optimal"
    url = reverse("selection:run_detail", args=[run.pk])
    assert escape(
        "De tijdslimiet werd bereikt: de selectie voldoet aan elke quota, maar is niet "
        "bewezen optimaal."
    ) in _page(staff_client, url, "nl")
    assert escape(
        "The time limit was reached: the selection meets every quota but is not proven optimal."
    ) in _page(staff_client, url, "en")
