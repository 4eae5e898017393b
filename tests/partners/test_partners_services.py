"""The partners' writes: staff only, checked, constrained in the database, with history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from municipalities.models import Province
from partners.enums import PartnerKind
from partners.models import PartnerContact, Subsidy, SubsidyReport
from partners.services import (
    partner_contact_log,
    partner_create,
    partner_update,
    subsidy_record,
    subsidy_report_submit,
)
from tests.factories import BoardOrganisationFactory, UserFactory
from tests.partners.conftest import MeetingFactory, SubsidyFactory, SubsidyReportFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_partner_create_and_update_by_staff_with_history(programme, staff_user):
    partner = partner_create(
        actor=staff_user,
        programme=programme,
        name="  Departement Buitenlandse Zaken ",
        kind=PartnerKind.GOVERNMENT,
        role="Volgt de subsidie op.",
    )
    assert partner.name == "Departement Buitenlandse Zaken"
    partner_update(actor=staff_user, partner=partner, active=False)
    partner.refresh_from_db()
    assert partner.active is False
    assert partner.history.count() == 2


def test_partner_writes_are_refused_to_non_staff(programme, board_member, contact, partner):
    for user in (board_member.user, contact.user):
        with pytest.raises(PermissionDenied):
            partner_create(actor=user, programme=programme, name="X", kind=PartnerKind.OTHER)
        with pytest.raises(PermissionDenied):
            partner_update(actor=user, partner=partner, name="Y")
        with pytest.raises(PermissionDenied):
            partner_contact_log(actor=user, partner=partner, date=date(2018, 1, 1), topic="T")
    partner.refresh_from_db()
    assert partner.name == "Agentschap Binnenlands Bestuur"


def test_partner_names_are_unique_per_programme(programme, other_programme, staff_user, partner):
    with pytest.raises(ValidationError):
        partner_create(
            actor=staff_user, programme=programme, name=partner.name, kind=PartnerKind.OTHER
        )
    # Another programme may have a partner of the same name.
    partner_create(
        actor=staff_user, programme=other_programme, name=partner.name, kind=PartnerKind.OTHER
    )


def test_links_follow_the_kind(programme, staff_user):
    organisation = BoardOrganisationFactory(name="11.11.11")
    province = Province.objects.get(name="Limburg")
    with pytest.raises(ValidationError):
        partner_create(
            actor=staff_user,
            programme=programme,
            name="ABB",
            kind=PartnerKind.GOVERNMENT,
            board_organisation=organisation,
        )
    with pytest.raises(ValidationError):
        partner_create(
            actor=staff_user,
            programme=programme,
            name="11.11.11",
            kind=PartnerKind.BOARD_ORGANISATION,
            province=province,
        )
    made = partner_create(
        actor=staff_user,
        programme=programme,
        name="Provincie Limburg",
        kind=PartnerKind.PROVINCE,
        province=province,
        board_organisation=organisation,
    )
    assert made.province == province


def test_partner_create_refuses_unknown_fields(programme, staff_user):
    with pytest.raises(TypeError):
        partner_create(
            actor=staff_user, programme=programme, name="X", kind=PartnerKind.OTHER, pk=1
        )


def test_contact_log_with_meeting_and_checked_document(programme, staff_user, partner):
    meeting = MeetingFactory(programme=programme)
    upload = SimpleUploadedFile("Verslag overleg.pdf", PDF, content_type="application/pdf")

    contact = partner_contact_log(
        actor=staff_user,
        partner=partner,
        date=date(2017, 6, 8),
        topic=" BBC ",
        outcome="Afspraken",
        meetings=[meeting],
        upload=upload,
    )

    contact.refresh_from_db()
    assert contact.who == staff_user and contact.topic == "BBC"
    assert list(contact.meetings.all()) == [meeting]
    assert contact.document_name == "Verslag overleg.pdf"
    assert contact.document_extension == "pdf"
    assert contact.document.name.startswith(f"partners/{partner.pk}/")
    assert "Verslag" not in contact.document.name
    assert contact.document.read() == PDF


def test_contact_log_refuses_a_disguised_file_and_foreign_meetings(
    programme, other_programme, staff_user, partner
):
    fake = SimpleUploadedFile("notes.pdf", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError):
        partner_contact_log(
            actor=staff_user, partner=partner, date=date(2018, 1, 1), topic="T", upload=fake
        )
    foreign = MeetingFactory(programme=other_programme)
    with pytest.raises(ValidationError):
        partner_contact_log(
            actor=staff_user, partner=partner, date=date(2018, 1, 1), topic="T", meetings=[foreign]
        )
    with pytest.raises(ValidationError):
        partner_contact_log(
            actor=staff_user,
            partner=partner,
            date=date(2018, 1, 1),
            topic="T",
            who=UserFactory(is_staff=False),
        )
    assert not PartnerContact.objects.exists()


def test_subsidy_record_with_reports(programme, staff_user, partner):
    subsidy = subsidy_record(
        actor=staff_user,
        programme=programme,
        funder=partner,
        amount=Decimal("100000"),
        starts_on=date(2017, 5, 16),
        ends_on=date(2019, 12, 31),
        reports=[("Tussentijds", date(2018, 6, 30)), ("Eindrapport", date(2020, 3, 31))],
    )
    assert subsidy.amount == Decimal("100000.00")
    assert [r.title for r in subsidy.reports.order_by("due_on")] == ["Tussentijds", "Eindrapport"]
    assert all(r.remind_days_before == 30 for r in subsidy.reports.all())


@pytest.mark.parametrize(
    "amount, starts, ends, reports",
    [
        (Decimal("0"), date(2017, 1, 1), date(2018, 1, 1), []),
        (Decimal("-5"), date(2017, 1, 1), date(2018, 1, 1), []),
        (Decimal("10"), date(2018, 1, 2), date(2018, 1, 1), []),
        (Decimal("10"), date(2017, 1, 1), date(2018, 1, 1), [("R", date(2018, 1, 1))] * 2),
    ],
)
def test_subsidy_record_refuses_bad_figures(
    programme, staff_user, partner, amount, starts, ends, reports
):
    with pytest.raises(ValidationError):
        subsidy_record(
            actor=staff_user,
            programme=programme,
            funder=partner,
            amount=amount,
            starts_on=starts,
            ends_on=ends,
            reports=reports,
        )
    assert not Subsidy.objects.exists() and not SubsidyReport.objects.exists()


def test_subsidy_funder_must_be_a_partner_of_the_programme(programme, staff_user, foreign_partner):
    with pytest.raises(ValidationError):
        subsidy_record(
            actor=staff_user,
            programme=programme,
            funder=foreign_partner,
            amount=Decimal("1"),
            starts_on=date(2017, 1, 1),
            ends_on=date(2017, 1, 2),
        )


def test_database_constraints_hold_without_the_services(programme, partner):
    subsidy = SubsidyFactory(programme=programme, funder=partner)
    for bad in (
        {"amount": Decimal("0")},
        {"starts_on": date(2019, 1, 1), "ends_on": date(2018, 1, 1)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            SubsidyFactory(programme=programme, funder=partner, **bad)
    SubsidyReportFactory(subsidy=subsidy, title="Eindrapport")
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyReportFactory(subsidy=subsidy, title="Eindrapport")


def test_report_submit_by_staff_not_in_the_future(staff_user, board_member):
    report = SubsidyReportFactory()
    with pytest.raises(PermissionDenied):
        subsidy_report_submit(actor=board_member.user, report=report, submitted_on=date(2018, 6, 1))
    with pytest.raises(ValidationError):
        subsidy_report_submit(
            actor=staff_user, report=report, submitted_on=timezone.localdate() + timedelta(days=1)
        )
    subsidy_report_submit(actor=staff_user, report=report, submitted_on=date(2018, 6, 25))
    report.refresh_from_db()
    assert report.submitted_on == date(2018, 6, 25)
    assert report.history.first().submitted_on == date(2018, 6, 25)
