"""Tests for the Django-free selection optimiser (no database needed)."""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.greedy import greedy_top_n_repair
from selection import optimiser
from selection.optimiser import (
    Binding,
    Bound,
    Candidate,
    Change,
    Conflict,
    InputError,
    Problem,
    Quota,
    Reason,
    TieBreak,
    core,
    model,
    parse_problem,
    propose_replacement,
    result_to_dict,
    solve,
    solve_json,
)

# --------------------------------------------------------------------------------------------
# Helpers


def _priority(seed: str, cid: str) -> int:
    """The documented tie-break priority, computed independently of the module."""
    return int(hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest()[:8], 16)


def _cand(cid: str, score: float, **attributes: str) -> Candidate:
    return Candidate(cid, score, attributes)


def _satisfies(problem: Problem, chosen: set[str]) -> bool:
    if len(chosen) != problem.size:
        return False
    if not problem.include <= chosen or problem.exclude & chosen:
        return False
    by_id = {c.id: c for c in problem.candidates}
    for q in problem.quotas:
        count = sum(1 for cid in chosen if by_id[cid].attributes.get(q.attribute) == q.value)
        if q.min is not None and count < q.min:
            return False
        if q.max is not None and count > q.max:
            return False
    return True


def _brute_force(problem: Problem) -> tuple[float, set[str]] | None:
    """Best total score, and the tie-break winner, over all feasible subsets (None if none)."""
    best: tuple[float, int, set[str]] | None = None
    ids = [c.id for c in problem.candidates]
    score = {c.id: round(c.score, 9) for c in problem.candidates}
    for combo in itertools.combinations(ids, problem.size):
        chosen = set(combo)
        if not _satisfies(problem, chosen):
            continue
        total = sum(score[cid] for cid in chosen)
        prio = sum(_priority(problem.seed, cid) for cid in chosen)
        if (
            best is None
            or total > best[0] + 1e-9
            or (abs(total - best[0]) <= 1e-9 and prio > best[1])
        ):
            best = (total, prio, chosen)
    return None if best is None else (best[0], best[2])


def _random_problem(rng: random.Random) -> Problem:
    n = rng.randint(8, 11)
    size = rng.randint(3, 5)
    coarse = rng.random() < 0.5  # coarse scores make many equal totals: exercises the tie-break
    candidates = [
        _cand(
            f"m{k:02d}",
            rng.choice([1.0, 2.0, 2.5, 3.0, 4.0]) if coarse else round(rng.uniform(0, 10), 3),
            province=rng.choice(["Antwerpen", "Limburg", "Gent"]),
            degurba=rng.choice(["1", "2"]),
        )
        for k in range(n)
    ]
    quotas = []
    for attribute, values in (("province", ["Antwerpen", "Limburg", "Gent"]), ("degurba", ["1"])):
        for value in values:
            if rng.random() < 0.6:
                lo = rng.choice([None, 0, 1, 1, 2, 3])
                hi = rng.choice([None, 1, 2, 2, 3, 4])
                if lo is None and hi is None:
                    hi = 2
                quotas.append(Quota(attribute, value, lo, hi))
    ids = [c.id for c in candidates]
    include = frozenset(rng.sample(ids, rng.choice([0, 0, 1])))
    exclude = frozenset(rng.sample([i for i in ids if i not in include], rng.choice([0, 0, 1])))
    return Problem(size, candidates, quotas, include, exclude, seed=f"s{rng.random()}")


def _apply(problem: Problem, changes: list[Change]) -> Problem:
    quotas = list(problem.quotas)
    for ch in changes:
        k = next(
            k for k, q in enumerate(quotas) if (q.attribute, q.value) == (ch.attribute, ch.value)
        )
        assert getattr(quotas[k], ch.bound) == ch.from_
        quotas[k] = replace(quotas[k], **{ch.bound: ch.to})
    return replace(problem, quotas=quotas)


def _only(problem: Problem, bounds: list[Bound]) -> Problem:
    """The problem with only ``bounds`` as quotas (size, include and exclude unchanged)."""
    quotas = []
    for b in bounds:
        quotas.append(Quota(b.attribute, b.value, **{b.bound: b.limit}))
    return replace(problem, quotas=quotas)


