"""The model: arrays of one problem, with the candidates in canonical order.

Binary ``x_i`` per candidate; ``sum x_i = N``; for every quota
``min <= sum_{i in group} x_i <= max`` where the group is every candidate whose attribute
``quota.attribute`` equals ``quota.value`` (exact string comparison; a candidate without the
attribute is in no group of it). ``include`` fixes ``x_i = 1``, ``exclude`` fixes ``x_i = 0``.
The objective is ``maximise sum score_i x_i`` with scores rounded to :data:`SCORE_DECIMALS`
decimals.

Canonical order: score descending, then tie-break priority descending, then id. Every
programme is built in this order, so shuffling the input cannot change what the solver sees,
and rankings ("rank 7 by score") follow it too. A candidate's priority is
``int(sha256(f"{seed}:{id}").hexdigest()[:8], 16)``, an integer in ``[0, 2**32)``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .problem import Bound, BoundKind, InputError, Problem
from .result import Conflict

#: Decimals kept from each score before optimising.
SCORE_DECIMALS = 9


def _priority(seed: str, cid: str) -> int:
    return int(hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class _Item:
    """One quota bound, i.e. one item of the deletion filter."""

    quota: int
    bound: BoundKind
    limit: int


class _Model:
    """Arrays for one problem, with candidates in canonical order (module docstring)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        cands = list(problem.candidates)
        prio = [_priority(problem.seed, c.id) for c in cands]
        score = [round(float(c.score), SCORE_DECIMALS) for c in cands]
        order = sorted(range(len(cands)), key=lambda i: (-score[i], -prio[i], cands[i].id))
        self.candidates = [cands[i] for i in order]
        perm = np.array(order, dtype=np.int64)
        self.ids = [c.id for c in self.candidates]
        self.index = {cid: k for k, cid in enumerate(self.ids)}
        self.n = len(self.ids)
        if len(self.index) != self.n:
            raise InputError("candidate ids must be unique")
        self.size = problem.size
        self.score = np.array([score[i] for i in order], dtype=float)
        self.prio = np.array([prio[i] for i in order], dtype=float)
        self.included = np.zeros(self.n, dtype=bool)
        self.excluded = np.zeros(self.n, dtype=bool)
        for cid in problem.include:
            if cid in self.index:
                self.included[self.index[cid]] = True
        for cid in problem.exclude:
            if cid in self.index:
                self.excluded[self.index[cid]] = True
        self.quotas = list(problem.quotas)

        # Encode each attribute once as integer codes: one Python pass per attribute instead
        # of one per quota matters at 90,000 candidates (a missing attribute encodes None).
        codes: dict[str, tuple[np.ndarray, dict[str | None, int]]] = {}
        self.masks: list[np.ndarray] = []
        for q in self.quotas:
            if q.attribute not in codes:
                # Walk the input order (memory order) and permute after: walking the sorted
                # list is several times slower at 90,000 candidates.
                values = [c.attributes.get(q.attribute) for c in cands]
                table = {v: k for k, v in enumerate(dict.fromkeys(values))}
                arr = np.fromiter(map(table.__getitem__, values), dtype=np.int64, count=self.n)
                arr = arr[perm]
                codes[q.attribute] = (arr, table)
            arr, table = codes[q.attribute]
            code = table.get(q.value)
            mask = arr == code if code is not None else np.zeros(self.n, dtype=bool)
            self.masks.append(mask)

        rows = [np.zeros(self.n, dtype=np.int64)]
        cols = [np.arange(self.n)]
        for j, mask in enumerate(self.masks):
            nz = np.flatnonzero(mask)
            rows.append(np.full(nz.size, j + 1, dtype=np.int64))
            cols.append(nz)
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        self.A = sparse.csr_array((np.ones(r.size), (r, c)), shape=(len(self.quotas) + 1, self.n))
        self.available = ~self.excluded
        self.group_available = np.array(
            [int((m & self.available).sum()) for m in self.masks], dtype=np.int64
        )
        self.group_included = np.array(
            [int((m & self.included).sum()) for m in self.masks], dtype=np.int64
        )
        self.items = [
            _Item(j, kind, limit)
            for j, q in enumerate(self.quotas)
            for kind, limit in (("min", q.min), ("max", q.max))
            if limit is not None
        ]

    def bound(self, item: _Item) -> Bound:
        q = self.quotas[item.quota]
        return Bound(q.attribute, q.value, item.bound, item.limit)

    def vacuous(self, item: _Item) -> bool:
        """True when the bound holds for every selection allowed by size/include/exclude."""
        if item.bound == "min":
            return item.limit <= self.group_included[item.quota]
        return item.limit >= min(self.size, self.group_available[item.quota])

    def row_bounds(self, items: Iterable[_Item]) -> tuple[np.ndarray, np.ndarray]:
        lo = np.full(len(self.quotas) + 1, -np.inf)
        hi = np.full(len(self.quotas) + 1, np.inf)
        lo[0] = hi[0] = self.size
        for it in items:
            if it.bound == "min":
                lo[it.quota + 1] = it.limit
            else:
                hi[it.quota + 1] = it.limit
        return lo, hi

    def hard_conflicts(self) -> list[Conflict]:
        """Conflicts in size/include/exclude alone (cheap, so found even without explain)."""
        out: list[Conflict] = []
        for cid in sorted(self.problem.include & self.problem.exclude):
            out.append(Conflict("included_and_excluded", size=self.size, candidate=cid))
        n_inc = int(self.included.sum())
        if n_inc > self.size:
            out.append(Conflict("too_many_included", size=self.size, included=n_inc))
        n_avail = int(self.available.sum())
        if n_avail < self.size:
            out.append(
                Conflict(
                    "too_few_candidates",
                    size=self.size,
                    available=n_avail,
                    excluded=self.n - n_avail,
                )
            )
        return out


def _total(model: _Model, x: np.ndarray) -> float:
    return math.fsum(model.score[x].tolist())


def _plain_selection(model: _Model) -> np.ndarray:
    """Top-N ignoring quotas (include/exclude respected), canonical order = score, priority."""
    x = model.included.copy()
    free = np.flatnonzero(model.available & ~model.included)
    x[free[: max(0, model.size - int(x.sum()))]] = True
    return x
