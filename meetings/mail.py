"""Composing the meeting mails: reminders from the staff's policy, and the notices.

Each mail is written in its recipient's language (`User.language`, Dutch by default), as
plain text with an HTML alternative, and carries the meeting's calendar entry
(meetings.ics: METHOD:REQUEST for an invitation, an update or a reminder, METHOD:CANCEL for
a cancellation), so a calendar that holds it moves or drops it. A reminder to the invitees
also carries a one-click link to stop reminders (meetings.links.opt_out_url); invitations,
updates and cancellations do not, since they cannot be stopped. Board meeting reminders
whose rule says so attach the meeting's documents.

A rule's subject and text are Django template text written by staff. They are rendered by
an engine of their own (no template loaders, no tag libraries to load) with plain strings
only: {{ meeting }}, {{ person }}, {{ when }}, {{ place }}, {{ link }}. So a rule can neither
include a file nor reach into a model (say {{ meeting.organiser.password }}).
"""

from __future__ import annotations

import contextlib
import functools
import mimetypes
import secrets
import threading
import time
from dataclasses import dataclass
from email.headerregistry import Address
from email.mime.text import MIMEText
from email.policy import Compat32, compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .enums import DeliveryKind, MeetingStatus, ReminderTarget
from .links import LINK_ANSWERS, answer_url, one_click_opt_out_url, opt_out_url
from .models import Delivery, Invitation, Meeting

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
LANGUAGES = ("nl", "en")
# Attachments of one mail together; documents beyond it are named, not attached.
MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024
RULE_ENGINE = Engine(libraries={}, loaders=[], debug=False)
# A mail server that does not answer in this time counts as a temporary failure (shorter
# than reminders.SENDING_STUCK_AFTER, so the sweeper never re-queues a send still talking).
SEND_TIMEOUT_S = 60
# A kept-open connection idle for longer is checked (NOOP) before it is used again.
IDLE_CHECK_S = 30