def _assert_minimal_conflict(problem: Problem, bounds: list[Bound]) -> None:
    """The bounds cannot hold together, but every proper subset can."""
    assert _brute_force(_only(problem, bounds)) is None
    for k in range(len(bounds)):
        assert _brute_force(_only(problem, bounds[:k] + bounds[k + 1 :])) is not None


LIMBURG_CONFLICT = Problem(
    4,
    [
        _cand("a1", 9, province="Antwerpen"),
        _cand("a2", 8, province="Antwerpen"),
        _cand("a3", 7, province="Antwerpen"),
        _cand("l1", 6, province="Limburg"),
        _cand("l2", 5, province="Limburg"),
        _cand("l3", 4, province="Limburg"),
        _cand("l4", 3, province="Limburg"),
    ],
    [Quota("province", "Limburg", 3, 1), Quota("province", "Antwerpen", None, 3)],
)


# --------------------------------------------------------------------------------------------
# Against brute force


def test_solve_random_instances_match_brute_force():
    rng = random.Random(20240611)
    feasible = infeasible = 0
    for _ in range(30):
        problem = _random_problem(rng)
        expected = _brute_force(problem)
        result = solve(problem)
        if expected is None:
            infeasible += 1
            assert result.status == "infeasible"
            assert result.selected == []
            continue
        feasible += 1
        assert result.status == "optimal"
        assert abs(result.objective - expected[0]) <= 1e-9
        assert _satisfies(problem, set(result.selected))
        # The tie-break (largest priority sum among optimal totals) matches too.
        assert set(result.selected) == expected[1]
    assert feasible >= 15
    assert infeasible >= 3


def test_solve_random_infeasible_suggestion_makes_feasible():
    rng = random.Random(7)
    checked = 0
    for _ in range(60):
        problem = _random_problem(rng)
        if _brute_force(problem) is not None:
            continue
        result = solve(problem)
        assert result.status == "infeasible"
        if result.conflicts[0].kind != "quotas":
            continue
        assert solve(_apply(problem, result.suggestion)).status == "optimal"
        _assert_minimal_conflict(problem, result.conflicts[0].quotas)
        checked += 1
    assert checked >= 5


# --------------------------------------------------------------------------------------------
# Infeasibility


def test_solve_min_above_max_names_both_bounds():
    result = solve(LIMBURG_CONFLICT)

    assert result.status == "infeasible"
    assert len(result.conflicts) == 1
    assert result.conflicts[0].quotas == [
        Bound("province", "Limburg", "min", 3),
        Bound("province", "Limburg", "max", 1),
    ]
    assert result.conflicts[0].cause == "min_above_max"
    assert result.conflicts[0].size == 4
    _assert_minimal_conflict(LIMBURG_CONFLICT, result.conflicts[0].quotas)


def test_solve_min_above_max_suggestion_makes_feasible():
    result = solve(LIMBURG_CONFLICT)

    assert result.suggestion  # one change of total size 2 (3 -> 1 or 1 -> 3)
    assert sum(abs(ch.to - ch.from_) for ch in result.suggestion) == 2
    assert len(result.suggestion) == 1
    assert solve(_apply(LIMBURG_CONFLICT, result.suggestion)).status == "optimal"


def test_solve_conflict_is_minimal():
    # Four to select; Limburg and Gent each need 2, all of them rural; at most 3 rural, and
    # the Antwerpen maximum plays no part in the conflict.
    problem = Problem(
        4,
        [
            _cand("l1", 5, province="Limburg", degurba="3"),
            _cand("l2", 4, province="Limburg", degurba="3"),
            _cand("g1", 5, province="Gent", degurba="3"),
            _cand("g2", 4, province="Gent", degurba="3"),
            _cand("a1", 9, province="Antwerpen", degurba="1"),
            _cand("a2", 8, province="Antwerpen", degurba="1"),
        ],
        [
            Quota("province", "Antwerpen", None, 2),
            Quota("province", "Limburg", 2, None),
            Quota("province", "Gent", 2, None),
            Quota("degurba", "3", None, 3),
        ],
    )
    result = solve(problem)

    assert result.status == "infeasible"
    conflict = result.conflicts[0].quotas
    assert conflict == [
        Bound("province", "Limburg", "min", 2),
        Bound("province", "Gent", "min", 2),
        Bound("degurba", "3", "max", 3),
    ]
    _assert_minimal_conflict(problem, conflict)
    assert result.conflicts[0] == Conflict("quotas", conflict, size=4)
    assert solve(_apply(problem, result.suggestion)).status == "optimal"


