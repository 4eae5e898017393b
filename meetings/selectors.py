"""Reads of meetings, each taking the user: what the user may not see answers 404.

Staff read every meeting through `access_meeting` and the lists of their pages; contacts,
board members and people chosen by name open a meeting or its documents only through
`meeting_for_user` / `meeting_document_for_user` (meetings.rules); their own invitations are
read by meetings.selectors_people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from municipalities.models import Municipality
from selection.enums import Outcome
from selection.models import Candidacy

from .enums import Answer, MeetingStatus
from .models import Expectation, ExpectationReview, Invitation, Meeting, MeetingDocument

UPCOMING, PAST = "upcoming", "past"


def _require_staff(user) -> None:
    if not rules.has_perm("meetings.manage_meeting", user):
        raise PermissionDenied


def _with_answer_counts(queryset: QuerySet) -> QuerySet:
    active = Q(invitations__active=True)
    return queryset.annotate(
        invited_count=Count("invitations", filter=active),
        yes_count=Count("invitations", filter=active & Q(invitations__answer=Answer.YES)),
        no_count=Count("invitations", filter=active & Q(invitations__answer=Answer.NO)),
        maybe_count=Count("invitations", filter=active & Q(invitations__answer=Answer.MAYBE)),
    )


def meetings_for_staff(
    *,
    user,
    programme=None,
    kind: str | None = None,
    status: str | None = None,
    when: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Meeting]:
    """Every meeting, filtered, with the count of invitees and of their answers. Staff only.

    Upcoming: not yet ended, soonest first. Past: ended, the latest first.
    """
    _require_staff(user)
    now = now or timezone.now()
    queryset = Meeting.objects.select_related("programme")
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    if when == UPCOMING:
        queryset = queryset.filter(ends_at__gte=now).order_by("starts_at", "pk")
    elif when == PAST:
        queryset = queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        queryset = queryset.order_by("-starts_at", "-pk")
    return _with_answer_counts(queryset)


def access_meeting(*, user, pk: int, for_update: bool = False) -> Meeting:
    """A meeting for the staff pages: 403 for anyone but staff, 404 for an unknown id."""
    _require_staff(user)
    queryset = Meeting.objects.select_related("programme", "organiser")
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


def meeting_for_user(*, user, pk: int) -> Meeting:
    """One meeting the user may see (meetings.see_meeting); 404 otherwise."""
    meeting = Meeting.objects.select_related("programme").filter(pk=pk).first()
    if meeting is None or not rules.has_perm("meetings.see_meeting", user, meeting):
        raise Http404
    return meeting


def meeting_document_for_user(*, user, pk: int) -> MeetingDocument:
    """A meeting's document for download: staff, and the invitees of that meeting while they
    may see it (meetings.see_meeting). Anyone else, and an unknown id, gets 404."""
    document = MeetingDocument.objects.select_related("meeting").filter(pk=pk).first()
    if document is None or not rules.has_perm("meetings.see_meeting", user, document.meeting):
        raise Http404
    return document


# --- The staff's detail page ---------------------------------------------------------


@dataclass(frozen=True)
class AnswerCounts:
    yes: int
    no: int
    maybe: int
    none: int

    @property
    def total(self) -> int:
        return self.yes + self.no + self.maybe + self.none


def invitations_of(*, user, meeting: Meeting, active: bool | None = True) -> QuerySet[Invitation]:
    """The meeting's invitations with person and municipality. Staff only."""
    _require_staff(user)
    queryset = meeting.invitations.select_related("user", "municipality").order_by(
        "municipality__name", "user__email", "pk"
    )
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset


def answer_counts(*, invitations) -> AnswerCounts:
    counts = {Answer.YES: 0, Answer.NO: 0, Answer.MAYBE: 0, Answer.PENDING: 0}
    for invitation in invitations:
        counts[invitation.answer] += 1
    return AnswerCounts(
        yes=counts[Answer.YES],
        no=counts[Answer.NO],
        maybe=counts[Answer.MAYBE],
        none=counts[Answer.PENDING],
    )


def expectations_raised(*, user, meeting: Meeting) -> QuerySet[Expectation]:
    """The expectations raised at this meeting, with every later review. Staff only."""
    _require_staff(user)
    return (
        meeting.expectations.select_related("municipality")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=ExpectationReview.objects.select_related("meeting").order_by(
                    "meeting__starts_at", "pk"
                ),
            )
        )
        .order_by("category", "municipality__name", "pk")
    )


def expectations_to_review(*, user, meeting: Meeting) -> list[tuple[Expectation, object]]:
    """The expectations raised at earlier meetings of the same programme, each with its
    review at this meeting (None when not yet reviewed here). Staff only."""
    _require_staff(user)
    earlier = (
        Expectation.objects.filter(
            meeting__programme_id=meeting.programme_id,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting", "municipality")
        .order_by("meeting__starts_at", "category", "municipality__name", "pk")
    )
    reviews = {
        review.expectation_id: review
        for review in ExpectationReview.objects.filter(meeting=meeting, expectation__in=earlier)
    }
    return [(expectation, reviews.get(expectation.pk)) for expectation in earlier]


def reviews_at(*, user, meeting: Meeting) -> QuerySet[ExpectationReview]:
    """The reviews made at this meeting of earlier meetings' expectations. Staff only."""
    _require_staff(user)
    return meeting.expectation_reviews.select_related(
        "expectation", "expectation__meeting", "expectation__municipality"
    ).order_by("expectation__meeting__starts_at", "pk")


def expectation_municipalities(*, meeting: Meeting) -> QuerySet[Municipality]:
    """The municipalities an expectation raised at this meeting can be about: those invited
    to it and those of the programme's pilot and outreach groups."""
    invited = meeting.invitations.filter(municipality__isnull=False).values("municipality_id")
    grouped = Candidacy.objects.filter(
        programme_id=meeting.programme_id, outcome__in=[Outcome.PILOT, Outcome.OUTREACH]
    ).values("municipality_id")
    return Municipality.objects.filter(Q(pk__in=invited) | Q(pk__in=grouped)).order_by("name")
