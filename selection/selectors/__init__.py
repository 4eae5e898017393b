"""Reads of selection data, always for a given user."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from selection.enums import CandidacyState, CriterionKind, Outcome
from selection.models import BoardMember, Candidacy, Criterion, Programme


def current_programme() -> Programme | None:
    """The most recent programme, which the start pages show."""
    return Programme.objects.order_by("-starts_on", "-pk").first()


def programme_for_staff(*, user, programme_pk: int, perm: str) -> Programme:
    """The programme of a staff page: PermissionDenied without `perm`, 404 for an unknown id."""
    if not user.has_perm(perm):
        raise PermissionDenied
    try:
        return Programme.objects.get(pk=programme_pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def judgement_criteria(*, programme: Programme) -> QuerySet[Criterion]:
    """The criteria the board scores, in their display order."""
    return Criterion.objects.filter(programme=programme, kind=CriterionKind.JUDGEMENT).order_by(
        "position", "pk"
    )


def programmes_for_staff(*, user) -> QuerySet[Programme]:
    """Programmes with their candidacy counts; staff only."""
    if not user.is_staff:
        return Programme.objects.none()
    return Programme.objects.annotate(
        candidacy_count=Count("candidacies", distinct=True),
        submitted_count=Count(
            "candidacies", filter=Q(candidacies__state=CandidacyState.SUBMITTED), distinct=True
        ),
        pilot_count=Count(
            "candidacies", filter=Q(candidacies__outcome=Outcome.PILOT), distinct=True
        ),
        outreach_count=Count(
            "candidacies", filter=Q(candidacies__outcome=Outcome.OUTREACH), distinct=True
        ),
        board_count=Count("board_members", filter=Q(board_members__active=True), distinct=True),
    )


def board_memberships_for_user(*, user) -> QuerySet[BoardMember]:
    return BoardMember.objects.filter(user=user, active=True).select_related(
        "programme", "organisation"
    )


def candidacies_for_user(*, user, programme: Programme) -> QuerySet[Candidacy]:
    """The submitted candidacies of a programme that the user may see.

    Staff see all of them; an active board member of that programme sees the submitted
    ones; a municipality contact sees only their own municipality's; anyone else none.
    """
    qs = Candidacy.objects.filter(programme=programme).select_related(
        "municipality", "municipality__province"
    )
    if user.is_staff:
        return qs
    if BoardMember.objects.filter(programme=programme, user=user, active=True).exists():
        return qs.filter(state=CandidacyState.SUBMITTED)
    contact = getattr(user, "municipality_contact", None)
    if contact is not None:
        return qs.filter(municipality_id=contact.municipality_id)
    return qs.none()
