"""Selection optimiser for the SDG pilot: pick exactly N candidates under diversity quotas.

This module is deliberately free of Django so that the web layer, a command-line tool for
auditors and the benchmarks can all call the same code. Texts are English; the structured
:class:`Reason`, :class:`Bound`, :class:`Binding` and :class:`Change` objects let the web layer
translate them.

Model
-----
Binary ``x_i`` per candidate; ``sum x_i = N``; for every quota
``min <= sum_{i in group} x_i <= max`` where the group is every candidate whose attribute
``quota.attribute`` equals ``quota.value`` (exact string comparison; a candidate without the
attribute is in no group of it). ``include`` fixes ``x_i = 1``, ``exclude`` fixes ``x_i = 0``.
The programme ``maximise sum score_i x_i`` is solved with ``scipy.optimize.milp`` (HiGHS) with a
relative gap of 0, so "optimal" means proven optimal, not "within 0.01 %" (HiGHS's absolute
gap of 1e-6 remains, far below the resolution of board scores). A hit time limit gives the
status "time_limit", never "optimal".

Scores
------
Scores are rounded to 9 decimals before use. A ``null`` score in the JSON input means "not
scored" and counts as 0.0 in the objective (it is not an input error: a candidate may be
selected on quota grounds before the board has scored it).

Tie-break (deterministic, independent of input order)
-----------------------------------------------------
Every candidate gets a priority ``p_i = int(sha256(f"{seed}:{id}").hexdigest()[:8], 16)``, an
integer in ``[0, 2**32)``. After the optimal total score ``S*`` is known a second programme
maximises ``sum p_i x_i`` under the same constraints plus
``sum score_i x_i >= S* - 1e-9 * max(1, |S*|)``. So among all selections with the optimal total
score, the one with the largest total priority wins. Both programmes are built with the
candidates in a canonical order (score descending, priority descending, id), so shuffling the
input cannot change what the solver sees, and therefore cannot change the selection.
Rankings ("rank 7 by score") use the same order: score descending, then priority descending.

Explanations
------------
* Binding quota bound: the selection's count in the group equals the bound, and the bound is
  not vacuous (a minimum already met by the candidates included by hand, or a maximum at least
  the number of available group members or N, can never bind). Its price is the gain in total
  score when only that bound is dropped and the problem is re-solved.
* Infeasible input: a deletion filter over the quota bounds (each minimum and each maximum is a
  separate item; size, include and exclude stay hard) finds one minimal set of bounds that
  cannot hold together. An elastic programme then finds the smallest total change to the
  bounds (ties: fewest bounds changed) that makes the problem feasible.
* ``top_n_objective`` is the best total ignoring the quotas but respecting include and
  exclude, so ``price_of_diversity`` is the cost of the quotas alone.
* Reasons (:class:`Reason`). "Plain top-N" = the included candidates plus the best others in
  ranking order, ignoring quotas. Selected: ``included``; else ``rank`` if in the plain top-N;
  else ``quota_min`` naming the first (in quota order) binding minimum of its groups; else
  ``rank`` (chosen on score once better-ranked candidates were blocked). The "last selected"
  is the lowest score among those selected with reason ``rank``. Not selected: ``excluded``;
  ``below_last`` if its score is below the last selected; ``quota_max_full`` naming the first
  full maximum of its groups; ``tie`` if its score equals the last selected and it could take
  that candidate's place without breaking a quota; otherwise ``places_reserved``: every
  selected candidate it outscores is needed for a minimum quota or was included by hand.

Large models
------------
From :data:`CORE_MIN_CANDIDATES` candidates on, the LP relaxation is solved first and its
reduced costs fix every variable that provably cannot leave its LP bound in an optimal
selection (LP duality; see :func:`_fixing` and :func:`_best`); HiGHS then solves a MILP over the
few hundred variables left. This is exact, not a heuristic: the core is widened until the
bound proves that nothing outside it can improve the total. The tie-break programme (at every
size) and the price re-solves use the same fixing. On the 90,000-candidate benchmark it is
the difference between seconds and minutes.

Presolve
--------
HiGHS presolve pays off only on small models; on large ones (the 90,000-candidate model) it
takes minutes where the solve itself takes seconds, see ``docs/benchmarks.md``.
``presolve=None`` (the default) switches it on only for (sub)models of at most
:data:`PRESOLVE_MAX_CANDIDATES` variables.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

__all__ = [
    "Binding",
    "Bound",
    "Candidate",
    "Change",
    "Conflict",
    "InputError",
    "Problem",
    "Quota",
    "Reason",
    "Result",
    "greedy_top_n_repair",
    "parse_problem",
    "propose_replacement",
    "reason_text",
    "result_to_dict",
    "solve",
    "solve_json",
]

BoundKind = Literal["min", "max"]

#: Decimals kept from each score before optimising.
SCORE_DECIMALS = 9
#: Relative tolerance on the optimal total score in the tie-break programme.
TIE_TOLERANCE = 1e-9
#: Models with more (free) variables than this are solved without HiGHS presolve (module doc).
PRESOLVE_MAX_CANDIDATES = 500
#: From this many candidates on, the MILP is solved on a core chosen by LP reduced costs.
CORE_MIN_CANDIDATES = 1_000
#: Number of free variables in the first core (it grows when needed).
CORE_START_SIZE = 1_000
#: Default wall-clock limit, in seconds, for each single MILP solve.
DEFAULT_TIME_LIMIT = 60.0

TIE_BREAK_RULE = (
    "Among selections with the optimal total score (to a relative 1e-9), the one with the "
    "largest sum of priorities wins; a candidate's priority is the first 8 hex digits of "
    "sha256('{{seed}}:{{id}}') read as an integer. Rankings use score, then priority, both "
    "descending. Seed: {seed!r}."
)


class InputError(ValueError):
    """The input cannot be read; the message names the field and candidate index."""

    def __init__(self, errors: str | Sequence[str]) -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        if len(self.errors) == 1:
            message = self.errors[0]
        else:
            message = f"{len(self.errors)} problems in the input: " + "; ".join(self.errors)
        super().__init__(message)


@dataclass(frozen=True)
class Candidate:
    """A municipality that can be selected."""

    id: str
    score: float
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Quota:
    """Between ``min`` and ``max`` selected candidates must have ``attribute == value``."""

    attribute: str
    value: str
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class Problem:
    """Select exactly ``size`` of ``candidates`` under ``quotas``."""

    size: int
    candidates: Sequence[Candidate]
    quotas: Sequence[Quota]
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    seed: str = "sdgpilot"


@dataclass(frozen=True)
class Bound:
    """One side of a quota: ``attribute = value`` at least (min) or at most (max) ``limit``."""

    attribute: str
    value: str
    bound: BoundKind
    limit: int


@dataclass(frozen=True)
class Binding:
    """A bound the selection meets exactly; ``price`` is the score lost to it (None if unknown)."""

    attribute: str
    value: str
    bound: BoundKind
    limit: int
    price: float | None


@dataclass(frozen=True)
class Conflict:
    """Bounds that cannot hold together (empty ``quotas`` for a conflict in size/include/exclude).

    ``kind`` is "quotas", "included_and_excluded", "too_many_included" or "too_few_candidates".
    """

    quotas: list[Bound]
    message: str
    kind: str = "quotas"


@dataclass(frozen=True)
class Change:
    """Suggested change of one bound: ``from_`` -> ``to``."""

    attribute: str
    value: str
    bound: BoundKind
    from_: int
    to: int


@dataclass(frozen=True)
class Reason:
    """Why a candidate was (not) selected.

    ``kind`` is one of "rank", "quota_min", "included" (selected) or "below_last",
    "quota_max_full", "excluded", "tie", "places_reserved" (not selected). "places_reserved"
    covers the rare case where a candidate outscores a selected one but every place it could
    take is needed for a minimum quota or held by a candidate included by hand.
    """

    kind: str
    rank: int | None = None
    attribute: str | None = None
    value: str | None = None
    limit: int | None = None


@dataclass
class Result:
    """Outcome of :func:`solve`.

    ``status`` is "optimal" (proven, tie-break included), "infeasible" (see ``conflicts`` and
    ``suggestion``), "time_limit" (a time limit was hit: ``selected`` is the best found, if
    any, and ``message`` says what is not proven) or "error" (the solver failed; ``message``).
    """

    status: str
    selected: list[str] = field(default_factory=list)
    objective: float = 0.0
    top_n_objective: float = 0.0
    price_of_diversity: float = 0.0
    binding: list[Binding] = field(default_factory=list)
    reasons: dict[str, Reason] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    suggestion: list[Change] = field(default_factory=list)
    replacement: str | None = None
    solve_seconds: float = 0.0
    tie_break: str = ""
    message: str = ""


# --------------------------------------------------------------------------------------------
# Input


_TOP_FIELDS = ("size", "candidates", "quotas", "include", "exclude", "seed")
_CANDIDATE_FIELDS = ("id", "score", "attributes")
_QUOTA_FIELDS = ("attribute", "value", "min", "max")


def _is_int(value: Any) -> bool:
    # bool is an int subclass; `true` as a size or limit is almost certainly a mistake.
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_id_list(data: dict, name: str, known: set[str], errors: list[str]) -> frozenset[str]:
    raw = data.get(name)
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        errors.append(f"{name}: expected a list of candidate ids, got {_describe(raw)}")
        return frozenset()
    ids: set[str] = set()
    for k, item in enumerate(raw):
        if not isinstance(item, str):
            errors.append(f"{name}[{k}]: expected a candidate id (string), got {_describe(item)}")
        elif item not in known:
            errors.append(f"{name}[{k}]: unknown candidate id {item!r}")
        else:
            ids.add(item)
    return frozenset(ids)


def _parse_candidate(k: int, raw: Any, errors: list[str]) -> Candidate | None:
    where = f"candidates[{k}]"
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected an object, got {_describe(raw)}")
        return None
    ok = True
    cid = raw.get("id")
    if isinstance(cid, str) and cid:
        where = f"candidates[{k}] (id {cid!r})"
    for key in raw:
        if key not in _CANDIDATE_FIELDS:
            errors.append(
                f"{where}: unknown field {key!r} (allowed: {', '.join(_CANDIDATE_FIELDS)})"
            )
            ok = False
    if "id" not in raw:
        errors.append(f"{where}: missing field 'id'")
        ok = False
    elif not isinstance(cid, str) or not cid:
        errors.append(f"{where}.id: expected a non-empty string, got {_describe(cid)}")
        ok = False
    score = raw.get("score")
    if "score" not in raw:
        errors.append(f"{where}: missing field 'score' (use null for 'not scored')")
        ok = False
    elif score is None:
        score = 0.0
    elif isinstance(score, bool) or not isinstance(score, int | float):
        errors.append(f"{where}.score: expected a number or null, got {_describe(score)}")
        ok = False
    elif not math.isfinite(score):
        errors.append(f"{where}.score: expected a finite number, got {_describe(score)}")
        ok = False
    attributes = raw.get("attributes", {})
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        errors.append(f"{where}.attributes: expected an object, got {_describe(attributes)}")
        ok = False
    else:
        for name, value in attributes.items():
            if not isinstance(value, str):
                errors.append(
                    f"{where}.attributes.{name}: expected a string, got {_describe(value)}"
                    ' (write numbers as strings, e.g. "1")'
                )
                ok = False
    if not ok:
        return None
    return Candidate(id=cid, score=float(score), attributes=dict(attributes))


def _parse_quota(k: int, raw: Any, errors: list[str]) -> Quota | None:
    where = f"quotas[{k}]"
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected an object, got {_describe(raw)}")
        return None
    ok = True
    for key in raw:
        if key not in _QUOTA_FIELDS:
            errors.append(f"{where}: unknown field {key!r} (allowed: {', '.join(_QUOTA_FIELDS)})")
            ok = False
    for key in ("attribute", "value"):
        if key not in raw:
            errors.append(f"{where}: missing field {key!r}")
            ok = False
        elif not isinstance(raw[key], str):
            errors.append(f"{where}.{key}: expected a string, got {_describe(raw[key])}")
            ok = False
    limits: dict[str, int | None] = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is None:
            limits[key] = None
        elif not _is_int(value) or value < 0:
            errors.append(
                f"{where}.{key}: expected a whole number >= 0 or null, got {_describe(value)}"
            )
            ok = False
        else:
            limits[key] = int(value)
    if ok and limits["min"] is None and limits["max"] is None:
        errors.append(f"{where}: give at least one of 'min' and 'max'")
        ok = False
    if not ok:
        return None
    return Quota(raw["attribute"], raw["value"], limits["min"], limits["max"])


def parse_problem(data: dict) -> Problem:
    """Validate the JSON-style ``data`` dict and build a :class:`Problem`.

    Raises :class:`InputError` listing every problem found (unknown or missing fields, wrong
    types, duplicate candidate ids or quotas, unknown ids in include/exclude). A quota with
    ``min > max`` is accepted: it is an infeasible problem, which :func:`solve` explains.
    """
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object at the top level, got {_describe(data)}")
    errors: list[str] = []
    for key in data:
        if key not in _TOP_FIELDS:
            errors.append(f"unknown top-level field {key!r} (allowed: {', '.join(_TOP_FIELDS)})")

    size = data.get("size")
    if "size" not in data:
        errors.append("size: missing (the number of candidates to select)")
    elif not _is_int(size) or size < 1:
        errors.append(f"size: expected a whole number >= 1, got {_describe(size)}")

    candidates: list[Candidate] = []
    raw_candidates = data.get("candidates")
    if "candidates" not in data:
        errors.append("candidates: missing")
    elif not isinstance(raw_candidates, list):
        errors.append(f"candidates: expected a list, got {_describe(raw_candidates)}")
    else:
        first_index: dict[str, int] = {}
        for k, raw in enumerate(raw_candidates):
            candidate = _parse_candidate(k, raw, errors)
            if candidate is None:
                continue
            if candidate.id in first_index:
                errors.append(
                    f"candidates[{k}].id: duplicate id {candidate.id!r} "
                    f"(also candidates[{first_index[candidate.id]}])"
                )
                continue
            first_index[candidate.id] = k
            candidates.append(candidate)

    quotas: list[Quota] = []
    raw_quotas = data.get("quotas")
    if raw_quotas is not None and not isinstance(raw_quotas, list):
        errors.append(f"quotas: expected a list, got {_describe(raw_quotas)}")
    else:
        seen: dict[tuple[str, str], int] = {}
        for k, raw in enumerate(raw_quotas or []):
            quota = _parse_quota(k, raw, errors)
            if quota is None:
                continue
            key = (quota.attribute, quota.value)
            if key in seen:
                errors.append(
                    f"quotas[{k}]: a second quota for {quota.attribute} = {quota.value} "
                    f"(also quotas[{seen[key]}]); put min and max in one quota"
                )
                continue
            seen[key] = k
            quotas.append(quota)

    known = {c.id for c in candidates}
    include = _parse_id_list(data, "include", known, errors)
    exclude = _parse_id_list(data, "exclude", known, errors)
    for cid in sorted(include & exclude):
        errors.append(f"include/exclude: candidate {cid!r} is both included and excluded")

    seed = data.get("seed")
    if seed is None:
        seed = "sdgpilot"
    elif not isinstance(seed, str):
        errors.append(f"seed: expected a string, got {_describe(seed)}")

    if errors:
        raise InputError(errors)
    return Problem(
        size=int(size),
        candidates=tuple(candidates),
        quotas=tuple(quotas),
        include=include,
        exclude=exclude,
        seed=seed,
    )


# --------------------------------------------------------------------------------------------
# Model


def _priority(seed: str, cid: str) -> int:
    return int(hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class _Item:
    """One quota bound, i.e. one item of the deletion filter."""

    quota: int
    bound: BoundKind
    limit: int


@dataclass
class _Solve:
    status: str  # "optimal" | "infeasible" | "time_limit" | "error"
    x: np.ndarray | None  # rounded to booleans
    message: str
    values: np.ndarray | None = None  # raw solver values


class _Model:
    """Arrays for one problem, with candidates in canonical order (see module docstring)."""

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
        """Conflicts in size/include/exclude alone, in words."""
        out: list[Conflict] = []
        both = sorted(self.problem.include & self.problem.exclude)
        for cid in both:
            out.append(
                Conflict(
                    [],
                    f"candidate {cid} is both included and excluded by hand",
                    "included_and_excluded",
                )
            )
        n_inc = int(self.included.sum())
        if n_inc > self.size:
            out.append(
                Conflict(
                    [],
                    f"{n_inc} candidates are included by hand but only {self.size} are selected",
                    "too_many_included",
                )
            )
        n_avail = int(self.available.sum())
        if n_avail < self.size:
            after = f" after {self.n - n_avail} exclusions" if n_avail < self.n else ""
            out.append(
                Conflict(
                    [],
                    f"only {n_avail} candidates are available{after} but {self.size} "
                    "must be selected",
                    "too_few_candidates",
                )
            )
        return out


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


def _total(model: _Model, x: np.ndarray) -> float:
    return math.fsum(model.score[x].tolist())


def _plain_selection(model: _Model) -> np.ndarray:
    """Top-N ignoring quotas (include/exclude respected), canonical order = score, priority."""
    x = model.included.copy()
    free = np.flatnonzero(model.available & ~model.included)
    x[free[: max(0, model.size - int(x.sum()))]] = True
    return x


# --------------------------------------------------------------------------------------------
# Solve


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
    tie_rule = TIE_BREAK_RULE.format(seed=model.problem.seed)
    hard = model.hard_conflicts()
    if hard:
        # Cheap to state in words, so given even without explain.
        return Result("infeasible", conflicts=hard, tie_break=tie_rule)

    lo, hi = model.row_bounds(model.items)
    first, lp = _best(model, lo, hi, presolve=presolve, time_limit=time_limit)
    if first.status == "infeasible" or (first.status == "error" and not _feasible_agg(model)):
        result = Result("infeasible", tie_break=tie_rule)
        if explain:
            agg = _Aggregate(model)
            result.conflicts = _find_conflict(model, time_limit, agg)
            result.suggestion = _elastic(model, time_limit, agg)
        return result
    if first.status == "error":
        return Result("error", tie_break=tie_rule, message=f"the solver failed: {first.message}")
    if first.x is None:
        return Result(
            "time_limit",
            tie_break=tie_rule,
            message=f"no selection found within the time limit ({first.message})",
        )

    x = first.x
    status, message = "optimal", ""
    if first.status != "optimal":
        status = "time_limit"
        message = "the time limit was hit: the selection is feasible but not proven optimal"
    else:
        x, status, message = _tie_break(model, x, lo, hi, lp, presolve, time_limit)

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
        tie_break=tie_rule,
        message=message,
    )


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
    """Second programme: most priority among optimal-score selections (module docstring)."""
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
    cut_off = (
        "the total score is optimal, but the tie-break was cut off by the time limit; "
        "equal-score alternatives were not all compared"
    )
    # HiGHS works to absolute feasibility tolerances of about 1e-6, so check the score with
    # exact arithmetic before accepting the tie-break's selection.
    if second.x is not None and _total(model, second.x) >= best - tol:
        return (
            (second.x, "optimal", "")
            if second.status == "optimal"
            else (second.x, "time_limit", cut_off)
        )
    if second.status == "time_limit":
        return x, "time_limit", cut_off
    # Only reachable through solver tolerances: the score of x is proven optimal, so keep it.
    return x, "optimal", f"the tie-break programme gave no usable answer ({second.message})"


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


# --------------------------------------------------------------------------------------------
# Reasons


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


def reason_text(reason: Reason) -> str:
    """Default English sentence for a structured :class:`Reason`."""
    quota = f"{reason.attribute} = {reason.value}"
    texts = {
        "rank": f"selected: rank {reason.rank} by score",
        "quota_min": f"selected to meet the quota {quota} >= {reason.limit}",
        "included": "selected: included by hand",
        "below_last": "not selected: score below the last selected",
        "quota_max_full": f"not selected: the quota {quota} <= {reason.limit} is full",
        "excluded": "not selected: excluded by hand",
        "tie": "not selected: equal score, lost the tie-break",
        "places_reserved": (
            "not selected: the places it could take are needed for minimum quotas "
            "or held by candidates included by hand"
        ),
    }
    return texts.get(reason.kind, reason.kind)


# --------------------------------------------------------------------------------------------
# Infeasibility


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


def _phrase(b: Bound) -> str:
    word = "at least" if b.bound == "min" else "at most"
    return f"{b.attribute} = {b.value} {word} {b.limit}"


def _conflict_message(model: _Model, items: list[_Item]) -> str:
    bounds = [model.bound(it) for it in items]
    n = model.size
    if len(items) == 1:
        it, b = items[0], bounds[0]
        group = f"{b.attribute} = {b.value}"
        avail = int(model.group_available[it.quota])
        inc = int(model.group_included[it.quota])
        if it.bound == "min":
            if it.limit > avail:
                after = (
                    " after exclusions" if (model.masks[it.quota] & model.excluded).any() else ""
                )
                return f"{_phrase(b)} cannot hold: only {avail} candidates have {group}{after}"
            if it.limit > n:
                return f"{_phrase(b)} cannot hold: only {n} candidates are selected"
            inc_out = int((model.included & ~model.masks[it.quota]).sum())
            return (
                f"{_phrase(b)} cannot hold: {inc_out} of the {n} places are taken by "
                f"candidates included by hand outside {group}"
            )
        if inc > it.limit:
            return f"{_phrase(b)} cannot hold: {inc} candidates with {group} are included by hand"
        outside = int((model.available & ~model.masks[it.quota]).sum())
        return (
            f"{_phrase(b)} cannot hold: only {outside} available candidates are outside "
            f"{group}, so at least {n - outside} of the {n} selected must have it"
        )
    phrases = [_phrase(b) for b in bounds]
    if len(items) == 2:
        same = items[0].quota == items[1].quota
        suffix = "" if same else f" when selecting {n}"
        return f"{phrases[0]} and {phrases[1]} cannot both hold{suffix}"
    return f"{', '.join(phrases[:-1])} and {phrases[-1]} cannot all hold when selecting {n}"


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
    return [Conflict([model.bound(it) for it in keep], _conflict_message(model, keep))]


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


# --------------------------------------------------------------------------------------------
# Reserve list, JSON, baseline


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


def _r(value: float) -> float:
    return round(float(value), 6)


def result_to_dict(result: Result) -> dict:
    """JSON-able dict of ``result`` (floats rounded to 6 decimals, reasons as English text)."""
    if result.status == "infeasible":
        return {
            "status": "infeasible",
            "conflicts": [
                {
                    "quotas": [
                        {
                            "attribute": b.attribute,
                            "value": b.value,
                            "bound": b.bound,
                            "limit": b.limit,
                        }
                        for b in c.quotas
                    ],
                    "message": c.message,
                }
                for c in result.conflicts
            ],
            "suggestion": [
                {
                    "attribute": ch.attribute,
                    "value": ch.value,
                    "bound": ch.bound,
                    "from": ch.from_,
                    "to": ch.to,
                }
                for ch in result.suggestion
            ],
        }
    out: dict[str, Any] = {
        "status": result.status,
        "selected": list(result.selected),
        "objective": _r(result.objective),
        "top_n_objective": _r(result.top_n_objective),
        "price_of_diversity": _r(result.price_of_diversity),
        "binding": [
            {
                "attribute": b.attribute,
                "value": b.value,
                "bound": b.bound,
                "limit": b.limit,
                "price": None if b.price is None else _r(b.price),
            }
            for b in result.binding
        ],
        "reasons": {cid: reason_text(reason) for cid, reason in result.reasons.items()},
        "tie_break": result.tie_break,
    }
    if result.replacement is not None:
        out["replacement"] = result.replacement
    if result.message:
        out["message"] = result.message
    return out


def solve_json(data: dict) -> dict:
    """Parse, solve with explanations and return the JSON-able result (see module docstring)."""
    return result_to_dict(solve(parse_problem(data)))


def greedy_top_n_repair(problem: Problem) -> list[str]:
    """Baseline: top-N by score, then repair violated quota bounds greedily by swaps.

    Each swap fixes one violated bound with the smallest score loss among swaps that break no
    bound that currently holds; a bound with no such swap is given up. The result may violate
    quotas, and is rarely optimal - it is the benchmark's point of comparison.
    """
    model = _Model(problem)
    x = _plain_selection(model)
    if model.hard_conflicts():
        return [model.ids[k] for k in np.flatnonzero(x)]
    n_q = len(model.quotas)
    member = np.array(model.masks, dtype=bool).reshape(n_q, model.n)
    counts = member.astype(np.int64) @ x.astype(np.int64)
    mins = [q.min for q in model.quotas]
    maxs = [q.max for q in model.quotas]
    given_up: set[tuple[int, str]] = set()
    for _ in range(4 * model.size * max(1, n_q)):
        violated = next(
            (
                (j, kind)
                for j in range(n_q)
                for kind in ("min", "max")
                if (j, kind) not in given_up
                and (
                    (kind == "min" and mins[j] is not None and counts[j] < mins[j])
                    or (kind == "max" and maxs[j] is not None and counts[j] > maxs[j])
                )
            ),
            None,
        )
        if violated is None:
            break
        g, kind = violated
        # Conservative checks so a swap never breaks a bound that holds now.
        can_in = model.available & ~x
        can_out = x & ~model.included
        for j in range(n_q):
            if maxs[j] is not None and counts[j] >= maxs[j]:
                can_in &= ~member[j]
            if mins[j] is not None and counts[j] <= mins[j]:
                can_out &= ~member[j]
        if kind == "min":
            can_in &= member[g]
            can_out &= ~member[g]
        else:
            can_out &= member[g]
            can_in &= ~member[g]
        ins = np.flatnonzero(can_in)
        outs = np.flatnonzero(can_out)
        if ins.size == 0 or outs.size == 0:
            given_up.add(violated)
            continue
        # Canonical order: first index scores best, last scores worst.
        k_in, k_out = int(ins[0]), int(outs[-1])
        x[k_in], x[k_out] = True, False
        counts += member[:, k_in].astype(np.int64) - member[:, k_out].astype(np.int64)
    return [model.ids[k] for k in np.flatnonzero(x)]
