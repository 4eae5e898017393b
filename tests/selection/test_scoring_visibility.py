"""With "visible after submitting your own", a member who has been shown the others' scores
can no longer change their own: the score would no longer be independent."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from municipalities.models import Municipality
from selection.enums import ConflictType, ProgrammePhase, ReviewStatus, ScoreVisibility
from selection.models import Review, Score
from selection.services.scoring import review_save, review_scores_frozen
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring(programme):
    programme.phase = ProgrammePhase.SCORING
    programme.score_visibility = ScoreVisibility.AFTER_OWN
    programme.save()
    return programme


@pytest.fixture
def criteria(scoring):
    return [
        CriterionFactory(programme=scoring, name="Motivatie", position=1),
        CriterionFactory(programme=scoring, name="Haalbaarheid", position=2),
    ]


@pytest.fixture
def halle(scoring):
    return CandidacyFactory(programme=scoring, municipality=Municipality.objects.get(pk="23027"))


@pytest.fixture
def members(scoring, halle):
    pair = [BoardMemberFactory(programme=scoring, user__password=None) for _ in range(2)]
    for member in pair:
        ConflictDeclarationFactory(member=member, candidacy=halle)
    return pair


def save(member, candidacy, criteria, values, *, submit, comment=""):
    version = (
        Review.objects.filter(member=member, candidacy=candidacy)
        .values_list("version", flat=True)
        .first()
    )
    return review_save(
        member=member,
        candidacy=candidacy,
        scores=dict(zip([c.pk for c in criteria], values, strict=True)),
        comments={},
        comment=comment,
        submit=submit,
        version=version or 0,
        actor=member.user,
    )


def test_member_who_saw_others_scores_cannot_go_back_to_draft(members, halle, criteria):
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True)
    save(bob, halle, criteria, [5, 5], submit=True)  # Alice's page now shows Bob's 5s.
    with translation.override("nl"), pytest.raises(ValidationError) as failure:
        save(alice, halle, criteria, [2, 2], submit=False)
    assert "scores van andere leden gezien" in failure.value.messages[0]
    review = Review.objects.get(member=alice)
    assert (review.status, review.version) == (ReviewStatus.SUBMITTED, 1)


def test_member_who_saw_others_scores_cannot_change_them(members, halle, criteria):
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True)
    save(bob, halle, criteria, [5, 5], submit=True)
    with pytest.raises(ValidationError):
        save(alice, halle, criteria, [5, 2], submit=True)
    assert set(Score.objects.filter(review__member=alice).values_list("value", flat=True)) == {2}


def test_member_who_submits_last_is_frozen_too(members, halle, criteria):
    """Bob submitted after Alice: from then on he sees her scores as well."""
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True)
    save(bob, halle, criteria, [5, 5], submit=True)
    assert review_scores_frozen(review=Review.objects.get(member=bob))
    with pytest.raises(ValidationError):
        save(bob, halle, criteria, [3, 3], submit=True)


def test_comment_can_still_be_corrected(members, halle, criteria):
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True, comment="Tpyo")
    save(bob, halle, criteria, [5, 5], submit=True)
    review = save(alice, halle, criteria, [2, 2], submit=True, comment="Typo")
    assert (review.comment, review.status) == ("Typo", ReviewStatus.SUBMITTED)


def test_member_alone_may_still_go_back_and_change(members, halle, criteria):
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True)
    save(bob, halle, criteria, [5, 5], submit=False)  # a draft is never shown
    review = save(alice, halle, criteria, [3, 2], submit=False)
    assert review.status == ReviewStatus.DRAFT


def test_conflicted_members_review_does_not_freeze(members, halle, criteria, scoring):
    alice, _bob = members
    carol = BoardMemberFactory(programme=scoring, user__password=None)
    ConflictDeclarationFactory(member=carol, candidacy=halle, conflict_type=ConflictType.NONE)
    save(carol, halle, criteria, [4, 4], submit=True)
    carol.conflict_declarations.update(conflict_type=ConflictType.FINANCIAL)
    save(alice, halle, criteria, [2, 2], submit=True)
    assert save(alice, halle, criteria, [3, 3], submit=True).status == ReviewStatus.SUBMITTED


@pytest.mark.parametrize("visibility", [ScoreVisibility.ALWAYS, ScoreVisibility.NEVER])
def test_other_visibility_settings_keep_editing_open(members, halle, criteria, visibility):
    halle.programme.score_visibility = visibility
    halle.programme.save()
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True)
    save(bob, halle, criteria, [5, 5], submit=True)
    assert save(alice, halle, criteria, [3, 3], submit=False).status == ReviewStatus.DRAFT


def test_dossier_page_says_why_the_change_is_refused(client, members, halle, criteria):
    alice, bob = members
    save(alice, halle, criteria, [2, 2], submit=True)
    save(bob, halle, criteria, [5, 5], submit=True)
    client.force_login(alice.user)
    data = {"version": "1", "action": "draft", "comment": ""}
    data.update({f"score_{c.pk}": "2" for c in criteria})
    response = client.post(reverse("selection:board_dossier", args=[halle.pk]), data)
    assert response.status_code == 200
    assert "scores van andere leden gezien" in response.content.decode()
    assert Review.objects.get(member=alice).status == ReviewStatus.SUBMITTED