def test_solve_too_many_included_is_hard_conflict():
    problem = replace(LIMBURG_CONFLICT, size=1, quotas=[], include=frozenset({"a1", "a2"}))
    result = solve(problem)

    assert result.status == "infeasible"
    assert [c.kind for c in result.conflicts] == ["too_many_included"]
    assert result.conflicts == [Conflict("too_many_included", size=1, included=2)]


def test_solve_too_few_candidates_is_hard_conflict():
    problem = replace(LIMBURG_CONFLICT, size=7, quotas=[], exclude=frozenset({"a1"}))
    result = solve(problem)

    assert result.status == "infeasible"
    assert result.conflicts == [
        Conflict("too_few_candidates", size=7, available=6, excluded=1),
    ]
    assert result.suggestion == []


def test_solve_min_above_group_size_explained():
    problem = replace(LIMBURG_CONFLICT, quotas=[Quota("province", "Limburg", 5, None)])
    result = solve(problem)

    assert result.conflicts == [
        Conflict(
            "quotas",
            [Bound("province", "Limburg", "min", 5)],
            "group_too_small",
            size=4,
            available=4,
            excluded=0,
        )
    ]
    assert result.suggestion == [Change("province", "Limburg", "min", 5, 4)]


def _single_conflict(problem: Problem) -> Conflict:
    result = solve(problem)
    assert result.status == "infeasible"
    assert len(result.conflicts) == 1
    return result.conflicts[0]


def test_solve_min_above_size_is_its_own_cause():
    problem = replace(LIMBURG_CONFLICT, size=2, quotas=[Quota("province", "Limburg", 3, None)])
    assert _single_conflict(problem) == Conflict(
        "quotas", [Bound("province", "Limburg", "min", 3)], "above_size", size=2
    )


def test_solve_min_blocked_by_included_outside_the_group_counts_them():
    problem = replace(
        LIMBURG_CONFLICT,
        size=2,
        quotas=[Quota("province", "Limburg", 1, None)],
        include=frozenset({"a1", "a2"}),
    )
    assert _single_conflict(problem) == Conflict(
        "quotas",
        [Bound("province", "Limburg", "min", 1)],
        "included_outside",
        size=2,
        included=2,
    )


def test_solve_max_below_included_inside_the_group_counts_them():
    problem = replace(
        LIMBURG_CONFLICT,
        quotas=[Quota("province", "Limburg", None, 1)],
        include=frozenset({"l1", "l2"}),
    )
    assert _single_conflict(problem) == Conflict(
        "quotas",
        [Bound("province", "Limburg", "max", 1)],
        "included_inside",
        size=4,
        included=2,
    )


def test_solve_max_with_too_few_outside_the_group_counts_them():
    # Six of seven: with only four candidates outside Antwerpen, at least two are Antwerpen.
    problem = replace(LIMBURG_CONFLICT, size=6, quotas=[Quota("province", "Antwerpen", None, 1)])
    assert _single_conflict(problem) == Conflict(
        "quotas",
        [Bound("province", "Antwerpen", "max", 1)],
        "outside_too_small",
        size=6,
        available=4,
    )


def test_solve_min_above_group_after_exclusions_counts_the_excluded():
    problem = replace(
        LIMBURG_CONFLICT,
        quotas=[Quota("province", "Limburg", 4, None)],
        exclude=frozenset({"l4", "a1"}),
    )
    assert _single_conflict(problem) == Conflict(
        "quotas",
        [Bound("province", "Limburg", "min", 4)],
        "group_too_small",
        size=4,
        available=3,
        excluded=1,
    )


def test_solve_included_and_excluded_names_the_candidate():
    # parse_problem refuses this; a Problem built in code still gets an explanation.
    problem = replace(
        LIMBURG_CONFLICT, quotas=[], include=frozenset({"l1"}), exclude=frozenset({"l1"})
    )
    assert _single_conflict(problem) == Conflict("included_and_excluded", size=4, candidate="l1")


