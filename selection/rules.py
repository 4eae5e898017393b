"""Who may do what in the selection. Predicates take (user, object).

Object types: a Programme for programme-wide permissions, a Candidacy for per-dossier ones.
"""

import rules
from django.utils import timezone

from municipalities.rules import is_contact_for, is_municipality_contact

from .enums import ConflictType, ProgrammePhase, ScoreVisibility


@rules.predicate
def is_board_member(user) -> bool:
    """True for a user with an active seat on any programme's advisory board."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.board_memberships.filter(active=True).exists()


def _programme_of(obj):
    return getattr(obj, "programme", obj)


@rules.predicate
def is_member_of_programme(user, obj) -> bool:
    """An active board member of the programme (or of the candidacy's programme)."""
    if obj is None or not getattr(user, "is_authenticated", False):
        return False
    programme = _programme_of(obj)
    return user.board_memberships.filter(programme=programme, active=True).exists()


@rules.predicate
def is_scoring_phase(user, obj) -> bool:
    return obj is not None and _programme_of(obj).phase == ProgrammePhase.SCORING


@rules.predicate
def has_declared_no_conflict(user, candidacy) -> bool:
    """The member declared, for this candidacy, that they have no conflict of interest."""
    if candidacy is None or not getattr(user, "is_authenticated", False):
        return False
    return candidacy.conflict_declarations.filter(
        member__user=user,
        member__programme_id=candidacy.programme_id,
        member__active=True,
        conflict_type=ConflictType.NONE,
    ).exists()


@rules.predicate
def has_declared_conflict(user, candidacy) -> bool:
    if candidacy is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        candidacy.conflict_declarations.filter(
            member__user=user, member__programme_id=candidacy.programme_id
        )
        .exclude(conflict_type=ConflictType.NONE)
        .exists()
    )


@rules.predicate
def has_submitted_own_review(user, candidacy) -> bool:
    from .enums import ReviewStatus

    if candidacy is None or not getattr(user, "is_authenticated", False):
        return False
    return candidacy.reviews.filter(
        member__user=user,
        member__programme_id=candidacy.programme_id,
        status=ReviewStatus.SUBMITTED,
    ).exists()


@rules.predicate
def visibility_always(user, obj) -> bool:
    return obj is not None and _programme_of(obj).score_visibility == ScoreVisibility.ALWAYS


@rules.predicate
def visibility_after_own(user, obj) -> bool:
    return obj is not None and _programme_of(obj).score_visibility == ScoreVisibility.AFTER_OWN


@rules.predicate
def is_applications_phase(user, obj) -> bool:
    if obj is None:
        return False
    programme = _programme_of(obj)
    if programme.phase != ProgrammePhase.APPLICATIONS:
        return False
    return programme.call_closes_at is None or timezone.now() <= programme.call_closes_at


@rules.predicate
def is_contact_of_candidacy(user, candidacy) -> bool:
    """The user is the contact person of the candidacy's municipality."""
    return candidacy is not None and is_contact_for(user, candidacy.municipality)


rules.add_rule("is_board_member", is_board_member)

# Staff pages.
rules.add_perm("selection.view_programme_overview", rules.is_staff)
rules.add_perm("selection.view_ranking", rules.is_staff)
rules.add_perm("selection.run_selection", rules.is_staff)
rules.add_perm("selection.record_decision", rules.is_staff)
rules.add_perm("selection.import_candidacies", rules.is_staff)

# Board members. Opening a dossier needs a declaration first; a conflicted member may read
# nothing of the dossier beyond what the list shows, and never scores it.
rules.add_perm("selection.view_board_home", is_board_member)
rules.add_perm("selection.declare_conflict", is_member_of_programme)
rules.add_perm("selection.view_dossier", is_member_of_programme & has_declared_no_conflict)
rules.add_perm(
    "selection.score_candidacy",
    is_member_of_programme & has_declared_no_conflict & is_scoring_phase,
)
# Other members' scores: staff always; a member never when conflicted, otherwise as the
# programme's visibility setting says.
rules.add_perm(
    "selection.view_others_scores",
    rules.is_staff
    | (
        is_member_of_programme
        & has_declared_no_conflict
        & (visibility_always | (visibility_after_own & has_submitted_own_review))
    ),
)

# Municipality contacts apply online for their own municipality while the call is open.
rules.add_perm("selection.apply", is_municipality_contact & is_applications_phase)
rules.add_perm("selection.edit_candidacy", is_contact_of_candidacy & is_applications_phase)
