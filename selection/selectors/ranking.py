"""Staff reads of the board's scores: the ranking, the agreement per criterion, progress.

`candidate_scores` is the single source of candidate scores: the ranking page, its exports
and the proposal all read the same numbers from it. Which scores count:
- reviews that are submitted (drafts never count), by active members of the programme;
- never a review by a member who declared a conflict (any type but "none") for that
  candidacy, whatever the review says;
- values 1-5 only: "not applicable" is missing, never 0;
- judgement criteria of the programme (for the ranking: those with a weight above 0);
- candidacies that are submitted and not withdrawn.
The rule itself lives in `selection.selectors.scores.counted_scores`.

Every function here runs a fixed number of queries, whatever the number of candidacies,
members or scores: the aggregation itself happens in Python (`selection.aggregation`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from selection import aggregation
from selection.enums import (
    AggregationMethod,
    CandidacyState,
    ConflictType,
    Outcome,
    ReviewStatus,
)
from selection.facts import candidacy_facts
from selection.models import (
    BoardMember,
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Programme,
    Review,
)
from selection.selectors import judgement_criteria, staff_can
from selection.selectors.scores import counted_scores, weighted_criteria

# A population standard deviation of the members' own weighted scores above this (on the
# 1-5 scale) means the members disagree enough that the board should talk about it.
DISAGREEMENT_THRESHOLD = 1.0

# Krippendorff (2004, Content Analysis, 2nd ed., p. 241): rely on data with alpha >= .800,
# consider data with .667 <= alpha < .800 only for tentative conclusions.
ALPHA_GOOD = 0.8
ALPHA_TENTATIVE = 0.667

DEFAULT_SORT = "rank"
YES_LABEL = pgettext_lazy("fact", "yes")
NO_LABEL = pgettext_lazy("fact", "no")


def _require_staff(user) -> None:
    """Scores of all members are for staff only: anyone else gets PermissionDenied."""
    if not staff_can(user, "selection.view_ranking"):
        raise PermissionDenied


def _rankable_candidacies(programme: Programme) -> QuerySet[Candidacy]:
    # Unordered: every caller orders in Python (by score, then name) or only counts.
    return (
        Candidacy.objects.filter(programme=programme, state=CandidacyState.SUBMITTED)
        .exclude(outcome=Outcome.WITHDRAWN)
        .select_related("municipality", "municipality__province")
        .order_by()
    )


@dataclass
class RankedCandidacy:
    """One candidacy's aggregated board scores; `score` is None when nobody scored it."""

    candidacy: Candidacy
    score: float | None
    per_criterion: dict[int, float]
    criterion_means: list[float | None]
    median: float | None
    std: float | None
    range: float | None
    n_members: int
    n_scores: int
    rank: int
    facts: dict[str, str]

    @property
    def name(self) -> str:
        return self.candidacy.municipality.name

    @property
    def province(self) -> str:
        return self.candidacy.municipality.province.name

    @property
    def high_disagreement(self) -> bool:
        return self.std is not None and self.std > DISAGREEMENT_THRESHOLD


def _rank_key(row: RankedCandidacy) -> tuple:
    # Best score first; unscored last. Equal scores are ordered by municipality name
    # (case-insensitive), then NIS code, so a rank never depends on database order.
    return (
        row.score is None,
        -(row.score or 0.0),
        row.name.casefold(),
        row.candidacy.municipality_id,
    )


