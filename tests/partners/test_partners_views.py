"""The staff's partner pages: what they show, what they write, and what they refuse."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings.enums import MeetingKind
from partners.enums import PartnerKind
from partners.models import PartnerContact
from tests.factories import municipality
from tests.partners.conftest import (
    InvitationFactory,
    MeetingFactory,
    PartnerContactFactory,
    PartnerFactory,
    SubsidyFactory,
    SubsidyReportFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_the_navigation_leads_to_the_latest_programmes_partners(staff_client, programme):
    response = staff_client.get(reverse("start"), follow=True)
    assert reverse("partners:home").encode() in response.content
    response = staff_client.get(reverse("partners:home"))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("partners:list", args=[programme.pk])


def test_partner_list_shows_partners_with_the_kind_filter(staff_client, programme, partner):
    PartnerFactory(programme=programme, kind=PartnerKind.PROVINCE, name="Provincie Limburg")
    PartnerFactory(programme=PartnerFactory().programme, name="Partner elders")
    PartnerContactFactory(partner=partner)
    url = reverse("partners:list", args=[programme.pk])

    page = staff_client.get(url).content.decode()
    assert "Agentschap Binnenlands Bestuur" in page and "Provincie Limburg" in page
    assert "Partner elders" not in page

    filtered = staff_client.get(url, {"kind": PartnerKind.PROVINCE}).content.decode()
    assert "Provincie Limburg" in filtered and "Agentschap Binnenlands Bestuur" not in filtered
    # A kind that does not exist is ignored, not a 500.
    assert staff_client.get(url, {"kind": "\x00" * 300}).status_code == 200


def test_partner_detail_shows_the_contact_log(staff_client, programme, partner):
    meeting = MeetingFactory(programme=programme, title="SDG-vorming Limburg")
    contact = PartnerContactFactory(partner=partner, topic="BBC en SDG's", date=date(2017, 6, 8))
    contact.meetings.add(meeting)
    page = staff_client.get(reverse("partners:detail", args=[programme.pk, partner.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "BBC en SDG&#x27;s" in text and "SDG-vorming Limburg" in text
    assert 'id="contact-form"' in text and 'enctype="multipart/form-data"' in text


def test_another_programmes_ids_answer_404(staff_client, programme, other_programme, partner):
    foreign = PartnerFactory(programme=other_programme)
    foreign_contact = PartnerContactFactory(partner=foreign)
    foreign_report = SubsidyReportFactory(subsidy=SubsidyFactory(programme=other_programme))
    urls = [
        reverse("partners:detail", args=[programme.pk, foreign.pk]),
        reverse("partners:contact_document", args=[programme.pk, foreign_contact.pk]),
        reverse("partners:list", args=[999_999]),
    ]
    for url in urls:
        assert staff_client.get(url).status_code == 404, url
    posts = [
        (reverse("partners:contact_create", args=[programme.pk, foreign.pk]), {"topic": "x"}),
        (
            reverse("partners:report_submit", args=[programme.pk, foreign_report.pk]),
            {f"report-{foreign_report.pk}-submitted_on": "2018-01-01"},
        ),
    ]
    for url, data in posts:
        assert staff_client.post(url, data).status_code == 404, url
    foreign_report.refresh_from_db()
    assert foreign_report.submitted_on is None
    assert foreign.contacts.count() == 1


def test_pages_are_refused_to_other_roles(client, programme, partner, board_member, contact):
    for user in (board_member.user, contact.user):
        client.force_login(user)
        assert client.get(reverse("partners:list", args=[programme.pk])).status_code == 403
        response = client.post(
            reverse("partners:contact_create", args=[programme.pk, partner.pk]),
            {"date": "2018-01-01", "topic": "x"},
        )
        assert response.status_code == 403
    assert not PartnerContact.objects.exists()


def test_logging_a_contact_with_a_document(staff_client, staff_user, programme, partner):
    meeting = MeetingFactory(programme=programme)
    response = staff_client.post(
        reverse("partners:contact_create", args=[programme.pk, partner.pk]),
        {
            "date": "2018-05-22",
            "topic": "Meerjarenplannen",
            "outcome": "Tips gedeeld.",
            "meetings": [meeting.pk],
            "document": SimpleUploadedFile("verslag.pdf", PDF),
        },
    )
    assert response.status_code == 302
    contact = PartnerContact.objects.get()
    assert (contact.date, contact.topic, contact.who) == (
        date(2018, 5, 22),
        "Meerjarenplannen",
        staff_user,
    )
    assert list(contact.meetings.all()) == [meeting]

    download = staff_client.get(
        reverse("partners:contact_document", args=[programme.pk, contact.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="verslag.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    "data",
    [
        {"date": "2018-05-22", "topic": ""},
        {"date": (timezone.localdate() + timedelta(days=1)).isoformat(), "topic": "T"},
        {"date": "1899-01-01", "topic": "T"},
        {"date": "2018-05-22", "topic": "x" * 201},
    ],
)
def test_a_bad_contact_is_refused_with_the_form(staff_client, programme, partner, data):
    response = staff_client.post(
        reverse("partners:contact_create", args=[programme.pk, partner.pk]), data
    )
    assert response.status_code == 400
    assert not PartnerContact.objects.exists()


def test_a_disguised_upload_and_a_foreign_meeting_are_refused(
    staff_client, programme, other_programme, partner
):
    foreign = MeetingFactory(programme=other_programme)
    url = reverse("partners:contact_create", args=[programme.pk, partner.pk])
    bad_file = {"document": SimpleUploadedFile("notes.pdf", b"MZ\x90\x00 not a pdf")}
    for extra in (bad_file, {"meetings": [foreign.pk]}):
        response = staff_client.post(url, {"date": "2018-05-22", "topic": "T", **extra})
        assert response.status_code == 400
    assert not PartnerContact.objects.exists()


def test_subsidy_page_and_marking_a_report_submitted(staff_client, programme, partner):
    subsidy = SubsidyFactory(programme=programme, funder=partner, amount="100000.00")
    report = SubsidyReportFactory(subsidy=subsidy, title="Eindrapport", due_on=date(2020, 3, 31))
    url = reverse("partners:subsidies", args=[programme.pk])
    page = staff_client.get(url).content.decode()
    assert "Eindrapport" in page and "100.000,00" in page

    submit = reverse("partners:report_submit", args=[programme.pk, report.pk])
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = staff_client.post(submit, {f"report-{report.pk}-submitted_on": future})
    assert response.status_code == 400
    response = staff_client.post(submit, {f"report-{report.pk}-submitted_on": "2020-03-20"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.submitted_on == date(2020, 3, 20)


def test_trainings_page_shows_attendance_counts(staff_client, programme):
    training = MeetingFactory(
        programme=programme, kind=MeetingKind.PROVINCIAL_TRAINING, title="SDG-vorming Gent"
    )
    InvitationFactory(meeting=training, municipality=municipality("44021"), attended=True)
    InvitationFactory(meeting=training, municipality=municipality("23027"), attended=False)
    response = staff_client.get(reverse("partners:trainings", args=[programme.pk]))
    trainings = response.context["trainings"]
    assert [(t.meeting, t.invited, t.attended, t.municipalities) for t in trainings] == [
        (training, 2, 1, 1)
    ]
    assert "SDG-vorming Gent" in response.content.decode()


@pytest.mark.parametrize("size", [1, 10])
def test_list_pages_take_a_constant_number_of_queries(
    staff_client, programme, size, django_assert_max_num_queries
):
    for _ in range(size):
        partner = PartnerFactory(programme=programme, kind=PartnerKind.GOVERNMENT)
        PartnerContactFactory(partner=partner).meetings.add(MeetingFactory(programme=programme))
        SubsidyReportFactory(subsidy=SubsidyFactory(programme=programme, funder=partner))
    for name in ("list", "subsidies", "trainings"):
        with django_assert_max_num_queries(12):
            assert (
                staff_client.get(reverse(f"partners:{name}", args=[programme.pk])).status_code
                == 200
            )
    with django_assert_max_num_queries(14):
        staff_client.get(reverse("partners:detail", args=[programme.pk, partner.pk]))
