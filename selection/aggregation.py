"""Aggregating board scores into one number per candidacy. Pure Python, no Django.

Rules (the ranking page, the proposal and the decision record all use these):
- only submitted reviews count, and never one by a member with a declared conflict (the
  caller filters those out before passing rows in);
- "not applicable" is missing, never 0: such rows are not passed in either;
- per criterion, the mean over the members who scored it; then the weighted mean over the
  criteria that have at least one score (weights renormalised over those criteria);
- the median, spread (population standard deviation) and range are over the members'
  own weighted scores of that candidacy, so disagreement between members shows;
- with method "zscore" each member's scores on each criterion are first standardised over
  all candidacies that member scored ((v - member mean) / member sd; 0 where the member
  gave one value only), then put back on the 1-5 scale with the pooled mean and sd of that
  criterion, so a lenient or harsh member weighs like the others.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

MEAN = "mean"
ZSCORE = "zscore"


@dataclass(frozen=True)
class ScoreRow:
    member: Hashable
    candidacy: Hashable
    criterion: Hashable
    value: float


@dataclass
class CandidateAggregate:
    candidacy: Hashable
    score: float | None
    per_criterion: dict[Hashable, float] = field(default_factory=dict)
    median: float | None = None
    std: float | None = None
    range: float | None = None
    n_members: int = 0
    n_scores: int = 0


def _weighted(means: Mapping[Hashable, float], weights: Mapping[Hashable, float]) -> float | None:
    used = [(weights.get(c, 0.0), m) for c, m in means.items() if weights.get(c, 0.0) > 0]
    total = sum(w for w, _ in used)
    if not used or total <= 0:
        return None
    return sum(w * m for w, m in used) / total


def _standardise(rows: list[ScoreRow]) -> list[ScoreRow]:
    by_member_criterion: dict[tuple, list[float]] = defaultdict(list)
    by_criterion: dict[Hashable, list[float]] = defaultdict(list)
    for row in rows:
        by_member_criterion[(row.member, row.criterion)].append(row.value)
        by_criterion[row.criterion].append(row.value)
    pooled = {
        c: (statistics.fmean(v), statistics.pstdev(v) if len(v) > 1 else 0.0)
        for c, v in by_criterion.items()
    }
    stats = {
        key: (statistics.fmean(v), statistics.pstdev(v) if len(v) > 1 else 0.0)
        for key, v in by_member_criterion.items()
    }
    out = []
    for row in rows:
        mean, sd = stats[(row.member, row.criterion)]
        z = (row.value - mean) / sd if sd > 0 else 0.0
        pooled_mean, pooled_sd = pooled[row.criterion]
        out.append(ScoreRow(row.member, row.candidacy, row.criterion, pooled_mean + z * pooled_sd))
    return out


def aggregate(
    rows: Iterable[ScoreRow],
    weights: Mapping[Hashable, float],
    *,
    candidacies: Iterable[Hashable] = (),
    method: str = MEAN,
) -> dict[Hashable, CandidateAggregate]:
    """One CandidateAggregate per candidacy (those in `candidacies` too, unscored ones None)."""
    rows = list(rows)
    if method == ZSCORE:
        rows = _standardise(rows)
    elif method != MEAN:
        raise ValueError(f"unknown aggregation method {method!r}")
    per_cand_crit: dict[Hashable, dict[Hashable, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    per_cand_member: dict[Hashable, dict[Hashable, dict[Hashable, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in rows:
        per_cand_crit[row.candidacy][row.criterion].append(row.value)
        per_cand_member[row.candidacy][row.member][row.criterion] = row.value

    result = {c: CandidateAggregate(candidacy=c, score=None) for c in candidacies}
    for candidacy, crit_values in per_cand_crit.items():
        means = {c: statistics.fmean(v) for c, v in crit_values.items()}
        member_scores = [
            s
            for s in (_weighted(own, weights) for own in per_cand_member[candidacy].values())
            if s is not None
        ]
        result[candidacy] = CandidateAggregate(
            candidacy=candidacy,
            score=_weighted(means, weights),
            per_criterion=means,
            median=statistics.median(member_scores) if member_scores else None,
            std=statistics.pstdev(member_scores)
            if len(member_scores) > 1
            else 0.0
            if member_scores
            else None,
            range=(max(member_scores) - min(member_scores)) if member_scores else None,
            n_members=len(per_cand_member[candidacy]),
            n_scores=sum(len(v) for v in crit_values.values()),
        )
    return result


def krippendorff_alpha_interval(
    units: Mapping[Hashable, Iterable[float]],
) -> tuple[float | None, int]:
    """Krippendorff's alpha at the interval level, and the number of scored pairs.

    `units` maps each unit (a candidacy) to the values the coders (members) gave it on one
    criterion. Units with fewer than two values are not pairable and are left out.
    Returns (None, pairs) when alpha is undefined (no pairable unit, or no variation).
    """
    pairable = [list(v) for v in units.values()]
    pairable = [v for v in pairable if len(v) >= 2]
    n = sum(len(v) for v in pairable)
    pairs = sum(len(v) * (len(v) - 1) // 2 for v in pairable)
    if n < 2:
        return None, pairs
    observed = 0.0
    for values in pairable:
        m = len(values)
        observed += sum((a - b) ** 2 for a in values for b in values) / (m - 1)
    observed /= n
    everything = [x for v in pairable for x in v]
    expected = sum((a - b) ** 2 for a in everything for b in everything) / (n * (n - 1))
    if expected == 0 or math.isnan(expected):
        return None, pairs
    return 1.0 - observed / expected, pairs
