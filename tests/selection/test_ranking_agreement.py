"""The agreement (Krippendorff's alpha per criterion) and scoring progress pages."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from municipalities.models import Municipality
from selection.enums import ConflictType, Outcome, ReviewStatus
from selection.models import ConflictDeclaration, Review
from selection.selectors.ranking import CriterionAgreement, criterion_agreement, member_progress
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    ProgrammeFactory,
    ReviewFactory,
    ScoreFactory,
)

pytestmark = pytest.mark.django_db

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _member(programme, **kwargs):
    # Members who never log in: no password to hash keeps the tests fast.
    return BoardMemberFactory(programme=programme, user__password=None, **kwargs)


def _candidacies(programme, count):
    return [
        CandidacyFactory(programme=programme, municipality=m)
        for m in Municipality.objects.order_by("pk")[:count]
    ]


@pytest.fixture
def textbook(programme):
    """The textbook data on criterion `rubric`; `clear` has perfect agreement; `unused` has
    no scores. A conflicted member and a draft review add wild values that must not count."""
    rubric = CriterionFactory(programme=programme, name="Motivatie", position=1)
    clear = CriterionFactory(programme=programme, name="Haalbaarheid", position=2)
    unused = CriterionFactory(programme=programme, name="Voorbeeldwaarde", position=3)
    candidacies = _candidacies(programme, 12)
    for observer in KRIPPENDORFF_2011:
        member = _member(programme)
        for candidacy, value in zip(candidacies, observer, strict=True):
            if value is None:
                continue
            review = ReviewFactory(member=member, candidacy=candidacy)
            ScoreFactory(review=review, criterion=rubric, value=value)
            ScoreFactory(review=review, criterion=clear, value=1 + candidacy.pk % 5)
    conflicted = _member(programme)
    drafting = _member(programme)
    for i, candidacy in enumerate(candidacies):
        ConflictDeclarationFactory(
            member=conflicted, candidacy=candidacy, conflict_type=ConflictType.FINANCIAL
        )
        for member, status in ((conflicted, ReviewStatus.SUBMITTED), (drafting, "draft")):
            review = ReviewFactory(member=member, candidacy=candidacy, status=status)
            ScoreFactory(review=review, criterion=rubric, value=5 if i % 2 else 1)
    return rubric, clear, unused


def test_agreement_textbook_alpha_per_criterion(staff_user, programme, textbook):
    rubric, clear, unused = textbook
    result = criterion_agreement(user=staff_user, programme=programme)
    assert [a.criterion for a in result] == [rubric, clear, unused]
    motivation, feasibility, example = result
    assert round(motivation.alpha, 3) == 0.849
    assert (motivation.pairs, motivation.units, motivation.values) == (55, 11, 40)
    assert motivation.level == "good"
    # Everyone gave each candidacy the same value on `clear`: complete agreement.
    assert feasibility.alpha == pytest.approx(1.0)
    assert (example.alpha, example.pairs, example.level) == (None, 0, "undefined")


def test_agreement_low_alpha_asks_to_discuss_the_rubric(staff_user, programme):
    criterion = CriterionFactory(programme=programme)
    first, second = _member(programme), _member(programme)
    for candidacy, (a, b) in zip(_candidacies(programme, 3), [(1, 5), (5, 1), (3, 3)], strict=True):
        ScoreFactory(
            review=ReviewFactory(member=first, candidacy=candidacy), criterion=criterion, value=a
        )
        ScoreFactory(
            review=ReviewFactory(member=second, candidacy=candidacy), criterion=criterion, value=b
        )
    [agreement] = criterion_agreement(user=staff_user, programme=programme)
    assert agreement.alpha < 0.667
    assert agreement.level == "low"
    with translation.override("en"):
        assert "discuss it before relying on the scores" in agreement.hint
    with translation.override("nl"):
        assert "bespreek hem voordat u op de scores vertrouwt" in str(agreement.hint)


@pytest.mark.parametrize(
    ("alpha", "level"),
    [(0.8, "good"), (0.79, "tentative"), (0.667, "tentative"), (0.666, "low"), (None, "undefined")],
)
def test_agreement_levels_follow_krippendorff_thresholds(alpha, level):
    assert CriterionAgreement(criterion=None, alpha=alpha, pairs=0, units=0, values=0).level == (
        level
    )


def test_agreement_page_lists_each_criterion(client, staff_user, programme, textbook):
    client.force_login(staff_user)
    response = client.get(reverse("selection:agreement", args=[programme.pk]))
    html = response.content.decode()
    assert [a.criterion.name for a in response.context["agreements"]] == [
        "Motivatie",
        "Haalbaarheid",
        "Voorbeeldwaarde",
    ]
    assert "0,849" in html or "0.849" in html


def test_agreement_refused_to_non_staff(programme, board_member):
    with pytest.raises(PermissionDenied):
        criterion_agreement(user=board_member.user, programme=programme)


# --- Progress ---------------------------------------------------------------------------


def test_progress_counts_per_member(staff_user, programme):
    candidacies = _candidacies(programme, 6)
    withdrawn = CandidacyFactory(
        programme=programme,
        municipality=Municipality.objects.get(pk="44021"),
        outcome=Outcome.WITHDRAWN,
    )
    busy, idle = _member(programme), _member(programme)
    _member(programme, active=False)
    _member(ProgrammeFactory())
    for candidacy in candidacies[:3]:
        ReviewFactory(member=busy, candidacy=candidacy)
    ReviewFactory(member=busy, candidacy=candidacies[3], status="draft", submitted_at=None)
    ConflictDeclarationFactory(
        member=busy, candidacy=candidacies[4], conflict_type=ConflictType.POLITICAL
    )
    # A review of a conflicted candidacy is a conflict, not a review; a "no conflict"
    # declaration is not a conflict; a withdrawn candidacy does not count at all.
    ReviewFactory(member=busy, candidacy=candidacies[4], status="draft", submitted_at=None)
    ConflictDeclarationFactory(member=busy, candidacy=candidacies[0])
    ReviewFactory(member=busy, candidacy=withdrawn)
    ConflictDeclarationFactory(member=idle, candidacy=candidacies[5])

    latest = timezone.now() + timedelta(days=3)
    Review.objects.filter(member=busy, candidacy=candidacies[1]).update(updated_at=latest)
    ConflictDeclaration.objects.filter(member=idle).update(declared_at=latest)

    progress = member_progress(user=staff_user, programme=programme)

    by_member = {p.member: p for p in progress}
    assert set(by_member) == {busy, idle}
    row = by_member[busy]
    assert (row.total, row.submitted, row.drafts, row.conflicts, row.to_do) == (6, 3, 1, 1, 2)
    assert (row.done, row.percent) == (4, 67)
    assert row.last_activity == latest
    other = by_member[idle]
    assert (other.submitted, other.drafts, other.conflicts, other.to_do) == (0, 0, 0, 6)
    assert other.last_activity == latest


def test_progress_page_shows_members(client, staff_user, programme):
    member = _member(programme, user__first_name="Annelies", user__last_name="Verbeke")
    ReviewFactory(member=member, candidacy=_candidacies(programme, 2)[0])
    client.force_login(staff_user)
    response = client.get(reverse("selection:progress", args=[programme.pk]))
    html = response.content.decode()
    assert "Annelies Verbeke" in html
    assert '<progress class="ranking-progress" value="1" max="2"' in html
    assert "style=" not in html


def test_progress_refused_to_non_staff(programme, contact):
    with pytest.raises(PermissionDenied):
        member_progress(user=contact.user, programme=programme)
