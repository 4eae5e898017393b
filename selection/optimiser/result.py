"""What :func:`~selection.optimiser.solve` returns: codes and numbers, never sentences.

Every explanation is a small structured object whose ``kind`` (or ``cause``, or note) is one
of the codes listed here; ``selection.wording`` turns each into a sentence through gettext,
in the user's language on the web and in English on the command line. The tuples below are
the complete lists, so a test can check that every code has its sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from .problem import Bound, BoundKind

Status = Literal["optimal", "infeasible", "time_limit", "error"]

ReasonKind = Literal[
    # selected
    "rank",
    "quota_min",
    "included",
    # not selected
    "below_last",
    "quota_max_full",
    "excluded",
    "tie",
    "places_reserved",
]

ConflictKind = Literal["quotas", "included_and_excluded", "too_many_included", "too_few_candidates"]

#: Why a conflict of quota bounds holds. One bound on its own: "group_too_small" (a minimum
#: above the available members of its group), "above_size" (a minimum above the number
#: selected), "included_outside" (a minimum the places left by candidates included by hand
#: outside the group cannot hold), "included_inside" (a maximum below the candidates of the
#: group included by hand), "outside_too_small" (a maximum that leaves too few available
#: candidates outside the group). Two bounds of one quota: "min_above_max". Bounds of
#: several quotas that only conflict together have no cause.
ConflictCause = Literal[
    "group_too_small",
    "above_size",
    "included_outside",
    "included_inside",
    "outside_too_small",
    "min_above_max",
]

#: What a result does not prove: "solver_failed" (status "error"), "no_selection_in_time"
#: and "not_proven_optimal" (status "time_limit", without or with a selection),
#: "tie_break_cut_off" (optimal total, but the tie-break programme hit the time limit) and
#: "tie_break_unusable" (status "optimal": the tie-break programme gave no usable answer, so
#: the first optimal selection is kept).
Note = Literal[
    "solver_failed",
    "no_selection_in_time",
    "not_proven_optimal",
    "tie_break_cut_off",
    "tie_break_unusable",
]

REASON_KINDS: tuple[str, ...] = get_args(ReasonKind)
CONFLICT_KINDS: tuple[str, ...] = get_args(ConflictKind)
CONFLICT_CAUSES: tuple[str, ...] = get_args(ConflictCause)
NOTES: tuple[str, ...] = get_args(Note)

#: The one tie-break rule there is (see :mod:`.core`); named so that the result says which.
TIE_BREAK_RULE = "sha256_priority"


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
    """Bounds that cannot hold together, or a conflict in size/include/exclude alone.

    ``quotas`` is empty unless ``kind`` is "quotas". The counts say why, and are set only
    where they matter: ``size`` always (the number to select); ``available`` the candidates
    available (too_few_candidates), the available members of the group (group_too_small) or
    the available candidates outside it (outside_too_small); ``excluded`` the candidates
    excluded (too_few_candidates) or the members of the group excluded (group_too_small);
    ``included`` the candidates included by hand (too_many_included), those outside the
    group (included_outside) or inside it (included_inside); ``candidate`` the id included
    and excluded at once.
    """

    kind: ConflictKind
    quotas: list[Bound] = field(default_factory=list)
    cause: ConflictCause | None = None
    size: int | None = None
    available: int | None = None
    excluded: int | None = None
    included: int | None = None
    candidate: str | None = None


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

    kind: ReasonKind
    rank: int | None = None
    attribute: str | None = None
    value: str | None = None
    limit: int | None = None


@dataclass(frozen=True)
class TieBreak:
    """How ties between equal totals were broken: the rule and the input's seed."""

    seed: str
    rule: str = TIE_BREAK_RULE


@dataclass
class Result:
    """Outcome of :func:`~selection.optimiser.solve`.

    ``status`` is "optimal" (proven, tie-break included), "infeasible" (see ``conflicts`` and
    ``suggestion``), "time_limit" (a time limit was hit: ``selected`` is the best found, if
    any, and ``note`` says what is not proven) or "error" (the solver failed). ``note`` is
    one of :data:`NOTES` or empty.
    """

    status: Status
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
    tie_break: TieBreak | None = None
    note: Note | Literal[""] = ""
