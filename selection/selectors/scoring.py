"""Reads for board members' scoring pages: their candidacies, a dossier, others' scores.

Every function takes the user (or their seat on the board) and returns only what that
member may see: candidacies of programmes they sit on, submitted ones only; never a
dossier they declared a conflict for; others' scores only as the programme's phase allows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from selection.enums import (
    CandidacyState,
    ConflictType,
    DiversityAttribute,
    ProgrammePhase,
    ReviewStatus,
)
from selection.facts import attribute_label, candidacy_facts, value_label
from selection.models import (
    BoardMember,
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Programme,
    Review,
    Score,
)
from selection.rules import board_seat, can, remembered_facts
from selection.selectors import judgement_criteria

# A candidacy's state on a member's list.
TODO, DONE, CONFLICTED = "todo", "done", "conflicted"
SHOW_CHOICES = (TODO, DONE, CONFLICTED)


class DeclarationRequired(Exception):
    """The member has not yet declared whether they have a conflict for this candidacy."""

    def __init__(self, candidacy_pk: int):
        super().__init__(candidacy_pk)
        self.candidacy_pk = candidacy_pk


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    conflicted: int

    @property
    def todo(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class MemberBoard:
    """One programme's list for one member: all their candidacies, filtered, with progress."""

    member: BoardMember
    candidacies: list[Candidacy]
    progress: Progress
    show: str | None


@dataclass(frozen=True)
class OtherScore:
    member_name: str
    organisation: str
    value: int | None
    not_applicable: bool
    comment: str


@dataclass
class OtherReview:
    member_name: str
    organisation: str
    comment: str


@dataclass
class OtherScores:
    """Other members' submitted, non-conflicted scores on one candidacy."""

    reviews: list[OtherReview] = field(default_factory=list)
    by_criterion: dict[int, list[OtherScore]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.reviews)

    @property
    def commented(self) -> list[OtherReview]:
        return [review for review in self.reviews if review.comment]


@dataclass
class Dossier:
    candidacy: Candidacy
    member: BoardMember
    declaration: ConflictDeclaration
    facts: list[tuple[str, str]]
    criteria: list[Criterion]
    review: Review | None
    scores: dict[int, Score]
    can_edit: bool
    others_visible: bool
    others: OtherScores

    @property
    def submitted(self) -> bool:
        return self.review is not None and self.review.status == ReviewStatus.SUBMITTED

    @property
    def saved_rows(self) -> list[tuple[Criterion, Score | None]]:
        """The member's saved score per criterion, in criterion order."""
        return [(criterion, self.scores.get(criterion.pk)) for criterion in self.criteria]

    @property
    def other_rows(self) -> list[tuple[Criterion, list[OtherScore]]]:
        """Other members' scores per criterion, in criterion order (empty when hidden)."""
        return [(c, self.others.by_criterion.get(c.pk, [])) for c in self.criteria]


@dataclass
class DeclarationTarget:
    candidacy: Candidacy
    member: BoardMember
    declaration: ConflictDeclaration | None
    has_review: bool
    can_change: bool

    @property
    def conflict_locked(self) -> bool:
        """A declared conflict: the member may change its type, only staff lift it."""
        return self.declaration is not None and self.declaration.has_conflict


