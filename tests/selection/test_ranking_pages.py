"""The staff ranking page and its CSV and XLSX exports."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from selection.enums import Outcome
from selection.selectors.ranking import candidate_scores
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    CriterionFactory,
    ReviewFactory,
    ScoreFactory,
    municipality,
)

pytestmark = pytest.mark.django_db

STAFF_URLS = ["ranking", "ranking_csv", "ranking_xlsx", "agreement", "progress"]


def url(name, programme, **query):
    path = reverse(f"selection:{name}", args=[programme.pk])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


@pytest.fixture
def scored(programme):
    """Five candidacies, three members, criteria weighted 2/1/1 (each member gives one
    value on all three, so a member's weighted score is that value):

    | municipality | province        | size   | m1 | m2 | m3 | score | std   | n |
    | Gent         | Oost-Vlaanderen | large  | 5  | 5  | 4  | 14/3  | 0.471 | 3 |
    | Alken        | Limburg         | small  | 4  | 4  | 4  | 4     | 0     | 3 |
    | Genk         | Limburg         | large  | 1  | 5  | -  | 3     | 2     | 2 |
    | Tielt        | West-Vlaanderen | medium | 3  | -  | -  | 3     | 0     | 1 |
    | Affligem     | Vlaams-Brabant  | small  | -  | -  | -  | -     | -     | 0 |
    """
    criteria = [
        CriterionFactory(programme=programme, weight=w, position=i, name=f"Criterium {i}")
        for i, w in enumerate((2, 1, 1), start=1)
    ]
    # Members who never log in: no password to hash keeps the fixture fast.
    members = [BoardMemberFactory(programme=programme, user__password=None) for _ in range(3)]
    plan = {
        "44021": (5, 5, 4),
        "73001": (4, 4, 4),
        "71016": (1, 5, None),
        "37015": (3, None, None),
        "23105": (None, None, None),
    }
    candidacies = {}
    for nis, values in plan.items():
        candidacy = CandidacyFactory(programme=programme, municipality=municipality(nis))
        candidacies[municipality(nis).name] = candidacy
        for member, value in zip(members, values, strict=True):
            if value is None:
                continue
            review = ReviewFactory(member=member, candidacy=candidacy)
            for criterion in criteria:
                ScoreFactory(review=review, criterion=criterion, value=value)
    return criteria, candidacies


def names(response):
    return [row.name for row in response.context["table"].rows]


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_open_for_staff(client, staff_user, programme, name):
    client.force_login(staff_user)
    assert client.get(url(name, programme)).status_code == 200


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_forbidden_to_board_member_and_contact(
    client, programme, board_member, contact, name
):
    # A scored candidacy whose criterion name must not leak into the refusal.
    criterion = CriterionFactory(programme=programme, name="Geheim criterium")
    review = ReviewFactory(member=board_member, candidacy=programme.candidacies.get())
    ScoreFactory(review=review, criterion=criterion, value=5)
    for user in (board_member.user, contact.user):
        client.force_login(user)
        response = client.get(url(name, programme))
        assert response.status_code == 403
        assert b"Geheim criterium" not in response.content


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_send_anonymous_to_login(client, programme, name):
    response = client.get(url(name, programme))
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_unknown_programme_gives_404(client, staff_user, programme, name):
    client.force_login(staff_user)
    assert client.get(reverse(f"selection:{name}", args=[programme.pk + 1000])).status_code == 404


def test_ranking_default_order_is_rank_with_ties_by_name(client, staff_user, programme, scored):
    client.force_login(staff_user)
    response = client.get(url("ranking", programme))
    table = response.context["table"]
    assert names(response) == ["Gent", "Alken", "Genk", "Tielt", "Affligem"]
    assert [row.rank for row in table.rows] == [1, 2, 3, 4, 5]
    assert [row.score for row in table.rows] == pytest.approx([14 / 3, 4, 3, 3, None])
    assert [row.n_members for row in table.rows] == [3, 3, 2, 1, 0]
    assert table.sort == "rank"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-score", ["Gent", "Alken", "Genk", "Tielt", "Affligem"]),
        ("score", ["Genk", "Tielt", "Alken", "Gent", "Affligem"]),
        ("-std", ["Genk", "Gent", "Alken", "Tielt", "Affligem"]),
        ("std", ["Alken", "Tielt", "Gent", "Genk", "Affligem"]),
        ("name", ["Affligem", "Alken", "Genk", "Gent", "Tielt"]),
        ("-name", ["Tielt", "Gent", "Genk", "Alken", "Affligem"]),
        ("province", ["Alken", "Genk", "Gent", "Affligem", "Tielt"]),
        ("n", ["Affligem", "Tielt", "Genk", "Gent", "Alken"]),
        ("-n", ["Gent", "Alken", "Genk", "Tielt", "Affligem"]),
        ("-rank", ["Affligem", "Tielt", "Genk", "Alken", "Gent"]),
        ("bogus", ["Gent", "Alken", "Genk", "Tielt", "Affligem"]),
    ],
)
def test_ranking_sort_is_exact_and_stable(client, staff_user, programme, scored, sort, expected):
    client.force_login(staff_user)
    response = client.get(url("ranking", programme, sort=sort))
    assert names(response) == expected


def test_ranking_sort_by_criterion_column(client, staff_user, programme, scored):
    criteria, _ = scored
    client.force_login(staff_user)
    response = client.get(url("ranking", programme, sort=f"c{criteria[0].pk}"))
    assert names(response) == ["Genk", "Tielt", "Alken", "Gent", "Affligem"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"province": "Limburg"}, ["Alken", "Genk"]),
        ({"size_class": "small"}, ["Alken", "Affligem"]),
        ({"outcome": "pilot"}, ["Genk"]),
        ({"province": "Limburg", "size_class": "large"}, ["Genk"]),
        ({"province": "Nergensland"}, []),
    ],
)
def test_ranking_filters(client, staff_user, programme, scored, query, expected):
    _, candidacies = scored
    candidacies["Genk"].outcome = Outcome.PILOT
    candidacies["Genk"].save()
    client.force_login(staff_user)
    response = client.get(url("ranking", programme, **query))
    assert names(response) == expected
    # Ranks stay the programme-wide ones.
    if expected == ["Genk"]:
        assert response.context["table"].rows[0].rank == 3


def test_ranking_hides_withdrawn_and_draft_candidacies(client, staff_user, programme, scored):
    _, candidacies = scored
    candidacies["Gent"].outcome = Outcome.WITHDRAWN
    candidacies["Gent"].save()
    CandidacyFactory(
        programme=programme, municipality=municipality("23027"), state="draft", submitted_at=None
    )
    client.force_login(staff_user)
    response = client.get(url("ranking", programme))
    assert names(response) == ["Alken", "Genk", "Tielt", "Affligem"]
    assert "Halle" not in response.content.decode()


def test_ranking_marks_high_disagreement(client, staff_user, programme, scored):
    client.force_login(staff_user)
    response = client.get(url("ranking", programme))
    flagged = [row.name for row in response.context["table"].rows if row.high_disagreement]
    assert flagged == ["Genk"]
    assert response.content.decode().count('class="table-warning ranking-disagree"') == 1


def test_ranking_zscore_toggle(client, staff_user, programme, scored):
    client.force_login(staff_user)
    response = client.get(url("ranking", programme, method="zscore"))
    table = response.context["table"]
    expected = candidate_scores(user=staff_user, programme=programme, method="zscore")
    assert table.method == "zscore"
    assert [(r.name, r.score) for r in table.rows] == [(r.name, r.score) for r in expected]
    # m3 gave one value per criterion only (z = 0, the pooled mean), so Gent moves.
    assert table.rows[0].score != pytest.approx(14 / 3)
    fallback = client.get(url("ranking", programme, method="nonsense")).context["table"]
    assert fallback.method == "mean"


def test_ranking_page_shows_no_inline_script_or_style(client, staff_user, programme, scored):
    client.force_login(staff_user)
    html = client.get(url("ranking", programme)).content.decode()
    assert "style=" not in html
    assert "<script>" not in html
    assert "js/ranking.js" in html


# --- Exports ----------------------------------------------------------------------------


def _page_rows(client, programme, **query):
    table = client.get(url("ranking", programme, **query)).context["table"]
    return table, table.export_rows()


def test_ranking_csv_equals_page_data(client, staff_user, programme, scored):
    client.force_login(staff_user)
    query = {"sort": "-std", "province": "Limburg"}
    table, expected = _page_rows(client, programme, **query)
    response = client.get(url("ranking_csv", programme, **query))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, rows = lines[0], lines[1:]
    assert header == table.export_header()
    assert [row[2] for row in rows] == ["Genk", "Alken"]
    genk = rows[0]
    assert genk[:4] == ["3", "71016", "Genk", "Limburg"]
    assert genk[6:10] == ["3,0000", "3,0000", "3,0000", "3,0000"]
    assert genk[10:15] == ["3,0000", "2", "6", "2,0000", "4,0000"]

    def parse(cell):
        return float(cell.replace(",", ".")) if "," in cell else cell

    for csv_row, page_row in zip(rows, expected, strict=True):
        for cell, value in zip(csv_row, page_row, strict=True):
            if isinstance(value, float):
                assert parse(cell) == pytest.approx(value, abs=1e-4)
            else:
                assert cell == ("" if value is None else str(value))


def test_ranking_xlsx_equals_page_data(client, staff_user, programme, scored):
    client.force_login(staff_user)
    query = {"sort": "name", "method": "zscore"}
    table, expected = _page_rows(client, programme, **query)
    response = client.get(url("ranking_xlsx", programme, **query))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == table.export_header()
    rows = values[1:]
    assert [row[2] for row in rows] == ["Affligem", "Alken", "Genk", "Gent", "Tielt"]
    for xlsx_row, page_row in zip(rows, expected, strict=True):
        for cell, value in zip(xlsx_row, page_row, strict=True):
            if isinstance(value, float):
                # A stored number, not text (openpyxl reads 0.0 back as the int 0).
                assert isinstance(cell, int | float)
                assert cell == pytest.approx(value)
            else:
                assert cell == value
    # Numbers are numbers, not text: rank and member count are integers.
    assert isinstance(rows[0][0], int)
    assert isinstance(rows[2][11], int)


def test_ranking_export_links_keep_the_query(client, staff_user, programme, scored):
    client.force_login(staff_user)
    html = client.get(url("ranking", programme, sort="-std", province="Limburg")).content
    expected = url("ranking_csv", programme) + "?sort=-std&amp;province=Limburg"
    assert expected.encode() in html


def test_programme_overview_links_the_staff_pages(client, staff_user, programme):
    client.force_login(staff_user)
    html = client.get(reverse("selection:programme_overview")).content.decode()
    for name in ("ranking", "agreement", "progress"):
        assert f'href="{url(name, programme)}"' in html