def _score(programme: Programme, method: str) -> tuple[list[Criterion], list[RankedCandidacy]]:
    """Three queries: candidacies, weighted criteria, counted scores."""
    candidacies = list(_rankable_candidacies(programme))
    criteria = list(weighted_criteria(programme=programme))
    weights = {c.pk: float(c.weight) for c in criteria}
    scores = counted_scores(
        programme, candidacies=[c.pk for c in candidacies], criteria=list(weights)
    ).values_list("review__member_id", "review__candidacy_id", "criterion_id", "value")
    rows = [
        aggregation.ScoreRow(member, candidacy, criterion, float(value))
        for member, candidacy, criterion, value in scores
    ]
    aggregates = aggregation.aggregate(
        rows, weights, candidacies=[c.pk for c in candidacies], method=method
    )
    ranked = []
    for candidacy in candidacies:
        # Shares the one programme object: the facts need it for the size class.
        candidacy.programme = programme
        agg = aggregates[candidacy.pk]
        ranked.append(
            RankedCandidacy(
                candidacy=candidacy,
                score=agg.score,
                per_criterion=dict(agg.per_criterion),
                criterion_means=[agg.per_criterion.get(c.pk) for c in criteria],
                median=agg.median,
                std=agg.std,
                range=agg.range,
                n_members=agg.n_members,
                n_scores=agg.n_scores,
                rank=0,
                facts=candidacy_facts(candidacy),
            )
        )
    ranked.sort(key=_rank_key)
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return criteria, ranked


def ranked_with_criteria(
    *, user, programme: Programme, method: str = AggregationMethod.MEAN
) -> tuple[list[Criterion], list[RankedCandidacy]]:
    """The weighted judgement criteria and :func:`candidate_scores`; staff only."""
    _require_staff(user)
    if method not in AggregationMethod.values:
        raise ValueError(f"unknown aggregation method {method!r}")
    return _score(programme, method)


def candidate_scores(
    *, user, programme: Programme, method: str = AggregationMethod.MEAN
) -> list[RankedCandidacy]:
    """Every submitted, not withdrawn candidacy with its aggregated score, best first.

    `method` is "mean" or "zscore" (scores normalised per member first). Rank 1 is the
    best; equal scores are ranked by municipality name. Staff only: PermissionDenied
    for anyone else, since it holds every member's scores.
    """
    _require_staff(user)
    if method not in AggregationMethod.values:
        raise ValueError(f"unknown aggregation method {method!r}")
    return _score(programme, method)[1]


# --- Agreement --------------------------------------------------------------------------


@dataclass
class CriterionAgreement:
    criterion: Criterion
    alpha: float | None
    pairs: int
    units: int
    values: int

    @property
    def level(self) -> str:
        if self.alpha is None:
            return "undefined"
        if self.alpha >= ALPHA_GOOD:
            return "good"
        if self.alpha >= ALPHA_TENTATIVE:
            return "tentative"
        return "low"

    @property
    def hint(self) -> str:
        return str(
            {
                "undefined": _(
                    "Not enough data yet: at least two members must score the same "
                    "candidacy, and the scores must vary."
                ),
                "good": _("Members read this rubric alike: the scores can be relied on."),
                "tentative": _(
                    "Members read this rubric only partly alike: draw tentative "
                    "conclusions from these scores only."
                ),
                "low": _(
                    "Members read this rubric differently: discuss it before relying on the scores."
                ),
            }[self.level]
        )


def criterion_agreement(*, user, programme: Programme) -> list[CriterionAgreement]:
    """Krippendorff's alpha (interval) per judgement criterion, over the scores that count.

    Units are candidacies, values the members' scores. Two queries. Staff only.
    """
    _require_staff(user)
    criteria = list(judgement_criteria(programme=programme))
    units: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    scores = counted_scores(
        programme,
        candidacies=_rankable_candidacies(programme).values("pk"),
        criteria=[c.pk for c in criteria],
    )
    for criterion_id, candidacy_id, value in scores.values_list(
        "criterion_id", "review__candidacy_id", "value"
    ):
        units[criterion_id][candidacy_id].append(float(value))
    result = []
    for criterion in criteria:
        by_unit = units.get(criterion.pk, {})
        alpha, pairs = aggregation.krippendorff_alpha_interval(by_unit)
        pairable = [v for v in by_unit.values() if len(v) >= 2]
        result.append(
            CriterionAgreement(
                criterion=criterion,
                alpha=alpha,
                pairs=pairs,
                units=len(pairable),
                values=sum(len(v) for v in pairable),
            )
        )
    return result


