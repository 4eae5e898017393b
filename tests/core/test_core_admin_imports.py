"""Imports in the admin (candidacies, board members, meetings): a preview first, then the
confirmed import through the services; a bad row is named by its row number and nothing is
written; a file that is not what its name says is refused. And the exports."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import User
from core.resources import CheckedImportStorage
from meetings.enums import MeetingAudience, MeetingKind, MeetingStatus
from meetings.models import Meeting
from selection.enums import CandidacyState
from selection.models import BoardMember, BoardOrganisation, Candidacy
from tests.core.test_core_admin import staff_group
from tests.factories import (
    BoardOrganisationFactory,
    CandidacyFactory,
    ProgrammeFactory,
    UserFactory,
    municipality,
)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
MOTIVATION = "Wij willen de SDG's in ons meerjarenplan en de omgevingsanalyse verankeren. " * 4


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture(autouse=True)
def empty_import_directory():
    directory = CheckedImportStorage.directory()
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        path.unlink()


@pytest.fixture
def staff(db):
    """A staff member who is not a superuser: the "VVSG staff" group is all they have."""
    user = UserFactory(email="medewerker@example.org", is_staff=True)
    user.groups.add(staff_group())
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def programme(reference_data):
    return ProgrammeFactory(name="Proeftraject 2017")


@pytest.fixture
def other_programme(reference_data):
    return ProgrammeFactory(name="Ander traject")


def csv_file(text: str, name: str = "rijen.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "rijen.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, admin_name, file, programme):
    return client.post(
        reverse(f"admin:{admin_name}_import"),
        {"import_file": file, "resource": "0", "programme": programme.pk if programme else ""},
    )


def confirm(client, admin_name, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:{admin_name}_process_import"), data)


def export(client, admin_name, file_format: str):
    """The export page's form as shown (every column ticked), posted with the format."""
    url = reverse(f"admin:{admin_name}_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": file_format, "resource": "0"})
    return client.post(url, data)


def stored_uploads() -> list:
    return list(CheckedImportStorage.directory().iterdir())


def assert_refused(response, *messages):
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    content = response.content.decode()
    for message in messages:
        assert message in content, message
    assert stored_uploads() == []


# --- Candidacies --------------------------------------------------------------------------

CANDIDACIES = "selection_candidacy"
CANDIDACY_HEADER = "nis_code;motivation;has_twinning;twinning_partner;sdg_status\n"
GOOD_CANDIDACIES = (
    CANDIDACY_HEADER
    + f'44021;"{MOTIVATION}";ja;Nicaragua;advanced\n'
    + f'Halle;"{MOTIVATION}";nee;;exploring\n'
)


def test_candidacy_import_previews_then_saves_through_the_service(
    staff_client, programme, other_programme, staff
):
    preview = upload(staff_client, CANDIDACIES, csv_file(GOOD_CANDIDACIES), programme)
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    rows = preview.context["result"].valid_rows()
    assert [row.diff[:4] for row in rows] == [
        ["44021", "Gent", "Submitted", "Advanced"],
        ["23027", "Halle", "Submitted", "Exploring"],
    ]
    assert not Candidacy.objects.exists()

    response = confirm(staff_client, CANDIDACIES, preview)
    assert response.status_code == 302
    candidacies = {c.municipality_id: c for c in Candidacy.objects.all()}
    assert set(candidacies) == {"44021", "23027"}
    gent = candidacies["44021"]
    assert gent.programme == programme
    assert (gent.state, gent.has_twinning, gent.twinning_partner) == (
        CandidacyState.SUBMITTED,
        True,
        "Nicaragua",
    )
    assert gent.history.first().history_user == staff
    assert not other_programme.candidacies.exists()
    assert stored_uploads() == []


def test_candidacy_import_updates_an_existing_candidacy(staff_client, programme):
    existing = CandidacyFactory(programme=programme, municipality=municipality("44021"))
    preview = upload(staff_client, CANDIDACIES, csv_file(GOOD_CANDIDACIES), programme)
    confirm(staff_client, CANDIDACIES, preview)
    existing.refresh_from_db()
    assert existing.twinning_partner == "Nicaragua"
    assert Candidacy.objects.filter(programme=programme).count() == 2


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (f'99999;"{MOTIVATION}";nee;;active', "Row 3, nis_code: unknown NIS code 99999"),
        (f'44021;"{MOTIVATION}";nee;;active', "Row 3, nis_code: Gent (44021) is already in row 2"),
        (f'11002;"{MOTIVATION}";misschien;;active', "Row 3: has_twinning: “misschien”"),
        ('11002;"Te kort.";nee;;active', "Row 3, motivation: The motivation needs at least"),
        (f'11002;"{MOTIVATION}";ja;;active', "Row 3, twinning_partner: Name the partner"),
    ],
    ids=["nis", "duplicate", "boolean", "short-motivation", "no-partner"],
)
def test_candidacy_import_with_a_bad_row_names_it_and_writes_nothing(
    staff_client, programme, bad_row, message
):
    text = CANDIDACY_HEADER + f'44021;"{MOTIVATION}";nee;;active\n' + bad_row + "\n"
    text += f'23027;"{MOTIVATION}";nee;;active\n'
    response = upload(staff_client, CANDIDACIES, csv_file(text), programme)
    assert_refused(response, message)
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number + 1 == 3
    assert not Candidacy.objects.exists()


