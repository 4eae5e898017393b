"""The partners' admin: every page renders; partners and their contacts (on their own page
and inline) are written through the services, whose checks show on the form; the import
previews first, names bad rows by number and writes nothing then."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.enums import PartnerKind
from partners.models import Partner, PartnerContact, Subsidy, SubsidyReport
from partners.resources import PartnerImportStorage
from tests.factories import BoardOrganisationFactory, UserFactory
from tests.partners.conftest import MeetingFactory, PartnerContactFactory, SubsidyReportFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:partners_partner_import"
PROCESS_URL = "admin:partners_partner_process_import"
MANAGER = "beheer@example.org"
FOREIGN_MEETING = "A linked meeting belongs to another programme."
NOT_STAFF = "The person who had the contact must be a staff member."


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(email=MANAGER, is_staff=True, is_superuser=True))
    return client


@pytest.fixture(autouse=True)
def empty_import_directory():
    directory = PartnerImportStorage.directory()
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        path.unlink()


def upload(client, programme, text: str):
    file = SimpleUploadedFile("partners.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(
        reverse(IMPORT_URL), {"import_file": file, "resource": "0", "programme": programme.pk}
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS_URL), data)


@pytest.mark.parametrize("model", [Partner, PartnerContact, Subsidy, SubsidyReport])
def test_every_partners_admin_page_renders(admin_client, programme, model):
    report = SubsidyReportFactory(subsidy__programme=programme)
    contact = PartnerContactFactory(partner=report.subsidy.funder)
    assert model in admin.site._registry
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "x"}).status_code == 200
    assert (
        admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code
        == 200
    )
    obj = {Partner: contact.partner, PartnerContact: contact, Subsidy: report.subsidy}.get(
        model, report
    )
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_admin_add_partner_checks_the_kind_links(admin_client, programme):
    organisation = BoardOrganisationFactory(name="11.11.11")
    url = reverse("admin:partners_partner_add")
    data = {
        "programme": programme.pk,
        "name": "ABB",
        "kind": PartnerKind.GOVERNMENT,
        "role": "BBC",
        "board_organisation": organisation.pk,
        "active": "on",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "links to a board organisation" in response.content.decode()
    assert not Partner.objects.exists()

    data.pop("board_organisation")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert (partner.name, partner.kind, partner.programme) == ("ABB", "government", programme)
    assert partner.history.count() == 1


def test_import_previews_then_writes_through_the_services(admin_client, programme):
    BoardOrganisationFactory(name="11.11.11")
    existing = Partner.objects.create(programme=programme, name="ABB", kind="other")
    text = (
        "name;kind;role;board_organisation;province;website;active\n"
        "ABB;government;De BBC;;;https://www.vlaanderen.be;ja\n"
        "11.11.11;Advisory board organisation;Klankbordgroep;11.11.11;;;\n"
        "Provincie Limburg;provincie;;;Limburg;;nee\n"
    )
    preview = upload(admin_client, programme, text)
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    assert Partner.objects.count() == 1  # the dry run wrote nothing

    response = confirm(admin_client, preview)
    assert response.status_code == 302
    partners = {p.name: p for p in Partner.objects.filter(programme=programme)}
    assert set(partners) == {"ABB", "11.11.11", "Provincie Limburg"}
    assert partners["ABB"].pk == existing.pk and partners["ABB"].kind == "government"
    assert partners["11.11.11"].board_organisation.name == "11.11.11"
    assert partners["Provincie Limburg"].province.name == "Limburg"
    assert partners["Provincie Limburg"].active is False


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X;spaceship;;;;;", "unknown kind"),
        ("X;government;;11.11.11;;;", "links to a board organisation"),
        ("X;province;;;Atlantis;;", "unknown province"),
        ("X;other;;;;javascript:alert(1);", "is not a web address"),
        (";other;;;;;", "the name is empty"),
        ("ABB;other;;;;;", "already in row 2"),
    ],
)
def test_import_with_a_bad_row_names_it_and_writes_nothing(admin_client, programme, row, message):
    BoardOrganisationFactory(name="11.11.11")
    text = "name;kind;role;board_organisation;province;website;active\nABB;government;;;;;\n" + row
    response = upload(admin_client, programme, text + "\n")
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    content = response.content.decode()
    assert "Row 3" in content and message in content
    assert not Partner.objects.exists()


def test_import_by_plain_staff_is_refused(client, programme):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_export_lists_the_partners(admin_client, programme):
    Partner.objects.create(programme=programme, name="ABB", kind="government", role="BBC")
    response = admin_client.post(
        reverse("admin:partners_partner_export"),
        {
            "format": "0",
            "resource": "0",
            "export_items": [],
            **{
                f"partnerresource_{f}": "on"
                for f in (
                    "name",
                    "kind",
                    "role",
                    "board_organisation",
                    "province",
                    "website",
                    "active",
                )
            },
        },
    )
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "ABB" in body and "government" in body


def test_mark_submitted_action_calls_the_service(admin_client, programme):
    report = SubsidyReportFactory(subsidy__programme=programme)
    response = admin_client.post(
        reverse("admin:partners_subsidyreport_changelist"),
        {"action": "mark_submitted_today", "_selected_action": [report.pk]},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.submitted_on is not None
    assert report.history.count() == 2


# --- Contacts, on their own page and inline ------------------------------------------------


def contact_data(partner, **values):
    return {
        "partner": partner.pk,
        "date": "2018-03-01",
        "who": "",
        "topic": "BBC",
        "outcome": "",
        **values,
    }


def partner_data(partner, *contacts):
    """The partner's change form with these inline contact rows (dicts; an "id" for a
    stored one)."""
    data = {
        "programme": partner.programme_id,
        "name": partner.name,
        "kind": partner.kind,
        "role": partner.role,
        "active": "on",
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": str(sum(1 for c in contacts if "id" in c)),
    }
    for index, contact in enumerate(contacts):
        row = {"partner": partner.pk, "date": "2018-03-01", "who": "", "outcome": "", **contact}
        data.update({f"contacts-{index}-{name}": value for name, value in row.items()})
    return data


def test_admin_add_contact_logs_it_through_the_service(admin_client, partner):
    meeting = MeetingFactory(programme=partner.programme)
    response = admin_client.post(
        reverse("admin:partners_partnercontact_add"),
        contact_data(partner, topic=" Overleg BBC ", meetings=[meeting.pk]),
    )
    assert response.status_code == 302
    contact = PartnerContact.objects.get()
    assert (contact.partner, contact.topic, contact.who.email) == (partner, "Overleg BBC", MANAGER)
    assert list(contact.meetings.all()) == [meeting]
    assert {row.history_user.email for row in contact.history.all()} == {MANAGER}


def test_admin_add_contact_refuses_a_meeting_of_another_programme(
    admin_client, partner, other_programme
):
    foreign = MeetingFactory(programme=other_programme)
    response = admin_client.post(
        reverse("admin:partners_partnercontact_add"), contact_data(partner, meetings=[foreign.pk])
    )
    assert response.status_code == 200
    assert FOREIGN_MEETING in response.content.decode()
    assert not PartnerContact.objects.exists()


def test_admin_change_contact_updates_it_and_checks_a_new_staff_member(admin_client, partner):
    contact = PartnerContactFactory(partner=partner, topic="Oud")
    author = contact.who
    author.is_staff = False
    author.save()
    url = reverse("admin:partners_partnercontact_change", args=[contact.pk])

    # Its author is no longer staff: the contact stays editable as long as the author stays.
    response = admin_client.post(url, contact_data(partner, who=author.pk, topic="Nieuw"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.topic, contact.who) == ("Nieuw", author)
    assert contact.history.latest().history_user.email == MANAGER

    outsider = UserFactory(is_staff=False)
    response = admin_client.post(url, contact_data(partner, who=outsider.pk, topic="Anders"))
    assert response.status_code == 200
    assert NOT_STAFF in response.content.decode()
    contact.refresh_from_db()
    assert (contact.topic, contact.who) == ("Nieuw", author)


def test_partner_inline_contacts_go_through_the_service(admin_client, partner):
    stored = PartnerContactFactory(partner=partner, topic="Oud")
    meeting = MeetingFactory(programme=partner.programme)
    response = admin_client.post(
        reverse("admin:partners_partner_change", args=[partner.pk]),
        partner_data(
            partner,
            {"id": stored.pk, "who": stored.who_id, "topic": "Gewijzigd"},
            {"topic": "Nieuw overleg", "meetings": [meeting.pk]},
        ),
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.topic == "Gewijzigd"
    new = PartnerContact.objects.exclude(pk=stored.pk).get()
    assert (new.partner, new.topic, new.who.email) == (partner, "Nieuw overleg", MANAGER)
    assert list(new.meetings.all()) == [meeting]


def test_partner_inline_refuses_a_meeting_of_another_programme(
    admin_client, partner, other_programme
):
    foreign = MeetingFactory(programme=other_programme)
    response = admin_client.post(
        reverse("admin:partners_partner_change", args=[partner.pk]),
        partner_data(partner, {"topic": "Nieuw overleg", "meetings": [foreign.pk]}),
    )
    assert response.status_code == 200
    assert FOREIGN_MEETING in response.content.decode()
    assert not PartnerContact.objects.exists()


def test_partner_inline_deletes_a_contact(admin_client, partner):
    stored = PartnerContactFactory(partner=partner)
    response = admin_client.post(
        reverse("admin:partners_partner_change", args=[partner.pk]),
        partner_data(
            partner,
            {
                "id": stored.pk,
                "who": stored.who_id,
                "topic": stored.topic,
                "outcome": stored.outcome,
                "DELETE": "on",
            },
        ),
    )
    assert response.status_code == 302
    assert not PartnerContact.objects.exists()


def subsidy_data(programme, funder, **values):
    data = {
        "programme": programme.pk,
        "funder": funder.pk,
        "amount": "2500.00",
        "starts_on": "2017-05-16",
        "ends_on": "2019-12-31",
        "reference": "BZ-2017",
        "note": "",
        "reports-TOTAL_FORMS": "0",
        "reports-INITIAL_FORMS": "0",
    }
    return {**data, **values}


def test_admin_add_subsidy_records_it_through_the_service(admin_client, programme, partner):
    response = admin_client.post(
        reverse("admin:partners_subsidy_add"), subsidy_data(programme, partner)
    )
    assert response.status_code == 302
    subsidy = Subsidy.objects.get()
    assert (subsidy.funder, str(subsidy.amount), subsidy.reference) == (
        partner,
        "2500.00",
        "BZ-2017",
    )
    assert subsidy.history.count() == 1


def test_admin_add_subsidy_refuses_a_funder_of_another_programme(
    admin_client, programme, foreign_partner
):
    response = admin_client.post(
        reverse("admin:partners_subsidy_add"), subsidy_data(programme, foreign_partner)
    )
    assert response.status_code == 200
    assert "The funder is not a partner of this programme." in response.content.decode()
    assert not Subsidy.objects.exists()


def test_admin_change_subsidy_keeps_its_programme_and_checks_the_period(
    admin_client, programme, partner, other_programme
):
    report = SubsidyReportFactory(subsidy__programme=programme, subsidy__funder=partner)
    subsidy = report.subsidy
    url = reverse("admin:partners_subsidy_change", args=[subsidy.pk])
    reports = {
        "reports-TOTAL_FORMS": "1",
        "reports-INITIAL_FORMS": "1",
        "reports-0-id": report.pk,
        "reports-0-subsidy": subsidy.pk,
        "reports-0-title": report.title,
        "reports-0-due_on": report.due_on.isoformat(),
        "reports-0-remind_days_before": report.remind_days_before,
    }
    bad = subsidy_data(programme, partner, ends_on="2017-01-01", **reports)
    response = admin_client.post(url, bad)
    assert response.status_code == 200
    assert "The subsidy cannot end before it starts." in response.content.decode()
    moved = subsidy_data(other_programme, partner, amount="3000.00", **reports)
    assert admin_client.post(url, moved).status_code == 302
    subsidy.refresh_from_db()
    assert (subsidy.programme, str(subsidy.amount)) == (programme, "3000.00")
