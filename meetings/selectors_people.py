"""What a person reads of their own meetings: their invitations, their feed, a
municipality's next sessions. Each function takes the user and returns only their rows."""

from __future__ import annotations

from dataclasses import dataclass

import rules
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.utils import timezone

from municipalities.models import MunicipalityContact
from selection.models import BoardMember

from .enums import Answer, MeetingAudience, MeetingStatus
from .models import AgendaItem, CalendarFeed, Invitation, Meeting, ReminderOptOut

VISIBLE = (MeetingStatus.PUBLISHED, MeetingStatus.CANCELLED)


@dataclass(frozen=True)
class MyMeetings:
    upcoming: list[Invitation]
    past: list[Invitation]


def _own_invitations(*, user):
    """The user's active invitations to published or cancelled meetings that still match
    their role, as meetings.rules.is_invitee decides it: one for a municipality counts
    while the user is its contact, one to a board meeting while their seat on its programme
    is active (a former contact or member no longer sees the meetings or their documents)."""
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    contact = MunicipalityContact.objects.filter(user=user).values("municipality_id")
    seat = BoardMember.objects.filter(
        programme_id=OuterRef("meeting__programme_id"), user=user, active=True
    )
    by_municipality = Q(municipality__isnull=False, municipality_id__in=contact)
    by_name_or_seat = Q(municipality__isnull=True) & (
        ~Q(meeting__audience=MeetingAudience.BOARD) | Q(Exists(seat))
    )
    return Invitation.objects.filter(
        by_municipality | by_name_or_seat,
        user=user,
        active=True,
        meeting__status__in=VISIBLE,
    )


def my_meetings(*, user, now=None) -> MyMeetings:
    """The person's invitations (a contact's, a board member's, anyone's), with each
    meeting's agenda, documents and links: coming ones first, soonest first, then past ones,
    latest first. Five queries, however many meetings."""
    now = now or timezone.now()
    invitations = list(
        _own_invitations(user=user)
        .select_related("meeting__programme", "municipality")
        .prefetch_related(
            Prefetch("meeting__agenda", queryset=AgendaItem.objects.order_by("order", "pk")),
            "meeting__documents",
            "meeting__links",
        )
        .order_by("meeting__starts_at", "meeting_id")
    )
    upcoming = [i for i in invitations if i.meeting.ends_at > now]
    past = [i for i in reversed(invitations) if i.meeting.ends_at <= now]
    return MyMeetings(upcoming=upcoming, past=past)


def feed_invitations(*, user):
    """The invitations a person's calendar feed shows, oldest first: a cancelled meeting
    stays in it, so that calendars drop the entry."""
    return (
        _own_invitations(user=user)
        .select_related("meeting")
        .order_by("meeting__starts_at", "meeting_id")
    )


def invitation_for_user(*, user, pk: int) -> Invitation:
    """The person's own active invitation to a published meeting; 404 for anyone else's
    (or a withdrawn one), so an invitation id tells nothing about what exists."""
    invitation = (
        _own_invitations(user=user)
        .filter(pk=pk, meeting__status=MeetingStatus.PUBLISHED)
        .select_related("meeting")
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def invitation_answerable(invitation: Invitation, *, now=None) -> bool:
    """Answers close when the meeting is over (as meetings.services.invitation_answer
    decides), and a meeting that does not go ahead takes none."""
    meeting = invitation.meeting
    return meeting.status == MeetingStatus.PUBLISHED and meeting.ends_at > (now or timezone.now())


def municipality_upcoming_meetings(*, user, municipality, limit: int = 5) -> list[Meeting]:
    """The next published meetings the municipality is invited to (for its start page),
    each with `my_answer`: the viewing person's own answer, or None when they are not
    invited themselves (staff, or a colleague invited in their place). One query."""
    if not rules.has_perm("municipalities.view_municipality_page", user, municipality):
        raise Http404
    mine = Invitation.objects.filter(meeting=OuterRef("pk"), user=user, active=True)
    meetings = list(
        Meeting.objects.filter(
            status=MeetingStatus.PUBLISHED,
            ends_at__gt=timezone.now(),
            pk__in=Invitation.objects.filter(municipality=municipality, active=True).values(
                "meeting_id"
            ),
        )
        .annotate(my_answer=Subquery(mine.values("answer")[:1]))
        .order_by("starts_at", "pk")[:limit]
    )
    for meeting in meetings:
        meeting.my_answer_label = Answer(meeting.my_answer).label if meeting.my_answer else None
    return meetings


def calendar_feed_for_user(*, user) -> CalendarFeed | None:
    """The person's feed, if they made one."""
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The feed a secret URL opens, with its person; None for an unknown or reset token
    or a person who can no longer log in."""
    if not token or len(token) > 64:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )


def reminders_opted_out(*, user) -> bool:
    return ReminderOptOut.objects.filter(user=user).exists()
