"""Writes by board members: conflict declarations and reviews with their scores.

Every change is saved row by row through the models, so django-simple-history keeps a
history row per change, recorded with the acting user.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from selection.enums import (
    CandidacyState,
    ConflictType,
    CriterionKind,
    ProgrammePhase,
    ReviewStatus,
    ScoreVisibility,
)
from selection.models import BoardMember, Candidacy, ConflictDeclaration, Criterion, Review, Score
from selection.rules import can

#: The longest reason for lifting a conflict that the form and the service accept.
LIFT_REASON_MAX_LENGTH = 2000

NOT_APPLICABLE = "na"
ScoreInput = int | str | None


class StaleReview(Exception):
    """The review was saved by someone (another window) since the form was loaded."""

    def __init__(self, *, posted_version: int, current_version: int):
        super().__init__(posted_version, current_version)
        self.posted_version = posted_version
        self.current_version = current_version


class IncompleteReview(ValidationError):
    """Submitting needs a value or "not applicable" on every judgement criterion."""

    def __init__(self, missing: list[Criterion]):
        self.missing = [criterion.pk for criterion in missing]
        super().__init__(
            _("Give a score or choose “not applicable” for: %(criteria)s.")
            % {"criteria": ", ".join(criterion.name for criterion in missing)},
            code="incomplete",
        )


def _check_own_seat(*, member: BoardMember, candidacy: Candidacy, actor) -> None:
    """A member acts only for themselves, on a submitted candidacy of their own programme."""
    if (
        member.user_id != actor.pk
        or not member.active
        or member.programme_id != candidacy.programme_id
        or candidacy.state != CandidacyState.SUBMITTED
    ):
        raise PermissionDenied


def _locked_get_or_new(model: type[models.Model], **lookup) -> tuple[models.Model, bool]:
    """The row, locked for this transaction, or a new unsaved one (saved by the caller).

    Like get_or_create, but lets the caller set every field before the first save, so the
    first history row already holds the member's input and the acting user.
    """
    try:
        return model.objects.select_for_update().get(**lookup), False
    except model.DoesNotExist:
        return model(**lookup), True


def _save_new(obj: models.Model, model: type[models.Model], **lookup) -> bool:
    """Insert `obj`; False when a concurrent request inserted the same row first."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        if model.objects.filter(**lookup).exists():
            return False
        raise
    return True


@transaction.atomic
def conflict_declare(
    *,
    member: BoardMember,
    candidacy: Candidacy,
    conflict_type: str,
    note: str,
    actor,
) -> ConflictDeclaration:
    """Declare, for oneself, no conflict of interest or a conflict with a type and note.

    The first declaration can be made before the deliberation; changing it only while the
    programme is in the scoring phase. A conflict declared after scoring makes those scores
    not count (the ranking leaves out reviews of conflicted members) and closes the dossier.
    A member cannot lift a conflict they declared (staff can: :func:`conflict_lift`), else a
    conflicted member could reopen the dossier, read the others' scores and score.
    """
    _check_own_seat(member=member, candidacy=candidacy, actor=actor)
    if not can(actor, "selection.declare_conflict", candidacy):
        raise PermissionDenied
    if conflict_type not in ConflictType.values:
        raise ValidationError({"conflict_type": _("Choose one of the options.")})
    note = note.strip()
    if conflict_type == ConflictType.OTHER and not note:
        raise ValidationError({"note": _("Describe the conflict of interest in a few words.")})
    if conflict_type == ConflictType.NONE:
        note = ""
    lookup = {"member": member, "candidacy": candidacy}
    declaration, created = _locked_get_or_new(ConflictDeclaration, **lookup)
    if not created and (declaration.conflict_type, declaration.note) == (conflict_type, note):
        return declaration
    if not created and candidacy.programme.phase != ProgrammePhase.SCORING:
        raise ValidationError(
            _("A declaration can only be changed while the board is scoring."), code="closed"
        )
    if not created and declaration.has_conflict and conflict_type == ConflictType.NONE:
        raise ValidationError(
            _(
                "A declared conflict of interest can only be lifted by VVSG staff. Ask them "
                "if you declared it by mistake."
            ),
            code="lift_by_staff",
        )
    declaration.conflict_type = conflict_type
    declaration.note = note
    declaration._history_user = actor
    if created and not _save_new(declaration, ConflictDeclaration, **lookup):
        # Declared at the same moment in another window: apply this one as a change.
        return conflict_declare(
            member=member, candidacy=candidacy, conflict_type=conflict_type, note=note, actor=actor
        )
    if not created:
        declaration.save()
    return declaration


@transaction.atomic
def conflict_lift(*, declaration: ConflictDeclaration, actor, reason: str) -> ConflictDeclaration:
    """Lift a member's declared conflict of interest; staff only, with a reason.

    The declaration becomes "no conflict", so the member can open the dossier (and score
    while the board is scoring); who lifted it, when and why stay on the declaration and in
    its history, and the progress page shows them. Not from the deliberation on, when
    declarations are frozen.
    """
    if not can(actor, "selection.lift_conflict", declaration.candidacy.programme):
        raise PermissionDenied
    declaration = (
        ConflictDeclaration.objects.select_for_update()
        .select_related("candidacy__programme")
        .get(pk=declaration.pk)
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for lifting the conflict.")})
    if len(reason) > LIFT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(max)s characters.")
                % {"max": LIFT_REASON_MAX_LENGTH}
            }
        )
    if not declaration.has_conflict:
        raise ValidationError(_("This declaration has no conflict to lift."), code="no_conflict")
    if declaration.candidacy.programme.phase not in {
        ProgrammePhase.APPLICATIONS,
        ProgrammePhase.SCORING,
    }:
        raise ValidationError(_("Declarations are frozen from the deliberation on."), code="frozen")
    declaration.conflict_type = ConflictType.NONE
    declaration.note = ""
    declaration.lifted_at = timezone.now()
    declaration.lifted_by = actor
    declaration.lift_reason = reason
    declaration._history_user = actor
    declaration._change_reason = reason[:100]
    declaration.save()
    return declaration


