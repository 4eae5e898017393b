"""meetings.services: audiences and invitations, publish / reschedule / cancel with their
deliveries planned in the same transaction, answers, attendance, expectations, next year's
gathering in local time, documents checked by content."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from meetings import reminders, services
from meetings.enums import (
    Answer,
    ContactScope,
    DeliveryKind,
    DeliveryStatus,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import (
    AgendaItem,
    Delivery,
    Expectation,
    ExpectationReview,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingLink,
    ReminderRule,
)
from tests.factories import (
    BoardMemberFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
    municipality,
)
from tests.meetings.conftest import days_ahead, local

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the agenda"


@pytest.fixture(autouse=True)
def english():
    """The services' messages are matched in English here; the UI's default is Dutch."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff(meetings_world):
    return meetings_world.staff


@pytest.fixture
def draft(make_meeting):
    """A draft pilot group meeting a fortnight ahead, nobody invited yet."""

    def make(**fields):
        fields.setdefault("status", MeetingStatus.DRAFT)
        fields.setdefault("published_at", None)
        return make_meeting(invite=[], **fields)

    return make


def invited(meeting, active=True) -> set:
    return set(meeting.invitations.filter(active=active).values_list("user_id", "municipality_id"))


def pairs(contacts) -> set:
    return {(contact.user_id, contact.municipality_id) for contact in contacts}


def first_of_each(contacts) -> list:
    first = {}
    for contact in sorted(contacts, key=lambda c: c.pk):
        first.setdefault(contact.municipality_id, contact)
    return list(first.values())


def deliveries(meeting, kind) -> list:
    return list(Delivery.objects.filter(meeting=meeting, kind=kind).order_by("pk"))


# --- The audience -------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ContactScope.values)
@pytest.mark.parametrize(
    "audience", [MeetingAudience.PILOT, MeetingAudience.OUTREACH, MeetingAudience.ALL]
)
def test_group_audiences_invite_exactly_their_contacts(meetings_world, draft, audience, scope):
    meeting = draft(audience=audience, contact_scope=scope)
    w = meetings_world
    contacts = {
        MeetingAudience.PILOT: w.pilot_contacts,
        MeetingAudience.OUTREACH: w.outreach_contacts,
        MeetingAudience.ALL: w.pilot_contacts + w.outreach_contacts,
    }[audience]
    if scope == ContactScope.FIRST:
        contacts = first_of_each(contacts)
    expected = pairs(contacts)
    if audience == MeetingAudience.ALL:
        expected |= {(user.pk, None) for user in w.board_users}

    new = services.invitations_sync(meeting=meeting)

    assert invited(meeting) == expected
    assert {(i.user_id, i.municipality_id) for i in new} == expected


def test_first_contact_is_the_first_by_pk(meetings_world, draft):
    gent = [c for c in meetings_world.pilot_contacts if c.municipality_id == "44021"]
    assert len(gent) == 2
    meeting = draft(contact_scope=ContactScope.FIRST)
    services.invitations_sync(meeting=meeting)
    gent_invited = meeting.invitations.filter(municipality_id="44021")
    first = min(gent, key=lambda c: c.pk)
    assert list(gent_invited.values_list("user_id", flat=True)) == [first.user_id]


def test_board_audience_invites_the_active_members_only(meetings_world, draft):
    meeting = draft(kind=MeetingKind.BOARD_MEETING, audience=MeetingAudience.BOARD)
    services.invitations_sync(meeting=meeting)
    assert invited(meeting) == {(user.pk, None) for user in meetings_world.board_users}
    assert not meeting.invitations.filter(user=meetings_world.inactive_member.user).exists()


