"""Score aggregation and Krippendorff's alpha against values computed by hand."""

import math

import pytest
from django.core.exceptions import PermissionDenied

from selection import aggregation
from selection.aggregation import ScoreRow
from selection.enums import AggregationMethod, ConflictType, Outcome, ReviewStatus
from selection.selectors.ranking import candidate_scores
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    DiversityCriterionFactory,
    ProgrammeFactory,
    ReviewFactory,
    ScoreFactory,
    municipality,
)

# --- Pure aggregation -------------------------------------------------------------------

WEIGHTS = {"A": 2.0, "B": 1.0, "C": 1.0}


def test_aggregate_weighted_mean_with_weights_2_1_1():
    # Member 1 gave A=5, B=4 and "not applicable" on C (so no row); member 2 A=3, B=2, C=4.
    # Per criterion: A=(5+3)/2=4, B=(4+2)/2=3, C=4/1=4; weighted (2*4+3+4)/4 = 15/4.
    rows = [
        ScoreRow("m1", "x", "A", 5),
        ScoreRow("m1", "x", "B", 4),
        ScoreRow("m2", "x", "A", 3),
        ScoreRow("m2", "x", "B", 2),
        ScoreRow("m2", "x", "C", 4),
    ]
    result = aggregation.aggregate(rows, WEIGHTS)["x"]
    assert result.score == pytest.approx(3.75)
    assert result.per_criterion == pytest.approx({"A": 4.0, "B": 3.0, "C": 4.0})
    # Members' own weighted scores: m1 (2*5+4)/3 = 14/3, m2 (2*3+2+4)/4 = 3.
    assert result.median == pytest.approx((14 / 3 + 3) / 2)
    assert result.std == pytest.approx(5 / 6)
    assert result.range == pytest.approx(5 / 3)
    assert (result.n_members, result.n_scores) == (2, 5)


def test_aggregate_not_applicable_is_not_zero():
    # Had member 1's "not applicable" on C been a 0, C would be 2 and the score 13/4.
    rows = [ScoreRow("m1", "x", "C", 0), ScoreRow("m2", "x", "C", 4)]
    with_zero = aggregation.aggregate(rows, WEIGHTS)["x"]
    without = aggregation.aggregate(rows[1:], WEIGHTS)["x"]
    assert with_zero.per_criterion["C"] == pytest.approx(2.0)
    assert without.per_criterion["C"] == pytest.approx(4.0)


def test_aggregate_criterion_without_scores_drops_out_of_the_weights():
    # Only B and C scored: weights renormalised over them, (1*2 + 1*4) / 2 = 3.
    rows = [ScoreRow("m1", "x", "B", 2), ScoreRow("m1", "x", "C", 4)]
    assert aggregation.aggregate(rows, WEIGHTS)["x"].score == pytest.approx(3.0)


def test_aggregate_unscored_candidacy_has_no_score():
    result = aggregation.aggregate([], WEIGHTS, candidacies=["y"])["y"]
    assert (result.score, result.median, result.std, result.n_members) == (None, None, None, 0)


def test_aggregate_zscore_corrects_a_harsh_member():
    # Lenient L scored x=5, y=4; harsh H scored z=2, w=1. Per member: mean 4.5 and 1.5,
    # population sd 0.5, so z = +1 for x and z, -1 for y and w. Pooled over [5, 4, 2, 1]:
    # mean 3, population sd sqrt(((2)^2 + 1^2 + 1^2 + 2^2) / 4) = sqrt(2.5).
    rows = [
        ScoreRow("L", "x", "A", 5),
        ScoreRow("L", "y", "A", 4),
        ScoreRow("H", "z", "A", 2),
        ScoreRow("H", "w", "A", 1),
    ]
    raw = aggregation.aggregate(rows, {"A": 1.0})
    normalised = aggregation.aggregate(rows, {"A": 1.0}, method=aggregation.ZSCORE)
    assert [raw[c].score for c in "xyzw"] == [5, 4, 2, 1]
    high, low = 3 + math.sqrt(2.5), 3 - math.sqrt(2.5)
    assert [normalised[c].score for c in "xyzw"] == pytest.approx([high, low, high, low])


def test_aggregate_zscore_member_with_one_value_gets_the_pooled_mean():
    rows = [ScoreRow("L", "x", "A", 5), ScoreRow("H", "x", "A", 3), ScoreRow("H", "y", "A", 1)]
    result = aggregation.aggregate(rows, {"A": 1.0}, method=aggregation.ZSCORE)
    # Pooled mean 3, sd sqrt(8/3); L's only value has z = 0, H's 3 has z = +1.
    assert result["x"].per_criterion["A"] == pytest.approx((3 + (3 + math.sqrt(8 / 3))) / 2)


