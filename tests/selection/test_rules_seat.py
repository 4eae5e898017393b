"""The board rules read a user's seat once per permission check, or once per block."""

import pytest
from django.contrib.auth.models import AnonymousUser

from selection.enums import ConflictType, ProgrammePhase, ReviewStatus, ScoreVisibility
from selection.rules import board_seat, remembered_facts
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    ReviewFactory,
    municipality,
)

pytestmark = pytest.mark.django_db

PERMS = ("selection.view_dossier", "selection.view_others_scores", "selection.score_candidacy")


@pytest.fixture
def candidacy(programme):
    programme.phase = ProgrammePhase.SCORING
    programme.score_visibility = ScoreVisibility.AFTER_OWN
    programme.save()
    return CandidacyFactory(programme=programme)


def test_permission_checks_in_remembered_block_read_seat_once(
    board_member, candidacy, django_assert_num_queries
):
    ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    ReviewFactory(member=board_member, candidacy=candidacy)
    user = board_member.user
    with django_assert_num_queries(1), remembered_facts():
        assert [user.has_perm(perm, candidacy) for perm in PERMS] == [True, True, True]


def test_permission_check_reads_seat_once_per_check(
    board_member, candidacy, django_assert_num_queries
):
    ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    user = board_member.user
    # view_others_scores asks for membership, declaration and own review: one query.
    with django_assert_num_queries(1):
        assert not user.has_perm("selection.view_others_scores", candidacy)
    with django_assert_num_queries(2):
        assert user.has_perm("selection.view_dossier", candidacy)
        assert user.has_perm("selection.score_candidacy", candidacy)


def test_permission_check_sees_change_on_same_user_and_candidacy(board_member, candidacy):
    user = board_member.user
    assert not user.has_perm("selection.view_dossier", candidacy)
    declaration = ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    assert user.has_perm("selection.view_dossier", candidacy)
    assert not user.has_perm("selection.view_others_scores", candidacy)
    ReviewFactory(member=board_member, candidacy=candidacy)
    assert user.has_perm("selection.view_others_scores", candidacy)
    declaration.conflict_type = ConflictType.PERSONAL
    declaration.save()
    assert not user.has_perm("selection.view_dossier", candidacy)
    assert not user.has_perm("selection.view_others_scores", candidacy)


def test_remembered_facts_forgotten_after_block(board_member, candidacy):
    declaration = ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    user = board_member.user
    with remembered_facts():
        assert user.has_perm("selection.view_dossier", candidacy)
        declaration.conflict_type = ConflictType.EMPLOYMENT
        declaration.save()
        # Inside the block the seat read at its start still holds.
        assert user.has_perm("selection.view_dossier", candidacy)
    assert not user.has_perm("selection.view_dossier", candidacy)


def test_remembered_facts_keep_users_and_candidacies_apart(board_member, candidacy, programme):
    other_candidacy = CandidacyFactory(programme=programme, municipality=municipality("23027"))
    colleague = BoardMemberFactory(programme=programme)
    ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    ConflictDeclarationFactory(
        member=colleague, candidacy=candidacy, conflict_type=ConflictType.ADVISORY
    )
    ConflictDeclarationFactory(member=colleague, candidacy=other_candidacy)
    with remembered_facts():
        assert board_member.user.has_perm("selection.view_dossier", candidacy)
        assert not colleague.user.has_perm("selection.view_dossier", candidacy)
        assert not board_member.user.has_perm("selection.view_dossier", other_candidacy)
        assert colleague.user.has_perm("selection.view_dossier", other_candidacy)


def test_board_seat_carries_own_declaration_and_review_only(board_member, candidacy, programme):
    other_candidacy = CandidacyFactory(programme=programme, municipality=municipality("23027"))
    declaration = ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    ConflictDeclarationFactory(member=board_member, candidacy=other_candidacy)
    ReviewFactory(member=board_member, candidacy=other_candidacy)
    colleague = BoardMemberFactory(programme=programme)
    ReviewFactory(member=colleague, candidacy=candidacy)
    seat = board_seat(board_member.user, candidacy)
    assert (seat.member, seat.declaration, seat.review) == (board_member, declaration, None)
    assert board_seat(BoardMemberFactory().user, candidacy) is None
    assert board_seat(AnonymousUser(), candidacy) is None


def test_inactive_seat_keeps_conflict_and_review_but_opens_nothing(board_member, candidacy):
    ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    ReviewFactory(member=board_member, candidacy=candidacy, status=ReviewStatus.SUBMITTED)
    board_member.active = False
    board_member.save()
    user = board_member.user
    seat = board_seat(user, candidacy)
    assert (seat.active, seat.declared_no_conflict, seat.submitted_review) == (False, True, True)
    assert [user.has_perm(perm, candidacy) for perm in PERMS] == [False, False, False]
    assert not user.has_perm("selection.declare_conflict", candidacy)


def test_draft_review_does_not_open_others_scores(board_member, candidacy):
    ConflictDeclarationFactory(member=board_member, candidacy=candidacy)
    review = ReviewFactory(
        member=board_member, candidacy=candidacy, status=ReviewStatus.DRAFT, submitted_at=None
    )
    user = board_member.user
    assert not user.has_perm("selection.view_others_scores", candidacy)
    review.status = ReviewStatus.SUBMITTED
    review.save()
    assert user.has_perm("selection.view_others_scores", candidacy)
