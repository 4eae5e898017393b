"""Writes of partners, contacts, subsidies and reports. Each checks the staff permission
itself (partners.rules) and leaves a history row (simple_history)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.uploads import display_name, document_type
from meetings.mail import absolute, language_of
from meetings.models import Meeting
from selection.models import Programme

from .enums import PartnerKind
from .models import Partner, PartnerContact, Subsidy, SubsidyReport
from .rules import can

logger = logging.getLogger(__name__)
MANAGE = "partners.manage_partners"
PARTNER_FIELDS = ("name", "kind", "role", "board_organisation", "province", "website", "active")


def _require_manage(actor) -> None:
    """PermissionDenied unless the actor is staff (partners.manage_partners)."""
    if not can(actor, MANAGE):
        raise PermissionDenied


def partner_validate(partner: Partner) -> None:
    """ValidationError unless the partner's links fit its kind and its name is new in its
    programme (the admin's form runs it too, to show the problem on the form)."""
    # A province may sit on the board too (the province of Antwerp did in 2017).
    if (
        partner.kind not in (PartnerKind.BOARD_ORGANISATION, PartnerKind.PROVINCE)
        and partner.board_organisation_id
    ):
        raise ValidationError(
            _("Only a board organisation or a province links to a board organisation.")
        )
    if partner.kind != PartnerKind.PROVINCE and partner.province_id:
        raise ValidationError(_("Only a partner of the kind province links to a province."))
    clash = Partner.objects.filter(programme_id=partner.programme_id, name=partner.name)
    if partner.pk:
        clash = clash.exclude(pk=partner.pk)
    if clash.exists():
        raise ValidationError(_("The programme already has a partner with this name."))


@transaction.atomic
def partner_create(*, actor, programme: Programme, name: str, kind: str, **fields) -> Partner:
    """A new partner of the programme; staff only."""
    _require_manage(actor)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise TypeError(f"unknown partner fields: {sorted(unknown)}")
    partner = Partner(programme=programme, name=name.strip(), kind=kind, **fields)
    partner_validate(partner)
    partner.full_clean(exclude=["programme"], validate_unique=False, validate_constraints=False)
    partner.save()
    return partner


@transaction.atomic
def partner_update(*, actor, partner: Partner, **fields) -> Partner:
    """Change a partner's facts (never its programme); staff only."""
    _require_manage(actor)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise TypeError(f"unknown partner fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(partner, name, value.strip() if name == "name" else value)
    partner_validate(partner)
    partner.full_clean(exclude=["programme"], validate_unique=False, validate_constraints=False)
    partner.save()
    return partner


CONTACT_FIELDS = ("partner", "date", "who", "topic", "outcome")


def partner_contact_validate(
    contact: PartnerContact, *, meetings: list[Meeting], check_who: bool = True
) -> None:
    """ValidationError unless the contact's meetings are of its partner's programme and the
    person who had it is a staff member (`check_who=False` when that person is not changed:
    an old contact stays editable when its author is no longer staff). The admin's form runs
    it too, to show the problem on the form."""
    if any(m.programme_id != contact.partner.programme_id for m in meetings):
        raise ValidationError(_("A linked meeting belongs to another programme."))
    if check_who and contact.who is not None and not contact.who.is_staff:
        raise ValidationError(_("The person who had the contact must be a staff member."))


@transaction.atomic
def partner_contact_log(
    *,
    actor,
    partner: Partner,
    date: dt.date,
    topic: str,
    outcome: str = "",
    who=None,
    meetings: list[Meeting] | None = None,
    upload=None,
) -> PartnerContact:
    """Record a contact with a partner: when, which staff member (the actor by default),
    about what, the outcome, the meetings it concerned and a document (checked by its
    content, core.uploads). Meetings of another programme are refused."""
    _require_manage(actor)
    meetings = list(meetings or [])
    who = who if who is not None else actor
    contact = PartnerContact(
        partner=partner, date=date, who=who, topic=topic.strip(), outcome=outcome.strip()
    )
    partner_contact_validate(contact, meetings=meetings)
    if upload is not None:
        extension = document_type(upload)
        contact.document_extension = extension
        contact.document_name = display_name(upload.name, extension)
        # contact_upload_to builds the stored name from the partner and the extension.
        contact.document.save("upload", upload, save=False)
    contact.save()
    contact.meetings.set(meetings)
    return contact


@transaction.atomic
def partner_contact_update(
    *, actor, contact: PartnerContact, meetings: list[Meeting] | None = None, **fields
) -> PartnerContact:
    """Change a recorded contact: its partner, date, staff member, topic, outcome and, when
    given, its meetings; staff only. The same checks as partner_contact_log; the document is
    not changed here."""
    _require_manage(actor)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    stored_who = (
        PartnerContact.objects.filter(pk=contact.pk).values_list("who_id", flat=True).first()
    )
    for name, value in fields.items():
        setattr(contact, name, value.strip() if name in ("topic", "outcome") else value)
    meetings = list(contact.meetings.all()) if meetings is None else list(meetings)
    partner_contact_validate(contact, meetings=meetings, check_who=contact.who_id != stored_who)
    contact.save()
    contact.meetings.set(meetings)
    return contact


SUBSIDY_FIELDS = ("funder", "amount", "starts_on", "ends_on", "reference", "note")


def subsidy_validate(subsidy: Subsidy) -> None:
    """ValidationError unless the funder is a partner of the subsidy's programme, the amount
    is more than zero and the period does not end before it starts (the admin's form runs it
    too, to show the problem on the form)."""
    if subsidy.funder_id and subsidy.funder.programme_id != subsidy.programme_id:
        raise ValidationError(
            {"funder": _("The funder is not a partner of this programme.")}, code="funder"
        )
    if subsidy.amount is None or Decimal(subsidy.amount) <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")}, code="amount")
    if subsidy.starts_on and subsidy.ends_on and subsidy.ends_on < subsidy.starts_on:
        raise ValidationError(
            {"ends_on": _("The subsidy cannot end before it starts.")}, code="period"
        )


@transaction.atomic
def subsidy_record(
    *,
    actor,
    programme: Programme,
    funder: Partner,
    amount: Decimal,
    starts_on: dt.date,
    ends_on: dt.date,
    reference: str = "",
    note: str = "",
    reports: list[tuple[str, dt.date]] | None = None,
) -> Subsidy:
    """Record a subsidy of the programme with the reports due (title, due date)."""
    _require_manage(actor)
    subsidy = Subsidy(
        programme=programme,
        funder=funder,
        amount=None if amount is None else Decimal(amount),
        starts_on=starts_on,
        ends_on=ends_on,
        reference=reference.strip(),
        note=note.strip(),
    )
    subsidy_validate(subsidy)
    subsidy.save()
    titles = [title for title, _due in reports or []]
    if len(set(titles)) != len(titles):
        raise ValidationError(_("Two reports of a subsidy cannot have the same title."))
    for title, due_on in reports or []:
        SubsidyReport.objects.create(subsidy=subsidy, title=title, due_on=due_on)
    return subsidy


@transaction.atomic
def subsidy_update(*, actor, subsidy: Subsidy, **fields) -> Subsidy:
    """Change a subsidy's funder, amount, period, reference or note (never its programme);
    staff only, with the checks of subsidy_record."""
    _require_manage(actor)
    unknown = set(fields) - set(SUBSIDY_FIELDS)
    if unknown:
        raise TypeError(f"unknown subsidy fields: {sorted(unknown)}")
    subsidy = Subsidy.objects.select_for_update().get(pk=subsidy.pk)
    for name, value in fields.items():
        setattr(subsidy, name, value.strip() if name in ("reference", "note") else value)
    subsidy_validate(subsidy)
    subsidy.save()
    return subsidy


@transaction.atomic
def subsidy_report_submit(*, actor, report: SubsidyReport, submitted_on: dt.date) -> SubsidyReport:
    """Mark a report submitted to the funder on the given day (not in the future)."""
    _require_manage(actor)
    if submitted_on > timezone.localdate():
        raise ValidationError(_("A report cannot be submitted in the future."))
    report = SubsidyReport.objects.select_for_update().get(pk=report.pk)
    report.submitted_on = submitted_on
    report.save(update_fields=["submitted_on"])
    return report


# --- The reminder to staff of the reports due -------------------------------------------


@dataclass(frozen=True)
class ReminderResult:
    claimed: int
    mails: int


def reports_to_remind(*, today: dt.date | None = None) -> list[SubsidyReport]:
    """Reports neither submitted nor reminded whose due date is at most `remind_days_before`
    days away (overdue ones too), by due date. Few rows match the first two conditions, so
    the window is checked here rather than in SQL date arithmetic."""
    today = today or timezone.localdate()
    pending = SubsidyReport.objects.filter(submitted_on__isnull=True, reminded_at__isnull=True)
    return [
        report
        for report in pending.order_by("due_on", "pk")
        if report.due_on - dt.timedelta(days=report.remind_days_before) <= today
    ]


def claim_report(report_pk: int, *, now: dt.datetime | None = None) -> bool:
    """Claim a report's reminder: True for exactly one caller.

    A compare-and-set: ``UPDATE ... SET reminded_at = now WHERE pk = ... AND reminded_at IS
    NULL AND submitted_on IS NULL``. On PostgreSQL a second concurrent UPDATE waits for the
    first to commit, re-reads the row and no longer matches, so its count is 0 and it sends
    nothing; running the task twice sends once.
    """
    now = now or timezone.now()
    count = SubsidyReport.objects.filter(
        pk=report_pk, reminded_at__isnull=True, submitted_on__isnull=True
    ).update(reminded_at=now)
    return count == 1


def _release(report_pk: int, claimed_at: dt.datetime) -> None:
    # The mail did not go out: the next run tries again.
    SubsidyReport.objects.filter(pk=report_pk, reminded_at=claimed_at).update(reminded_at=None)


def reminder_recipients() -> list:
    """The staff who receive report reminders: the active staff users with an address."""
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return list(users.order_by("pk"))


def _reminder_message(report: SubsidyReport, *, to: list[str], language: str):
    with translation.override(language):
        subsidy = report.subsidy
        context = {
            "report": report,
            "subsidy": subsidy,
            "programme": subsidy.programme,
            "due": formats.date_format(report.due_on, "j F Y"),
            "link": absolute(reverse("partners:subsidies", args=[subsidy.programme_id])),
        }
        subject = _("Report due on %(due)s: %(title)s") % {
            "due": context["due"],
            "title": report.title,
        }
        text = render_to_string("partners/email/report_reminder.txt", context)
        html = render_to_string("partners/email/report_reminder.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    message.attach_alternative(html, "text/html")
    return message


def subsidy_report_remind(*, report_pk: int, now: dt.datetime | None = None) -> int:
    """Send the reminder of one report to the staff, once: claim it, then mail.

    Only the caller whose claim succeeds mails (claim_report); a failed send releases the
    claim so the next run retries. Each staff member gets the mail in their language; with
    no staff user the mail goes to the site's own address. Returns the mails sent.
    """
    now = now or timezone.now()
    if not claim_report(report_pk, now=now):
        return 0
    report = SubsidyReport.objects.select_related("subsidy__funder", "subsidy__programme").get(
        pk=report_pk
    )
    recipients = reminder_recipients()
    if recipients:
        messages = [
            _reminder_message(report, to=[user.email], language=language_of(user))
            for user in recipients
        ]
    else:
        messages = [_reminder_message(report, to=[settings.DEFAULT_FROM_EMAIL], language="nl")]
    try:
        sent = get_connection().send_messages(messages) or 0
    except Exception:
        _release(report_pk, now)
        logger.exception("Reminder of subsidy report %s not sent", report_pk)
        raise
    return sent


def subsidy_reports_remind(*, today: dt.date | None = None) -> ReminderResult:
    """Remind the staff of every report due within its window (the daily task)."""
    claimed = mails = 0
    for report in reports_to_remind(today=today):
        sent = subsidy_report_remind(report_pk=report.pk)
        if sent:
            claimed += 1
            mails += sent
    return ReminderResult(claimed=claimed, mails=mails)