def test_aggregate_unknown_method_raises():
    with pytest.raises(ValueError):
        aggregation.aggregate([], WEIGHTS, method="median")


# --- Krippendorff's alpha ---------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", reliability data of
# 4 observers (rows) x 12 units (columns), None where an observer gave no value.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_krippendorff_alpha_interval_textbook_example():
    units = {u: [row[u] for row in KRIPPENDORFF_2011 if row[u] is not None] for u in range(12)}
    alpha, pairs = aggregation.krippendorff_alpha_interval(units)
    assert round(alpha, 3) == 0.849
    # Unit 12 has one value and is left out: 3 + 8 * 6 + 3 + 1 pairs of coders.
    assert pairs == 55


def test_krippendorff_alpha_perfect_agreement_is_one():
    alpha, pairs = aggregation.krippendorff_alpha_interval({"x": [2, 2], "y": [5, 5, 5]})
    assert (alpha, pairs) == (1.0, 4)


def test_krippendorff_alpha_without_pairable_units_is_none():
    assert aggregation.krippendorff_alpha_interval({"x": [2], "y": [5]}) == (None, 0)
    assert aggregation.krippendorff_alpha_interval({}) == (None, 0)


def test_krippendorff_alpha_without_variation_is_none():
    assert aggregation.krippendorff_alpha_interval({"x": [3, 3], "y": [3, 3]}) == (None, 2)


def test_krippendorff_alpha_systematic_disagreement_is_negative():
    alpha, _ = aggregation.krippendorff_alpha_interval({"x": [1, 5], "y": [5, 1]})
    assert alpha < 0


# --- candidate_scores: which scores count -----------------------------------------------


def _review(member, candidacy, values, *, status=ReviewStatus.SUBMITTED):
    """A review with one score per (criterion, value); value None means not applicable."""
    draft = {"submitted_at": None} if status == ReviewStatus.DRAFT else {}
    review = ReviewFactory(member=member, candidacy=candidacy, status=status, **draft)
    for criterion, value in values.items():
        ScoreFactory(review=review, criterion=criterion, value=value, not_applicable=value is None)
    return review


@pytest.fixture
def weighted(programme):
    """Criteria with weights 2/1/1, plus a diversity criterion and a weight-0 one."""
    a = CriterionFactory(programme=programme, weight=2, position=1)
    b = CriterionFactory(programme=programme, weight=1, position=2)
    c = CriterionFactory(programme=programme, weight=1, position=3)
    DiversityCriterionFactory(programme=programme)
    unweighted = CriterionFactory(programme=programme, weight=0, position=4)
    return a, b, c, unweighted


def _member(programme, **kwargs):
    # Members who never log in: no password to hash keeps the tests fast.
    return BoardMemberFactory(programme=programme, user__password=None, **kwargs)


def test_candidate_scores_counts_only_submitted_unconflicted_scores(
    programme, weighted, staff_user
):
    a, b, c, unweighted = weighted
    gent = CandidacyFactory(programme=programme, municipality=municipality("44021"))
    m1, m2 = _member(programme), _member(programme)
    _review(m1, gent, {a: 5, b: 4, c: None, unweighted: 1})
    _review(m2, gent, {a: 3, b: 2, c: 4, unweighted: 1})
    # A member who declared no conflict counts ...
    ConflictDeclarationFactory(member=m1, candidacy=gent, conflict_type=ConflictType.NONE)
    # ... but not one who declared a conflict, a draft, or an inactive member: all 1s, which
    # would pull every mean down if they counted.
    conflicted = _member(programme)
    ConflictDeclarationFactory(
        member=conflicted, candidacy=gent, conflict_type=ConflictType.EMPLOYMENT
    )
    _review(conflicted, gent, {a: 1, b: 1, c: 1})
    _review(_member(programme), gent, {a: 1, b: 1, c: 1}, status=ReviewStatus.DRAFT)
    _review(_member(programme, active=False), gent, {a: 1, b: 1, c: 1})

    [row] = candidate_scores(user=staff_user, programme=programme)

    assert row.candidacy == gent
    assert row.score == pytest.approx(3.75)
    assert row.per_criterion == pytest.approx({a.pk: 4.0, b.pk: 3.0, c.pk: 4.0})
    assert row.criterion_means == pytest.approx([4.0, 3.0, 4.0])
    assert row.median == pytest.approx(23 / 6)
    assert row.std == pytest.approx(5 / 6)
    assert row.range == pytest.approx(5 / 3)
    assert (row.n_members, row.n_scores, row.rank) == (2, 5, 1)
    assert row.facts["province"] == "Oost-Vlaanderen"
    assert row.facts["size_class"] == "large"


