"""The status table exports (CSV, XLSX): who may download them, their columns and values."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from municipalities.enums import SdgStatusLevel, StatusPart
from municipalities.models import (
    AssessmentQuestion,
    Municipality,
    MunicipalityStatus,
    StatusVersion,
)
from municipalities.services.status import status_update
from selection.enums import CandidacyState, Outcome
from selection.models import Candidacy
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GENT, BERLARE, AS = "44021", "42003", "71002"
CSV_URL, XLSX_URL = reverse("portal:export_csv"), reverse("portal:export_xlsx")
UTC = dt.UTC

FIXED_HEADER = [
    "NIS code",
    "Municipality",
    "Province",
    "Group",
    "Version",
    "Saved at",
    "Saved by",
    "Awareness (%)",
    "Political support (%)",
    "Policy (%)",
    "Overall (%)",
    "Overall level",
]
MILESTONES = [
    "SDGs in the environment analysis",
    "SDGs in the multi-year plan 2020-2025",
    "SDGs in the coalition agreement",
    "VVSG's SDG commitment declaration signed",
    "An SDG coordinator or working group",
    "A council or college decision on the SDGs",
]
TRACK_NAMES = {"awareness": "Awareness", "support": "Political support", "policy": "Policy"}


def _questions():
    order = list(TRACK_NAMES)
    return sorted(
        AssessmentQuestion.objects.filter(active=True),
        key=lambda q: (order.index(q.track), q.order, q.pk),
    )


def expected_header() -> list[str]:
    return [
        *FIXED_HEADER,
        *[f"{TRACK_NAMES[q.track]}: {q.text_en}" for q in _questions()],
        *[f"SDG {n} {what}" for n in range(1, 18) for what in ("today", "ambition")],
        *[f"{m}: {what}" for m in MILESTONES for what in ("achieved", "date")],
    ]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def world(reference_data):
    programme = ProgrammeFactory()
    CandidacyFactory(programme=programme, municipality_id=GENT, outcome=Outcome.PILOT)
    CandidacyFactory(programme=programme, municipality_id=AS, outcome=Outcome.PILOT)
    CandidacyFactory(programme=programme, municipality_id=BERLARE, outcome=Outcome.PENDING)
    return programme


@pytest.fixture
def editor(db):
    return UserFactory(first_name="Ann", last_name="Peeters", is_staff=True, password=None)


@pytest.fixture
def first_question():
    return _questions()[0]


@pytest.fixture
def gent_status(world, editor, first_question):
    """Gent, version 3: SDG 7 some / strong; the first awareness question answered with its
    3-point option (3 of 12 awareness points: 25%; 3 of 36 overall: 8%); the multi-year plan
    milestone achieved on 17 December 2019. Saved last at 10:30 UTC (11:30 in Brussels)."""
    gent = Municipality.objects.get(pk=GENT)
    status_update(
        municipality=gent,
        actor=editor,
        base_version=0,
        values={("goals", "7"): {"today": "some", "ambition": "strong", "note": "=1+1"}},
        kind=StatusPart.GOALS,
        at=dt.datetime(2019, 6, 1, 9, 0, tzinfo=UTC),
    )
    status_update(
        municipality=gent,
        actor=editor,
        base_version=1,
        values={
            ("assessment", "awareness"): {
                str(first_question.pk): first_question.options.get(points=3).pk
            }
        },
        kind=StatusPart.ASSESSMENT,
        at=dt.datetime(2019, 9, 1, 9, 0, tzinfo=UTC),
    )
    return status_update(
        municipality=gent,
        actor=editor,
        base_version=2,
        values={("milestones", "multi_year_plan"): {"achieved": True, "date": "2019-12-17"}},
        kind=StatusPart.MILESTONES,
        at=dt.datetime(2019, 12, 17, 10, 30, tzinfo=UTC),
    )


def gent_row(answer: str) -> list:
    goals = []
    for n in range(1, 18):
        goals += ["Some", "Strong"] if n == 7 else ["", ""]
    milestones = []
    for kind in range(6):
        milestones += ["yes", dt.date(2019, 12, 17)] if kind == 1 else ["no", None]
    return [
        GENT,
        "Gent",
        "Oost-Vlaanderen",
        "Pilot group",
        3,
        dt.datetime(2019, 12, 17, 11, 30),
        "Ann Peeters",
        25,
        None,
        None,
        8,
        "Exploring",
        answer,
        *[""] * 11,
        *goals,
        *milestones,
    ]


NO_STATUS_AS = [AS, "As", "Limburg", "Pilot group", None, None, "", None, None, None, None, ""]
NO_STATUS_AS += [""] * (12 + 34) + ["", None] * 6


def _csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _as_csv(value) -> str:
    if value is None:
        return ""
    return str(value)


def _xlsx(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_csv_header_and_rows(english, editor, gent_status):
    english.force_login(editor)
    response = english.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sdg-status-sdg-proeftraject-'
    )
    lines = _csv(response)
    assert lines[0] == expected_header()
    assert len(lines[0]) == 12 + 12 + 34 + 12
    rows = {line[0]: line for line in lines[1:]}
    assert set(rows) == {GENT, AS, BERLARE}
    assert [line[1] for line in lines[1:]] == ["As", "Berlare", "Gent"]
    assert rows[GENT] == [_as_csv(v) for v in gent_row("Almost everyone")]
    assert rows[AS] == [_as_csv(v) for v in NO_STATUS_AS]
    assert rows[BERLARE][3] == "Candidate"


def test_export_xlsx_header_and_rows(english, editor, gent_status):
    english.force_login(editor)
    response = english.get(XLSX_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    values = _xlsx(response)
    assert values[0] == expected_header()
    rows = {row[0]: row for row in values[1:]}
    expected = gent_row("Almost everyone")
    # A date cell comes back from openpyxl as a datetime at midnight; empty text as None.
    expected = [
        dt.datetime.combine(v, dt.time()) if type(v) is dt.date else (None if v == "" else v)
        for v in expected
    ]
    assert rows[GENT] == expected
    assert rows[AS] == [None if v == "" else v for v in NO_STATUS_AS]


def test_export_headers_are_dutch_by_default(client, editor, gent_status):
    client.force_login(editor)
    header = _csv(client.get(CSV_URL))[0]
    assert header[:3] == ["NIS-code", "Gemeente", "Provincie"]
    gent = next(line for line in _csv(client.get(CSV_URL))[1:] if line[0] == GENT)
    assert gent[3] == "Pilootgroep"
    assert gent[12] == "Vrijwel iedereen"  # the answer's Dutch text


def test_export_follows_the_heatmap_filters(english, editor, gent_status):
    english.force_login(editor)
    pilot = _csv(english.get(CSV_URL, {"group": "pilot"}))
    assert {line[0] for line in pilot[1:]} == {GENT, AS}
    with_status = _xlsx(english.get(XLSX_URL, {"group": "all", "with_status": "on"}))
    assert {row[0] for row in with_status[1:]} == {GENT}
    limburg = Municipality.objects.get(pk=AS).province
    in_limburg = _csv(english.get(CSV_URL, {"province": limburg.pk}))
    assert {line[0] for line in in_limburg[1:]} == {AS}
    small = _csv(english.get(CSV_URL, {"size_class": "small"}))
    assert {line[0] for line in small[1:]} == {AS, BERLARE}


def test_export_neutralises_formula_looking_text(english, editor, gent_status, first_question):
    option = first_question.options.get(points=3)
    option.text_en = '=HYPERLINK("https://evil.example","click")'
    option.save()
    editor.first_name = "@SUM(A1)"
    editor.save()
    english.force_login(editor)
    gent = next(line for line in _csv(english.get(CSV_URL))[1:] if line[0] == GENT)
    assert gent[12] == '\'=HYPERLINK("https://evil.example","click")'
    assert gent[6] == "'@SUM(A1) Peeters"
    row = next(row for row in _xlsx(english.get(XLSX_URL))[1:] if row[0] == GENT)
    assert row[12] == '\'=HYPERLINK("https://evil.example","click")'
    assert row[6] == "'@SUM(A1) Peeters"
    sheet = openpyxl.load_workbook(io.BytesIO(english.get(XLSX_URL).content)).active
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_export_leaves_out_inactive_questions(english, editor, gent_status, first_question):
    first_question.active = False
    first_question.save()
    english.force_login(editor)
    lines = _csv(english.get(CSV_URL))
    assert lines[0] == expected_header()
    assert len(lines[0]) == 12 + 11 + 34 + 12


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export_forbidden_to_contact_and_board_member(client, world, gent_status, url):
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None)
    member = BoardMemberFactory(programme=world, user__password=None)
    for user in (contact.user, member.user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert "attachment" not in response.get("Content-Disposition", "")


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


# --- A constant number of queries -------------------------------------------------------

# Session and user; the default programme, its groups, the municipalities with their status
# and author, the active questions and their options. No page, so no navigation.
EXPORT_QUERIES = 7


def _many(count: int, actor) -> None:
    programme = ProgrammeFactory(starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2032, 12, 31))
    municipalities = list(Municipality.objects.order_by("pk")[:count])
    Candidacy.objects.bulk_create(
        Candidacy(
            programme=programme,
            municipality=m,
            state=CandidacyState.SUBMITTED,
            submitted_at=dt.datetime(2017, 3, 1, tzinfo=UTC),
            outcome=Outcome.PILOT,
        )
        for m in municipalities
    )
    document = {
        "goals": {"5": {"today": "strong", "ambition": "strong"}},
        "assessment": {},
        "milestones": {"commitment": {"achieved": True, "date": "2018-02-01"}},
        "actions": {},
    }
    versions = StatusVersion.objects.bulk_create(
        StatusVersion(
            municipality=m,
            number=1,
            author=actor,
            part=StatusPart.GOALS,
            document=document,
            overall_level=SdgStatusLevel.NOT_STARTED,
        )
        for m in municipalities
    )
    MunicipalityStatus.objects.bulk_create(
        MunicipalityStatus(municipality_id=v.municipality_id, current=v) for v in versions
    )


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
@pytest.mark.parametrize("count", [10, 308])
def test_export_queries_constant(
    client, staff_user, reference_data, django_assert_num_queries, count, url
):
    _many(count, staff_user)
    client.force_login(staff_user)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    rows = _csv(response)[1:] if url == CSV_URL else _xlsx(response)[1:]
    assert len(rows) == count


@pytest.mark.parametrize("name", ["portal:heatmap", "portal:export_csv", "portal:export_xlsx"])
def test_overview_pages_are_read_only(client, staff_user, world, name):
    client.force_login(staff_user)
    assert client.post(reverse(name), {"group": "all"}).status_code == 405
    assert client.head(reverse(name)).status_code == 200