def member_for_user(*, user, programme: Programme) -> BoardMember | None:
    """The user's active seat on this programme's board, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        BoardMember.objects.select_related("programme", "organisation", "user")
        .filter(user=user, programme=programme, active=True)
        .first()
    )


def order_key(*, programme: Programme, member: BoardMember, candidacy_pk: int) -> str:
    """Each member gets their own, reproducible order, so no candidacy is always read first."""
    text = f"{programme.selection_seed}:{member.pk}:{candidacy_pk}"
    return hashlib.sha256(text.encode()).hexdigest()


def board_candidacies_for_member(*, member: BoardMember) -> list[Candidacy]:
    """The submitted candidacies of the member's programme, in the member's own order.

    Each one carries `declared_conflict` (the declared conflict type or None),
    `own_review_status` (None without a review) and `board_status` (todo, done or
    conflicted). One query, whatever the number of candidacies.
    """
    declarations = ConflictDeclaration.objects.filter(member=member, candidacy=OuterRef("pk"))
    reviews = Review.objects.filter(member=member, candidacy=OuterRef("pk"))
    candidacies = list(
        Candidacy.objects.filter(programme_id=member.programme_id, state=CandidacyState.SUBMITTED)
        .select_related("municipality__province")
        .annotate(
            declared_conflict=Subquery(declarations.values("conflict_type")[:1]),
            own_review_status=Subquery(reviews.values("status")[:1]),
        )
    )
    programme = member.programme
    for candidacy in candidacies:
        if candidacy.declared_conflict not in (None, ConflictType.NONE):
            candidacy.board_status = CONFLICTED
        elif candidacy.own_review_status == ReviewStatus.SUBMITTED:
            candidacy.board_status = DONE
        else:
            candidacy.board_status = TODO
    candidacies.sort(key=lambda c: order_key(programme=programme, member=member, candidacy_pk=c.pk))
    return candidacies


def _progress(candidacies: list[Candidacy]) -> Progress:
    conflicted = sum(1 for c in candidacies if c.board_status == CONFLICTED)
    done = sum(1 for c in candidacies if c.board_status == DONE)
    return Progress(done=done, total=len(candidacies) - conflicted, conflicted=conflicted)


def boards_for_user(*, user, show: str | None = None) -> list[MemberBoard]:
    """The user's list per programme they sit on, filtered by `show` (todo/done/conflicted)."""
    if show not in SHOW_CHOICES:
        show = None
    members = BoardMember.objects.filter(user=user, active=True).select_related(
        "programme", "organisation"
    )
    boards = []
    for member in members:
        candidacies = board_candidacies_for_member(member=member)
        shown = [c for c in candidacies if show is None or c.board_status == show]
        boards.append(
            MemberBoard(
                member=member, candidacies=shown, progress=_progress(candidacies), show=show
            )
        )
    return boards


def next_todo_for_member(*, member: BoardMember, after_pk: int) -> Candidacy | None:
    """The next candidacy still to do after `after_pk` in the member's order (wrapping)."""
    candidacies = board_candidacies_for_member(member=member)
    pks = [c.pk for c in candidacies]
    start = pks.index(after_pk) + 1 if after_pk in pks else 0
    for candidacy in candidacies[start:] + candidacies[:start]:
        if candidacy.pk != after_pk and candidacy.board_status == TODO:
            return candidacy
    return None


def _member_and_candidacy(*, user, pk: int) -> tuple[BoardMember, Candidacy]:
    """A submitted candidacy of a programme the user sits on, with their seat; else 404."""
    candidacy = (
        Candidacy.objects.select_related("programme", "municipality__province")
        .filter(pk=pk, state=CandidacyState.SUBMITTED)
        .first()
    )
    if candidacy is None:
        raise Http404
    member = member_for_user(user=user, programme=candidacy.programme)
    if member is None:
        raise Http404
    return member, candidacy


def candidacy_for_declaration(*, user, pk: int) -> DeclarationTarget:
    """What the declaration page shows: the municipality and the member's declaration.

    404 for a candidacy that is not submitted or of a programme the user does not sit on.
    It shows nothing of the dossier, so a conflicted member may still use it.
    """
    member, candidacy = _member_and_candidacy(user=user, pk=pk)
    if not can(user, "selection.view_declaration", candidacy):
        raise Http404
    declaration = ConflictDeclaration.objects.filter(member=member, candidacy=candidacy).first()
    has_review = Review.objects.filter(member=member, candidacy=candidacy).exists()
    # The first declaration can be made before the deliberation (to read a dossier);
    # changing it only while the board is scoring, as the scores it affects can only change
    # then. From the deliberation on, declarations are frozen.
    can_change = can(user, "selection.declare_conflict", candidacy) and (
        declaration is None or candidacy.programme.phase == ProgrammePhase.SCORING
    )
    return DeclarationTarget(
        candidacy=candidacy,
        member=member,
        declaration=declaration,
        has_review=has_review,
        can_change=can_change,
    )


def dossier_facts(candidacy: Candidacy) -> list[tuple[str, str]]:
    """The candidacy's facts as (label, value) in the active language."""
    facts = candidacy_facts(candidacy)
    rows = [
        (_("Municipality"), candidacy.municipality.name),
        (
            _("Population on 1 January 2018"),
            number_format(candidacy.municipality.population_2018, force_grouping=True),
        ),
    ]
    for attribute, value in facts.items():
        label = value_label(attribute, value)
        if (
            attribute == DiversityAttribute.TWINNING
            and candidacy.has_twinning
            and candidacy.twinning_partner
        ):
            label = _("%(answer)s (with %(partner)s)") % {
                "answer": label,
                "partner": candidacy.twinning_partner,
            }
        rows.append((attribute_label(attribute), label))
    return rows