def test_solve_returns_only_known_codes():
    rng = random.Random(23)
    for _ in range(40):
        result = solve(_random_problem(rng))
        assert result.note in ("", *optimiser.NOTES)
        for reason in result.reasons.values():
            assert reason.kind in optimiser.REASON_KINDS
        for conflict in result.conflicts:
            assert conflict.kind in optimiser.CONFLICT_KINDS
            assert conflict.cause is None or conflict.cause in optimiser.CONFLICT_CAUSES


# --------------------------------------------------------------------------------------------
# Determinism and tie-break


def _tied_problem(seed: str = "sdgpilot") -> Problem:
    candidates = [
        _cand(f"c{k}", [5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0][k % 8], province=p, degurba=d)
        for k, (p, d) in enumerate(
            itertools.product(["Antwerpen", "Limburg", "Gent", "Namen"], ["1", "2", "3"])
        )
    ]
    quotas = [Quota("province", "Limburg", 1, 2), Quota("degurba", "3", None, 2)]
    return Problem(5, candidates, quotas, seed=seed)


def test_solve_shuffled_input_same_selection():
    problem = _tied_problem()
    expected = solve(problem)
    rng = random.Random(3)
    for _ in range(5):
        candidates = list(problem.candidates)
        rng.shuffle(candidates)
        shuffled = replace(problem, candidates=candidates)
        again = solve(shuffled)
        assert again.selected == expected.selected
        assert again.reasons == expected.reasons
        assert solve_json(_to_json(shuffled)) == solve_json(_to_json(problem))


def test_solve_ties_follow_priority_rule():
    problem = _tied_problem()
    expected = _brute_force(problem)

    assert expected is not None
    assert set(solve(problem).selected) == expected[1]


def test_solve_no_quota_tie_takes_highest_priorities():
    candidates = [_cand(f"x{k}", 2.0) for k in range(6)]
    problem = Problem(2, candidates, [], seed="abc")
    ranked = sorted((c.id for c in candidates), key=lambda cid: -_priority("abc", cid))

    result = solve(problem)

    assert result.selected == ranked[:2]
    assert result.reasons[ranked[2]] == Reason("tie")


def test_solve_different_seeds_can_differ_on_tie():
    candidates = [_cand(f"x{k}", 2.0) for k in range(6)]
    selections = {
        tuple(solve(Problem(2, candidates, [], seed=f"seed-{k}"), explain=False).selected)
        for k in range(8)
    }
    assert len(selections) > 1


def test_solve_selected_sorted_by_score_then_priority():
    problem = _tied_problem("order")
    result = solve(problem)
    by_id = {c.id: c for c in problem.candidates}
    keys = [(-by_id[cid].score, -_priority("order", cid)) for cid in result.selected]
    assert keys == sorted(keys)
    assert result.tie_break == TieBreak("order", "sha256_priority")


# --------------------------------------------------------------------------------------------
# Binding bounds and prices


@pytest.fixture(params=["direct", "core"])
def either_path(request, monkeypatch):
    """Run a test on the direct MILP and on the LP-core path."""
    if request.param == "core":
        monkeypatch.setattr(core, "CORE_MIN_CANDIDATES", 0)
        monkeypatch.setattr(core, "CORE_START_SIZE", 0)


def test_solve_min_quota_price_is_exact_loss(either_path):
    problem = Problem(
        3,
        [
            _cand("a1", 10.0, province="Antwerpen"),
            _cand("a2", 9.0, province="Antwerpen"),
            _cand("a3", 8.5, province="Antwerpen"),
            _cand("l1", 5.25, province="Limburg"),
            _cand("l2", 4.0, province="Limburg"),
        ],
        [Quota("province", "Limburg", 1, 3)],
    )
    result = solve(problem)

    assert result.selected == ["a1", "a2", "l1"]
    assert result.objective == pytest.approx(24.25, abs=1e-9)
    assert result.top_n_objective == pytest.approx(27.5, abs=1e-9)
    assert result.price_of_diversity == pytest.approx(3.25, abs=1e-9)
    assert result.binding == [Binding("province", "Limburg", "min", 1, 3.25)]


