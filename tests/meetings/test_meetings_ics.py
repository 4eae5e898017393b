"""Calendar entries: a stable UID, a rising SEQUENCE, right local times across summer time,
cancellations, and the personal feed with exactly the person's meetings."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from meetings.enums import MeetingAudience, MeetingKind, MeetingStatus
from meetings.ics import calendar_feed_ics, meeting_ics
from meetings.models import Invitation, Meeting
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


def make_meeting(programme, *, starts_at, hours=2, status=MeetingStatus.PUBLISHED, **fields):
    fields.setdefault("title", "Bijeenkomst pilootgroep")
    fields.setdefault("location", "VVSG, Bischoffsheimlaan 1-8, Brussel")
    return Meeting.objects.create(
        programme=programme,
        kind=fields.pop("kind", MeetingKind.PILOT_MEETING),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        status=status,
        audience=MeetingAudience.PILOT,
        **fields,
    )


def parse(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def test_ics_uid_stays_and_sequence_rises_when_the_meeting_moves(programme):
    meeting = make_meeting(programme, starts_at=local(2026, 3, 31, 10, 0))
    _, [first] = parse(meeting_ics(meeting=meeting))
    meeting.starts_at, meeting.ends_at = local(2026, 4, 2, 14, 0), local(2026, 4, 2, 16, 0)
    meeting.sequence += 1
    meeting.save()
    _, [second] = parse(meeting_ics(meeting=meeting))
    assert str(first["UID"]) == str(second["UID"]) == f"{meeting.uid}@sdgpilot"
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (0, 1)
    assert second.decoded("DTSTART").astimezone(UTC) == datetime(2026, 4, 2, 12, 0, tzinfo=UTC)


def test_ics_follows_a_reschedule_and_a_cancel_by_the_services(programme):
    from meetings.services import meeting_cancel, meeting_reschedule

    staff = UserFactory(is_staff=True, password=None)
    meeting = make_meeting(programme, starts_at=timezone.now() + timedelta(days=20))
    _, [before] = parse(meeting_ics(meeting=meeting))
    starts = local(2030, 3, 31, 10, 0)
    meeting = meeting_reschedule(
        meeting=meeting, actor=staff, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    _, [moved] = parse(meeting_ics(meeting=meeting))
    meeting = meeting_cancel(meeting=meeting, actor=staff)
    _, [cancelled] = parse(meeting_ics(meeting=meeting, method="CANCEL"))
    assert {str(e["UID"]) for e in (before, moved, cancelled)} == {f"{meeting.uid}@sdgpilot"}
    assert [e["SEQUENCE"] for e in (before, moved, cancelled)] == [0, 1, 2]
    assert moved.decoded("DTSTART").astimezone(UTC) == datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_ics_request_holds_one_confirmed_event_with_the_meetings_facts(programme):
    meeting = make_meeting(
        programme,
        starts_at=local(2026, 3, 31, 10, 0),
        description="Kennismaking en verwachtingen.",
        online_link="https://meet.example.org/sdg",
    )
    calendar, events = parse(meeting_ics(meeting=meeting))
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar["PRODID"]).startswith("-//VVSG//")
    [event] = events
    assert str(event["SUMMARY"]) == "Bijeenkomst pilootgroep"
    assert str(event["LOCATION"]) == "VVSG, Bischoffsheimlaan 1-8, Brussel"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Kennismaking en verwachtingen." in str(event["DESCRIPTION"])
    assert "https://meet.example.org/sdg" in str(event["DESCRIPTION"])
    assert "DTSTAMP" in event
    assert str(event["ORGANIZER"]) == "mailto:sdg@example.org"


def test_ics_online_meeting_gives_its_link_as_location(programme):
    meeting = make_meeting(
        programme, starts_at=local(2026, 5, 4, 9, 0), location="", online_link="https://x.be/m"
    )
    _, [event] = parse(meeting_ics(meeting=meeting))
    assert str(event["LOCATION"]) == "https://x.be/m"


@override_settings(SITE_URL="https://sdg.vvsg.be")
def test_ics_links_to_my_meetings_when_the_site_address_is_known(programme):
    meeting = make_meeting(programme, starts_at=local(2026, 5, 4, 9, 0))
    _, [event] = parse(meeting_ics(meeting=meeting))
    assert str(event["URL"]) == "https://sdg.vvsg.be/meetings/"


@pytest.mark.parametrize(
    ("starts", "utc"),
    [
        # Summer time: 10:00 in Brussels is 08:00 UTC.
        (local(2026, 3, 31, 10, 0), datetime(2026, 3, 31, 8, 0, tzinfo=UTC)),
        # The Friday before the last Sunday of March: still winter time.
        (local(2026, 3, 27, 10, 0), datetime(2026, 3, 27, 9, 0, tzinfo=UTC)),
        # The last Sunday of October itself, after the change back.
        (local(2026, 10, 25, 10, 0), datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),
        (local(2017, 5, 16, 10, 0), datetime(2017, 5, 16, 8, 0, tzinfo=UTC)),
    ],
)
def test_ics_times_are_brussels_local_with_the_right_utc_instant(programme, starts, utc):
    meeting = make_meeting(programme, starts_at=starts)
    data = meeting_ics(meeting=meeting)
    local_start = starts.strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=Europe/Brussels:{local_start}".encode() in data
    calendar, [event] = parse(data)
    assert event.decoded("DTSTART").astimezone(UTC) == utc
    # The VTIMEZONE in the file gives the same instant (what a calendar without a zone
    # database of its own computes).
    [zone] = calendar.timezones
    assert str(zone["TZID"]) == "Europe/Brussels"
    own = zone.to_tz()
    naive = starts.replace(tzinfo=None)
    assert naive.replace(tzinfo=own).astimezone(UTC) == utc


def test_ics_vtimezone_agrees_with_the_zone_database_every_day_of_the_programmes():
    meeting = Meeting(
        title="x", starts_at=local(2026, 1, 1, 10, 0), ends_at=local(2026, 1, 1, 11, 0)
    )
    [zone] = icalendar.Calendar.from_ical(meeting_ics(meeting=meeting)).timezones
    own = zone.to_tz()
    day = date(2017, 1, 1)
    while day < date(2029, 1, 1):
        for hour in (1, 4, 10, 23):
            naive = datetime(day.year, day.month, day.day, hour, 0)
            assert (
                naive.replace(tzinfo=own).utcoffset() == naive.replace(tzinfo=BRUSSELS).utcoffset()
            ), naive
        day += timedelta(days=1)


def test_ics_cancel_has_status_cancelled(programme):
    meeting = make_meeting(programme, starts_at=local(2026, 6, 1, 10, 0))
    calendar, [event] = parse(meeting_ics(meeting=meeting, method="CANCEL"))
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{meeting.uid}@sdgpilot"


def test_ics_of_a_cancelled_meeting_is_cancelled_whatever_the_method(programme):
    meeting = make_meeting(
        programme, starts_at=local(2026, 6, 1, 10, 0), status=MeetingStatus.CANCELLED
    )
    _, [event] = parse(meeting_ics(meeting=meeting, method="PUBLISH"))
    assert str(event["STATUS"]) == "CANCELLED"


def test_ics_unknown_method_is_refused(programme):
    meeting = make_meeting(programme, starts_at=local(2026, 6, 1, 10, 0))
    with pytest.raises(ValueError):
        meeting_ics(meeting=meeting, method="REPLY")


def test_ics_with_an_attendee_names_them(programme):
    meeting = make_meeting(programme, starts_at=local(2026, 6, 1, 10, 0))
    person = UserFactory(email="an@gent.be", first_name="An", last_name="Peeters", password=None)
    _, [event] = parse(meeting_ics(meeting=meeting, attendee=person))
    assert str(event["ATTENDEE"]) == "mailto:an@gent.be"
    assert event["ATTENDEE"].params["CN"] == "An Peeters"


def test_ics_description_follows_the_language(programme):
    meeting = make_meeting(
        programme, starts_at=local(2026, 6, 1, 10, 0), online_link="https://x.be/m"
    )
    english = meeting_ics(meeting=meeting, language="en").decode()
    assert "Online: https://x.be/m" in english.replace("\r\n ", "")


# --- The personal feed ---------------------------------------------------------------------


def _invite(meeting, user, **fields):
    return Invitation.objects.create(meeting=meeting, user=user, **fields)


def test_feed_holds_the_persons_published_and_cancelled_meetings_only(programme):
    person, other = UserFactory(password=None), UserFactory(password=None)
    published = make_meeting(programme, starts_at=local(2026, 6, 1, 10, 0), title="Gepubliceerd")
    cancelled = make_meeting(
        programme,
        starts_at=local(2026, 6, 8, 10, 0),
        title="Afgelast",
        status=MeetingStatus.CANCELLED,
    )
    draft = make_meeting(
        programme, starts_at=local(2026, 6, 15, 10, 0), title="Ontwerp", status="draft"
    )
    withdrawn = make_meeting(programme, starts_at=local(2026, 6, 22, 10, 0), title="Niet meer")
    foreign = make_meeting(programme, starts_at=local(2026, 6, 29, 10, 0), title="Van een ander")
    for meeting in (published, cancelled, draft):
        _invite(meeting, person)
    _invite(withdrawn, person, active=False)
    _invite(foreign, other)
    calendar, events = parse(calendar_feed_ics(user=person))
    assert calendar["METHOD"] == "PUBLISH"
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {f"{published.uid}@sdgpilot", f"{cancelled.uid}@sdgpilot"}
    assert str(by_uid[f"{cancelled.uid}@sdgpilot"]["STATUS"]) == "CANCELLED"
    assert str(by_uid[f"{published.uid}@sdgpilot"]["STATUS"]) == "CONFIRMED"
    assert len(calendar.timezones) == 1


def test_feed_drops_the_meetings_of_a_former_contact(programme):
    from tests.factories import MunicipalityContactFactory

    contact = MunicipalityContactFactory(user__password=None)
    meeting = make_meeting(programme, starts_at=local(2026, 6, 1, 10, 0))
    _invite(meeting, contact.user, municipality=contact.municipality)
    assert len(parse(calendar_feed_ics(user=contact.user))[1]) == 1
    user = contact.user
    contact.delete()
    assert parse(calendar_feed_ics(user=user))[1] == []


def test_feed_of_a_person_without_meetings_is_an_empty_calendar(db):
    calendar, events = parse(calendar_feed_ics(user=UserFactory(password=None)))
    assert events == [] and calendar["METHOD"] == "PUBLISH"


def test_feed_runs_the_same_number_of_queries_for_2_and_30_meetings(programme):
    person = UserFactory(password=None)
    for day in range(2):
        _invite(make_meeting(programme, starts_at=local(2026, 7, 1 + day, 10, 0)), person)
    with CaptureQueriesContext(connection) as small:
        calendar_feed_ics(user=person)
    for day in range(28):
        _invite(make_meeting(programme, starts_at=local(2026, 8, 1 + day, 10, 0)), person)
    with CaptureQueriesContext(connection) as large:
        data = calendar_feed_ics(user=person)
    assert len(parse(data)[1]) == 30
    assert len(large.captured_queries) == len(small.captured_queries) == 1


@override_settings(SITE_URL="https://sdg.example.org")
def test_ics_entry_made_once_per_meeting_version_changes_with_any_field(programme):
    meeting = make_meeting(programme, starts_at=local(2026, 6, 3, 10, 0))
    ann = UserFactory(first_name="Ann", last_name="Peeters", email="ann@example.org")
    bert = UserFactory(first_name="Bert", last_name="Claes", email="bert@example.org")
    _, [for_ann] = parse(meeting_ics(meeting=meeting, attendee=ann))
    _, [for_bert] = parse(meeting_ics(meeting=meeting, attendee=bert))
    assert str(for_ann["ATTENDEE"]) == "mailto:ann@example.org"
    assert str(for_bert["ATTENDEE"]) == "mailto:bert@example.org"
    assert for_bert["ATTENDEE"].params["CN"] == "Bert Claes"
    # The kept entry: one DTSTAMP for both, nothing of Ann's in Bert's.
    assert for_ann["DTSTAMP"].dt == for_bert["DTSTAMP"].dt
    assert b"ann@" not in meeting_ics(meeting=meeting, attendee=bert)
    # A field the invitees see changes without a new sequence: a new entry all the same.
    meeting.description = "Neem uw meerjarenplan mee."
    _, [changed] = parse(meeting_ics(meeting=meeting, attendee=bert))
    assert "Neem uw meerjarenplan mee." in str(changed["DESCRIPTION"])
    _, [english] = parse(meeting_ics(meeting=meeting, attendee=bert, language="en"))
    assert "Uw bijeenkomsten:" in str(changed["DESCRIPTION"])
    assert "Your meetings:" in str(english["DESCRIPTION"])


def test_ics_entry_is_made_anew_after_a_minute(programme, monkeypatch):
    import meetings.ics as ics

    meeting = make_meeting(programme, starts_at=local(2026, 6, 3, 10, 0))
    clock = [1000.0]
    monkeypatch.setattr(ics.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(ics, "_entries", type(ics._entries)())
    first = meeting_ics(meeting=meeting)
    clock[0] += ics.ENTRY_CACHE_S - 1
    assert meeting_ics(meeting=meeting) is first
    clock[0] += 2
    assert meeting_ics(meeting=meeting) is not first
