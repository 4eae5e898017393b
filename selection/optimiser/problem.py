"""The optimiser's input: candidates, quotas and the problem, and reading it from JSON.

Scores are rounded to :data:`SCORE_DECIMALS` decimals before use (see :mod:`.model`). A
``null`` score in the JSON input means "not scored" and counts as 0.0 (it is not an input
error: a candidate may be selected on quota grounds before the board has scored it).

Input errors are messages for whoever wrote the JSON (an auditor at the command line): they
name the field and the candidate index, in English like the JSON format itself. The web
builds its input from the database and never shows them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

BoundKind = Literal["min", "max"]


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
