"""The result as JSON: what ``selection_solve`` prints and what a stored run keeps.

One shape for the command line and the web, codes and numbers only; floats are rounded to 6
decimals and keys without a value are left out of reasons and conflicts. An optimal (or
time-limited, or failed) result::

    {"status": "optimal",
     "selected": ["41024", ...],
     "objective": 74.01, "top_n_objective": 74.7, "price_of_diversity": 0.69,
     "binding": [{"attribute": "province", "value": "Limburg", "bound": "min", "limit": 4,
                  "price": 0.53}],
     "reasons": {"41024": {"kind": "rank", "rank": 1},
                 "71016": {"kind": "quota_min", "attribute": "province",
                           "value": "Limburg", "limit": 4}},
     "tie_break": {"rule": "sha256_priority", "seed": "sdgpilot"},
     "replacement": "...",    # propose_replacement only
     "note": "..."}           # only when something is not proven, see result.NOTES

An infeasible one::

    {"status": "infeasible",
     "conflicts": [{"kind": "quotas",
                    "quotas": [{"attribute": "province", "value": "Limburg",
                                "bound": "min", "limit": 3}, ...],
                    "cause": "min_above_max", "size": 4}],
     "suggestion": [{"attribute": "province", "value": "Limburg", "bound": "min",
                     "from": 3, "to": 1}]}
"""

from __future__ import annotations

from typing import Any

from .problem import Bound, parse_problem
from .result import Binding, Change, Conflict, Reason, Result
from .solving import solve


def _r(value: float) -> float:
    return round(float(value), 6)


def _present(pairs) -> dict[str, Any]:
    return {key: value for key, value in pairs if value is not None}


def bound_to_dict(bound: Bound) -> dict[str, Any]:
    return {
        "attribute": bound.attribute,
        "value": bound.value,
        "bound": bound.bound,
        "limit": bound.limit,
    }


def binding_to_dict(binding: Binding) -> dict[str, Any]:
    return {
        "attribute": binding.attribute,
        "value": binding.value,
        "bound": binding.bound,
        "limit": binding.limit,
        "price": None if binding.price is None else _r(binding.price),
    }


def reason_to_dict(reason: Reason) -> dict[str, Any]:
    return _present(
        (
            ("kind", reason.kind),
            ("rank", reason.rank),
            ("attribute", reason.attribute),
            ("value", reason.value),
            ("limit", reason.limit),
        )
    )


def conflict_to_dict(conflict: Conflict) -> dict[str, Any]:
    return {
        "kind": conflict.kind,
        "quotas": [bound_to_dict(b) for b in conflict.quotas],
        **_present(
            (
                ("cause", conflict.cause),
                ("size", conflict.size),
                ("available", conflict.available),
                ("excluded", conflict.excluded),
                ("included", conflict.included),
                ("candidate", conflict.candidate),
            )
        ),
    }


def change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "attribute": change.attribute,
        "value": change.value,
        "bound": change.bound,
        "from": change.from_,
        "to": change.to,
    }


def result_to_dict(result: Result) -> dict[str, Any]:
    """JSON-able dict of ``result`` in the shape of the module docstring."""
    if result.status == "infeasible":
        return {
            "status": "infeasible",
            "conflicts": [conflict_to_dict(c) for c in result.conflicts],
            "suggestion": [change_to_dict(ch) for ch in result.suggestion],
        }
    out: dict[str, Any] = {
        "status": result.status,
        "selected": list(result.selected),
        "objective": _r(result.objective),
        "top_n_objective": _r(result.top_n_objective),
        "price_of_diversity": _r(result.price_of_diversity),
        "binding": [binding_to_dict(b) for b in result.binding],
        "reasons": {cid: reason_to_dict(reason) for cid, reason in result.reasons.items()},
    }
    if result.tie_break is not None:
        out["tie_break"] = {"rule": result.tie_break.rule, "seed": result.tie_break.seed}
    if result.replacement is not None:
        out["replacement"] = result.replacement
    if result.note:
        out["note"] = result.note
    return out


def solve_json(data: dict) -> dict[str, Any]:
    """Parse, solve with explanations and return the JSON-able result."""
    return result_to_dict(solve(parse_problem(data)))
