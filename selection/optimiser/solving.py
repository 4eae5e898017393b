"""Solve a problem, and propose a replacement for a withdrawn candidate."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .core import DEFAULT_TIME_LIMIT, _best, _tie_break
from .explain import _Aggregate, _binding, _elastic, _feasible_agg, _find_conflict, _price, _reasons
from .model import SCORE_DECIMALS, _Model, _plain_selection, _total
from .problem import InputError, Problem
from .result import Result, TieBreak


def solve(
    problem: Problem,
    *,
    explain: bool = True,
    presolve: bool | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Result:
    """Select exactly ``problem.size`` candidates with the largest total score under the quotas.

    With ``explain=True`` binding bounds get a price (one re-solve each), every candidate gets
    a :class:`Reason`, and an infeasible problem gets ``conflicts`` and a ``suggestion``. With
    ``explain=False`` only the selection and the list of binding bounds (without prices) are
    returned. ``time_limit`` applies to each MILP solve separately; if it is hit the status is
    "time_limit", never "optimal". ``presolve=None`` chooses HiGHS presolve by model size.
    """
    start = time.perf_counter()
    model = _Model(problem)
    result = _solve_model(model, explain=explain, presolve=presolve, time_limit=time_limit)
    result.solve_seconds = time.perf_counter() - start
    return result


def _solve_model(
    model: _Model, *, explain: bool, presolve: bool | None, time_limit: float
) -> Result:
    tie_break = TieBreak(model.problem.seed)
    hard = model.hard_conflicts()
    if hard:
        # Cheap to state, so given even without explain.
        return Result("infeasible", conflicts=hard, tie_break=tie_break)

    lo, hi = model.row_bounds(model.items)
    first, lp = _best(model, lo, hi, presolve=presolve, time_limit=time_limit)
    if first.status == "infeasible" or (first.status == "error" and not _feasible_agg(model)):
        result = Result("infeasible", tie_break=tie_break)
        if explain:
            agg = _Aggregate(model)
            result.conflicts = _find_conflict(model, time_limit, agg)
            result.suggestion = _elastic(model, time_limit, agg)
        return result
    if first.status == "error":
        return Result("error", tie_break=tie_break, note="solver_failed")
    if first.x is None:
        return Result("time_limit", tie_break=tie_break, note="no_selection_in_time")

    x = first.x
    if first.status != "optimal":
        status, note = "time_limit", "not_proven_optimal"
    else:
        x, status, note = _tie_break(model, x, lo, hi, lp, presolve, time_limit)

    objective = _total(model, x)
    plain = _plain_selection(model)
    top_n = _total(model, plain)
    counts = model.A @ x.astype(float)
    binding = [
        replace(b, price=_price(model, it, objective, presolve, time_limit))
        if explain and status == "optimal"
        else b
        for b, it in _binding(model, counts[1:])
    ]
    reasons = _reasons(model, x, plain, counts[1:]) if explain and status == "optimal" else {}
    selected = [model.ids[k] for k in np.flatnonzero(x)]  # canonical order: score, priority
    return Result(
        status,
        selected=selected,
        objective=objective,
        top_n_objective=top_n,
        price_of_diversity=max(0.0, round(top_n - objective, SCORE_DECIMALS)),
        binding=binding,
        reasons=reasons,
        tie_break=tie_break,
        note=note,
    )


def propose_replacement(
    problem: Problem,
    selected: Sequence[str],
    withdrawn: str,
    *,
    explain: bool = True,
    presolve: bool | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Result:
    """Find the best replacement for ``withdrawn`` while keeping the rest of ``selected``.

    Re-solves with the other selected candidates included and ``withdrawn`` excluded, so the
    replacement is the best-scoring candidate that keeps every quota (ties as in :func:`solve`).
    ``Result.selected`` contains the replacement and ``Result.replacement`` names it (None when
    no candidate keeps the quotas; then the result explains the conflict).
    """
    known = {c.id for c in problem.candidates}
    errors = [
        f"selected[{k}]: unknown candidate id {cid!r}"
        for k, cid in enumerate(selected)
        if cid not in known
    ]
    if len(set(selected)) != len(selected):
        errors.append("selected: contains an id more than once")
    if withdrawn not in selected:
        errors.append(f"withdrawn: {withdrawn!r} is not among the selected candidates")
    if errors:
        raise InputError(errors)
    keep = frozenset(selected) - {withdrawn}
    reserve = replace(
        problem,
        include=(problem.include - {withdrawn}) | keep,
        exclude=problem.exclude | {withdrawn},
    )
    result = solve(reserve, explain=explain, presolve=presolve, time_limit=time_limit)
    if result.status != "infeasible":
        new = [cid for cid in result.selected if cid not in keep]
        result.replacement = new[0] if new else None
    return result
