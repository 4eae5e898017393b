"""The meetings' admin: every page renders for a superuser; publishing, rescheduling and
cancelling go through meetings.services; what the application writes is read-only."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from meetings.enums import DeliveryKind, MeetingAudience, MeetingStatus
from meetings.models import (
    AgendaItem,
    CalendarFeed,
    Delivery,
    DispatchState,
    Expectation,
    ExpectationReview,
    Invitation,
    Meeting,
    ReminderOptOut,
    ReminderRule,
)
from meetings.reminders import reminders_plan
from meetings.services import meeting_publish
from tests.factories import UserFactory
from tests.meetings.conftest import BRUSSELS, local

pytestmark = pytest.mark.django_db

MODELS = [
    Meeting,
    ReminderRule,
    Delivery,
    Invitation,
    Expectation,
    CalendarFeed,
    ReminderOptOut,
    DispatchState,
]
READ_ONLY = [Delivery, Invitation, CalendarFeed, ReminderOptOut, DispatchState]


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def superuser(db):
    return UserFactory(email="beheer@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def filled(published_meeting, meetings_world, reminder_rules):
    """One row of every model, so each change page has something to show."""
    meeting_publish(meeting=published_meeting, actor=meetings_world.staff)
    user = meetings_world.pilot_users[0]
    CalendarFeed.objects.create(user=user, token="s3cr3t-token-never-shown")
    ReminderOptOut.objects.create(user=user)
    DispatchState.objects.create(paused=False)
    expectation = Expectation.objects.create(
        meeting=published_meeting, category="support", text="Draagvlak verbreden."
    )
    AgendaItem.objects.create(meeting=published_meeting, order=1, title="Welkom")
    return {
        Meeting: published_meeting,
        ReminderRule: ReminderRule.objects.first(),
        Delivery: Delivery.objects.filter(meeting=published_meeting).first(),
        Invitation: published_meeting.invitations.first(),
        Expectation: expectation,
        CalendarFeed: CalendarFeed.objects.get(),
        ReminderOptOut: ReminderOptOut.objects.get(),
        DispatchState: DispatchState.objects.get(),
    }


def _url(model, view, *args):
    return reverse(f"admin:meetings_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_page_renders(admin_client, filled, model):
    assert admin.site.is_registered(model)
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    assert admin_client.get(_url(model, "changelist"), {"q": "x"}).status_code == 200
    response = admin_client.get(_url(model, "change", filled[model].pk))
    assert response.status_code == 200
    add = admin_client.get(_url(model, "add"))
    assert add.status_code == (403 if model in READ_ONLY else 200)


def test_the_calendar_token_is_never_shown(admin_client, filled):
    for url in (
        _url(CalendarFeed, "changelist"),
        _url(CalendarFeed, "change", filled[CalendarFeed].pk),
    ):
        assert "s3cr3t-token-never-shown" not in admin_client.get(url).content.decode()


def test_read_only_rows_cannot_be_changed(admin_client, filled):
    invitation = filled[Invitation]
    admin_client.post(_url(Invitation, "change", invitation.pk), {"answer": "yes", "active": "on"})
    invitation.refresh_from_db()
    assert invitation.answer == "pending"


def _change_data(meeting, **extra):
    starts = meeting.starts_at.astimezone(BRUSSELS)
    ends = meeting.ends_at.astimezone(BRUSSELS)
    data = {
        "programme": meeting.programme_id,
        "kind": meeting.kind,
        "title": meeting.title,
        "organiser": meeting.organiser_id or "",
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "ends_at_0": ends.strftime("%Y-%m-%d"),
        "ends_at_1": ends.strftime("%H:%M:%S"),
        "location": meeting.location,
        "online_link": meeting.online_link,
        "description": meeting.description,
        "audience": meeting.audience,
        "contact_scope": meeting.contact_scope,
        "minutes": meeting.minutes,
        "outcome": meeting.outcome,
    }
    for prefix in ("agenda", "links", "documents", "invitations", "deliveries"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(extra)
    return data


def test_saving_a_published_meeting_with_new_times_reschedules_it(
    admin_client, published_meeting, meetings_world, superuser
):
    new_start = (published_meeting.starts_at + timedelta(days=2)).astimezone(BRUSSELS)
    response = admin_client.post(
        _url(Meeting, "change", published_meeting.pk),
        _change_data(
            published_meeting,
            starts_at_0=new_start.strftime("%Y-%m-%d"),
            ends_at_0=(new_start + timedelta(hours=2)).strftime("%Y-%m-%d"),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    published_meeting.refresh_from_db()
    assert published_meeting.starts_at == new_start
    assert published_meeting.sequence == 1
    updates = Delivery.objects.filter(meeting=published_meeting, kind=DeliveryKind.UPDATE)
    assert {d.recipient_id for d in updates} == {u.pk for u in meetings_world.pilot_users}
    assert published_meeting.history.first().history_user == superuser


def test_a_published_meeting_cannot_be_moved_into_the_past_in_the_admin(
    admin_client, published_meeting
):
    yesterday = (timezone.now() - timedelta(days=1)).astimezone(BRUSSELS)
    response = admin_client.post(
        _url(Meeting, "change", published_meeting.pk),
        _change_data(
            published_meeting,
            starts_at_0=yesterday.strftime("%Y-%m-%d"),
            ends_at_0=yesterday.strftime("%Y-%m-%d"),
            ends_at_1="23:59:00",
            starts_at_1="23:00:00",
        ),
    )
    assert response.status_code == 200
    published_meeting.refresh_from_db()
    assert published_meeting.sequence == 0


def test_a_wider_audience_in_the_admin_invites_the_newcomers(
    admin_client, published_meeting, meetings_world
):
    response = admin_client.post(
        _url(Meeting, "change", published_meeting.pk),
        _change_data(published_meeting, audience=MeetingAudience.ALL),
    )
    assert response.status_code == 302
    newcomers = meetings_world.outreach_users + meetings_world.board_users
    notices = Delivery.objects.filter(meeting=published_meeting, kind=DeliveryKind.INVITATION)
    assert {d.recipient_id for d in notices} == {u.pk for u in newcomers}


def test_the_status_is_read_only_in_the_admin(admin_client, make_meeting):
    draft = make_meeting(status=MeetingStatus.DRAFT, published_at=None, invite=[])
    admin_client.post(
        _url(Meeting, "change", draft.pk),
        _change_data(draft, status=MeetingStatus.PUBLISHED, sequence="7"),
    )
    draft.refresh_from_db()
    assert (draft.status, draft.sequence) == (MeetingStatus.DRAFT, 0)


def test_admin_actions_publish_and_cancel_through_the_services(
    admin_client, make_meeting, reminder_rules
):
    draft = make_meeting(status=MeetingStatus.DRAFT, published_at=None, invite=[])
    past = make_meeting(
        status=MeetingStatus.DRAFT,
        starts_at=local(2017, 5, 16, 13),
        ends_at=local(2017, 5, 16, 16),
        invite=[],
    )
    response = admin_client.post(
        _url(Meeting, "changelist"),
        {"action": "publish_meetings", "_selected_action": [draft.pk, past.pk]},
        follow=True,
    )
    draft.refresh_from_db()
    past.refresh_from_db()
    assert draft.status == MeetingStatus.PUBLISHED
    assert draft.invitations.filter(active=True).count() == 4
    assert past.status == MeetingStatus.DRAFT
    assert "starts in the past" in response.content.decode()

    admin_client.post(
        _url(Meeting, "changelist"),
        {"action": "cancel_meetings", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert (draft.status, draft.sequence) == (MeetingStatus.CANCELLED, 1)
    assert Delivery.objects.filter(meeting=draft, kind=DeliveryKind.CANCELLATION).count() == 4


def test_only_a_draft_can_be_deleted(admin_client, published_meeting, make_meeting):
    assert admin_client.get(_url(Meeting, "delete", published_meeting.pk)).status_code == 403
    draft = make_meeting(status=MeetingStatus.DRAFT, invite=[])
    assert admin_client.get(_url(Meeting, "delete", draft.pk)).status_code == 200


def test_a_review_in_the_admin_must_be_at_a_later_meeting(admin_client, make_meeting):
    first = make_meeting(starts_at=local(2017, 5, 16, 13), ends_at=local(2017, 5, 16, 16))
    earlier = make_meeting(starts_at=local(2017, 3, 1, 10), ends_at=local(2017, 3, 1, 12))
    later = make_meeting(starts_at=local(2017, 10, 5, 10), ends_at=local(2017, 10, 5, 12))
    expectation = Expectation.objects.create(meeting=first, category="policy", text="SDG's.")

    def post(meeting):
        return admin_client.post(
            _url(Expectation, "change", expectation.pk),
            {
                "meeting": first.pk,
                "municipality": "",
                "category": "policy",
                "text": "SDG's.",
                "reviews-TOTAL_FORMS": "1",
                "reviews-INITIAL_FORMS": "0",
                "reviews-MIN_NUM_FORMS": "0",
                "reviews-MAX_NUM_FORMS": "1000",
                "reviews-0-meeting": meeting.pk,
                "reviews-0-fulfilment": "met",
                "reviews-0-note": "",
            },
        )

    assert post(earlier).status_code == 200
    assert not ExpectationReview.objects.exists()
    assert post(later).status_code == 302
    review = ExpectationReview.objects.get()
    assert (review.meeting, review.fulfilment) == (later, "met")


def test_a_changed_rule_replans_the_pending_reminders(admin_client, published_meeting):
    rule = ReminderRule.objects.filter(kind=published_meeting.kind, offset_days=-7).first()
    assert rule is not None
    reminders_plan(meeting=published_meeting)
    row = Delivery.objects.filter(meeting=published_meeting, rule=rule).first()
    due = row.due_at
    response = admin_client.post(
        _url(ReminderRule, "change", rule.pk),
        {
            "kind": rule.kind,
            "name": rule.name,
            "offset_days": "-5",
            "target": rule.target,
            "include_documents": "",
            "active": "on",
            "subject_nl": rule.subject_nl,
            "body_nl": rule.body_nl,
            "subject_en": rule.subject_en,
            "body_en": rule.body_en,
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()

    def wall_clock(moment):
        return moment.astimezone(BRUSSELS).replace(tzinfo=None)

    # Two days later on the Brussels wall clock (whatever DST change lies in between).
    assert wall_clock(row.due_at) - wall_clock(due) == timedelta(days=2)


def test_reminder_rule_with_a_broken_template_is_refused():
    from meetings.admin import ReminderRuleAdminForm

    form = ReminderRuleAdminForm(
        data={
            "kind": "pilot_meeting",
            "name": "Een week vooraf",
            "offset_days": "-7",
            "target": "invitees",
            "subject_nl": "Herinnering: {{ meeting }}",
            "subject_en": "Reminder: {{ meeting }}",
            "body_nl": "{% if person %}Beste {{ person }}",
            "body_en": "Dear {{ person }}",
            "active": "on",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"body_nl"}
