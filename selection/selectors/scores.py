"""The scores that count, and the fingerprints that tell whether a run is still current.

One home for the rule "which scores count": the ranking, the proposal and the content hash
of a run all read them through :func:`counted_scores`. A score counts when it is a value 1-5
(not "not applicable") in a submitted review, by an active member of the programme who
declared no conflict for that candidacy. The callers choose the candidacies (submitted, not
withdrawn) and the criteria (judgement criteria with a weight above 0).

A run stores three fingerprints when it is computed (see ``selection.services.proposal``):
the hash of all its counted scores, one hash per candidacy (so a page can name the
candidacies whose scores changed), and a hash of the settings the proposal depends on
(criteria, quotas, board, candidacy facts). Comparing them with the database tells whether
the run may still be decided on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet

from selection.enums import CandidacyState, ConflictType, CriterionKind, ReviewStatus
from selection.facts import candidacy_facts
from selection.models import (
    BoardMember,
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Programme,
    Quota,
    Score,
)


def counted_scores(
    programme: Programme,
    *,
    candidacies: Iterable[int] | QuerySet,
    criteria: Iterable[int] | QuerySet,
) -> QuerySet[Score]:
    """The scores that count (see the module docstring) on `criteria` of `candidacies`.

    `candidacies` are (the ids of) the programme's candidacies and `criteria` of its
    judgement criteria, as the caller loaded them: filtering on their ids rather than joining
    both tables again keeps the plan simple, also before the database has any statistics. A
    review by a member who declared a conflict is left out as a whole.
    """
    # The reviews whose member declared a conflict for the reviewed candidacy.
    conflicted_reviews = (
        ConflictDeclaration.objects.exclude(conflict_type=ConflictType.NONE)
        .filter(member__reviews__candidacy_id=F("candidacy_id"))
        .values("member__reviews__id")
    )
    return Score.objects.filter(
        review__candidacy_id__in=candidacies,
        criterion_id__in=criteria,
        review__status=ReviewStatus.SUBMITTED,
        review__member__programme=programme,
        review__member__active=True,
        value__isnull=False,
        not_applicable=False,
    ).exclude(review_id__in=conflicted_reviews)


def weighted_criteria(*, programme: Programme) -> QuerySet[Criterion]:
    """The judgement criteria whose scores count: those with a weight above 0."""
    return Criterion.objects.filter(
        programme=programme, kind=CriterionKind.JUDGEMENT, weight__gt=0
    ).order_by("position", "pk")


def _digest(payload) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ScoreFingerprint:
    """The content hash of a set of counted scores, in total and per candidacy (NIS code)."""

    total: str
    per_candidacy: dict[str, str]

    def changed_since(self, stored: dict[str, str]) -> list[str]:
        """The NIS codes whose scores differ from `stored` (in either direction), sorted."""
        codes = set(self.per_candidacy) | set(stored)
        return sorted(c for c in codes if self.per_candidacy.get(c) != stored.get(c))


def scores_payload(*, programme: Programme, nis_codes: Iterable[str]) -> dict[str, list]:
    """Per NIS code, the sorted [member id, criterion id, value] of its counted scores."""
    nis_codes = sorted(set(nis_codes))
    candidacies = Candidacy.objects.filter(
        programme=programme, state=CandidacyState.SUBMITTED, municipality_id__in=nis_codes
    ).values("pk")
    rows = counted_scores(
        programme, candidacies=candidacies, criteria=weighted_criteria(programme=programme)
    ).values_list(
        "review__candidacy__municipality_id", "review__member_id", "criterion_id", "value"
    )
    payload: dict[str, list] = {code: [] for code in nis_codes}
    for nis, member, criterion, value in rows:
        payload[nis].append([member, criterion, value])
    for scores in payload.values():
        scores.sort()
    return payload


def score_fingerprint(*, programme: Programme, nis_codes: Iterable[str]) -> ScoreFingerprint:
    """The hashes of the counted scores of these candidacies; two queries."""
    payload = scores_payload(programme=programme, nis_codes=nis_codes)
    per_candidacy = {nis: _digest(scores) for nis, scores in payload.items()}
    return ScoreFingerprint(
        total=_digest({"programme": programme.pk, "scores": payload}),
        per_candidacy=per_candidacy,
    )


def settings_hash(*, programme: Programme) -> str:
    """The hash of everything besides the scores that a proposal depends on.

    The pilot group size, the size bands and the tie-break seed; the judgement criteria and
    their weights; the diversity criteria with their quotas; the active board members; the
    submitted candidacies with their facts. A withdrawal does not change it: the run's
    reserve list handles withdrawals.
    """
    criteria = list(
        Criterion.objects.filter(programme=programme).values_list(
            "pk", "kind", "attribute", "weight"
        )
    )
    quotas = list(
        Quota.objects.filter(criterion__programme=programme).values_list(
            "criterion_id", "value", "minimum", "maximum"
        )
    )
    members = list(
        BoardMember.objects.filter(programme=programme, active=True).values_list("pk", flat=True)
    )
    candidacies = Candidacy.objects.filter(
        programme=programme, state=CandidacyState.SUBMITTED
    ).select_related("municipality", "municipality__province")
    facts = {}
    for candidacy in candidacies:
        candidacy.programme = programme
        facts[candidacy.municipality_id] = candidacy_facts(candidacy)
    return _digest(
        {
            "programme": [
                programme.pk,
                programme.pilot_group_size,
                programme.small_max_population,
                programme.medium_max_population,
                programme.selection_seed,
            ],
            "criteria": sorted(
                [pk, kind, attribute, str(weight)] for pk, kind, attribute, weight in criteria
            ),
            "quotas": sorted((list(q) for q in quotas), key=str),
            "members": sorted(members),
            "facts": facts,
        }
    )