def test_solve_max_quota_price_is_exact_loss(either_path):
    problem = Problem(
        3,
        [
            _cand("a1", 10.0, province="Antwerpen"),
            _cand("a2", 9.0, province="Antwerpen"),
            _cand("a3", 8.5, province="Antwerpen"),
            _cand("g1", 7.0, province="Gent"),
            _cand("l1", 6.0, province="Limburg"),
        ],
        [Quota("province", "Antwerpen", None, 1), Quota("province", "Gent", 0, 2)],
    )
    result = solve(problem)

    assert result.selected == ["a1", "g1", "l1"]
    # Dropping the maximum brings in a2 and a3 instead of g1 and l1: 9 + 8.5 - 7 - 6.
    assert result.binding == [Binding("province", "Antwerpen", "max", 1, 4.5)]


def test_solve_without_explain_skips_prices_and_reasons():
    result = solve(_tied_problem(), explain=False)

    assert result.status == "optimal"
    assert result.reasons == {}
    assert all(b.price is None for b in result.binding)


# --------------------------------------------------------------------------------------------
# Reasons


REASONS_PROBLEM = Problem(
    5,
    [
        _cand("e1", 10.0, province="Antwerpen"),
        _cand("a1", 9.0, province="Antwerpen"),
        _cand("a2", 8.5, province="Antwerpen"),
        _cand("g1", 8.0, province="Gent"),
        _cand("g2", 7.0, province="Gent"),
        _cand("g3", 7.0, province="Gent"),
        _cand("l1", 3.0, province="Limburg"),
        _cand("g4", 2.0, province="Gent"),
        _cand("z", 1.0, province="Gent"),
    ],
    [Quota("province", "Antwerpen", None, 1), Quota("province", "Limburg", 1, None)],
    include=frozenset({"z"}),
    exclude=frozenset({"e1"}),
    seed="reasons",
)


def test_reasons_every_kind(either_path):
    result = solve(REASONS_PROBLEM)
    winner, loser = sorted(["g2", "g3"], key=lambda cid: -_priority("reasons", cid))

    assert result.reasons == {
        "e1": Reason("excluded"),
        "a1": Reason("rank", rank=1),
        "a2": Reason("quota_max_full", attribute="province", value="Antwerpen", limit=1),
        "g1": Reason("rank", rank=3),
        winner: Reason("rank", rank=4),
        loser: Reason("tie"),
        "l1": Reason("quota_min", attribute="province", value="Limburg", limit=1),
        "g4": Reason("below_last"),
        "z": Reason("included"),
    }
    assert result.selected == ["a1", "g1", winner, "l1", "z"]


def test_reasons_places_reserved_when_quotas_take_all_places():
    problem = Problem(
        2,
        [
            _cand("b", 10.0, province="Brussel"),
            _cand("l", 1.0, province="Limburg"),
            _cand("a", 1.0, province="Antwerpen"),
        ],
        [Quota("province", "Limburg", 1, None), Quota("province", "Antwerpen", 1, None)],
    )
    result = solve(problem)

    assert result.reasons["b"] == Reason("places_reserved")
    assert result.reasons["l"] == Reason(
        "quota_min", attribute="province", value="Limburg", limit=1
    )


# --------------------------------------------------------------------------------------------
# Reserve list


def test_propose_replacement_is_best_quota_keeping_candidate():
    rng = random.Random(11)
    checked = 0
    while checked < 12:
        problem = _random_problem(rng)
        result = solve(problem, explain=False)
        if result.status != "optimal":
            continue
        withdrawn = rng.choice(sorted(set(result.selected) - problem.include))
        rest = set(result.selected) - {withdrawn}
        options = [
            c
            for c in problem.candidates
            if c.id not in result.selected
            and c.id not in problem.exclude
            and _satisfies(problem, rest | {c.id})
        ]
        reserve = propose_replacement(problem, result.selected, withdrawn)
        if not options:
            assert reserve.status == "infeasible"
            assert reserve.replacement is None
        else:
            best = max(round(c.score, 9) for c in options)
            assert reserve.status == "optimal"
            assert reserve.replacement is not None
            assert set(reserve.selected) == rest | {reserve.replacement}
            assert _satisfies(problem, set(reserve.selected))
            by_id = {c.id: c for c in problem.candidates}
            assert round(by_id[reserve.replacement].score, 9) == best
            tied = [c.id for c in options if round(c.score, 9) == best]
            assert reserve.replacement == max(tied, key=lambda cid: _priority(problem.seed, cid))
        checked += 1


