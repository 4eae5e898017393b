"""The daily reminder of subsidy reports: once per report, by a compare-and-set on
reminded_at, to the staff in their language; a failed send is tried again the next day."""

from datetime import date, timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from partners import services
from partners.models import SubsidyReport
from partners.tasks import remind_subsidy_reports
from sdgpilot.celery import app
from tests.factories import UserFactory
from tests.partners.conftest import SubsidyReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return [
        UserFactory(email="an@example.org", is_staff=True, language="nl", password=None),
        UserFactory(email="bo@example.org", is_staff=True, language="en", password=None),
        UserFactory(email="gone@example.org", is_staff=True, is_active=False, password=None),
        UserFactory(email="member@example.org", is_staff=False, password=None),
    ]


def _due_in(days: int, **kwargs) -> SubsidyReport:
    return SubsidyReportFactory(due_on=timezone.localdate() + timedelta(days=days), **kwargs)


def test_a_report_within_its_window_is_reminded_once_to_each_active_staff_member(staff):
    report = _due_in(20, title="Tussentijds rapport 2018")

    first = services.subsidy_reports_remind()
    second = services.subsidy_reports_remind()

    assert (first.claimed, first.mails) == (1, 2)
    assert (second.claimed, second.mails) == (0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["an@example.org", "bo@example.org"]
    by_address = {m.to[0]: m for m in mail.outbox}
    # Each in their own language (a string of the existing catalogue shows it).
    assert "Het SDG-team van VVSG" in by_address["an@example.org"].body
    assert "The SDG team of VVSG" in by_address["bo@example.org"].body
    assert "Tussentijds rapport 2018" in by_address["an@example.org"].subject
    assert by_address["bo@example.org"].subject.startswith("Report due on")
    html = by_address["bo@example.org"].alternatives[0]
    assert html[1] == "text/html" and "Tussentijds rapport 2018" in html[0]
    assert f"/staff/programmes/{report.subsidy.programme_id}/subsidies/" in mail.outbox[0].body
    report.refresh_from_db()
    assert report.reminded_at is not None


def test_window_submitted_and_overdue(staff):
    early = _due_in(31)  # outside the 30-day window
    edge = _due_in(30)
    short = _due_in(10, remind_days_before=5)
    overdue = _due_in(-3)
    _due_in(2, submitted_on=date(2018, 1, 1))

    result = services.subsidy_reports_remind()

    assert result.claimed == 2
    reminded = set(SubsidyReport.objects.filter(reminded_at__isnull=False))
    assert reminded == {edge, overdue}
    assert early not in reminded and short not in reminded


def test_two_concurrent_runs_cannot_both_send(staff):
    """Both workers read the report as pending before either claims it: the UPDATE ...
    WHERE reminded_at IS NULL of the second matches no row (count 0), so it sends nothing."""
    report = _due_in(5)
    seen_by_a = services.reports_to_remind()
    seen_by_b = services.reports_to_remind()
    assert seen_by_a == seen_by_b == [report]

    sent_a = services.subsidy_report_remind(report_pk=seen_by_a[0].pk)
    sent_b = services.subsidy_report_remind(report_pk=seen_by_b[0].pk)

    assert (sent_a, sent_b) == (2, 0)
    assert len(mail.outbox) == 2


def test_the_claim_is_a_compare_and_set_on_reminded_at(staff):
    report = _due_in(5)
    assert services.claim_report(report.pk) is True
    assert services.claim_report(report.pk) is False
    stale = SubsidyReport.objects.filter(pk=report.pk, reminded_at__isnull=True)
    assert stale.update(reminded_at=timezone.now()) == 0


def test_a_failed_send_releases_the_claim_for_the_next_run(staff):
    report = _due_in(5)
    with mock.patch("partners.services.get_connection") as connection:
        connection.return_value.send_messages.side_effect = SMTPException("down")
        with pytest.raises(SMTPException):
            services.subsidy_reports_remind()
    report.refresh_from_db()
    assert report.reminded_at is None and mail.outbox == []

    assert services.subsidy_reports_remind().mails == 2


def test_without_staff_the_reminder_goes_to_the_site_address(db):
    _due_in(5)
    assert services.subsidy_reports_remind().mails == 1
    assert mail.outbox[0].to == [settings.DEFAULT_FROM_EMAIL]


def test_the_task_runs_daily_from_beat(staff):
    _due_in(5)
    assert remind_subsidy_reports.run() == {"claimed": 1, "mails": 2}
    entry = app.conf.beat_schedule["remind-subsidy-reports"]
    assert entry["task"] == "partners.tasks.remind_subsidy_reports"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
