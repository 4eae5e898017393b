"""Explanations: binding bounds and their prices, reasons, a minimal conflict, a suggestion.

Everything here is codes and numbers (see :mod:`.result`); ``selection.wording`` says them.

* Binding quota bound: the selection's count in the group equals the bound, and the bound is
  not vacuous (a minimum already met by the candidates included by hand, or a maximum at least
  the number of available group members or N, can never bind). Its price is the gain in total
  score when only that bound is dropped and the problem is re-solved.
* Infeasible input: a deletion filter over the quota bounds (each minimum and each maximum is a
  separate item; size, include and exclude stay hard) finds one minimal set of bounds that
  cannot hold together, with the counts that show why. An elastic programme then finds the
  smallest total change to the bounds (ties: fewest bounds changed) that makes the problem
  feasible. Both work on candidates merged by group-membership pattern (:class:`_Aggregate`),
  which is exact for feasibility and much smaller.
* Reasons (:class:`~.result.Reason`). "Plain top-N" = the included candidates plus the best
  others in ranking order, ignoring quotas. Selected: ``included``; else ``rank`` if in the
  plain top-N; else ``quota_min`` naming the first (in quota order) binding minimum of its
  groups; else ``rank`` (chosen on score once better-ranked candidates were blocked). The
  "last selected" is the lowest score among those selected with reason ``rank``. Not
  selected: ``excluded``; ``below_last`` if its score is below the last selected;
  ``quota_max_full`` naming the first full maximum of its groups; ``tie`` if its score equals
  the last selected and it could take that candidate's place without breaking a quota;
  otherwise ``places_reserved``: every selected candidate it outscores is needed for a
  minimum quota or was included by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds

from .core import DEFAULT_TIME_LIMIT, _best, _milp, _use_presolve
from .model import SCORE_DECIMALS, _Item, _Model, _total
from .result import Binding, Change, Conflict, Reason


def _binding(model: _Model, counts: np.ndarray) -> list[tuple[Binding, _Item]]:
    out = []
    for it in model.items:
        if model.vacuous(it) or round(counts[it.quota]) != it.limit:
            continue
        q = model.quotas[it.quota]
        out.append((Binding(q.attribute, q.value, it.bound, it.limit, None), it))
    return out


def _price(
    model: _Model, item: _Item, objective: float, presolve: bool | None, time_limit: float
) -> float | None:
    """Score gained by dropping one bound; the current optimum is a valid lower bound."""
    lo, hi = model.row_bounds(it for it in model.items if it != item)
    res, _ = _best(model, lo, hi, presolve=presolve, time_limit=time_limit, lower_bound=objective)
    if res.status != "optimal" or res.x is None:
        return None
    return max(0.0, round(_total(model, res.x) - objective, SCORE_DECIMALS))


def _reasons(
    model: _Model, x: np.ndarray, plain: np.ndarray, counts: np.ndarray
) -> dict[str, Reason]:
    n_q = len(model.quotas)
    mins = [q.min for q in model.quotas]
    maxs = [q.max for q in model.quotas]
    binding_min = [
        mins[j] is not None and counts[j] == mins[j] and not model.vacuous(_Item(j, "min", mins[j]))
        for j in range(n_q)
    ]
    full_max = [maxs[j] is not None and counts[j] >= maxs[j] for j in range(n_q)]
    member = np.array(model.masks, dtype=bool).reshape(n_q, model.n)

    rank = np.zeros(model.n, dtype=np.int64)
    avail = np.flatnonzero(model.available)
    rank[avail] = np.arange(1, avail.size + 1)

    reasons: list[Reason | None] = [None] * model.n
    on_score: list[int] = []
    for k in np.flatnonzero(x):
        if model.included[k]:
            reasons[k] = Reason("included")
            continue
        if not plain[k]:
            j = next((j for j in range(n_q) if binding_min[j] and member[j, k]), None)
            if j is not None:
                q = model.quotas[j]
                reasons[k] = Reason("quota_min", attribute=q.attribute, value=q.value, limit=q.min)
                continue
        # Inside the plain top-N, or outside it and in no binding minimum group: selected on
        # score once better-ranked candidates were blocked by quotas.
        reasons[k] = Reason("rank", rank=int(rank[k]))
        on_score.append(int(k))

    last = min((model.score[k] for k in on_score), default=None)

    def swap_ok(out: int, into: int) -> bool:
        for j in range(n_q):
            delta = int(member[j, into]) - int(member[j, out])
            if delta > 0 and maxs[j] is not None and counts[j] + delta > maxs[j]:
                return False
            if delta < 0 and mins[j] is not None and counts[j] + delta < mins[j]:
                return False
        return True

    for k in np.flatnonzero(~x):
        if model.excluded[k]:
            reasons[k] = Reason("excluded")
            continue
        if last is not None and model.score[k] < last:
            reasons[k] = Reason("below_last")
            continue
        j = next((j for j in range(n_q) if full_max[j] and member[j, k]), None)
        if j is not None:
            q = model.quotas[j]
            reasons[k] = Reason("quota_max_full", attribute=q.attribute, value=q.value, limit=q.max)
            continue
        if (
            last is not None
            and model.score[k] == last
            and any(model.score[w] == last and swap_ok(w, int(k)) for w in on_score)
        ):
            reasons[k] = Reason("tie")
            continue
        reasons[k] = Reason("places_reserved")
    return {model.ids[k]: reasons[k] for k in range(model.n)}  # type: ignore[misc]


class _Aggregate:
    """Candidates merged by group-membership pattern: exact for feasibility, much smaller."""

    def __init__(self, model: _Model) -> None:
        self.model = model
        avail = model.available
        member = np.array(model.masks, dtype=bool).reshape(len(model.quotas), model.n).T
        patterns, inverse = np.unique(member[avail], axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        k = patterns.shape[0]
        self.upper = np.bincount(inverse, minlength=k).astype(float)
        self.lower = np.bincount(inverse[model.included[avail]], minlength=k).astype(float)
        self.k = k
        # Row 0: size; row j+1: quota j.
        self.A = sparse.vstack(
            [sparse.csr_array(np.ones((1, k))), sparse.csr_array(patterns.T.astype(float))],
            format="csr",
        )

    def feasible(self, items: Iterable[_Item], time_limit: float) -> bool:
        lo, hi = self.model.row_bounds(items)
        res = _milp(
            np.zeros(self.k),
            self.A,
            lo,
            hi,
            Bounds(self.lower, self.upper),
            presolve=_use_presolve(self.k, None),
            time_limit=time_limit,
        )
        return res.status == "optimal"


def _feasible_agg(model: _Model) -> bool:
    return _Aggregate(model).feasible(model.items, DEFAULT_TIME_LIMIT)


def _conflict(model: _Model, items: list[_Item]) -> Conflict:
    """The conflict of ``items`` with the counts that show why it holds (see Conflict)."""
    bounds = [model.bound(it) for it in items]
    n = model.size
    if len(items) == 1:
        it = items[0]
        mask = model.masks[it.quota]
        if it.bound == "min":
            available = int(model.group_available[it.quota])
            if it.limit > available:
                excluded = int((mask & model.excluded).sum())
                return Conflict(
                    "quotas", bounds, "group_too_small", n, available=available, excluded=excluded
                )
            if it.limit > n:
                return Conflict("quotas", bounds, "above_size", n)
            outside = int((model.included & ~mask).sum())
            return Conflict("quotas", bounds, "included_outside", n, included=outside)
        included = int(model.group_included[it.quota])
        if included > it.limit:
            return Conflict("quotas", bounds, "included_inside", n, included=included)
        outside = int((model.available & ~mask).sum())
        return Conflict("quotas", bounds, "outside_too_small", n, available=outside)
    if len(items) == 2 and items[0].quota == items[1].quota:
        return Conflict("quotas", bounds, "min_above_max", n)
    return Conflict("quotas", bounds, size=n)


def _find_conflict(
    model: _Model, time_limit: float, agg: _Aggregate | None = None
) -> list[Conflict]:
    """Deletion filter: one minimal set of quota bounds that cannot hold together."""
    agg = agg or _Aggregate(model)
    keep = [it for it in model.items if not model.vacuous(it)]
    if agg.feasible(keep, time_limit):
        # Only vacuous bounds left out; cannot happen for a truly infeasible model.
        keep = list(model.items)
    k = 0
    while k < len(keep):
        trial = keep[:k] + keep[k + 1 :]
        if agg.feasible(trial, time_limit):
            k += 1  # needed for the conflict
        else:
            keep = trial
    return [_conflict(model, keep)]


def _elastic(model: _Model, time_limit: float, agg: _Aggregate | None = None) -> list[Change]:
    """Smallest total change to the bounds that makes the problem feasible (ties: fewest)."""
    agg = agg or _Aggregate(model)
    items = [it for it in model.items if not model.vacuous(it)]
    m = len(items)
    if m == 0:
        return []
    # Columns: y (patterns), s (one slack per bound), z (bound changed? binary).
    big = float(max(model.size, *(it.limit for it in items), 1))
    sign = np.array([1.0 if it.bound == "min" else -1.0 for it in items])  # count +/- s
    eye = sparse.eye_array(m, format="csr")
    matrix = sparse.block_array(
        [
            [agg.A[[0]], sparse.csr_array((1, m)), sparse.csr_array((1, m))],
            [agg.A[[it.quota + 1 for it in items]], sparse.diags_array(sign), None],
            [sparse.csr_array((m, agg.k)), eye, -big * eye],  # s <= big * z
        ],
        format="csr",
    )
    is_min = sign > 0
    limits = np.array([float(it.limit) for it in items])
    lo = np.concatenate([[model.size], np.where(is_min, limits, -np.inf), np.full(m, -np.inf)])
    hi = np.concatenate([[model.size], np.where(is_min, np.inf, limits), np.zeros(m)])
    c = np.concatenate([np.zeros(agg.k), np.full(m, m + 1.0), np.ones(m)])
    bounds = Bounds(
        np.concatenate([agg.lower, np.zeros(2 * m)]),
        np.concatenate([agg.upper, np.full(m, big), np.ones(m)]),
    )
    res = _milp(
        c,
        matrix,
        lo,
        hi,
        bounds,
        presolve=_use_presolve(agg.k, None),
        time_limit=time_limit,
    )
    if res.values is None:
        return []
    slack = np.rint(res.values[agg.k : agg.k + m]).astype(int)
    changes = []
    for it, s_t in zip(items, slack, strict=True):
        if s_t <= 0:
            continue
        q = model.quotas[it.quota]
        to = it.limit - int(s_t) if it.bound == "min" else it.limit + int(s_t)
        changes.append(Change(q.attribute, q.value, it.bound, it.limit, to))
    return changes