def site_url() -> str:
    """The site's address for links in mails: settings.SITE_URL, else the local one."""
    return (getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def absolute(path: str) -> str:
    return site_url() + path


def language_of(user) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in LANGUAGES else "nl"


# --- The placeholders -------------------------------------------------------------------


def when_text(meeting: Meeting) -> str:
    """ "dinsdag 31 maart 2026, 10:00–12:00" in the active language, Brussels time."""
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    if start.date() == end.date():
        return "{}, {}–{}".format(
            formats.date_format(start, "l j F Y"),
            formats.time_format(start, "H:i"),
            formats.time_format(end, "H:i"),
        )
    return "{} – {}".format(
        formats.date_format(start, "l j F Y, H:i"), formats.date_format(end, "l j F Y, H:i")
    )


def place_text(meeting: Meeting) -> str:
    if meeting.location and meeting.online_link:
        return _("%(location)s or online: %(link)s") % {
            "location": meeting.location,
            "link": meeting.online_link,
        }
    if meeting.online_link:
        return _("Online: %(link)s") % {"link": meeting.online_link}
    return meeting.location or _("to be announced")


def meeting_path(meeting: Meeting, *, organiser: bool = False) -> str:
    """The page a mail links to: for the organiser the staff page of the meeting (minutes,
    attendance), for an invitee their meetings, where they answer and find the documents."""
    if organiser:
        return reverse("meetings:detail", args=[meeting.pk])
    return reverse("meetings:my_meetings")


def placeholders(meeting: Meeting, person, *, organiser: bool = False) -> dict[str, str]:
    """The values a rule's text may use, as plain strings (see the module docstring)."""
    return {
        "meeting": meeting.title,
        "person": person.get_full_name() or person.email,
        "when": when_text(meeting),
        "place": place_text(meeting),
        "link": absolute(meeting_path(meeting, organiser=organiser)),
    }


@functools.lru_cache(maxsize=256)
def _rule_template(text: str):
    # A worker sends the same few rule texts thousands of times: compile each once.
    return RULE_ENGINE.from_string(text)


def rule_text(text: str, values: dict[str, str]) -> str:
    """A rule's subject or text with its placeholders filled in, unescaped (plain text)."""
    rendered = _rule_template(text).render(Context(values, autoescape=False))
    # A plain str, not the engine's SafeString: it is text, to be escaped in the HTML part.
    return "".join([rendered])


# Stands for the person's name while a rule's text is made into HTML, so the HTML of one
# rule and meeting is made once for all its recipients (letters only: urlize and escaping
# leave it as it is).
_PERSON_MARK = "sdgpilotperson" + secrets.token_hex(8)


@functools.lru_cache(maxsize=256)
def _linked(text: str) -> str:
    return linebreaks(urlize(text, nofollow=True, autoescape=True))


def rule_html(text: str, values: dict[str, str], plain: str) -> str:
    """The HTML paragraphs of a rule's text whose plain rendering is `plain`: escaped, its
    links clickable. The person's name is put in escaped and never made a link. When the
    text does something with the name (a filter), the HTML is made from `plain` instead."""
    marked = rule_text(text, {**values, "person": _PERSON_MARK})
    if marked.replace(_PERSON_MARK, values["person"]) != plain:
        return _linked(plain)
    return _linked(marked).replace(_PERSON_MARK, escape(values["person"]))


def rule_text_problem(text: str) -> str | None:
    """What is wrong with a rule's template text, or None: for the admin's form."""
    try:
        rule_text(text, dict.fromkeys(("meeting", "person", "when", "place", "link"), "x"))
    except (TemplateSyntaxError, TemplateDoesNotExist) as error:
        return f"{type(error).__name__}: {error}"
    return None


# --- Attachments ------------------------------------------------------------------------


def _calendar_part(meeting: Meeting, *, method: str, language: str, attendee) -> MIMEText:
    from .ics import meeting_ics

    content = meeting_ics(meeting=meeting, method=method, language=language, attendee=attendee)
    part = MIMEText(content.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="meeting.ics")
    return part


def _documents(meeting: Meeting) -> tuple[list[tuple[str, bytes, str]], list[str]]:
    """(attached, too large to attach) documents of the meeting, by name."""
    attached, skipped, total = [], [], 0
    for document in meeting.documents.order_by("name", "pk"):
        if total + document.size > MAX_ATTACHMENTS_BYTES:
            skipped.append(document.name)
            continue
        with document.file.open("rb") as handle:
            content = handle.read()
        total += len(content)
        mimetype = mimetypes.guess_type(document.name)[0] or "application/octet-stream"
        attached.append((document.name, content, mimetype))
    return attached, skipped


# --- The messages -----------------------------------------------------------------------


@dataclass
class Composed:
    subject: str
    text: str
    html: str
    method: str | None  # the calendar entry's iTIP method, None for no entry
    attachments: list  # (name, bytes, mimetype)
    headers: dict
    language: str = "nl"


def _notice(delivery: Delivery, values: dict, language: str) -> Composed:
    meeting, person = delivery.meeting, delivery.recipient
    kind = delivery.kind
    invitation = Invitation.objects.filter(meeting=meeting, user=person, active=True).first()
    answers = []
    if (
        invitation is not None
        and kind != DeliveryKind.CANCELLATION
        and meeting.status == MeetingStatus.PUBLISHED
    ):
        labels = dict(invitation._meta.get_field("answer").choices)
        answers = [
            {"label": labels[answer], "url": absolute(answer_url(invitation, answer))}
            for answer in LINK_ANSWERS
        ]
    context = {
        **values,
        "answers": answers,
        "agenda": list(meeting.agenda.all()),
        "links": list(meeting.links.all()),
        "description": meeting.description,
    }
    subject = render_to_string(f"meetings/email/{kind}_subject.txt", context)
    return Composed(
        subject=" ".join(subject.split()),
        text=render_to_string(f"meetings/email/{kind}.txt", context),
        html=render_to_string(f"meetings/email/{kind}.html", context),
        method="CANCEL" if kind == DeliveryKind.CANCELLATION else "REQUEST",
        attachments=[],
        headers={},
    )


def _reminder(delivery: Delivery, values: dict, language: str) -> Composed:
    rule, meeting, person = delivery.rule, delivery.meeting, delivery.recipient
    to_organiser = rule.target == ReminderTarget.ORGANISER
    subject = rule_text(getattr(rule, f"subject_{language}") or rule.subject_nl, values)
    rule_body = getattr(rule, f"body_{language}") or rule.body_nl
    body = rule_text(rule_body, values)
    attached, skipped = _documents(meeting) if rule.include_documents else ([], [])
    opt_out = None if to_organiser else absolute(opt_out_url(person))
    one_click = None if to_organiser else absolute(one_click_opt_out_url(person))
    context = {
        **values,
        "body": body,
        # Everything the rule wrote is escaped by urlize (which makes its links clickable),
        # so the paragraphs around it are safe.
        "body_html": mark_safe(rule_html(rule_body, values, body)),  # noqa: S308
        "attached": [name for name, _content, _type in attached],
        "not_attached": skipped,
        "opt_out": opt_out,
    }
    # RFC 8058: mail programs offer "unsubscribe" and POST to the one-click address.
    headers = (
        {
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if one_click
        else {}
    )
    return Composed(
        subject=" ".join(subject.split()),
        text=render_to_string("meetings/email/reminder.txt", context),
        html=render_to_string("meetings/email/reminder.html", context),
        # The minutes nudge comes after the meeting: no calendar entry to update.
        method=None if to_organiser else "REQUEST",
        attachments=attached,
        headers=headers,
    )


def compose(delivery: Delivery) -> Composed:
    """The parts of a delivery's mail, in the recipient's language."""
    language = language_of(delivery.recipient)
    with translation.override(language):
        organiser = (
            delivery.kind == DeliveryKind.REMINDER
            and delivery.rule is not None
            and delivery.rule.target == ReminderTarget.ORGANISER
        )
        values = placeholders(delivery.meeting, delivery.recipient, organiser=organiser)
        if delivery.kind == DeliveryKind.REMINDER:
            if delivery.rule is None:
                raise ValueError("a reminder without its rule")
            composed = _reminder(delivery, values, language)
        else:
            composed = _notice(delivery, values, language)
        composed.language = language
        return composed


def recipient_address(person) -> str:
    """'Name <address>', the name quoted where it must be (a comma, quotes) and left in
    Unicode: Django encodes the header when it sends."""
    return str(Address(display_name=person.get_full_name(), addr_spec=person.email))


@functools.lru_cache(maxsize=4096)
def _folded(linesep: str, max_line_length, cte_type: str, name: str, value: str) -> bytes:
    policy = compat32.clone(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type)
    return policy.fold_binary(name, value)


class _RememberedFolding(Compat32):
    """Django's policy (compat32) that folds each header line once: most of a mail's header
    lines (the parts' content types, the sender, a meeting's subject) are the same in
    thousands of mails, and folding them costs more than anything else in the encoding."""

    def fold_binary(self, name, value):
        if isinstance(value, str):
            return _folded(self.linesep, self.max_line_length, self.cte_type, name, value)
        return super().fold_binary(name, value)


_FOLDING = _RememberedFolding()


class _Mail(EmailMultiAlternatives):
    """Django's mail with the two costs of encoding it that repeat per mail taken out: the
    folding of header lines seen before (above), and the search of the whole text for a
    boundary it does not contain (a random one of 128 bits cannot be in it)."""

    def message(self):
        message = super().message()
        message.policy = _FOLDING
        for part in message.walk():
            if part.is_multipart() and part.get_boundary() is None:
                part.set_boundary("=_" + secrets.token_hex(16))
        return message


def message_for(delivery: Delivery) -> EmailMultiAlternatives:
    """The mail of one delivery, ready to send (the staff page previews it too)."""
    composed = compose(delivery)
    person = delivery.recipient
    message = _Mail(
        subject=composed.subject,
        body=composed.text,
        to=[recipient_address(person)],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-SDGPilot-Delivery": str(delivery.pk),
            "X-SDGPilot-Key": delivery.key,
            **composed.headers,
        },
    )
    message.attach_alternative(composed.html, "text/html")
    if composed.method:
        message.attach(
            _calendar_part(
                delivery.meeting,
                method=composed.method,
                language=composed.language,
                attendee=person,
            )
        )
    for name, content, mimetype in composed.attachments:
        message.attach(name, content, mimetype)
    return message


# --- Sending ----------------------------------------------------------------------------

_kept = threading.local()


def _settings_key() -> tuple:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
        )
    )