def test_propose_replacement_unknown_withdrawn_raises():
    result = solve(REASONS_PROBLEM, explain=False)
    with pytest.raises(InputError, match="'g4' is not among the selected"):
        propose_replacement(REASONS_PROBLEM, result.selected, "g4")


# --------------------------------------------------------------------------------------------
# JSON


def _to_json(problem: Problem) -> dict:
    return {
        "size": problem.size,
        "candidates": [
            {"id": c.id, "score": c.score, "attributes": dict(c.attributes)}
            for c in problem.candidates
        ],
        "quotas": [
            {"attribute": q.attribute, "value": q.value, "min": q.min, "max": q.max}
            for q in problem.quotas
        ],
        "include": sorted(problem.include),
        "exclude": sorted(problem.exclude),
        "seed": problem.seed,
    }


VALID = {
    "size": 1,
    "candidates": [
        {"id": "44021", "score": 4.2, "attributes": {"province": "Oost-Vlaanderen"}},
        {"id": "71022", "score": None, "attributes": {"province": "Limburg"}},
    ],
    "quotas": [{"attribute": "province", "value": "Limburg", "min": 1, "max": None}],
}


def test_parse_problem_valid_null_score_is_zero():
    problem = parse_problem(VALID)

    assert problem.size == 1
    assert problem.candidates[1] == Candidate("71022", 0.0, {"province": "Limburg"})
    assert problem.quotas == (Quota("province", "Limburg", 1, None),)
    assert problem.seed == "sdgpilot"


def _error(data: dict) -> str:
    with pytest.raises(InputError) as info:
        parse_problem(data)
    return str(info.value)


def test_parse_problem_unknown_top_level_field_raises():
    assert "unknown top-level field 'sise'" in _error({**VALID, "sise": 3})


def test_parse_problem_unknown_candidate_field_raises():
    data = {**VALID, "candidates": [VALID["candidates"][0], {"id": "x", "scor": 1}]}
    message = _error(data)
    assert "candidates[1] (id 'x'): unknown field 'scor'" in message
    assert "candidates[1] (id 'x'): missing field 'score'" in message


def test_parse_problem_missing_size_raises():
    data = {k: v for k, v in VALID.items() if k != "size"}
    assert _error(data) == "size: missing (the number of candidates to select)"


def test_parse_problem_non_numeric_score_raises():
    data = {**VALID, "candidates": [{"id": "a", "score": "4,2", "attributes": {}}]}
    assert _error(data) == "candidates[0] (id 'a').score: expected a number or null, got '4,2'"


def test_parse_problem_duplicate_id_raises():
    data = {**VALID, "candidates": [*VALID["candidates"], {"id": "44021", "score": 1}]}
    assert _error(data) == "candidates[2].id: duplicate id '44021' (also candidates[0])"


def test_parse_problem_unknown_include_id_raises():
    assert _error({**VALID, "include": ["44021", "99999"]}) == (
        "include[1]: unknown candidate id '99999'"
    )


def test_parse_problem_non_string_attribute_raises():
    data = {**VALID, "candidates": [{"id": "a", "score": 1, "attributes": {"degurba": 1}}]}
    assert _error(data).startswith("candidates[0] (id 'a').attributes.degurba: expected a string")


def test_parse_problem_several_errors_listed():
    message = _error({"size": 0, "candidates": "none", "quotas": [{"attribute": "a"}]})
    assert message.startswith("3 problems in the input: ")
    assert "size: expected a whole number >= 1, got 0" in message
    assert "quotas[0]: missing field 'value'" in message


def test_parse_problem_min_above_max_is_infeasible_not_error():
    data = {**VALID, "quotas": [{"attribute": "province", "value": "Limburg", "min": 2, "max": 1}]}
    assert parse_problem(data).quotas[0] == Quota("province", "Limburg", 2, 1)
    assert solve_json(data)["status"] == "infeasible"


