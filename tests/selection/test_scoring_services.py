"""Board scoring: the services (declarations, reviews) and the selectors behind the pages."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from municipalities.models import Municipality
from selection.enums import (
    CandidacyState,
    ConflictType,
    ProgrammePhase,
    ReviewStatus,
    ScoreVisibility,
)
from selection.models import ConflictDeclaration, Review, Score
from selection.selectors.scoring import (
    CONFLICTED,
    DONE,
    TODO,
    DeclarationRequired,
    board_candidacies_for_member,
    boards_for_user,
    candidacy_for_declaration,
    dossier_for_user,
    member_for_user,
    next_todo_for_member,
    other_scores_for_user,
)
from selection.services.scoring import (
    IncompleteReview,
    StaleReview,
    conflict_declare,
    review_save,
)
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    DiversityCriterionFactory,
    ProgrammeFactory,
    ReviewFactory,
    ScoreFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring(programme):
    programme.phase = ProgrammePhase.SCORING
    programme.save()
    return programme


@pytest.fixture
def criteria(scoring):
    """Three judgement criteria, created out of position order, and one diversity criterion."""
    second = CriterionFactory(programme=scoring, name="Haalbaarheid", position=2)
    first = CriterionFactory(programme=scoring, name="Motivatie", position=1)
    third = CriterionFactory(programme=scoring, name="Voorbeeldwaarde", position=3)
    DiversityCriterionFactory(programme=scoring)
    return [first, second, third]


@pytest.fixture
def halle(scoring):
    return CandidacyFactory(programme=scoring, municipality=Municipality.objects.get(pk="23027"))


@pytest.fixture
def genk(scoring):
    return CandidacyFactory(programme=scoring, municipality=Municipality.objects.get(pk="71016"))


@pytest.fixture
def member(board_member, halle):
    ConflictDeclarationFactory(member=board_member, candidacy=halle)
    return board_member


def save(member, candidacy, criteria, values, *, submit=False, version=0, comments=None, **kw):
    return review_save(
        member=member,
        candidacy=candidacy,
        scores=dict(zip([c.pk for c in criteria], values, strict=True)),
        comments=comments or {},
        comment=kw.get("comment", ""),
        submit=submit,
        version=version,
        actor=member.user,
    )


# --- review_save ---------------------------------------------------------------------------


def test_review_save_draft_stores_values_and_not_applicable(member, halle, criteria):
    review = save(member, halle, criteria, [4, "na", None], comments={criteria[0].pk: " Goed "})
    assert review.status == ReviewStatus.DRAFT
    assert review.submitted_at is None
    assert review.version == 1
    scores = {s.criterion_id: s for s in review.scores.all()}
    assert set(scores) == {criteria[0].pk, criteria[1].pk}
    assert (scores[criteria[0].pk].value, scores[criteria[0].pk].not_applicable) == (4, False)
    assert scores[criteria[0].pk].comment == "Goed"
    assert (scores[criteria[1].pk].value, scores[criteria[1].pk].not_applicable) == (None, True)


def test_review_save_submit_requires_every_criterion(member, halle, criteria):
    with pytest.raises(IncompleteReview) as excinfo:
        save(member, halle, criteria, [4, None, "na"], submit=True)
    assert excinfo.value.missing == [criteria[1].pk]
    assert "Haalbaarheid" in excinfo.value.messages[0]
    assert not Review.objects.exists()
    assert not Score.objects.exists()


def test_review_save_submit_with_all_values_or_na(member, halle, criteria):
    review = save(member, halle, criteria, [4, "na", 2], submit=True)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submitted_at is not None


def test_review_save_edit_after_submit_in_scoring_phase(member, halle, criteria):
    first = save(member, halle, criteria, [4, 4, 4], submit=True)
    second = save(member, halle, criteria, [5, 4, 4], submit=True, version=1)
    assert second.pk == first.pk
    assert second.status == ReviewStatus.SUBMITTED
    assert second.submitted_at == first.submitted_at
    assert Score.objects.get(review=second, criterion=criteria[0]).value == 5


def test_review_save_draft_after_submit_takes_submission_back(member, halle, criteria):
    save(member, halle, criteria, [4, 4, 4], submit=True)
    review = save(member, halle, criteria, [4, None, 4], version=1)
    assert review.status == ReviewStatus.DRAFT
    assert review.submitted_at is None


@pytest.mark.parametrize("phase", [ProgrammePhase.DELIBERATION, ProgrammePhase.DECIDED])
def test_review_save_refused_after_scoring_phase(member, halle, criteria, phase):
    save(member, halle, criteria, [4, 4, 4], submit=True)
    halle.programme.phase = phase
    halle.programme.save()
    with pytest.raises(PermissionDenied):
        save(member, halle, criteria, [1, 1, 1], submit=True, version=1)
    assert sorted(Score.objects.values_list("value", flat=True)) == [4, 4, 4]


def test_review_save_refused_in_applications_phase(member, halle, criteria):
    halle.programme.phase = ProgrammePhase.APPLICATIONS
    halle.programme.save()
    with pytest.raises(PermissionDenied):
        save(member, halle, criteria, [4, 4, 4])
    assert not Review.objects.exists()


def test_review_save_stale_version_keeps_first_save(member, halle, criteria):
    # Two windows loaded the same (new) review with version 0.
    save(member, halle, criteria, [5, 5, 5], comment="eerste venster")
    with pytest.raises(StaleReview) as excinfo:
        save(member, halle, criteria, [1, 1, 1], comment="tweede venster")
    assert (excinfo.value.posted_version, excinfo.value.current_version) == (0, 1)
    review = Review.objects.get()
    assert (review.comment, review.version) == ("eerste venster", 1)
    assert sorted(Score.objects.values_list("value", flat=True)) == [5, 5, 5]


def test_review_save_stale_version_on_existing_review(member, halle, criteria):
    save(member, halle, criteria, [3, 3, 3])
    save(member, halle, criteria, [4, 4, 4], version=1)
    with pytest.raises(StaleReview):
        save(member, halle, criteria, [1, 1, 1], version=1)
    assert sorted(Score.objects.values_list("value", flat=True)) == [4, 4, 4]
    assert Review.objects.get().version == 2


def test_review_save_writes_history_on_score_change(member, halle, criteria):
    save(member, halle, criteria, [3, 3, 3])
    score = Score.objects.get(criterion=criteria[0])
    assert score.history.count() == 1
    save(member, halle, criteria, [4, 3, 3], version=1)
    assert score.history.count() == 2
    assert [h.value for h in score.history.order_by("history_date")] == [3, 4]
    assert score.history.latest().history_user == member.user
    # An unchanged score writes no history row; the review writes one per save.
    assert Score.objects.get(criterion=criteria[1]).history.count() == 1
    assert Review.objects.get().history.count() == 2


def test_review_save_refused_for_conflicted_member(board_member, halle, criteria):
    ConflictDeclarationFactory(
        member=board_member, candidacy=halle, conflict_type=ConflictType.EMPLOYMENT
    )
    with pytest.raises(PermissionDenied):
        save(board_member, halle, criteria, [4, 4, 4])
    assert not Review.objects.exists()


def test_review_save_refused_without_declaration(board_member, halle, criteria):
    with pytest.raises(PermissionDenied):
        save(board_member, halle, criteria, [4, 4, 4])


def test_review_save_refused_for_someone_elses_seat(member, halle, criteria):
    other = BoardMemberFactory(programme=halle.programme)
    ConflictDeclarationFactory(member=other, candidacy=halle)
    with pytest.raises(PermissionDenied):
        review_save(
            member=member,
            candidacy=halle,
            scores={},
            comments={},
            comment="",
            submit=False,
            version=0,
            actor=other.user,
        )


def test_review_save_refused_for_inactive_member(member, halle, criteria):
    member.active = False
    member.save()
    with pytest.raises(PermissionDenied):
        save(member, halle, criteria, [4, 4, 4])


def test_review_save_rejects_criterion_of_another_programme(member, halle, criteria):
    foreign = CriterionFactory(programme=ProgrammeFactory())
    with pytest.raises(ValidationError):
        save(member, halle, [*criteria, foreign], [4, 4, 4, 4])
    assert not Review.objects.exists()


@pytest.mark.parametrize("value", [0, 6, "x"])
def test_review_save_rejects_values_outside_the_scale(member, halle, criteria, value):
    with pytest.raises(ValidationError):
        save(member, halle, criteria, [value, 4, 4])
    assert not Score.objects.exists()


# --- conflict_declare ----------------------------------------------------------------------


def test_conflict_declare_creates_and_changes_with_history(board_member, halle):
    declaration = conflict_declare(
        member=board_member,
        candidacy=halle,
        conflict_type=ConflictType.NONE,
        note="wordt gewist",
        actor=board_member.user,
    )
    assert (declaration.conflict_type, declaration.note) == (ConflictType.NONE, "")
    conflict_declare(
        member=board_member,
        candidacy=halle,
        conflict_type=ConflictType.POLITICAL,
        note="Gemeenteraadslid",
        actor=board_member.user,
    )
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.conflict_type, declaration.note) == (
        ConflictType.POLITICAL,
        "Gemeenteraadslid",
    )
    assert [h.conflict_type for h in declaration.history.order_by("history_date")] == [
        ConflictType.NONE,
        ConflictType.POLITICAL,
    ]
    assert declaration.history.latest().history_user == board_member.user


@pytest.mark.parametrize(
    ("phase", "error"),
    [
        (ProgrammePhase.APPLICATIONS, ValidationError),
        (ProgrammePhase.DELIBERATION, PermissionDenied),
        (ProgrammePhase.DECIDED, PermissionDenied),
    ],
)
def test_conflict_declare_change_refused_outside_scoring_phase(member, halle, phase, error):
    halle.programme.phase = phase
    halle.programme.save()
    with pytest.raises(error):
        conflict_declare(
            member=member,
            candidacy=halle,
            conflict_type=ConflictType.FINANCIAL,
            note="",
            actor=member.user,
        )
    assert ConflictDeclaration.objects.get().conflict_type == ConflictType.NONE


def test_conflict_declare_first_declaration_allowed_before_scoring(board_member, halle):
    halle.programme.phase = ProgrammePhase.APPLICATIONS
    halle.programme.save()
    conflict_declare(
        member=board_member,
        candidacy=halle,
        conflict_type=ConflictType.NONE,
        note="",
        actor=board_member.user,
    )
    assert ConflictDeclaration.objects.filter(member=board_member).count() == 1


def test_conflict_declare_other_needs_a_note(board_member, halle):
    with pytest.raises(ValidationError) as excinfo:
        conflict_declare(
            member=board_member,
            candidacy=halle,
            conflict_type=ConflictType.OTHER,
            note="  ",
            actor=board_member.user,
        )
    assert "note" in excinfo.value.message_dict
    assert not ConflictDeclaration.objects.exists()


def test_conflict_declare_refused_for_member_of_another_programme(halle):
    outsider = BoardMemberFactory()
    with pytest.raises(PermissionDenied):
        conflict_declare(
            member=outsider,
            candidacy=halle,
            conflict_type=ConflictType.NONE,
            note="",
            actor=outsider.user,
        )
    assert not ConflictDeclaration.objects.exists()


def test_conflict_declare_refused_for_draft_candidacy(board_member, scoring):
    draft = CandidacyFactory(
        programme=scoring,
        municipality=Municipality.objects.get(pk="71016"),
        state=CandidacyState.DRAFT,
        submitted_at=None,
    )
    with pytest.raises(PermissionDenied):
        conflict_declare(
            member=board_member,
            candidacy=draft,
            conflict_type=ConflictType.NONE,
            note="",
            actor=board_member.user,
        )


def test_conflict_after_scoring_closes_the_dossier_and_hides_the_scores(member, halle, criteria):
    save(member, halle, criteria, [5, 5, 5], submit=True)
    colleague = BoardMemberFactory(programme=halle.programme)
    ConflictDeclarationFactory(member=colleague, candidacy=halle)
    halle.programme.score_visibility = ScoreVisibility.ALWAYS
    halle.programme.save()
    assert len(other_scores_for_user(user=colleague.user, candidacy=halle).reviews) == 1
    conflict_declare(
        member=member,
        candidacy=halle,
        conflict_type=ConflictType.ADVISORY,
        note="",
        actor=member.user,
    )
    with pytest.raises(Http404):
        dossier_for_user(user=member.user, pk=halle.pk)
    assert not other_scores_for_user(user=colleague.user, candidacy=halle)
    assert Review.objects.get().status == ReviewStatus.SUBMITTED  # kept, but never counted
    with pytest.raises(PermissionDenied):
        save(member, halle, criteria, [1, 1, 1], submit=True, version=1)


# --- selectors -----------------------------------------------------------------------------


def many_candidacies(programme, count):
    municipalities = Municipality.objects.exclude(pk__in=["23027", "71016"]).order_by("pk")
    return [CandidacyFactory(programme=programme, municipality=m) for m in municipalities[:count]]


def test_member_for_user_only_active_seat_of_that_programme(board_member, scoring):
    assert member_for_user(user=board_member.user, programme=scoring) == board_member
    assert member_for_user(user=board_member.user, programme=ProgrammeFactory()) is None
    board_member.active = False
    board_member.save()
    assert member_for_user(user=board_member.user, programme=scoring) is None


def test_board_candidacies_order_is_seeded_per_member(board_member, scoring):
    candidacies = many_candidacies(scoring, 12)
    colleague = BoardMemberFactory(programme=scoring)
    mine = [c.pk for c in board_candidacies_for_member(member=board_member)]
    theirs = [c.pk for c in board_candidacies_for_member(member=colleague)]

    def expected(member):
        def key(pk):
            text = f"{scoring.selection_seed}:{member.pk}:{pk}"
            return hashlib.sha256(text.encode()).hexdigest()

        return sorted((c.pk for c in candidacies), key=key)

    assert mine == expected(board_member)
    assert theirs == expected(colleague)
    assert mine != theirs
    assert mine == [c.pk for c in board_candidacies_for_member(member=board_member)]
    scoring.selection_seed = "another seed"
    scoring.save()
    board_member.programme.refresh_from_db()
    assert [c.pk for c in board_candidacies_for_member(member=board_member)] != mine


def test_board_candidacies_statuses_and_scope(board_member, scoring, halle, genk, criteria):
    draft_candidacy = CandidacyFactory(
        programme=scoring,
        municipality=Municipality.objects.get(pk="44021"),
        state=CandidacyState.DRAFT,
        submitted_at=None,
    )
    other_programme = CandidacyFactory(programme=ProgrammeFactory())
    ConflictDeclarationFactory(member=board_member, candidacy=halle)
    ReviewFactory(member=board_member, candidacy=halle, status=ReviewStatus.SUBMITTED)
    ConflictDeclarationFactory(
        member=board_member, candidacy=genk, conflict_type=ConflictType.PERSONAL
    )
    third, fourth = many_candidacies(scoring, 2)
    ConflictDeclarationFactory(member=board_member, candidacy=third)
    ReviewFactory(member=board_member, candidacy=third, status=ReviewStatus.DRAFT)
    # Another member's submitted review of `fourth` does not make it done for this member.
    colleague = BoardMemberFactory(programme=scoring)
    ReviewFactory(member=colleague, candidacy=fourth)

    status = {c.pk: c.board_status for c in board_candidacies_for_member(member=board_member)}
    assert status == {halle.pk: DONE, genk.pk: CONFLICTED, third.pk: TODO, fourth.pk: TODO}
    assert draft_candidacy.pk not in status
    assert other_programme.pk not in status

    (board,) = boards_for_user(user=board_member.user)
    assert (board.progress.done, board.progress.total, board.progress.conflicted) == (1, 3, 1)
    assert board.progress.todo == 2
    (todo,) = boards_for_user(user=board_member.user, show=TODO)
    assert {c.pk for c in todo.candidacies} == {third.pk, fourth.pk}
    assert todo.progress == board.progress
    (conflicted,) = boards_for_user(user=board_member.user, show=CONFLICTED)
    assert [c.pk for c in conflicted.candidacies] == [genk.pk]
    (everything,) = boards_for_user(user=board_member.user, show="bogus")
    assert len(everything.candidacies) == 4


def test_boards_for_user_one_per_programme_seat(board_member, halle):
    second = BoardMemberFactory(user=board_member.user)
    CandidacyFactory(programme=second.programme)
    boards = boards_for_user(user=board_member.user)
    assert {b.member.pk for b in boards} == {board_member.pk, second.pk}
    assert {b.member.pk: len(b.candidacies) for b in boards} == {board_member.pk: 1, second.pk: 1}


def test_next_todo_for_member_skips_done_and_conflicted_and_wraps(board_member, scoring):
    candidacies = many_candidacies(scoring, 5)
    order = [c.pk for c in board_candidacies_for_member(member=board_member)]
    by_pk = {c.pk: c for c in candidacies}
    ReviewFactory(member=board_member, candidacy=by_pk[order[1]])
    ConflictDeclarationFactory(
        member=board_member, candidacy=by_pk[order[2]], conflict_type=ConflictType.OTHER
    )
    assert next_todo_for_member(member=board_member, after_pk=order[0]).pk == order[3]
    assert next_todo_for_member(member=board_member, after_pk=order[4]).pk == order[0]
    for pk in (order[0], order[3]):
        ReviewFactory(member=board_member, candidacy=by_pk[pk])
    assert next_todo_for_member(member=board_member, after_pk=order[4]) is None


def test_dossier_for_user_needs_a_declaration(board_member, halle):
    with pytest.raises(DeclarationRequired):
        dossier_for_user(user=board_member.user, pk=halle.pk)


def test_dossier_for_user_has_facts_and_ordered_judgement_criteria(member, halle, criteria):
    halle.has_twinning, halle.twinning_partner = True, "Kindu"
    halle.save()
    with translation.override("en"):
        dossier = dossier_for_user(user=member.user, pk=halle.pk)
    assert dossier.candidacy == halle
    assert [c.name for c in dossier.criteria] == ["Motivatie", "Haalbaarheid", "Voorbeeldwaarde"]
    facts = dict(dossier.facts)
    assert facts["Municipality"] == "Halle"
    assert facts["Province"] == "Vlaams-Brabant"
    assert "Kindu" in facts["Town twinning"]
    assert dossier.can_edit
    assert dossier.review is None


@pytest.mark.parametrize(
    "case", ["other_programme", "draft", "unknown", "conflicted", "inactive", "contact", "staff"]
)
def test_dossier_for_user_404(case, board_member, halle, contact, staff_user):
    user, pk = board_member.user, halle.pk
    ConflictDeclarationFactory(member=board_member, candidacy=halle)
    if case == "other_programme":
        user = BoardMemberFactory().user
    elif case == "draft":
        halle.state, halle.submitted_at = CandidacyState.DRAFT, None
        halle.save()
    elif case == "unknown":
        pk = 999_999
    elif case == "conflicted":
        ConflictDeclaration.objects.update(conflict_type=ConflictType.EMPLOYMENT)
    elif case == "inactive":
        board_member.active = False
        board_member.save()
    elif case == "contact":
        user = contact.user
    elif case == "staff":
        user = staff_user
    with pytest.raises(Http404):
        dossier_for_user(user=user, pk=pk)
    if case not in ("conflicted",):
        with pytest.raises(Http404):
            candidacy_for_declaration(user=user, pk=pk)


def test_candidacy_for_declaration_open_to_conflicted_member(board_member, halle):
    ConflictDeclarationFactory(
        member=board_member, candidacy=halle, conflict_type=ConflictType.FINANCIAL
    )
    target = candidacy_for_declaration(user=board_member.user, pk=halle.pk)
    assert target.declaration.conflict_type == ConflictType.FINANCIAL
    assert target.can_change
    halle.programme.phase = ProgrammePhase.DELIBERATION
    halle.programme.save()
    assert not candidacy_for_declaration(user=board_member.user, pk=halle.pk).can_change


@pytest.fixture
def planted(member, halle, criteria):
    """A colleague's submitted review with a secret comment, and a conflicted one's."""
    colleague = BoardMemberFactory(programme=halle.programme, user__first_name="Collega")
    ConflictDeclarationFactory(member=colleague, candidacy=halle)
    review = ReviewFactory(member=colleague, candidacy=halle, comment="SECRET-COMMENT-XYZ")
    ScoreFactory(review=review, criterion=criteria[0], value=2)
    conflicted = BoardMemberFactory(programme=halle.programme)
    ConflictDeclarationFactory(
        member=conflicted, candidacy=halle, conflict_type=ConflictType.EMPLOYMENT
    )
    ScoreFactory(
        review=ReviewFactory(member=conflicted, candidacy=halle, comment="CONFLICTED-XYZ"),
        criterion=criteria[0],
        value=1,
    )
    drafter = BoardMemberFactory(programme=halle.programme)
    ConflictDeclarationFactory(member=drafter, candidacy=halle)
    ReviewFactory(member=drafter, candidacy=halle, comment="DRAFT-XYZ", status=ReviewStatus.DRAFT)
    return colleague


@pytest.mark.parametrize(
    ("visibility", "own_submitted", "visible"),
    [
        (ScoreVisibility.NEVER, True, False),
        (ScoreVisibility.AFTER_OWN, False, False),
        (ScoreVisibility.AFTER_OWN, True, True),
        (ScoreVisibility.ALWAYS, False, True),
    ],
)
def test_other_scores_follow_visibility(
    member, halle, criteria, planted, visibility, own_submitted, visible
):
    halle.programme.score_visibility = visibility
    halle.programme.save()
    if own_submitted:
        save(member, halle, criteria, [3, 3, 3], submit=True)
    others = other_scores_for_user(user=member.user, candidacy=halle)
    if not visible:
        assert not others
        assert others.by_criterion == {}
        return
    # Only the colleague's submitted review: no draft, no conflicted member, not my own.
    assert [r.comment for r in others.reviews] == ["SECRET-COMMENT-XYZ"]
    assert [(s.value, s.member_name) for s in others.by_criterion[criteria[0].pk]] == [
        (2, planted.user.get_full_name())
    ]


def test_other_scores_staff_sees_them_and_conflicted_member_never(
    halle, criteria, planted, staff_user
):
    halle.programme.score_visibility = ScoreVisibility.ALWAYS
    halle.programme.save()
    assert [r.comment for r in other_scores_for_user(user=staff_user, candidacy=halle).reviews] == [
        "SECRET-COMMENT-XYZ"
    ]
    conflicted = ConflictDeclaration.objects.get(conflict_type=ConflictType.EMPLOYMENT).member
    assert not other_scores_for_user(user=conflicted.user, candidacy=halle)