def test_candidacy_import_needs_a_programme(staff_client, programme):
    response = upload(staff_client, CANDIDACIES, csv_file(GOOD_CANDIDACIES), None)
    assert response.status_code == 200
    assert response.context["form"].errors["programme"]
    assert not Candidacy.objects.exists()


def test_candidacy_export_round_trips_as_a_flemish_csv(staff_client, programme):
    CandidacyFactory(
        programme=programme, municipality=municipality("44021"), twinning_partner="=1+1"
    )
    response = export(staff_client, CANDIDACIES, "0")
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffnis_code;motivation;")
    assert "44021" in body
    assert "'=1+1" in body


# --- Board members ------------------------------------------------------------------------

MEMBERS = "selection_boardmember"
MEMBER_HEADER = "E-mail;Voornaam;Achternaam;Organisatie;Soort;Actief\n"


def test_board_member_import_seats_new_and_known_people(staff_client, programme):
    known = UserFactory(email="els@vvsg.be", first_name="Els", last_name="Peeters")
    BoardOrganisationFactory(name="VVSG Duurzaam beleid", kind="vvsg")
    text = (
        MEMBER_HEADER
        + "ELS@vvsg.be;;;vvsg duurzaam beleid;;ja\n"
        + "piet@cifal.be;Piet;Goossens;Cifal Flanders;Institute;nee\n"
    )
    preview = upload(staff_client, MEMBERS, csv_file(text), programme)
    assert preview.context["confirm_form"] is not None
    assert [row.diff for row in preview.context["result"].valid_rows()] == [
        ["els@vvsg.be", "Els Peeters", "VVSG Duurzaam beleid", "yes"],
        ["piet@cifal.be", "Piet Goossens", "Cifal Flanders", "no"],
    ]
    assert not BoardMember.objects.exists()
    assert not User.objects.filter(email="piet@cifal.be").exists()

    confirm(staff_client, MEMBERS, preview)
    members = {m.user.email: m for m in BoardMember.objects.select_related("user", "organisation")}
    assert set(members) == {"els@vvsg.be", "piet@cifal.be"}
    assert members["els@vvsg.be"].user == known
    assert members["piet@cifal.be"].organisation.kind == "institute"
    assert members["piet@cifal.be"].active is False
    assert not members["piet@cifal.be"].user.has_usable_password()
    assert {m.programme for m in members.values()} == {programme}


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("geen-adres;Piet;G;Cifal Flanders;institute;ja", "Row 3, email: “geen-adres”"),
        ("piet@cifal.be;Piet;G;Nieuwe organisatie;;ja", "Row 3, kind: “Nieuwe organisatie”"),
        ("piet@cifal.be;Piet;G;Cifal Flanders;kerk;ja", "Row 3, kind: “kerk” is not one of"),
        ("an@vvsg.be;An;G;Cifal Flanders;institute;ja", "Row 3, email: an@vvsg.be is already"),
        ("piet@cifal.be;Piet;G;;institute;ja", "Row 3, organisation: the organisation is empty"),
    ],
    ids=["email", "new-organisation-without-kind", "kind", "duplicate", "no-organisation"],
)
def test_board_member_import_with_a_bad_row_names_it_and_writes_nothing(
    staff_client, programme, bad_row, message
):
    text = MEMBER_HEADER + "an@vvsg.be;An;Claes;Cifal Flanders;institute;ja\n" + bad_row + "\n"
    response = upload(staff_client, MEMBERS, csv_file(text), programme)
    assert_refused(response, message)
    assert not BoardMember.objects.exists()
    assert not BoardOrganisation.objects.filter(name="Cifal Flanders").exists()
    assert not User.objects.filter(email="an@vvsg.be").exists()


def test_board_member_import_of_an_xlsx(staff_client, programme):
    rows = [["email", "first_name", "last_name", "organisation", "kind"]]
    rows.append(["an@kina.be", "An", "Claes", "KINA", "network"])
    preview = upload(staff_client, MEMBERS, xlsx_file(rows), programme)
    confirm(staff_client, MEMBERS, preview)
    member = BoardMember.objects.select_related("organisation").get()
    assert (member.organisation.name, member.programme) == ("KINA", programme)


# --- Meetings -----------------------------------------------------------------------------

MEETINGS = "meetings_meeting"
MEETING_HEADER = "titel;soort;start;einde;locatie;doelgroep\n"