@pytest.mark.parametrize("scope", ContactScope.values)
def test_chosen_audience_invites_the_chosen_municipalities_and_people(meetings_world, draft, scope):
    meeting = draft(audience=MeetingAudience.CHOSEN, contact_scope=scope)
    outsider = UserFactory(password=None)
    member = meetings_world.board_users[0]
    meeting.chosen_municipalities.set(["44021", "23027"])
    meeting.chosen_people.set([outsider, member])
    contacts = [
        c
        for c in meetings_world.pilot_contacts + meetings_world.outreach_contacts
        if c.municipality_id in ("44021", "23027")
    ]
    if scope == ContactScope.FIRST:
        contacts = first_of_each(contacts)

    services.invitations_sync(meeting=meeting)

    assert invited(meeting) == pairs(contacts) | {(outsider.pk, None), (member.pk, None)}


def test_deactivated_accounts_are_not_invited(meetings_world, draft):
    left = meetings_world.outreach_contacts[0].user
    left.is_active = False
    left.save()
    meeting = draft(audience=MeetingAudience.OUTREACH)
    services.invitations_sync(meeting=meeting)
    assert invited(meeting) == pairs(meetings_world.outreach_contacts[1:])


def test_a_changed_audience_deactivates_and_keeps_the_old_invitations(meetings_world, draft):
    meeting = draft(audience=MeetingAudience.PILOT)
    services.invitations_sync(meeting=meeting)
    answered = meeting.invitations.first()
    answered.answer = Answer.YES
    answered.save()

    meeting.audience = MeetingAudience.OUTREACH
    meeting.save()
    new = services.invitations_sync(meeting=meeting)

    assert invited(meeting) == pairs(meetings_world.outreach_contacts)
    assert invited(meeting, active=False) == pairs(meetings_world.pilot_contacts)
    assert {i.user_id for i in new} == {c.user_id for c in meetings_world.outreach_contacts}
    answered.refresh_from_db()
    assert (answered.active, answered.answer) == (False, Answer.YES)

    # Back to the pilot group: the same rows come back, counted as new (to be told again).
    meeting.audience = MeetingAudience.PILOT
    meeting.save()
    new = services.invitations_sync(meeting=meeting)
    assert {i.user_id for i in new} == {c.user_id for c in meetings_world.pilot_contacts}
    assert Invitation.objects.filter(meeting=meeting).count() == 6
    assert services.invitations_sync(meeting=meeting) == []


# --- Publish ------------------------------------------------------------------------------


def test_publish_invites_and_plans_invitations_and_reminders(
    meetings_world, draft, staff, reminder_rules
):
    meeting = draft()
    services.meeting_publish(meeting=meeting, actor=staff)

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert meeting.published_at is not None
    invitees = {c.user_id for c in meetings_world.pilot_contacts}
    assert {i.user_id for i in meeting.invitations.filter(active=True)} == invitees
    notices = deliveries(meeting, DeliveryKind.INVITATION)
    assert {d.recipient_id for d in notices} == invitees
    assert {d.key for d in notices} == {"invitation:s0"}
    rules = ReminderRule.objects.filter(kind=MeetingKind.PILOT_MEETING, active=True)
    planned = deliveries(meeting, DeliveryKind.REMINDER)
    assert {d.rule_id for d in planned} == {r.pk for r in rules}
    assert len(planned) == sum(len(invitees) if r.target == "invitees" else 1 for r in rules)
    assert meeting.history.first().history_user == staff


def test_publish_rolls_back_with_its_deliveries(draft, staff, reminder_rules):
    meeting = draft()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.meeting_publish(meeting=meeting, actor=staff)
        assert Delivery.objects.filter(meeting=meeting).exists()
        raise RuntimeError("the request failed after the publish")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not Invitation.objects.filter(meeting=meeting).exists()
    assert not Delivery.objects.filter(meeting=meeting).exists()