def test_solve_json_optimal_format():
    out = solve_json(VALID)

    assert json.loads(json.dumps(out)) == out
    assert out == {
        "status": "optimal",
        "selected": ["71022"],
        "objective": 0.0,
        "top_n_objective": 4.2,
        "price_of_diversity": 4.2,
        "binding": [
            {"attribute": "province", "value": "Limburg", "bound": "min", "limit": 1, "price": 4.2}
        ],
        "reasons": {
            "44021": {"kind": "places_reserved"},
            "71022": {"kind": "quota_min", "attribute": "province", "value": "Limburg", "limit": 1},
        },
        "tie_break": {"rule": "sha256_priority", "seed": "sdgpilot"},
    }


def test_solve_json_infeasible_format():
    out = solve_json(_to_json(LIMBURG_CONFLICT))

    assert set(out) == {"status", "conflicts", "suggestion"}
    assert out["conflicts"][0]["quotas"] == [
        {"attribute": "province", "value": "Limburg", "bound": "min", "limit": 3},
        {"attribute": "province", "value": "Limburg", "bound": "max", "limit": 1},
    ]
    assert out["conflicts"][0]["kind"] == "quotas"
    assert out["conflicts"][0]["cause"] == "min_above_max"
    assert out["conflicts"][0]["size"] == 4
    assert set(out["conflicts"][0]) == {"kind", "quotas", "cause", "size"}
    assert set(out["suggestion"][0]) == {"attribute", "value", "bound", "from", "to"}


def test_result_to_dict_rounds_floats():
    problem = Problem(1, [_cand("a", 1 / 3)], [])
    assert result_to_dict(solve(problem))["objective"] == 0.333333


# --------------------------------------------------------------------------------------------
# Solver status and baseline


def test_solve_time_limit_not_reported_optimal(monkeypatch):
    real_milp = core.milp

    def cut_short(*args, **kwargs):
        res = real_milp(*args, **kwargs)
        res.status, res.success = 1, False
        res.message = "Time limit reached. (HiGHS Status 13: Time limit reached)"
        return res

    monkeypatch.setattr(core, "milp", cut_short)
    result = solve(REASONS_PROBLEM)

    assert result.status == "time_limit"
    assert result.note == "not_proven_optimal"
    assert len(result.selected) == 5
    assert result_to_dict(result)["status"] == "time_limit"
    assert result_to_dict(result)["note"] == "not_proven_optimal"


def test_greedy_top_n_repair_fixes_simple_min_quota():
    problem = Problem(
        3,
        [
            _cand("a1", 10.0, province="Antwerpen"),
            _cand("a2", 9.0, province="Antwerpen"),
            _cand("a3", 8.5, province="Antwerpen"),
            _cand("l1", 5.0, province="Limburg"),
        ],
        [Quota("province", "Limburg", 1, None)],
    )
    assert greedy_top_n_repair(problem) == ["a1", "a2", "l1"]


def test_model_presolve_choice_follows_size():
    assert core._use_presolve(50, None) is True
    assert core._use_presolve(90_000, None) is False
    assert core._use_presolve(50, False) is False


def test_solve_presolve_off_same_answer():
    problem = _tied_problem("presolve")
    assert solve(problem, presolve=False).selected == solve(problem, presolve=True).selected


def test_model_reduced_cost_fixing_keeps_optimum():
    rng = random.Random(5)
    checked = 0
    while checked < 15:
        problem = _random_problem(rng)
        arrays = model._Model(problem)
        expected = _brute_force(problem)
        if arrays.hard_conflicts() or expected is None:
            continue
        lo, hi = arrays.row_bounds(arrays.items)
        lp = core._relaxation(arrays, lo, hi, 10.0)
        assert isinstance(lp, core._LP)
        zero, one = core._fixing(arrays, lp, lp.z - expected[0] + 1e-9 + lp.margin)
        chosen = np.array([cid in expected[1] for cid in arrays.ids])
        assert not chosen[zero].any()
        assert chosen[one].all()
        checked += 1


