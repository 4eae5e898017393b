"""Reads of selection data, always for a given user.

Staff reads follow one idiom: ``access_<thing>(user=..., pk=...)`` returns the object or
raises (PermissionDenied without the permission, Http404 for an unknown id), and list reads
return an empty queryset for anyone who may not see them. :func:`staff_can` is the one test
of a staff permission they share.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from selection.enums import CandidacyState, CriterionKind, Outcome
from selection.models import Criterion, Programme
from selection.rules import can


def staff_can(user, perm: str) -> bool:
    """Whether an authenticated user holds the staff permission `perm` (by the rules alone)."""
    return bool(getattr(user, "is_authenticated", False) and can(user, perm))


def access_programme(*, user, pk: int, perm: str) -> Programme:
    """The programme of a staff page: PermissionDenied without `perm`, 404 for an unknown id."""
    if not staff_can(user, perm):
        raise PermissionDenied
    try:
        return Programme.objects.get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def judgement_criteria(*, programme: Programme) -> QuerySet[Criterion]:
    """The criteria the board scores, in their display order."""
    return Criterion.objects.filter(programme=programme, kind=CriterionKind.JUDGEMENT).order_by(
        "position", "pk"
    )


def programmes_for_staff(*, user) -> QuerySet[Programme]:
    """Programmes with their candidacy counts; staff only."""
    if not staff_can(user, "selection.view_programme_overview"):
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


def phase_history(*, user, programme: Programme) -> list:
    """The programme's phase changes, newest first (history rows where the phase changed),
    with who made them and why; staff only."""
    if not staff_can(user, "selection.set_phase"):
        return []
    rows = programme.history.order_by("history_date", "history_id").select_related("history_user")
    changes, previous = [], None
    for row in rows:
        if previous is None or row.phase != previous:
            changes.append(row)
        previous = row.phase
    return list(reversed(changes))
