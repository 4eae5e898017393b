"""Solving: HiGHS MILPs, the LP core for large models, and the tie-break.

Both programmes are solved with ``scipy.optimize.milp`` (HiGHS) with a relative gap of 0, so
"optimal" means proven optimal, not "within 0.01 %" (HiGHS's absolute gap of 1e-6 remains,
far below the resolution of board scores). A hit time limit gives the status "time_limit",
never "optimal".

Tie-break (deterministic, independent of input order)
-----------------------------------------------------
Every candidate has a priority (see :mod:`.model`). After the optimal total score ``S*`` is
known a second programme maximises ``sum p_i x_i`` under the same constraints plus
``sum score_i x_i >= S* - 1e-9 * max(1, |S*|)``. So among all selections with the optimal
total score, the one with the largest total priority wins.

Large models
------------
From :data:`CORE_MIN_CANDIDATES` candidates on, the LP relaxation is solved first and its
reduced costs fix every variable that provably cannot leave its LP bound in an optimal
selection (LP duality; see :func:`_fixing` and :func:`_best`); HiGHS then solves a MILP over
the few hundred variables left. This is exact, not a heuristic: the core is widened until the
bound proves that nothing outside it can improve the total. The tie-break programme (at every
size) and the price re-solves use the same fixing. On the 90,000-candidate benchmark it is
the difference between seconds and minutes.

Presolve
--------
HiGHS presolve pays off only on small models; on large ones (the 90,000-candidate model) it
takes minutes where the solve itself takes seconds, see ``docs/benchmarks.md``.
``presolve=None`` (the default) switches it on only for (sub)models of at most
:data:`PRESOLVE_MAX_CANDIDATES` variables.

The tuning constants are read at call time from this module, so tests and the benchmark can
change them here (``selection.optimiser.core.CORE_MIN_CANDIDATES``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .model import _Model, _total

#: Relative tolerance on the optimal total score in the tie-break programme.
TIE_TOLERANCE = 1e-9
#: Models with more (free) variables than this are solved without HiGHS presolve.
PRESOLVE_MAX_CANDIDATES = 500
#: From this many candidates on, the MILP is solved on a core chosen by LP reduced costs.
CORE_MIN_CANDIDATES = 1_000
#: Number of free variables in the first core (it grows when needed).
CORE_START_SIZE = 1_000
#: Default wall-clock limit, in seconds, for each single MILP solve.
DEFAULT_TIME_LIMIT = 60.0


@dataclass
class _Solve:
    status: str  # "optimal" | "infeasible" | "time_limit" | "error"
    x: np.ndarray | None  # rounded to booleans
    message: str  # the solver's own words, for debugging only
    values: np.ndarray | None = None  # raw solver values


def _milp(
    c: np.ndarray,
    A: Any,
    lo: np.ndarray,
    hi: np.ndarray,
    bounds: Bounds,
    *,
    presolve: bool,
    time_limit: float,
) -> _Solve:
    options: dict[str, Any] = {
        "disp": False,
        "presolve": presolve,
        "time_limit": time_limit,
        "mip_rel_gap": 0.0,
    }
    res = milp(
        c,
        integrality=np.ones(c.size),
        bounds=bounds,
        constraints=LinearConstraint(A, lo, hi),
        options=options,
    )
    values = None if res.x is None else np.asarray(res.x)
    x = None if values is None else values > 0.5
    if res.status == 0:
        return _Solve("optimal", x, res.message, values)
    if res.status == 2:
        return _Solve("infeasible", None, res.message)
    if res.status == 1:
        return _Solve("time_limit", x, res.message, values)
    return _Solve("error", None, res.message)


def _use_presolve(n: int, presolve: bool | None) -> bool:
    return n <= PRESOLVE_MAX_CANDIDATES if presolve is None else presolve


@dataclass
class _LP:
    """LP relaxation: optimum and, per variable, the score lost per unit moved off its bound."""

    z: float
    loss_up: np.ndarray  # raising x_i from 0 (HiGHS lower-bound marginal, >= 0)
    loss_down: np.ndarray  # lowering x_i from 1 (minus the upper-bound marginal, >= 0)
    margin: float


def _relaxation(
    model: _Model, lo: np.ndarray, hi: np.ndarray, time_limit: float, presolve: bool | None = None
) -> _LP | str:
    """Solve the LP relaxation; return its status word when it has no optimum."""
    A = model.A
    eq = np.isfinite(lo) & (lo == hi)
    ub = np.isfinite(hi) & ~eq
    lb = np.isfinite(lo) & ~eq
    a_ub = sparse.vstack([A[ub], -A[lb]], format="csr")
    b_ub = np.concatenate([hi[ub], -lo[lb]])
    res = linprog(
        -model.score,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=A[eq],
        b_eq=lo[eq],
        bounds=np.column_stack([model.included, ~model.excluded]).astype(float),
        method="highs",
        options={"time_limit": time_limit, "presolve": _use_presolve(model.n, presolve)},
    )
    if res.status == 2:
        return "infeasible"
    if res.status != 0:
        return "error"
    z = -float(res.fun)
    # Reduced costs are exact only to HiGHS's dual tolerance (about 1e-7), and up to 2N
    # variables can leave their bound; a generous margin only fixes fewer variables.
    margin = 1e-6 * (model.size + abs(z)) + 1e-9
    return _LP(z, np.asarray(res.lower.marginals), -np.asarray(res.upper.marginals), margin)


def _fixing(model: _Model, lp: _LP, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Reduced-cost fixing: variables that cannot leave their bound in any selection whose
    total is at least ``lp.z - threshold``.

    LP duality gives, for every feasible x, ``score.x <= z_LP - sum_i loss_i * |x_i - b_i|``
    (b_i the bound the variable sits at in the LP optimum), so a variable whose loss exceeds
    ``threshold`` stays at its bound. Returns (fixed at 0, fixed at 1).
    """
    free = ~(model.included | model.excluded)
    return (lp.loss_up > threshold) & free, (lp.loss_down > threshold) & free