@pytest.fixture
def core_path(monkeypatch):
    """Force the LP-core path (normally from 1,000 candidates) with the smallest first core."""
    monkeypatch.setattr(core, "CORE_MIN_CANDIDATES", 0)
    monkeypatch.setattr(core, "CORE_START_SIZE", 0)


def test_solve_core_path_matches_brute_force(core_path):
    rng = random.Random(99)
    feasible = 0
    for _ in range(30):
        problem = _random_problem(rng)
        expected = _brute_force(problem)
        result = solve(problem)
        if expected is None:
            assert result.status == "infeasible"
            continue
        feasible += 1
        assert result.status == "optimal"
        assert abs(result.objective - expected[0]) <= 1e-9
        assert set(result.selected) == expected[1]
    assert feasible >= 15


def test_solve_core_path_prices_match_direct(core_path, monkeypatch):
    problem = _tied_problem("prices")
    on_core = solve(problem)
    monkeypatch.setattr(core, "CORE_MIN_CANDIDATES", 10**9)
    direct = solve(problem)
    assert on_core.selected == direct.selected
    assert on_core.binding == direct.binding
    assert on_core.reasons == direct.reasons


def test_solve_core_path_grows_infeasible_core(core_path, monkeypatch):
    real_fixing = core._fixing
    calls = []

    def first_core_empty(model, lp, threshold):
        calls.append(threshold)
        if len(calls) == 1:  # fix every free variable at 0: no selection fits
            return ~(model.included | model.excluded), np.zeros(model.n, dtype=bool)
        return real_fixing(model, lp, threshold)

    monkeypatch.setattr(core, "_fixing", first_core_empty)
    problem = _tied_problem("grow")
    expected = _brute_force(problem)
    result = solve(problem, explain=False)

    assert len(calls) >= 3  # empty core, a wider core, then the tie-break
    assert expected is not None
    assert set(result.selected) == expected[1]


def test_parse_problem_included_and_excluded_raises():
    data = {**VALID, "include": ["44021"], "exclude": ["44021"]}
    assert _error(data) == "include/exclude: candidate '44021' is both included and excluded"


def test_parse_problem_duplicate_quota_raises():
    quota = {"attribute": "province", "value": "Limburg", "min": 1}
    assert _error({**VALID, "quotas": [quota, {**quota, "max": 2}]}).startswith(
        "quotas[1]: a second quota for province = Limburg (also quotas[0])"
    )


def test_solve_without_explain_still_states_hard_conflict():
    problem = replace(LIMBURG_CONFLICT, size=1, quotas=[], include=frozenset({"a1", "a2"}))
    result = solve(problem, explain=False)

    assert result.status == "infeasible"
    assert [c.kind for c in result.conflicts] == ["too_many_included"]


def test_solve_tie_break_cut_short_is_a_note_not_optimal(monkeypatch):
    real_milp = core.milp
    calls = []

    def second_cut_short(c, *args, **kwargs):
        calls.append(c)
        res = real_milp(c, *args, **kwargs)
        if len(calls) == 2:  # the tie-break programme
            res.status, res.success = 1, False
        return res

    monkeypatch.setattr(core, "milp", second_cut_short)
    result = solve(_tied_problem("cut"), explain=False)

    assert len(calls) == 2
    assert result.status == "time_limit"
    assert result.note == "tie_break_cut_off"
    assert len(result.selected) == 5


# --------------------------------------------------------------------------------------------
# Free of Django

PACKAGE = Path(optimiser.__file__).resolve().parent
ALLOWED_TOP_LEVEL = {"__future__", "collections", "dataclasses", "hashlib", "math", "time"}
ALLOWED_TOP_LEVEL |= {"typing", "numpy", "scipy"}


def test_optimiser_package_imports_only_the_standard_library_numpy_and_scipy():
    imported = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported
    assert imported <= ALLOWED_TOP_LEVEL, imported - ALLOWED_TOP_LEVEL


def test_optimiser_package_imports_and_solves_without_django():
    code = (
        "import sys\n"
        "from selection import optimiser\n"
        "out = optimiser.solve_json({'size': 1, 'candidates': [{'id': 'a', 'score': 1}]})\n"
        "assert out['selected'] == ['a'], out\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=PACKAGE.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
