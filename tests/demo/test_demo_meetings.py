"""The demo's meetings: the 2017-2019 programme as it happened, with the expectations of
16 May 2017 and their reviews, and the coming board meeting of the current programme."""

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from demo.meetings import FIRST_TITLE, FOLLOW_UP_TITLE, UPCOMING_BOARD_TITLE
from demo.services import CURRENT_NAME, DECIDED_NAME, demo_seed
from meetings.enums import (
    Answer,
    DeliveryKind,
    DeliveryStatus,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import Delivery, Expectation, Invitation, Meeting
from meetings.selectors_people import my_meetings
from municipalities.enums import Audience
from selection.enums import Outcome
from selection.models import Candidacy, Programme

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo for the module, rolled back after its last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = demo_seed(password="demo-pass-123")
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def decided(demo):
    return Programme.objects.get(name=DECIDED_NAME)


@pytest.fixture
def first(decided):
    return Meeting.objects.get(programme=decided, title=FIRST_TITLE)


def test_demo_keeps_the_first_pilot_meeting_of_16_may_2017(first):
    assert first.kind == MeetingKind.PILOT_MEETING
    assert first.status == MeetingStatus.PUBLISHED
    assert first.starts_at.isoformat() == "2017-05-16T08:00:00+00:00"
    assert first.agenda.count() == 4


def test_demo_first_meeting_invites_the_20_pilot_contacts_and_records_attendance(decided, first):
    pilots = set(
        Candidacy.objects.filter(programme=decided, outcome=Outcome.PILOT).values_list(
            "municipality_id", flat=True
        )
    )
    invitations = list(first.invitations.select_related("user__municipality_contact"))
    assert len(pilots) == 20
    assert {i.municipality_id for i in invitations} == pilots and len(invitations) == 20
    assert all(
        i.user.municipality_contact.municipality_id == i.municipality_id for i in invitations
    )
    assert all(i.attended is not None for i in invitations)
    assert sum(i.attended for i in invitations) >= 14
    assert all(i.answered_at < first.starts_at for i in invitations if i.answered_at)


def test_demo_records_the_two_expectations_of_16_may_2017(first):
    expectations = {e.category: e for e in Expectation.objects.filter(meeting=first)}
    assert set(expectations) == {ExpectationCategory.SUPPORT, ExpectationCategory.POLICY}
    support = expectations[ExpectationCategory.SUPPORT]
    policy = expectations[ExpectationCategory.POLICY]
    assert set(support.audiences) == set(Audience.values)
    assert "draagvlak" in support.text and "sensibiliseren" in support.text
    assert "omgevingsanalyse" in policy.text and "meerjarenplannen" in policy.text
    assert all(e.municipality is None for e in expectations.values())
    assert support.created_at.date() == first.starts_at.date()


def test_demo_expectations_are_reviewed_at_the_follow_up_meeting(decided, first):
    follow_up = Meeting.objects.get(programme=decided, title=FOLLOW_UP_TITLE)
    assert first.starts_at < follow_up.starts_at < datetime(2018, 1, 1, tzinfo=BRUSSELS)
    reviews = {
        r.expectation.category: r
        for r in follow_up.expectation_reviews.select_related("expectation")
    }
    assert set(reviews) == {ExpectationCategory.SUPPORT, ExpectationCategory.POLICY}
    assert reviews[ExpectationCategory.SUPPORT].fulfilment == Fulfilment.PARTLY
    assert reviews[ExpectationCategory.POLICY].fulfilment in {Fulfilment.MET, Fulfilment.PARTLY}
    assert all(r.note.startswith("[Demo]") for r in reviews.values())
    assert all(r.expectation.meeting_id == first.pk for r in reviews.values())


def test_demo_programme_has_info_sessions_gatherings_and_board_meetings(decided):
    meetings = list(Meeting.objects.filter(programme=decided))
    by_kind = Counter(m.kind for m in meetings)
    assert by_kind[MeetingKind.INFO_SESSION] >= 1
    gatherings = [m for m in meetings if m.kind == MeetingKind.ANNUAL_GATHERING]
    assert sorted(m.starts_at.year for m in gatherings) == [2017, 2018, 2019]
    board_years = Counter(m.starts_at.year for m in meetings if m.kind == MeetingKind.BOARD_MEETING)
    assert board_years == {2017: 2, 2018: 2, 2019: 2}
    assert all(m.status == MeetingStatus.PUBLISHED and m.ends_at < timezone.now() for m in meetings)


def test_demo_info_session_reaches_the_30_outreach_contacts(decided):
    session = Meeting.objects.filter(programme=decided, kind=MeetingKind.INFO_SESSION).first()
    assert session.audience == MeetingAudience.OUTREACH
    outreach = set(
        Candidacy.objects.filter(programme=decided, outcome=Outcome.OUTREACH).values_list(
            "municipality_id", flat=True
        )
    )
    assert set(session.invitations.values_list("municipality_id", flat=True)) == outreach
    assert session.invitations.count() == 30


def test_demo_gathering_invites_everyone_and_board_meetings_the_board(decided):
    gathering = Meeting.objects.filter(programme=decided, kind=MeetingKind.ANNUAL_GATHERING).first()
    assert gathering.invitations.count() == 20 + 30 + 12
    board = Meeting.objects.filter(programme=decided, kind=MeetingKind.BOARD_MEETING).first()
    members = set(decided.board_members.values_list("user_id", flat=True))
    assert set(board.invitations.values_list("user_id", flat=True)) == members


def test_demo_past_meetings_sent_no_mail(decided):
    assert not Delivery.objects.filter(meeting__programme=decided).exists()


def test_demo_answers_and_attendance_look_like_a_real_programme(decided):
    answers = Counter(
        Invitation.objects.filter(meeting__programme=decided).values_list("answer", flat=True)
    )
    assert answers[Answer.YES] > answers[Answer.NO] > 0
    assert answers[Answer.MAYBE] > 0


def test_demo_upcoming_board_meeting_is_published_with_invitations_and_reminders(demo):
    current = Programme.objects.get(name=CURRENT_NAME)
    meeting = Meeting.objects.get(programme=current)
    assert meeting.title == UPCOMING_BOARD_TITLE
    assert meeting.status == MeetingStatus.PUBLISHED and meeting.published_at is not None
    local = meeting.starts_at.astimezone(BRUSSELS)
    assert local.time() == time(14, 0)
    assert local.date() == (timezone.now() + timedelta(days=21)).astimezone(BRUSSELS).date()
    members = set(current.board_members.filter(active=True).values_list("user_id", flat=True))
    assert set(meeting.invitations.filter(active=True).values_list("user_id", flat=True)) == (
        members
    )
    deliveries = Delivery.objects.filter(meeting=meeting)
    invitations = deliveries.filter(kind=DeliveryKind.INVITATION)
    assert set(invitations.values_list("recipient_id", flat=True)) == members
    assert deliveries.filter(kind=DeliveryKind.REMINDER, status=DeliveryStatus.PLANNED).exists()


def test_demo_pilot_contact_sees_the_programmes_meetings(first):
    contact = first.invitations.select_related("user").first().user
    mine = my_meetings(user=contact)
    assert first in [i.meeting for i in mine.past]
    assert mine.upcoming == []


def test_demo_decision_dates_and_attendance_match_the_board_meeting_of_2_may_2017(decided):
    """The report of 2017 must not say the board decided on the day the demo was seeded,
    nor list fewer members at the meeting than the decision records present."""
    from selection.models import Decision

    decision = Decision.objects.select_related("run").get(run__programme=decided)
    meeting = Meeting.objects.get(
        programme=decided, kind=MeetingKind.BOARD_MEETING, starts_at__date=date(2017, 5, 2)
    )
    assert decision.meeting_date == date(2017, 5, 2)
    for moment in (decision.run.created_at, decision.created_at, decision.confirmed_at):
        assert moment.astimezone(BRUSSELS).date() == date(2017, 5, 2)
    present = decision.votes.filter(present=True).count()
    assert present == meeting.invitations.filter(attended=True).count() > 0
