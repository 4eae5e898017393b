"""Which group of a programme each municipality is in: candidate, pilot or outreach.

Read by the municipality pages and the staff overviews of the SDG status. Groups carry no
scores, so they need no permission of their own: the page that shows them checks its own.
"""

from __future__ import annotations

from municipalities.models import Municipality

from ..enums import CandidacyState, Group, Outcome
from ..models import Candidacy, Programme

_GROUP_OF_OUTCOME = {
    Outcome.PENDING: Group.CANDIDATE,
    Outcome.PILOT: Group.PILOT,
    Outcome.OUTREACH: Group.OUTREACH,
}


def latest_programme() -> Programme | None:
    """The programme the overviews show by default: the one that started last."""
    return Programme.objects.order_by("-starts_on", "-pk").first()


def municipality_groups(*, programme: Programme) -> dict[str, str]:
    """NIS code -> group, for every municipality with a submitted, not withdrawn candidacy."""
    rows = Candidacy.objects.filter(
        programme=programme, state=CandidacyState.SUBMITTED
    ).values_list("municipality_id", "outcome")
    return {
        nis: _GROUP_OF_OUTCOME[outcome] for nis, outcome in rows if outcome in _GROUP_OF_OUTCOME
    }


def group_of(*, municipality: Municipality) -> tuple[Programme, str] | None:
    """The municipality's most recent programme and its group there; None if it never applied."""
    candidacy = (
        Candidacy.objects.filter(municipality=municipality, state=CandidacyState.SUBMITTED)
        .exclude(outcome=Outcome.WITHDRAWN)
        .select_related("programme")
        .order_by("-programme__starts_on", "-programme_id")
        .first()
    )
    if candidacy is None:
        return None
    return candidacy.programme, _GROUP_OF_OUTCOME[candidacy.outcome]
