"""Who may do what in the selection. Predicates take (user, object).

Object types: a Programme for programme-wide permissions, a Candidacy for per-dossier ones.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import rules
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from municipalities.rules import is_contact_for, is_municipality_contact

from .enums import ConflictType, ProgrammePhase, ReviewStatus, ScoreVisibility
from .models import BoardMember, Candidacy, ConflictDeclaration, Review


@rules.predicate
def is_board_member(user) -> bool:
    """True for a user with an active seat on any programme's advisory board."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.board_memberships.filter(active=True).exists()


def _programme_of(obj):
    return getattr(obj, "programme", obj)


# --- The user's seat: one query per user and candidacy, shared by the predicates below ---

# What was read while `remembered_facts()` is open; None outside it.
_remembered: ContextVar[dict | None] = ContextVar("selection_rules_remembered", default=None)


@contextmanager
def remembered_facts() -> Iterator[None]:
    """Read each user's seat on a candidacy's board once within this block.

    For a selector that checks several permissions on an object it has just loaded: the
    checks inside share one query. Without it, what is read lives for one permission check
    only, so a check after a change (a new declaration, a submitted review) always sees it.
    """
    if _remembered.get() is not None:
        yield
        return
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def _memo() -> dict | None:
    # The open `remembered_facts()` block, else the context of the current permission
    # check (django-rules keeps one per `test()` call and drops it afterwards).
    memo = _remembered.get()
    return memo if memo is not None else is_board_member.context


def _remember(key: tuple, read):
    memo = _memo()
    if memo is None or None in key:  # an unsaved object has no identity to remember by
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


@dataclass(frozen=True)
class Seat:
    """A user's seat on the board of a candidacy's programme (active or not), with the
    member's own declaration and review of that candidacy (None when there is none)."""

    member: BoardMember
    declaration: ConflictDeclaration | None
    review: Review | None

    @property
    def active(self) -> bool:
        return self.member.active

    @property
    def declared_no_conflict(self) -> bool:
        return self.declaration is not None and self.declaration.conflict_type == ConflictType.NONE

    @property
    def declared_conflict(self) -> bool:
        return self.declaration is not None and self.declaration.conflict_type != ConflictType.NONE

    @property
    def submitted_review(self) -> bool:
        return self.review is not None and self.review.status == ReviewStatus.SUBMITTED


def board_seat(user, candidacy) -> Seat | None:
    """The user's seat on the board of the candidacy's programme, or None; one query.

    A user has at most one seat per programme (a unique constraint), and a member at most
    one declaration and one review per candidacy. Within `remembered_facts()` the seat is
    read once; otherwise once per permission check.
    """
    if candidacy is None or not getattr(user, "is_authenticated", False):
        return None
    return _remember(("seat", user.pk, candidacy.pk), lambda: _read_seat(user, candidacy))


def _read_seat(user, candidacy) -> Seat | None:
    # At most one row (see board_seat); sliced rather than first(), which would add an
    # ORDER BY for nothing.
    seats = (
        BoardMember.objects.filter(user=user, programme_id=candidacy.programme_id)
        .annotate(
            own_declaration=FilteredRelation(
                "conflict_declarations",
                condition=Q(conflict_declarations__candidacy_id=candidacy.pk),
            ),
            own_review=FilteredRelation("reviews", condition=Q(reviews__candidacy_id=candidacy.pk)),
        )
        .select_related("own_declaration", "own_review")
        .order_by()[:1]
    )
    member = next(iter(seats), None)
    if member is None:
        return None
    # select_related() leaves a filtered relation unset when it matched no row.
    return Seat(
        member=member,
        declaration=getattr(member, "own_declaration", None),
        review=getattr(member, "own_review", None),
    )


# --- Predicates ---------------------------------------------------------------------


@rules.predicate
def is_member_of_programme(user, obj) -> bool:
    """An active board member of the programme (or of the candidacy's programme)."""
    if obj is None or not getattr(user, "is_authenticated", False):
        return False
    if isinstance(obj, Candidacy):
        seat = board_seat(user, obj)
        return seat is not None and seat.active
    programme = _programme_of(obj)
    return _remember(
        ("member", user.pk, programme.pk),
        lambda: user.board_memberships.filter(programme=programme, active=True).exists(),
    )


@rules.predicate
def is_scoring_phase(user, obj) -> bool:
    return obj is not None and _programme_of(obj).phase == ProgrammePhase.SCORING


@rules.predicate
def is_open_for_declarations(user, obj) -> bool:
    """Before the deliberation: applications or scoring."""
    return obj is not None and _programme_of(obj).phase in {
        ProgrammePhase.APPLICATIONS,
        ProgrammePhase.SCORING,
    }


@rules.predicate
def has_declared_no_conflict(user, candidacy) -> bool:
    """The member declared, for this candidacy and through an active seat, that they have
    no conflict of interest."""
    seat = board_seat(user, candidacy)
    return seat is not None and seat.active and seat.declared_no_conflict


@rules.predicate
def has_submitted_own_review(user, candidacy) -> bool:
    seat = board_seat(user, candidacy)
    return seat is not None and seat.submitted_review


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


def can(user, perm: str, obj=None) -> bool:
    """Whether `user` has the selection permission `perm` on `obj`, by the rules below alone.

    Services and selectors check through this, not ``user.has_perm``: Django's model
    backend grants every permission to a superuser, which would let a superuser with a board
    seat score outside the scoring phase or open a dossier they declared a conflict for. The
    phase, seat and conflict rules hold for every user.
    """
    return rules.has_perm(perm, user, obj)


rules.add_rule("is_board_member", is_board_member)

# Staff pages.
rules.add_perm("selection.view_programme_overview", rules.is_staff)
rules.add_perm("selection.view_ranking", rules.is_staff)
rules.add_perm("selection.run_selection", rules.is_staff)
rules.add_perm("selection.record_decision", rules.is_staff)
rules.add_perm("selection.import_candidacies", rules.is_staff)
rules.add_perm("selection.set_phase", rules.is_staff)
# Publishing or withdrawing a programme's public page (portal.views.public).
rules.add_perm("selection.publish_page", rules.is_staff)
rules.add_perm("selection.lift_conflict", rules.is_staff)

# Board members. Opening a dossier needs a declaration first; a conflicted member may read
# nothing of the dossier beyond what the list shows, and never scores it.
rules.add_perm("selection.view_board_home", is_board_member)
rules.add_perm("selection.view_declaration", is_member_of_programme)
# Declarations are frozen from the deliberation on: what the board deliberates on stays put.
rules.add_perm("selection.declare_conflict", is_member_of_programme & is_open_for_declarations)
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