def test_publish_is_undone_when_planning_fails(draft, staff, monkeypatch):
    meeting = draft()

    def broken(**kwargs):
        raise RuntimeError("planning failed")

    monkeypatch.setattr(reminders, "reminders_plan", broken)
    with pytest.raises(RuntimeError):
        services.meeting_publish(meeting=meeting, actor=staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not Invitation.objects.filter(meeting=meeting).exists()
    assert not Delivery.objects.filter(meeting=meeting).exists()


def test_publish_refuses_cancelled_and_past_meetings(draft, staff):
    cancelled = draft(status=MeetingStatus.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_publish(meeting=cancelled, actor=staff)
    past = draft(starts_at=days_ahead(-1), ends_at=days_ahead(-1, 12))
    with pytest.raises(ValidationError, match="past"):
        services.meeting_publish(meeting=past, actor=staff)
    assert not Invitation.objects.exists()


def test_publish_by_a_non_staff_user_is_refused(meetings_world, draft):
    meeting = draft()
    with pytest.raises(PermissionDenied):
        services.meeting_publish(meeting=meeting, actor=meetings_world.pilot_users[0])
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT


def test_republishing_with_a_wider_audience_invites_and_tells_only_the_newcomers(
    meetings_world, draft, staff, reminder_rules
):
    meeting = draft()
    services.meeting_publish(meeting=meeting, actor=staff)
    services.meeting_update(meeting=meeting, actor=staff, audience=MeetingAudience.ALL)

    notices = deliveries(meeting, DeliveryKind.INVITATION)
    everyone = {
        u.pk
        for u in meetings_world.pilot_users
        + meetings_world.outreach_users
        + meetings_world.board_users
    }
    assert sorted(d.recipient_id for d in notices) == sorted(everyone)
    reminded = {d.recipient_id for d in deliveries(meeting, DeliveryKind.REMINDER)}
    assert everyone <= reminded
    assert not deliveries(meeting, DeliveryKind.UPDATE)


# --- Reschedule ---------------------------------------------------------------------------


def test_reschedule_bumps_the_sequence_tells_the_invitees_and_replans(
    meetings_world, draft, staff, reminder_rules
):
    meeting = draft()
    services.meeting_publish(meeting=meeting, actor=staff)
    old_reminders = deliveries(meeting, DeliveryKind.REMINDER)
    starts = meeting.starts_at + timedelta(days=7)

    services.meeting_reschedule(
        meeting=meeting,
        actor=staff,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        location="Gent, Stadhuis",
    )

    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert (meeting.starts_at, meeting.location) == (starts, "Gent, Stadhuis")
    updates = deliveries(meeting, DeliveryKind.UPDATE)
    assert {d.recipient_id for d in updates} == {u.pk for u in meetings_world.pilot_users}
    assert {d.key for d in updates} == {"update:s1"}
    for row in old_reminders:
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SUPERSEDED
    current = Delivery.objects.filter(
        meeting=meeting, kind=DeliveryKind.REMINDER, status=DeliveryStatus.PLANNED
    )
    assert current.count() == len(old_reminders)
    assert all(d.key.endswith(":s1") for d in current)


def test_reschedule_without_a_change_tells_nobody(draft, staff, reminder_rules):
    meeting = draft()
    services.meeting_publish(meeting=meeting, actor=staff)
    services.meeting_reschedule(
        meeting=meeting, actor=staff, starts_at=meeting.starts_at, ends_at=meeting.ends_at
    )
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    assert not deliveries(meeting, DeliveryKind.UPDATE)


def test_reschedule_of_a_draft_just_saves(draft, staff):
    meeting = draft()
    starts = meeting.starts_at + timedelta(days=1)
    services.meeting_reschedule(
        meeting=meeting, actor=staff, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.sequence) == (starts, 0)
    assert not Delivery.objects.filter(meeting=meeting).exists()


def test_reschedule_refuses_an_end_before_the_start_and_the_past(published_meeting, staff):
    with pytest.raises(ValidationError, match="end after"):
        services.meeting_reschedule(
            meeting=published_meeting,
            actor=staff,
            starts_at=published_meeting.starts_at,
            ends_at=published_meeting.starts_at - timedelta(minutes=1),
        )
    with pytest.raises(ValidationError, match="past"):
        services.meeting_reschedule(
            meeting=published_meeting,
            actor=staff,
            starts_at=days_ahead(-2),
            ends_at=days_ahead(-2, 12),
        )
    published_meeting.refresh_from_db()
    assert published_meeting.sequence == 0


def test_editing_a_published_meeting_reschedules_through_the_service(
    meetings_world, published_meeting, staff
):
    starts = published_meeting.starts_at + timedelta(hours=1)
    services.meeting_update(
        meeting=published_meeting,
        actor=staff,
        title="Tweede bijeenkomst (nieuw uur)",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    published_meeting.refresh_from_db()
    assert published_meeting.title == "Tweede bijeenkomst (nieuw uur)"
    assert published_meeting.sequence == 1
    updates = deliveries(published_meeting, DeliveryKind.UPDATE)
    assert {d.recipient_id for d in updates} == {u.pk for u in meetings_world.pilot_users}


# --- Cancel -------------------------------------------------------------------------------


def test_cancel_supersedes_reminders_and_tells_the_invitees(
    meetings_world, draft, staff, reminder_rules
):
    meeting = draft()
    services.meeting_publish(meeting=meeting, actor=staff)
    assert deliveries(meeting, DeliveryKind.REMINDER)

    services.meeting_cancel(meeting=meeting, actor=staff, reason="De spreker is ziek.")

    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (MeetingStatus.CANCELLED, 1)
    assert {d.status for d in deliveries(meeting, DeliveryKind.REMINDER)} == {
        DeliveryStatus.SUPERSEDED
    }
    cancellations = deliveries(meeting, DeliveryKind.CANCELLATION)
    assert {d.recipient_id for d in cancellations} == {u.pk for u in meetings_world.pilot_users}
    record = meeting.history.first()
    assert (record.history_user, record.history_change_reason) == (staff, "De spreker is ziek.")
    with pytest.raises(ValidationError, match="already cancelled"):
        services.meeting_cancel(meeting=meeting, actor=staff)
    with pytest.raises(ValidationError):
        services.meeting_reschedule(
            meeting=meeting,
            actor=staff,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at + timedelta(hours=1),
        )


def test_cancel_refuses_a_meeting_that_has_started(make_meeting, staff):
    meeting = make_meeting(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ValidationError, match="started"):
        services.meeting_cancel(meeting=meeting, actor=staff)


# --- Answers ------------------------------------------------------------------------------


def test_an_invitee_answers_their_own_invitation(published_meeting):
    invitation = published_meeting.invitations.first()
    services.invitation_answer(invitation=invitation, answer=Answer.YES, actor=invitation.user)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.YES
    assert invitation.answered_at is not None
    assert invitation.history.first().history_user == invitation.user


def test_an_answer_through_the_signed_link_needs_no_actor(published_meeting):
    invitation = published_meeting.invitations.first()
    services.invitation_answer(invitation=invitation, answer=Answer.MAYBE)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.MAYBE


def test_nobody_answers_for_someone_else(published_meeting, meetings_world, staff):
    invitation, other = published_meeting.invitations.all()[:2]
    for actor in (other.user, staff, meetings_world.outreach_users[0]):
        with pytest.raises(PermissionDenied):
            services.invitation_answer(invitation=invitation, answer=Answer.NO, actor=actor)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


@pytest.mark.parametrize("case", ["cancelled", "over", "inactive", "draft", "pending_is_no_answer"])
def test_answers_are_refused(make_meeting, case):
    fields = {}
    if case == "cancelled":
        fields["status"] = MeetingStatus.CANCELLED
    elif case == "over":
        fields = {"starts_at": days_ahead(-1), "ends_at": days_ahead(-1, 12)}
    elif case == "draft":
        fields["status"] = MeetingStatus.DRAFT
    meeting = make_meeting(**fields)
    invitation = meeting.invitations.first()
    if case == "inactive":
        invitation.active = False
        invitation.save()
    answer = Answer.PENDING if case == "pending_is_no_answer" else Answer.YES
    with pytest.raises(ValidationError):
        services.invitation_answer(invitation=invitation, answer=answer)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


# --- Attendance ---------------------------------------------------------------------------


def test_attendance_is_recorded_once_the_meeting_has_started(make_meeting, staff):
    meeting = make_meeting(starts_at=days_ahead(-1), ends_at=days_ahead(-1, 12))
    first, second, *rest = meeting.invitations.order_by("pk")
    changed = services.attendance_record(
        meeting=meeting, actor=staff, attended={first.pk: True, second.pk: False}
    )
    assert changed == 2
    assert dict(meeting.invitations.values_list("pk", "attended")) == {
        first.pk: True,
        second.pk: False,
        **{i.pk: None for i in rest},
    }
    assert first.history.first().history_user == staff


def test_attendance_before_the_start_is_refused(published_meeting, staff):
    invitation = published_meeting.invitations.first()
    with pytest.raises(ValidationError, match="started"):
        services.attendance_record(
            meeting=published_meeting, actor=staff, attended={invitation.pk: True}
        )


def test_attendance_with_another_meetings_invitation_writes_nothing(make_meeting, staff):
    meeting = make_meeting(starts_at=days_ahead(-1), ends_at=days_ahead(-1, 12))
    other = make_meeting(starts_at=days_ahead(-2), ends_at=days_ahead(-2, 12))
    own, foreign = meeting.invitations.first(), other.invitations.first()
    with pytest.raises(ValidationError, match="not invited"):
        services.attendance_record(
            meeting=meeting, actor=staff, attended={own.pk: True, foreign.pk: True}
        )
    assert not Invitation.objects.filter(attended__isnull=False).exists()


# --- Expectations -------------------------------------------------------------------------


@pytest.fixture
def first_meeting(make_meeting):
    return make_meeting(
        title="Startbijeenkomst", starts_at=local(2017, 5, 16, 13), ends_at=local(2017, 5, 16, 16)
    )


def test_an_expectation_is_recorded_with_its_audiences(first_meeting, staff):
    expectation = services.expectation_record(
        meeting=first_meeting,
        actor=staff,
        municipality=municipality("44021"),
        category=ExpectationCategory.SUPPORT,
        text="Draagvlak verbreden bij ambtenaren en politici.",
        audiences=["civil_servants", "politicians", "civil_servants"],
    )
    assert expectation.audiences == ["civil_servants", "politicians"]
    assert expectation.created_by == staff
    with pytest.raises(ValidationError):
        services.expectation_record(
            meeting=first_meeting,
            actor=staff,
            municipality=None,
            category=ExpectationCategory.POLICY,
            text="x",
            audiences=["aliens"],
        )
    # A municipality outside the programme's groups and the meeting's invitees.
    with pytest.raises(ValidationError):
        services.expectation_record(
            meeting=first_meeting,
            actor=staff,
            municipality=municipality("46003"),
            category=ExpectationCategory.POLICY,
            text="SDG's in de omgevingsanalyse.",
        )
    assert Expectation.objects.count() == 1


def test_an_expectation_is_reviewed_only_at_a_later_meeting_of_its_programme(
    first_meeting, make_meeting, staff
):
    expectation = services.expectation_record(
        meeting=first_meeting,
        actor=staff,
        municipality=None,
        category=ExpectationCategory.POLICY,
        text="De SDG's in het meerjarenplan.",
    )
    earlier = make_meeting(starts_at=local(2017, 3, 1, 10), ends_at=local(2017, 3, 1, 12))
    other_programme = make_meeting(
        programme=ProgrammeFactory(),
        starts_at=local(2017, 9, 1, 10),
        ends_at=local(2017, 9, 1, 12),
    )
    for meeting in (first_meeting, earlier, other_programme):
        with pytest.raises(ValidationError):
            services.expectation_review(
                expectation=expectation, meeting=meeting, actor=staff, fulfilment=Fulfilment.MET
            )
    assert not ExpectationReview.objects.exists()

    later = make_meeting(starts_at=local(2017, 10, 5, 10), ends_at=local(2017, 10, 5, 12))
    services.expectation_review(
        expectation=expectation,
        meeting=later,
        actor=staff,
        fulfilment=Fulfilment.PARTLY,
        note="In de omgevingsanalyse, nog niet in het plan.",
    )
    services.expectation_review(
        expectation=expectation, meeting=later, actor=staff, fulfilment=Fulfilment.MET
    )
    review = ExpectationReview.objects.get()
    assert (review.meeting, review.fulfilment, review.reviewed_by) == (
        later,
        Fulfilment.MET,
        staff,
    )


# --- Next year's gathering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "expected_utc"),
    [
        # The example of the issue: both in summer time.
        (local(2017, 10, 20, 10), datetime(2018, 10, 20, 8, tzinfo=UTC)),
        # Summer time this year (DST ends 28 October 2018), winter time next year (DST
        # ended 27 October 2019 at 03:00): the same 10:00 on the wall clock.
        (local(2018, 10, 27, 10), datetime(2019, 10, 27, 9, tzinfo=UTC)),
        # Summer time since 25 March 2018 02:00; on 25 March 2019 it is still winter time.
        (local(2018, 3, 25, 10), datetime(2019, 3, 25, 9, tzinfo=UTC)),
    ],
)
def test_next_years_gathering_keeps_the_local_time(make_meeting, staff, starts, expected_utc):
    gathering = make_meeting(
        kind=MeetingKind.ANNUAL_GATHERING,
        audience=MeetingAudience.ALL,
        title=f"Jaarlijkse SDG-bijeenkomst {starts.year}",
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
    )
    new = services.gathering_next_year(meeting=gathering, actor=staff)
    assert new.starts_at == expected_utc
    assert new.starts_at.astimezone(starts.tzinfo).hour == 10
    assert new.ends_at.astimezone(starts.tzinfo).hour == 16
    assert new.title == f"Jaarlijkse SDG-bijeenkomst {starts.year + 1}"


def test_next_years_gathering_copies_the_meeting_as_a_draft(make_meeting, meetings_world, staff):
    gathering = make_meeting(
        kind=MeetingKind.ANNUAL_GATHERING,
        audience=MeetingAudience.CHOSEN,
        contact_scope=ContactScope.FIRST,
        title="Annual SDG gathering 2018",
        starts_at=local(2018, 10, 20, 10),
        ends_at=local(2018, 10, 20, 16),
        location="Mechelen, Lamot",
        description="Voor alle deelnemers.",
    )
    gathering.chosen_municipalities.set(["44021"])
    gathering.chosen_people.set([meetings_world.board_users[0]])
    AgendaItem.objects.create(meeting=gathering, order=1, title="Welkom", minutes=15)
    AgendaItem.objects.create(meeting=gathering, order=2, title="Workshops", minutes=120)
    MeetingLink.objects.create(meeting=gathering, title="Inschrijven", url="https://vvsg.be/sdg")

    new = services.gathering_next_year(meeting=gathering, actor=staff)

    assert new.pk != gathering.pk
    assert (new.status, new.sequence, new.published_at) == (MeetingStatus.DRAFT, 0, None)
    assert new.title == "Annual SDG gathering 2019"
    assert (new.programme, new.kind, new.audience, new.contact_scope) == (
        gathering.programme,
        MeetingKind.ANNUAL_GATHERING,
        MeetingAudience.CHOSEN,
        ContactScope.FIRST,
    )
    assert (new.location, new.description) == ("Mechelen, Lamot", "Voor alle deelnemers.")
    assert list(new.agenda.values_list("order", "title", "minutes")) == [
        (1, "Welkom", 15),
        (2, "Workshops", 120),
    ]
    assert list(new.links.values_list("title", "url")) == [("Inschrijven", "https://vvsg.be/sdg")]
    assert set(new.chosen_municipalities.values_list("pk", flat=True)) == {"44021"}
    assert list(new.chosen_people.all()) == [meetings_world.board_users[0]]
    assert not new.invitations.exists()
    assert new.uid != gathering.uid
    # A second click makes no second copy.
    with pytest.raises(ValidationError, match="already exists"):
        services.gathering_next_year(meeting=gathering, actor=staff)
    assert Meeting.objects.filter(kind=MeetingKind.ANNUAL_GATHERING).count() == 2


def test_a_title_without_the_year_is_kept(make_meeting, staff):
    gathering = make_meeting(
        kind=MeetingKind.ANNUAL_GATHERING,
        title="SDG-dag",
        starts_at=local(2019, 10, 18, 9),
        ends_at=local(2019, 10, 18, 17),
    )
    assert services.gathering_next_year(meeting=gathering, actor=staff).title == "SDG-dag"


def test_only_an_annual_gathering_is_repeated(published_meeting, staff):
    with pytest.raises(ValidationError, match="annual"):
        services.gathering_next_year(meeting=published_meeting, actor=staff)
    assert Meeting.objects.count() == 1


# --- Documents ----------------------------------------------------------------------------


def test_a_document_is_stored_under_its_checked_type(published_meeting, staff):
    document = services.meeting_document_add(
        meeting=published_meeting,
        actor=staff,
        upload=SimpleUploadedFile("../../Agenda mei.pdf", PDF),
    )
    assert (document.name, document.extension, document.size) == ("Agenda mei.pdf", "pdf", len(PDF))
    assert document.file.name.startswith(f"meetings/{published_meeting.pk}/")
    assert document.file.name.endswith(".pdf")
    assert "Agenda" not in document.file.name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("agenda.pdf", b"GIF89a not a pdf"),
        ("agenda.pdf", b"\x89PNG\r\n\x1a\n a png"),
        ("script.html", b"<script>alert(1)</script>"),
        ("leeg.pdf", b""),
    ],
)
def test_a_document_of_another_type_than_claimed_is_refused(
    published_meeting, staff, name, content
):
    with pytest.raises(ValidationError):
        services.meeting_document_add(
            meeting=published_meeting, actor=staff, upload=SimpleUploadedFile(name, content)
        )
    assert not MeetingDocument.objects.exists()