def _parse_value(criterion: Criterion, raw: ScoreInput) -> tuple[int | None, bool]:
    """(value, not_applicable) from 1-5, "na" or None."""
    if raw is None or raw == "":
        return None, False
    if raw == NOT_APPLICABLE:
        return None, True
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError(
            _("%(criterion)s: a score is a whole number from 1 to 5.")
            % {"criterion": criterion.name},
            code="invalid_score",
        )
    return value, False


def review_scores_frozen(*, review: Review) -> bool:
    """Whether the member has been shown other members' scores of this candidacy, so that
    their own scores can no longer change.

    Only with the visibility "after submitting their own review": there the dossier shows a
    member with a submitted review the submitted reviews of the others that count (active
    members without a conflict), from the moment both are submitted. Changing one's own
    scores after that, or taking the review back to draft to do so, would make them no
    longer independent. The refusal keeps both reviews submitted from then on, so the
    present state tells whether that moment has passed. Comments may still be corrected.
    """
    if review.pk is None or review.status != ReviewStatus.SUBMITTED:
        return False
    candidacy = review.candidacy
    if candidacy.programme.score_visibility != ScoreVisibility.AFTER_OWN:
        return False
    return (
        Review.objects.filter(
            candidacy=candidacy,
            status=ReviewStatus.SUBMITTED,
            member__active=True,
            member__programme_id=candidacy.programme_id,
            member__conflict_declarations__candidacy=candidacy,
            member__conflict_declarations__conflict_type=ConflictType.NONE,
        )
        .exclude(member_id=review.member_id)
        .exists()
    )


@transaction.atomic
def review_save(
    *,
    member: BoardMember,
    candidacy: Candidacy,
    scores: Mapping[int, ScoreInput],
    comments: Mapping[int, str],
    comment: str,
    submit: bool,
    version: int,
    actor,
) -> Review:
    """Save a member's own review as draft or submitted; editing stays open while scoring.

    Needs `selection.score_candidacy`: an active member of the programme, who declared no
    conflict for this candidacy, while the programme is in the scoring phase. The review row
    is locked and `version` must be the one the form was loaded with, else StaleReview is
    raised and nothing changes, so two saves of one review never lose an update. "Not
    applicable" is stored as not_applicable with no value (it never counts as 0). Submitting
    needs a value or "not applicable" on every judgement criterion (IncompleteReview);
    saving a draft takes back an earlier submission, unless the member has been shown other
    members' scores (`review_scores_frozen`): then the scores stay as they are.
    """
    _check_own_seat(member=member, candidacy=candidacy, actor=actor)
    if not can(actor, "selection.score_candidacy", candidacy):
        raise PermissionDenied
    criteria = list(
        Criterion.objects.filter(
            programme_id=candidacy.programme_id, kind=CriterionKind.JUDGEMENT
        ).order_by("position", "pk")
    )
    # Stale before incomplete: a form that missed another save must be checked again anyway.
    lookup = {"member": member, "candidacy": candidacy}
    review, created = _locked_get_or_new(Review, **lookup)
    current_version = 0 if created else review.version
    if current_version != version:
        raise StaleReview(posted_version=version, current_version=current_version)
    known = {criterion.pk for criterion in criteria}
    unknown = (set(scores) | set(comments)) - known
    if unknown:
        raise ValidationError(_("Unknown criterion."), code="unknown_criterion")
    parsed = {c.pk: _parse_value(c, scores.get(c.pk)) for c in criteria}
    if submit:
        missing = [c for c in criteria if parsed[c.pk] == (None, False)]
        if missing:
            raise IncompleteReview(missing)
    if not created and review_scores_frozen(review=review):
        saved = {s.criterion_id: (s.value, s.not_applicable) for s in review.scores.all()}
        if not submit or any(parsed[c.pk] != saved.get(c.pk, (None, False)) for c in criteria):
            raise ValidationError(
                _(
                    "You have seen other members' scores for this candidacy, so your own "
                    "scores can no longer change: they would no longer be independent. You "
                    "can still correct your comments."
                ),
                code="others_seen",
            )

    review.comment = comment.strip()
    if not submit:
        review.status, review.submitted_at = ReviewStatus.DRAFT, None
    elif review.status != ReviewStatus.SUBMITTED or review.submitted_at is None:
        review.status, review.submitted_at = ReviewStatus.SUBMITTED, timezone.now()
    review.version = current_version + 1
    review._history_user = actor
    if created:
        if not _save_new(review, Review, **lookup):
            # Another window created this review a moment ago: this form is stale.
            current = Review.objects.select_for_update().get(**lookup)
            raise StaleReview(posted_version=version, current_version=current.version)
    else:
        review.save()

    existing = {} if created else {score.criterion_id: score for score in review.scores.all()}
    for criterion in criteria:
        value, not_applicable = parsed[criterion.pk]
        text = (comments.get(criterion.pk) or "").strip()
        score = existing.get(criterion.pk)
        if score is None:
            if value is None and not not_applicable and not text:
                continue
            score = Score(review=review, criterion=criterion)
        elif (score.value, score.not_applicable, score.comment) == (value, not_applicable, text):
            continue
        score.value, score.not_applicable, score.comment = value, not_applicable, text
        score._history_user = actor
        score.save()
    return review
