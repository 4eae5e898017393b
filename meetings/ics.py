"""Calendar entries (RFC 5545) for meetings: the mail attachment and the personal feed.

A meeting keeps one UID for its whole life and its SEQUENCE rises with every change the
invitees are told about, so a calendar that already holds the entry moves or cancels it
instead of adding a second one. Times are written with TZID=Europe/Brussels and the
VTIMEZONE that defines it, so the entry stays right across the changes to and from summer
time, whatever the calendar's own zone.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vText,
)

from .enums import MeetingStatus
from .models import Meeting
from .selectors_people import feed_invitations

BRUSSELS = ZoneInfo("Europe/Brussels")
PRODID = "-//VVSG//SDG pilot programme//NL"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
# A mail's calendar entry is the same for every invitee of a meeting but for the ATTENDEE
# line, so each worker keeps the serialised entry of the meetings it is sending for a
# minute (the DTSTAMP, the moment the entry was made, is then at most that old).
ENTRY_CACHE_S = 60
ENTRY_CACHE_SIZE = 64
_entries = threading.local()


def meeting_uid(meeting: Meeting) -> str:
    return f"{meeting.uid}@sdgpilot"


def _site_url(name: str) -> str | None:
    """An absolute link to one of the site's pages, when the site's address is known."""
    base = getattr(settings, "SITE_URL", "")
    return base.rstrip("/") + reverse(name) if base else None


def _organiser() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organiser = vCalAddress(f"mailto:{address}")
    if name:
        organiser.params["cn"] = vText(name)
    return organiser


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _event(meeting: Meeting, *, cancelled: bool, now) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at.astimezone(BRUSSELS))
    event.add("dtend", meeting.ends_at.astimezone(BRUSSELS))
    event.add("summary", meeting.title)
    location = meeting.location or meeting.online_link
    if location:
        event.add("location", location)
    lines = [meeting.description.strip()] if meeting.description.strip() else []
    if meeting.location and meeting.online_link:
        lines.append(_("Online: %(link)s") % {"link": meeting.online_link})
    url = _site_url("meetings:my_meetings")
    if url:
        lines.append(_("Your meetings: %(url)s") % {"url": url})
        event.add("url", url)
    if lines:
        event.add("description", "\n\n".join(lines))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("organizer", _organiser())
    return event


def _event_inputs(meeting: Meeting) -> tuple:
    """Everything `_event` reads, as the key of the serialised entry: a change to any of
    them makes a new entry."""
    return (
        meeting.pk,
        meeting.uid,
        meeting.sequence,
        meeting.status,
        meeting.starts_at,
        meeting.ends_at,
        meeting.title,
        meeting.location,
        meeting.online_link,
        meeting.description,
        getattr(settings, "SITE_URL", ""),
        settings.DEFAULT_FROM_EMAIL,
    )


def _attendee_lines(attendee) -> bytes:
    """The ATTENDEE property of one person, serialised (escaped and folded) by icalendar."""
    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["cn"] = vText(attendee.get_full_name() or attendee.email)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["rsvp"] = vText("FALSE")
    holder = Event()
    holder.add("attendee", address)
    # BEGIN:VEVENT, the property's (folded) lines, END:VEVENT.
    return b"".join(holder.to_ical().splitlines(keepends=True)[1:-1])


def _brussels() -> Timezone:
    """Europe/Brussels as calendars write it: the EU rule (last Sunday of March and of
    October) instead of a list of every change since 1970, which icalendar would generate."""
    zone = Timezone()
    zone.add("tzid", "Europe/Brussels")
    for part, name, before, after, start, month in (
        (TimezoneDaylight(), "CEST", 1, 2, datetime(1970, 3, 29, 2, 0), 3),
        (TimezoneStandard(), "CET", 2, 1, datetime(1970, 10, 25, 3, 0), 10),
    ):
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=before))
        part.add("tzoffsetto", timedelta(hours=after))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def _to_bytes(calendar: Calendar) -> bytes:
    # Before the events, where every client looks for it.
    calendar.subcomponents.insert(0, _brussels())
    return calendar.to_ical()


def _meeting_entry(meeting: Meeting, *, method: str, language: str) -> bytes:
    """The serialised calendar of one meeting without an attendee, made at most
    ENTRY_CACHE_S ago by this thread."""
    key = (_event_inputs(meeting), method, language)
    cache = getattr(_entries, "cache", None)
    if cache is None:
        cache = _entries.cache = {}
    now = time.monotonic()
    kept = cache.get(key)
    if kept is not None and now - kept[0] < ENTRY_CACHE_S:
        return kept[1]
    cancelled = method == "CANCEL" or meeting.status == MeetingStatus.CANCELLED
    with translation.override(language):
        calendar = _calendar(method)
        calendar.add("x-wr-timezone", "Europe/Brussels")
        calendar.add_component(_event(meeting, cancelled=cancelled, now=timezone.now()))
        content = _to_bytes(calendar)
    if len(cache) >= ENTRY_CACHE_SIZE:
        cache.clear()
    cache[key] = (now, content)
    return content


def meeting_ics(*, meeting: Meeting, method: str = "REQUEST", language: str = "nl", attendee=None):
    """One meeting as an iCalendar object (bytes), for a mail attachment.

    METHOD:CANCEL, or a meeting that is cancelled, gives STATUS:CANCELLED; the UID is the
    meeting's own and SEQUENCE its current sequence. `attendee`, a user, adds them as the
    ATTENDEE (mail clients show the entry as an invitation to them).
    """
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    content = _meeting_entry(meeting, method=method, language=language)
    if attendee is None:
        return content
    end = content.rindex(b"END:VEVENT\r\n")
    return content[:end] + _attendee_lines(attendee) + content[end:]


def calendar_feed_ics(*, user) -> bytes:
    """The person's meetings as a subscribable calendar (METHOD:PUBLISH), in one query."""
    now = timezone.now()
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        calendar = _calendar("PUBLISH")
        calendar.add("x-wr-calname", _("SDG pilot programme"))
        calendar.add("x-wr-timezone", "Europe/Brussels")
        for invitation in feed_invitations(user=user):
            meeting = invitation.meeting
            calendar.add_component(
                _event(meeting, cancelled=meeting.status == MeetingStatus.CANCELLED, now=now)
            )
    return _to_bytes(calendar)