def other_scores_for_user(*, user, candidacy: Candidacy) -> OtherScores:
    """Other members' submitted scores, only when the user may see them; else empty.

    Reviews by members who declared a conflict for this candidacy never appear (they do not
    count), nor do drafts. The user's own review is not among the "others".
    """
    if not can(user, "selection.view_others_scores", candidacy):
        return OtherScores()
    return _other_scores(user=user, candidacy=candidacy)


def _other_scores(*, user, candidacy: Candidacy) -> OtherScores:
    """Only for callers that checked `selection.view_others_scores` themselves."""
    # One query of plain values, a row per score (a review without scores still gives one
    # row). The declaration is joined in one filter() so that it is the same row that
    # belongs to this candidacy and says "no conflict".
    rows = (
        Review.objects.filter(
            ~Q(member__user=user),
            candidacy=candidacy,
            status=ReviewStatus.SUBMITTED,
            # Only scores that count: of active members of this programme.
            member__active=True,
            member__programme_id=candidacy.programme_id,
            member__conflict_declarations__candidacy=candidacy,
            member__conflict_declarations__conflict_type=ConflictType.NONE,
        )
        .order_by(
            "member__user__last_name", "member__user__first_name", "pk", "scores__criterion_id"
        )
        .values_list(
            "pk",
            "comment",
            "member__user__first_name",
            "member__user__last_name",
            "member__user__email",
            "member__organisation__name",
            "scores__criterion_id",
            "scores__value",
            "scores__not_applicable",
            "scores__comment",
        )
    )
    result = OtherScores()
    review_pk = None
    for pk, comment, first_name, last_name, email, organisation, *score in rows:
        if pk != review_pk:
            review_pk = pk
            # As User.get_full_name(), falling back on the e-mail address.
            name = f"{first_name} {last_name}".strip() or email
            result.reviews.append(OtherReview(name, organisation, comment))
        criterion_id, value, not_applicable, score_comment = score
        if criterion_id is not None:
            result.by_criterion.setdefault(criterion_id, []).append(
                OtherScore(name, organisation, value, not_applicable, score_comment)
            )
    return result


def dossier_for_user(*, user, pk: int) -> Dossier:
    """A member's dossier of one candidacy, with their own review and what else they may see.

    404 for a candidacy that is not submitted, of a programme the user does not sit on, or
    that the member declared a conflict for: a conflicted member never sees the dossier
    again. Without a declaration it raises DeclarationRequired.
    """
    # Sliced rather than first(): no ORDER BY (and no join for it) on a lookup by pk.
    candidacy = next(
        iter(
            Candidacy.objects.select_related("programme", "municipality__province")
            .filter(pk=pk, state=CandidacyState.SUBMITTED)
            .order_by()[:1]
        ),
        None,
    )
    if candidacy is None:
        raise Http404
    # The seat (with the member's declaration and review) is read once, here, and the three
    # permission checks below reuse it.
    with remembered_facts():
        seat = board_seat(user, candidacy)
        if seat is None or not seat.active:
            raise Http404
        if seat.declaration is None:
            raise DeclarationRequired(candidacy.pk)
        if seat.declaration.has_conflict or not can(user, "selection.view_dossier", candidacy):
            raise Http404
        others_visible = can(user, "selection.view_others_scores", candidacy)
        can_edit = can(user, "selection.score_candidacy", candidacy)
    member, declaration, review = seat.member, seat.declaration, seat.review
    member.programme = candidacy.programme
    scores = {s.criterion_id: s for s in review.scores.all()} if review else {}
    return Dossier(
        candidacy=candidacy,
        member=member,
        declaration=declaration,
        facts=dossier_facts(candidacy),
        criteria=list(judgement_criteria(programme=candidacy.programme)),
        review=review,
        scores=scores,
        can_edit=can_edit,
        others_visible=others_visible,
        others=_other_scores(user=user, candidacy=candidacy) if others_visible else OtherScores(),
    )
