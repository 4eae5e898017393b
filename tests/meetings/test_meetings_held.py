"""Recording a meeting as held afterwards (meetings.services.meeting_record_held): a past
draft becomes published with its audience invited and nobody mailed, so its attendance,
expectations and reviews can be recorded; the staff page, the admin action, and the report
and dashboard that count it as held."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings import reminders, services
from meetings.enums import (
    DeliveryKind,
    DeliveryStatus,
    ExpectationCategory,
    Fulfilment,
    MeetingStatus,
    ReminderTarget,
)
from meetings.models import Delivery, Invitation, Meeting
from portal.dashboard import MINUTES_DUE_DAYS, programme_dashboard
from reports.selectors import programme_report
from tests.factories import MunicipalityContactFactory
from tests.meetings.conftest import days_ahead, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meetings_urls")]


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def staff(meetings_world):
    return meetings_world.staff


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def held(make_meeting, reminder_rules):
    """held(days=-7, **fields): a draft pilot group meeting `days` days from today (10:00 to
    12:00 Brussels time), nobody invited yet, with the default reminder policy in place."""

    def make(days=-7, **fields):
        fields.setdefault("status", MeetingStatus.DRAFT)
        fields.setdefault("published_at", None)
        fields.setdefault("starts_at", days_ahead(days))
        fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
        return make_meeting(invite=[], **fields)

    return make


def state(meeting) -> tuple:
    """What a second run must leave as it was."""
    meeting.refresh_from_db()
    return (
        meeting.status,
        meeting.published_at,
        meeting.sequence,
        meeting.history.count(),
        set(meeting.invitations.values_list("user_id", "active")),
        set(Delivery.objects.filter(meeting=meeting).values_list("pk", "status")),
    )


# --- The service ----------------------------------------------------------------------------


def test_record_held_publishes_a_past_draft_and_invites_without_any_mail(
    meetings_world, held, staff
):
    meeting = held(days=-7)
    before = timezone.now()
    services.meeting_record_held(meeting=meeting, actor=staff)

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert meeting.published_at >= before
    assert meeting.sequence == 0
    assert set(meeting.invitations.filter(active=True).values_list("user_id", flat=True)) == {
        user.pk for user in meetings_world.pilot_users
    }
    # No invitation, and nothing of the reminder policy: every time of it has passed.
    assert not Delivery.objects.filter(meeting=meeting).exists()
    record = meeting.history.first()
    assert (record.history_user, record.history_change_reason) == (staff, services.RECORDED_HELD)
    # Nothing goes out afterwards either.
    assert reminders.dispatch_due() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        pytest.param(timedelta(days=-1), timedelta(days=-1, hours=2), id="ended-yesterday"),
        pytest.param(timedelta(hours=-1), timedelta(hours=1), id="under-way"),
    ],
)
def test_record_held_plans_only_the_minutes_nudge_still_ahead(held, staff, starts, ends):
    now = timezone.now()
    meeting = held(starts_at=now + starts, ends_at=now + ends)
    services.meeting_record_held(meeting=meeting, actor=staff)

    rows = list(Delivery.objects.filter(meeting=meeting).select_related("rule"))
    assert [(row.kind, row.rule.target, row.recipient, row.status) for row in rows] == [
        (DeliveryKind.REMINDER, ReminderTarget.ORGANISER, staff, DeliveryStatus.PLANNED)
    ]
    assert rows[0].due_at > timezone.now()
    # The invitees' reminders before the start are not even stored as skipped.
    assert not Delivery.objects.filter(meeting=meeting, status=DeliveryStatus.SKIPPED).exists()


def test_record_held_twice_changes_nothing_the_second_time(meetings_world, held, staff):
    meeting = held(days=-1)
    services.meeting_record_held(meeting=meeting, actor=staff)
    first = state(meeting)
    # A contact who joined the pilot group since is not added to a meeting already held.
    newcomer = MunicipalityContactFactory(
        municipality_id=meetings_world.pilot_contacts[0].municipality_id, user__password=None
    )

    services.meeting_record_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=staff)

    assert state(meeting) == first
    assert not meeting.invitations.filter(user=newcomer.user).exists()


@pytest.mark.parametrize("status", [MeetingStatus.DRAFT, MeetingStatus.PUBLISHED])
def test_record_held_refuses_a_meeting_that_has_not_started(held, staff, status):
    meeting = held(days=7, status=status)
    before = state(meeting)
    with pytest.raises(ValidationError) as refusal:
        services.meeting_record_held(meeting=meeting, actor=staff)
    assert refusal.value.code == "future"
    assert "publish it" in refusal.value.messages[0]
    assert state(meeting) == before


@pytest.mark.parametrize("days", [-7, 7])
def test_record_held_refuses_a_cancelled_meeting(held, staff, days):
    meeting = held(days=days, status=MeetingStatus.CANCELLED)
    before = state(meeting)
    with pytest.raises(ValidationError) as refusal:
        services.meeting_record_held(meeting=meeting, actor=staff)
    assert refusal.value.code == "cancelled"
    assert state(meeting) == before


@pytest.mark.parametrize("who", ["contact", "member"])
def test_record_held_refuses_anyone_but_staff(meetings_world, held, who):
    meeting = held(days=-7)
    user = {"contact": meetings_world.pilot_users[0], "member": meetings_world.board_users[0]}[who]
    with pytest.raises(PermissionDenied):
        services.meeting_record_held(meeting=meeting, actor=user)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not meeting.invitations.exists()


def test_publishing_a_past_draft_points_to_recording_it_as_held(held, staff):
    meeting = held(days=-7)
    with pytest.raises(ValidationError) as refusal:
        services.meeting_publish(meeting=meeting, actor=staff)
    assert refusal.value.code == "past"
    assert "record it as held" in refusal.value.messages[0]


def test_a_meeting_recorded_as_held_takes_attendance_expectations_and_reviews(
    meetings_world, held, staff
):
    first = held(starts_at=local(2017, 5, 16, 13), ends_at=local(2017, 5, 16, 16))
    later = held(starts_at=local(2017, 11, 21, 13), ends_at=local(2017, 11, 21, 16))
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=first, actor=staff, attended={})
    for meeting in (first, later):
        services.meeting_record_held(meeting=meeting, actor=staff)

    invitation = first.invitations.order_by("pk").first()
    assert services.attendance_record(meeting=first, actor=staff, attended={invitation.pk: True})
    expectation = services.expectation_record(
        meeting=first,
        actor=staff,
        municipality=meetings_world.pilot_contacts[0].municipality,
        category=ExpectationCategory.POLICY,
        text="De SDG's in de omgevingsanalyse.",
    )
    review = services.expectation_review(
        expectation=expectation, meeting=later, actor=staff, fulfilment=Fulfilment.PARTLY
    )
    invitation.refresh_from_db()
    assert invitation.attended is True
    assert review.meeting == later


def test_the_report_and_the_dashboard_count_it_as_held(meetings_world, held, staff):
    meeting = held(days=-(MINUTES_DUE_DAYS + 7))
    services.meeting_record_held(meeting=meeting, actor=staff)
    invitation = meeting.invitations.order_by("pk").first()
    services.attendance_record(meeting=meeting, actor=staff, attended={invitation.pk: True})
    programme = meetings_world.programme

    report = programme_report(user=staff, programme=programme)
    assert [(m.pk, m.attended_count) for m in report.meetings.held] == [(meeting.pk, 1)]
    dashboard = programme_dashboard(user=staff, programme=programme)
    # Held without minutes for longer than the dashboard allows: on its list to write them.
    assert dashboard.attention.overdue_minutes == [meeting]
    assert dashboard.meetings == []


# --- The staff page -------------------------------------------------------------------------


def _url(meeting) -> str:
    return reverse("meetings:record_held", args=[meeting.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_past_draft_offers_record_as_held_instead_of_publishing(staff_client, held):
    past, future = held(days=-7), held(days=7)
    page = staff_client.get(reverse("meetings:detail", args=[past.pk])).content.decode()
    assert f'action="{_url(past)}"' in page
    assert reverse("meetings:publish", args=[past.pk]) not in page
    page = staff_client.get(reverse("meetings:detail", args=[future.pk])).content.decode()
    assert _url(future) not in page
    assert reverse("meetings:publish", args=[future.pk]) in page
    # Its attendance page says where to go first.
    page = staff_client.get(reverse("meetings:attendance", args=[past.pk])).content.decode()
    assert 'id="attendance-record-held"' in page


def test_record_held_button_leads_to_the_attendance_that_then_saves(
    staff_client, meetings_world, held
):
    meeting = held(days=-7)
    response = staff_client.post(_url(meeting))
    assert response.status_code == 302
    assert response.url == reverse("meetings:attendance", args=[meeting.pk])
    assert _messages(response) == [
        "The meeting is recorded as held, without any mail: 4 people are on its list. "
        "Tick who attended."
    ]
    page = staff_client.get(response.url)
    invitations = list(meeting.invitations.order_by("pk"))
    assert f'value="{invitations[0].pk}"' in page.content.decode()

    response = staff_client.post(response.url, {"attended": [invitations[0].pk]})
    assert response.status_code == 302
    attended = dict(meeting.invitations.values_list("pk", "attended"))
    assert attended == {invitations[0].pk: True} | {i.pk: False for i in invitations[1:]}
    assert not Delivery.objects.filter(meeting=meeting).exists()


def test_a_second_press_says_it_is_done_and_changes_nothing(staff_client, held):
    meeting = held(days=-7)
    staff_client.get(staff_client.post(_url(meeting)).url)  # the first message is shown
    before = state(meeting)
    response = staff_client.post(_url(meeting))
    assert response.url == reverse("meetings:attendance", args=[meeting.pk])
    assert _messages(response) == ["This meeting is already published: record who attended."]
    assert state(meeting) == before


@pytest.mark.parametrize(
    ("days", "status", "message"),
    [
        (7, MeetingStatus.DRAFT, "This meeting has not started yet"),
        (-7, MeetingStatus.CANCELLED, "A cancelled meeting cannot be recorded as held."),
    ],
)
def test_a_refusal_is_said_on_the_meeting_page(staff_client, held, days, status, message):
    meeting = held(days=days, status=status)
    before = state(meeting)
    response = staff_client.post(_url(meeting))
    assert response.url == reverse("meetings:detail", args=[meeting.pk])
    assert _messages(response)[0].startswith(message)
    assert state(meeting) == before


@pytest.mark.parametrize("who", ["contact", "member"])
def test_anyone_but_staff_gets_403_and_nothing_is_written(client, meetings_world, held, who):
    meeting = held(days=-7)
    user = {"contact": meetings_world.pilot_users[0], "member": meetings_world.board_users[0]}[who]
    client.force_login(user)
    assert client.post(_url(meeting)).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not Invitation.objects.filter(meeting=meeting).exists()


def test_record_held_takes_only_a_post_from_staff_and_an_id_that_exists(client, staff, held):
    meeting = held(days=-7)
    response = client.post(_url(meeting))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(staff)
    assert client.get(_url(meeting)).status_code == 405
    assert client.post(reverse("meetings:record_held", args=[99999])).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT


# --- The admin ------------------------------------------------------------------------------


def test_the_admin_action_records_past_drafts_and_says_why_not_for_the_others(
    client, django_user_model, held
):
    superuser = django_user_model.objects.create_superuser(
        email="beheer@example.org", password=None
    )
    client.force_login(superuser)
    past, future = held(days=-7), held(days=7)
    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "record_meetings_held", "_selected_action": [past.pk, future.pk]},
        follow=True,
    )
    page = response.content.decode()
    past.refresh_from_db()
    future.refresh_from_db()
    assert (past.status, future.status) == (MeetingStatus.PUBLISHED, MeetingStatus.DRAFT)
    assert past.invitations.filter(active=True).count() == 4
    assert "1 meeting recorded as held." in page
    assert "has not started yet" in page
    assert not Delivery.objects.filter(meeting__in=[past, future]).exists()