def drop_connection() -> None:
    """Close this thread's kept-open mail connection (after an error, or settings change)."""
    kept = getattr(_kept, "backend", None)
    _kept.backend = None
    if kept is not None:
        # A connection that broke closes as it can.
        with contextlib.suppress(Exception):
            kept[1].close()


def _backend():
    key = _settings_key()
    kept = getattr(_kept, "backend", None)
    if kept is not None and kept[0] != key:
        drop_connection()
        kept = None
    if kept is None:
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT_S
        kept = (key, get_connection(timeout=timeout))
        _kept.backend = kept
        # Opened here, not by send_messages (which would close it again after one mail).
        kept[1].open()
        _kept.used_at = time.monotonic()
    backend = kept[1]
    smtp = getattr(backend, "connection", None)
    if smtp is not None and time.monotonic() - _kept.used_at > IDLE_CHECK_S:
        # The server may have closed it while idle: check before sending, never after (a
        # message is never sent twice to find out).
        try:
            alive = smtp.noop()[0] == 250
        except Exception:
            alive = False
        if not alive:
            drop_connection()
            return _backend()
    return backend


def send(message: EmailMultiAlternatives) -> int:
    """Send over this thread's kept-open connection (one SMTP session for many mails, as
    a worker sends one after another); any error closes it, and the next mail opens a new
    one. Returns the number of messages sent (1)."""
    try:
        message.connection = _backend()
        sent = message.send()
    except Exception:
        drop_connection()
        raise
    _kept.used_at = time.monotonic()
    return sent