def test_a_document_by_a_non_staff_user_is_refused(published_meeting, meetings_world):
    with pytest.raises(PermissionDenied):
        services.meeting_document_add(
            meeting=published_meeting,
            actor=meetings_world.pilot_users[0],
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    assert not MeetingDocument.objects.exists()


# --- Minutes ------------------------------------------------------------------------------


def test_the_report_is_saved_with_its_author(published_meeting, staff):
    services.meeting_report_save(
        meeting=published_meeting, actor=staff, minutes="Verslag.", outcome="Goed verlopen."
    )
    published_meeting.refresh_from_db()
    assert (published_meeting.minutes, published_meeting.outcome) == ("Verslag.", "Goed verlopen.")
    assert published_meeting.history.first().history_user == staff


def test_a_contact_who_is_also_a_board_member_is_invited_once(meetings_world, draft):
    contact = meetings_world.pilot_contacts[0]
    BoardMemberFactory(programme=meetings_world.programme, user=contact.user)
    meeting = draft(audience=MeetingAudience.ALL)
    services.invitations_sync(meeting=meeting)
    assert meeting.invitations.filter(user=contact.user).count() == 1
    assert meeting.invitations.get(user=contact.user).municipality_id == contact.municipality_id


def test_a_new_contact_is_invited_when_the_meeting_is_published_again(
    meetings_world, draft, staff, reminder_rules
):
    meeting = draft()
    services.meeting_publish(meeting=meeting, actor=staff)
    newcomer = MunicipalityContactFactory(municipality=municipality("71022"), user__password=None)
    services.meeting_publish(meeting=meeting, actor=staff)
    assert [d.recipient_id for d in deliveries(meeting, DeliveryKind.INVITATION)].count(
        newcomer.user_id
    ) == 1