# --- Progress ---------------------------------------------------------------------------


@dataclass
class MemberProgress:
    member: BoardMember
    total: int
    submitted: int = 0
    drafts: int = 0
    conflicts: int = 0
    last_activity: datetime | None = None

    @property
    def done(self) -> int:
        """Candidacies this member is finished with: scored and submitted, or conflicted."""
        return self.submitted + self.conflicts

    @property
    def to_do(self) -> int:
        return max(self.total - self.done, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def member_progress(*, user, programme: Programme) -> list[MemberProgress]:
    """Per active board member: submitted reviews, drafts, conflicts declared, to do.

    Counted over the submitted, not withdrawn candidacies. A candidacy the member declared
    a conflict for counts as a conflict only, even if a review of it exists. Four queries.
    Staff only.
    """
    _require_staff(user)
    candidacies = _rankable_candidacies(programme)
    total = candidacies.count()
    members = list(
        BoardMember.objects.filter(programme=programme, active=True)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    progress = {m.pk: MemberProgress(member=m, total=total) for m in members}

    conflicted = ConflictDeclaration.objects.filter(
        member_id=OuterRef("member_id"), candidacy_id=OuterRef("candidacy_id")
    ).exclude(conflict_type=ConflictType.NONE)
    reviews = (
        Review.objects.filter(member__programme=programme, member__active=True)
        .filter(candidacy__in=candidacies.values("pk"))
        .exclude(Exists(conflicted))
        .values("member_id", "status")
        .annotate(n=Count("pk"), last=Max("updated_at"))
        .order_by()
    )
    declarations = (
        ConflictDeclaration.objects.filter(member__programme=programme, member__active=True)
        .filter(candidacy__in=candidacies.values("pk"))
        .values("member_id")
        .annotate(
            n=Count("pk", filter=~Q(conflict_type=ConflictType.NONE)),
            last=Max("declared_at"),
        )
        .order_by()
    )
    for row in reviews:
        entry = progress.get(row["member_id"])
        if entry is None:
            continue
        if row["status"] == ReviewStatus.SUBMITTED:
            entry.submitted = row["n"]
        else:
            entry.drafts = row["n"]
        entry.last_activity = _latest(entry.last_activity, row["last"])
    for row in declarations:
        entry = progress.get(row["member_id"])
        if entry is None:
            continue
        entry.conflicts = row["n"]
        entry.last_activity = _latest(entry.last_activity, row["last"])
    return [progress[m.pk] for m in members]


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((d for d in (a, b) if d is not None), default=None)


# --- Conflicts of interest, for staff ----------------------------------------------------


@dataclass
class ProgrammeConflicts:
    """The declared conflicts of a programme's active members, and those staff lifted."""

    declared: list[ConflictDeclaration]
    lifted: list[ConflictDeclaration]


def programme_conflicts(*, user, programme: Programme) -> ProgrammeConflicts:
    """Declared and lifted conflicts of interest, by municipality; staff only; one query."""
    _require_staff(user)
    rows = (
        ConflictDeclaration.objects.filter(
            candidacy__programme=programme, member__programme=programme
        )
        .filter(~Q(conflict_type=ConflictType.NONE) | Q(lifted_at__isnull=False))
        .select_related(
            "member__user", "member__organisation", "candidacy__municipality", "lifted_by"
        )
        .order_by("candidacy__municipality__name", "member__user__last_name", "pk")
    )
    result = ProgrammeConflicts(declared=[], lifted=[])
    for row in rows:
        (result.declared if row.has_conflict else result.lifted).append(row)
    return result


def access_conflict_declaration(*, user, pk: int) -> ConflictDeclaration:
    """One conflict declaration by id, for staff; Http404 for an unknown id."""
    _require_staff(user)
    try:
        return ConflictDeclaration.objects.select_related(
            "candidacy__programme", "candidacy__municipality", "member__user"
        ).get(pk=pk)
    except ConflictDeclaration.DoesNotExist:
        raise Http404 from None