def _sub_milp(
    model: _Model,
    c: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    zero: np.ndarray,
    one: np.ndarray,
    *,
    presolve: bool | None,
    time_limit: float,
    min_score: float | None = None,
) -> _Solve:
    """MILP over the variables not fixed by zero/one/include/exclude; x is full length.

    ``min_score`` adds the row ``sum score_i x_i >= min_score`` (the tie-break programme).
    """
    one = one | model.included
    zero = (zero | model.excluded) & ~one
    free = ~(one | zero)
    n_free = int(free.sum())
    offset = model.A[:, one].sum(axis=1) if one.any() else np.zeros(lo.size)
    A = model.A[:, free]
    lo2, hi2 = lo - offset, hi - offset
    if min_score is not None:
        A = sparse.vstack([A, sparse.csr_array(model.score[free][None, :])], format="csr")
        lo2 = np.append(lo2, min_score - _total(model, one))
        hi2 = np.append(hi2, np.inf)
    if n_free == 0:
        ok = bool(np.all(lo2 <= 1e-9) and np.all(hi2 >= -1e-9))
        return (
            _Solve("optimal", one.copy(), "all fixed")
            if ok
            else _Solve("infeasible", None, "all fixed")
        )
    res = _milp(
        c[free],
        A,
        lo2,
        hi2,
        Bounds(np.zeros(n_free), np.ones(n_free)),
        presolve=_use_presolve(n_free, presolve),
        time_limit=time_limit,
    )
    if res.x is not None:
        x = one.copy()
        x[free] = res.x
        res.x = x
    return res