def test_candidate_scores_conflict_declared_after_submitting_still_excludes(
    programme, weighted, staff_user
):
    a, b, c, _ = weighted
    gent = CandidacyFactory(programme=programme, municipality=municipality("44021"))
    honest, late = _member(programme), _member(programme)
    _review(honest, gent, {a: 4, b: 4, c: 4})
    _review(late, gent, {a: 1, b: 1, c: 1})
    ConflictDeclarationFactory(member=late, candidacy=gent, conflict_type=ConflictType.OTHER)
    [row] = candidate_scores(user=staff_user, programme=programme)
    assert (row.score, row.n_members) == (pytest.approx(4.0), 1)


def test_candidate_scores_leaves_out_withdrawn_draft_and_other_programmes(
    programme, weighted, staff_user
):
    a, b, c, _ = weighted
    member = _member(programme)
    gent = CandidacyFactory(programme=programme, municipality=municipality("44021"))
    withdrawn = CandidacyFactory(
        programme=programme, municipality=municipality("71016"), outcome=Outcome.WITHDRAWN
    )
    CandidacyFactory(
        programme=programme, municipality=municipality("23027"), state="draft", submitted_at=None
    )
    _review(member, gent, {a: 2, b: 2, c: 2})
    _review(member, withdrawn, {a: 5, b: 5, c: 5})
    other = ProgrammeFactory()
    other_criterion = CriterionFactory(programme=other, weight=5)
    other_member = _member(other)
    # Scores in another programme's criterion on this programme's candidacy never count.
    _review(other_member, gent, {other_criterion: 5})

    rows = candidate_scores(user=staff_user, programme=programme)

    assert [r.candidacy for r in rows] == [gent]
    assert rows[0].score == pytest.approx(2.0)
    assert rows[0].n_members == 1


def test_candidate_scores_ties_ranked_by_municipality_name(programme, weighted, staff_user):
    a, b, c, _ = weighted
    member = _member(programme)
    halle = CandidacyFactory(programme=programme, municipality=municipality("23027"))
    genk = CandidacyFactory(programme=programme, municipality=municipality("71016"))
    unscored = CandidacyFactory(programme=programme, municipality=municipality("11002"))
    gent = CandidacyFactory(programme=programme, municipality=municipality("44021"))
    _review(member, halle, {a: 4, b: 4, c: 4})
    _review(member, genk, {a: 4, b: 4, c: 4})
    _review(member, gent, {a: 2, b: 2, c: 2})

    rows = candidate_scores(user=staff_user, programme=programme)

    assert [(r.candidacy, r.rank) for r in rows] == [
        (genk, 1),
        (halle, 2),
        (gent, 3),
        (unscored, 4),
    ]
    assert rows[3].score is None


def test_candidate_scores_zscore_hand_computed(programme, staff_user):
    criterion = CriterionFactory(programme=programme, weight=1)
    lenient, harsh = _member(programme), _member(programme)
    gent, halle, genk, brugge = (
        CandidacyFactory(programme=programme, municipality=municipality(nis))
        for nis in ("44021", "23027", "71016", "31005")
    )
    _review(lenient, gent, {criterion: 5})
    _review(lenient, halle, {criterion: 4})
    _review(harsh, genk, {criterion: 2})
    _review(harsh, brugge, {criterion: 1})

    raw = candidate_scores(user=staff_user, programme=programme)
    normalised = candidate_scores(
        user=staff_user, programme=programme, method=AggregationMethod.ZSCORE
    )

    assert [(r.candidacy, r.score) for r in raw] == [
        (gent, 5),
        (halle, 4),
        (genk, 2),
        (brugge, 1),
    ]
    high, low = 3 + math.sqrt(2.5), 3 - math.sqrt(2.5)
    # Ties after normalisation are ranked by name: Genk before Gent, Brugge before Halle.
    assert [r.candidacy for r in normalised] == [genk, gent, brugge, halle]
    assert [r.score for r in normalised] == pytest.approx([high, high, low, low])
    assert [r.rank for r in normalised] == [1, 2, 3, 4]


def test_candidate_scores_refused_to_non_staff(programme, board_member, contact):
    for user in (board_member.user, contact.user):
        with pytest.raises(PermissionDenied):
            candidate_scores(user=user, programme=programme)


def test_candidate_scores_unknown_method_raises(programme, staff_user):
    with pytest.raises(ValueError):
        candidate_scores(user=staff_user, programme=programme, method="median")
