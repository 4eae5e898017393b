"""Reads of selection data, always for a given user."""

from django.db.models import Count, Q, QuerySet

from selection.enums import CandidacyState, Outcome
from selection.models import BoardMember, Candidacy, Programme


def current_programme() -> Programme | None:
    """The most recent programme, which the start pages show."""
    return Programme.objects.order_by("-starts_on", "-pk").first()


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