def test_meeting_import_creates_drafts_in_local_time(staff_client, programme, staff):
    text = (
        MEETING_HEADER
        + "Eerste pilootbijeenkomst;pilot_meeting;2027-05-16 10:00;2027-05-16 16:00;VVSG;pilot\n"
        + "Infosessie;Info session;16/06/2027 14:00;16/06/2027 16:30;Gent;outreach group\n"
    )
    preview = upload(staff_client, MEETINGS, csv_file(text), programme)
    assert preview.context["confirm_form"] is not None
    assert not Meeting.objects.exists()
    confirm(staff_client, MEETINGS, preview)
    meetings = {m.title: m for m in Meeting.objects.all()}
    assert set(meetings) == {"Eerste pilootbijeenkomst", "Infosessie"}
    first, info = meetings["Eerste pilootbijeenkomst"], meetings["Infosessie"]
    assert first.starts_at == datetime(2027, 5, 16, 10, 0, tzinfo=BRUSSELS)
    assert info.ends_at == datetime(2027, 6, 16, 16, 30, tzinfo=BRUSSELS)
    assert (info.kind, info.audience) == (MeetingKind.INFO_SESSION, MeetingAudience.OUTREACH)
    assert {m.status for m in meetings.values()} == {MeetingStatus.DRAFT}
    assert {m.programme for m in meetings.values()} == {programme}
    assert first.organiser == staff
    assert not first.invitations.exists()


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("Sessie;pilot_meeting;morgen;2027-05-16 16:00;;pilot", "Row 3, starts_at: “morgen”"),
        ("Sessie;feest;2027-05-16 10:00;2027-05-16 16:00;;pilot", "Row 3, kind: “feest”"),
        ("Sessie;workshop;2027-05-16 10:00;2027-05-16 09:00;;pilot", "Row 3: The meeting must end"),
        ("Sessie;workshop;2027-05-16 10:00;2027-05-16 12:00;;iedereen", "Row 3, audience"),
        ("Intro;workshop;2027-05-16 10:00;2027-05-16 12:00;;pilot", "already in row 2"),
        ("x" * 201 + ";workshop;2027-05-16 10:00;2027-05-16 12:00;;pilot", "Row 3, title"),
    ],
    ids=["time", "kind", "end-before-start", "audience", "duplicate", "long-title"],
)
def test_meeting_import_with_a_bad_row_names_it_and_writes_nothing(
    staff_client, programme, bad_row, message
):
    text = MEETING_HEADER + "Intro;workshop;2027-05-16 10:00;2027-05-16 12:00;;pilot\n"
    text += bad_row + "\n"
    response = upload(staff_client, MEETINGS, csv_file(text), programme)
    assert_refused(response, message)
    assert not Meeting.objects.exists()


def test_meeting_import_with_a_bad_header_writes_nothing(staff_client, programme):
    response = upload(staff_client, MEETINGS, csv_file("titel;wanneer\nIntro;morgen\n"), programme)
    assert_refused(
        response, "unknown column “wanneer”", "the column kind is missing", "starts_at is missing"
    )
    assert not Meeting.objects.exists()


def test_meeting_export_gives_local_times_and_inert_formulas(staff_client, programme, staff):
    from meetings.services import meeting_create

    meeting_create(
        actor=staff,
        programme=programme,
        kind=MeetingKind.WORKSHOP,
        title='=HYPERLINK("http://evil.example")',
        starts_at=datetime(2027, 5, 16, 10, 0, tzinfo=BRUSSELS),
        ends_at=datetime(2027, 5, 16, 12, 0, tzinfo=BRUSSELS),
    )
    response = export(staff_client, MEETINGS, "1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("title", "kind", "starts_at", "ends_at")
    assert rows[1][:4] == (
        '\'=HYPERLINK("http://evil.example")',
        "workshop",
        "2027-05-16 10:00",
        "2027-05-16 12:00",
    )


# --- Any of them: a file that is not what its name says ------------------------------------


@pytest.mark.parametrize("admin_name", [CANDIDACIES, MEMBERS, MEETINGS])
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rijen.xlsx", b"nis_code;x\n44021;y\n", "not a readable XLSX"),
        ("rijen.csv", b"PK\x03\x04junk", "This is an XLSX workbook"),
        ("rijen.txt", b"a;b\n", "Upload a .csv or .xlsx file"),
    ],
    ids=["text-as-xlsx", "xlsx-as-csv", "txt"],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(
    staff_client, programme, admin_name, name, content, message
):
    response = upload(staff_client, admin_name, SimpleUploadedFile(name, content), programme)
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert message in str(response.context["form"].errors["import_file"])
    assert stored_uploads() == []
    assert not Candidacy.objects.exists()
    assert not BoardMember.objects.exists()
    assert not Meeting.objects.exists()


def test_a_forged_confirmation_imports_nothing(staff_client, programme):
    preview = upload(staff_client, CANDIDACIES, csv_file(GOOD_CANDIDACIES), programme)
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["import_file_name"] = "../../etc/passwd"
    response = staff_client.post(reverse(f"admin:{CANDIDACIES}_process_import"), data)
    assert response.status_code == 200
    assert not Candidacy.objects.exists()


def test_staff_without_the_group_cannot_import(client, programme):
    client.force_login(UserFactory(email="zonder@example.org", is_staff=True))
    for admin_name in (CANDIDACIES, MEMBERS, MEETINGS):
        response = upload(client, admin_name, csv_file(GOOD_CANDIDACIES), programme)
        assert response.status_code == 403
    assert not Candidacy.objects.exists()