def _best(
    model: _Model,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    presolve: bool | None,
    time_limit: float,
    lower_bound: float | None = None,
) -> tuple[_Solve, _LP | None]:
    """Maximise the total score; also return the LP relaxation when it was solved.

    Small models go straight to HiGHS. From :data:`CORE_MIN_CANDIDATES` candidates on, the LP
    relaxation comes first and the MILP is solved on a core: variables whose reduced cost
    exceeds ``delta`` are fixed at their LP bound. Once the core's optimum L satisfies
    ``delta >= z_LP - L + margin``, no fixed variable can move in any selection scoring L or
    more (see :func:`_fixing`), so L is the optimum of the whole model.
    """
    none = np.zeros(model.n, dtype=bool)
    if model.n < CORE_MIN_CANDIDATES:
        full = _sub_milp(
            model, -model.score, lo, hi, none, none, presolve=presolve, time_limit=time_limit
        )
        return full, None
    lp = _relaxation(model, lo, hi, time_limit, presolve)
    if lp == "infeasible":
        return _Solve("infeasible", None, "the LP relaxation is infeasible"), None
    if isinstance(lp, str):
        full = _sub_milp(
            model, -model.score, lo, hi, none, none, presolve=presolve, time_limit=time_limit
        )
        return full, None
    free = ~(model.included | model.excluded)
    loss = np.maximum(lp.loss_up, lp.loss_down)[free]
    k = min(loss.size, CORE_START_SIZE)
    delta = float(np.partition(loss, k - 1)[k - 1]) + lp.margin if k else 0.0
    if lower_bound is not None:
        # A known feasible total caps the core needed; a far-off bound would make it huge.
        delta = min(delta, lp.z - lower_bound + lp.margin)
    while True:
        zero, one = _fixing(model, lp, delta)
        sol = _sub_milp(
            model, -model.score, lo, hi, zero, one, presolve=presolve, time_limit=time_limit
        )
        if sol.status == "infeasible" and math.isfinite(delta):
            # The core was too small to hold any selection: widen it (at worst to everything).
            delta = math.inf if delta >= float(loss.max(initial=0.0)) else 4 * delta + 1.0
            continue
        if sol.status != "optimal" or sol.x is None:
            return sol, lp
        need = lp.z - _total(model, sol.x) + lp.margin
        if delta >= need:
            return sol, lp
        delta = need


def _tie_break(
    model: _Model,
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    lp: _LP | None,
    presolve: bool | None,
    time_limit: float,
) -> tuple[np.ndarray, str, str]:
    """Second programme: most priority among optimal-score selections (module docstring).

    Returns the selection, its status and a note code (empty when all is proven).
    """
    best = _total(model, x)
    tol = TIE_TOLERANCE * max(1.0, abs(best))
    zero = one = np.zeros(model.n, dtype=bool)
    relaxed = lp if lp is not None else _relaxation(model, lo, hi, time_limit, presolve)
    if isinstance(relaxed, _LP):
        fixed = _fixing(model, relaxed, relaxed.z - best + tol + relaxed.margin)
        # Exact in theory; should LP rounding ever contradict the proven optimum, solve the
        # full programme instead of trusting the fixing.
        if not x[fixed[0]].any() and x[fixed[1]].all():
            zero, one = fixed
    second = _sub_milp(
        model,
        -model.prio,
        lo,
        hi,
        zero,
        one,
        presolve=presolve,
        time_limit=time_limit,
        min_score=best - tol,
    )
    # HiGHS works to absolute feasibility tolerances of about 1e-6, so check the score with
    # exact arithmetic before accepting the tie-break's selection.
    if second.x is not None and _total(model, second.x) >= best - tol:
        return (
            (second.x, "optimal", "")
            if second.status == "optimal"
            else (second.x, "time_limit", "tie_break_cut_off")
        )
    if second.status == "time_limit":
        return x, "time_limit", "tie_break_cut_off"
    # Only reachable through solver tolerances: the score of x is proven optimal, so keep it.
    return x, "optimal", "tie_break_unusable"
