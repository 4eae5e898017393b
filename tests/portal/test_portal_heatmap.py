"""The staff heatmap: who may open it, what its cells say, its filters, its query count."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

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
)

pytestmark = pytest.mark.django_db

GENT, BEVEREN, BERLARE, AS, BOOM = "44021", "46003", "42003", "71002", "11005"
HASSELT, LEUVEN, BRUGGE = "71022", "24062", "31005"
URL = reverse("portal:heatmap")


@pytest.fixture
def world(reference_data):
    """The latest programme (size bands 10,000 / 50,000) with five candidates in three groups,
    a withdrawn and a draft candidacy; an older programme where Brugge was a pilot."""
    older = ProgrammeFactory(starts_on=date(2014, 1, 1), ends_on=date(2015, 12, 31))
    CandidacyFactory(programme=older, municipality_id=BRUGGE, outcome=Outcome.PILOT)
    latest = ProgrammeFactory(small_max_population=10_000, medium_max_population=50_000)
    for nis, outcome in [
        (GENT, Outcome.PILOT),  # Oost-Vlaanderen, 260,341: large
        (BEVEREN, Outcome.OUTREACH),  # Oost-Vlaanderen, 48,192: medium
        (BERLARE, Outcome.PENDING),  # Oost-Vlaanderen, 14,849: medium
        (AS, Outcome.PILOT),  # Limburg, 8,190: small
        (BOOM, Outcome.OUTREACH),  # Antwerpen, 17,970: medium
        (HASSELT, Outcome.WITHDRAWN),
    ]:
        CandidacyFactory(programme=latest, municipality_id=nis, outcome=outcome)
    CandidacyFactory(programme=latest, municipality_id=LEUVEN, state=CandidacyState.DRAFT)
    return older, latest


def _answer(track: str, points: int) -> dict:
    question = AssessmentQuestion.objects.filter(track=track, active=True).order_by("order")[0]
    return {str(question.pk): question.options.get(points=points).pk}


@pytest.fixture
def gent_status(world, staff_user):
    """Gent: SDG 7 today some / ambition strong, SDG 13 strong / strong, SDG 1 none / none;
    awareness 3 of 12 points (25%), policy 2 of 12 (17%), overall 5 of 36 (14%): exploring."""
    municipality = Municipality.objects.get(pk=GENT)
    status_update(
        municipality=municipality,
        actor=staff_user,
        base_version=0,
        values={
            ("goals", "7"): {"today": "some", "ambition": "strong"},
            ("goals", "13"): {"today": "strong", "ambition": "strong"},
            ("goals", "1"): {"today": "none", "ambition": "none"},
        },
        kind=StatusPart.GOALS,
    )
    return status_update(
        municipality=municipality,
        actor=staff_user,
        base_version=1,
        values={
            ("assessment", "awareness"): _answer("awareness", 3),
            ("assessment", "policy"): _answer("policy", 2),
        },
        kind=StatusPart.ASSESSMENT,
    )


def _nis(response) -> set[str]:
    return {line.row.municipality.nis_code for line in response.context["rows"]}


def test_heatmap_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_heatmap_forbidden_to_contact_and_board_member(client, world, gent_status):
    _older, latest = world
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None)
    member = BoardMemberFactory(programme=latest, user__password=None)
    for user in (contact.user, member.user):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403
        assert b"hm-table" not in response.content


def test_heatmap_shows_the_cells_of_a_known_status(client, staff_user, gent_status):
    client.force_login(staff_user)
    response = client.get(URL)
    assert response.status_code == 200
    line = next(r for r in response.context["rows"] if r.row.municipality.pk == GENT)
    assert line.row.version == gent_status
    assert gent_status.number == 2
    assert [(c.css, c.text, c.marker) for c in line.goals[:1]] == [("hm-t-none", "○", False)]
    seven, thirteen = line.goals[6], line.goals[12]
    assert (seven.css, seven.text, seven.marker) == ("hm-t-some", "◐", True)
    assert (thirteen.css, thirteen.text, thirteen.marker) == ("hm-t-strong", "●", False)
    assert line.goals[1].css == "hm-t-unknown"
    assert line.goals[1].text == "·"
    assert [(c.css, c.text) for c in line.tracks] == [
        ("hm-b-1", "25%"),  # awareness
        ("hm-b-none", "–"),  # political support: nothing answered
        ("hm-b-0", "17%"),  # policy
    ]
    assert gent_status.overall_level == SdgStatusLevel.EXPLORING
    assert line.level.css == "hm-level hm-level-exploring"

    html = response.content.decode()
    # The screen-reader text says what the colour and the symbol show (the UI is Dutch).
    assert seven.label in html and seven.title in html
    assert "SDG 7" in seven.title
    assert f'href="{reverse("portal:home", args=[GENT])}"' in html
    assert html.count('class="hm-t-') == 17 * 5
    # A candidate without a status has a row of empty cells.
    berlare = next(r for r in response.context["rows"] if r.row.municipality.pk == BERLARE)
    assert berlare.row.version is None
    assert {c.css for c in berlare.goals} == {"hm-t-unknown"}
    assert berlare.level.text == "–"


def test_heatmap_cell_text_in_english(client, staff_user, gent_status):
    client.force_login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(URL)
    line = next(r for r in response.context["rows"] if r.row.municipality.pk == GENT)
    assert line.goals[6].label == "today: some, ambition: strong"
    assert line.goals[1].label == "not filled in"
    # Each cell says in words what its colour and symbol show.
    assert (
        '<td class="hm-t-some" title="SDG 7: today: some, ambition: strong">'
        '<span aria-hidden="true">◐<span class="hm-marker">▲</span></span>'
        '<span class="visually-hidden">today: some, ambition: strong</span></td>'
    ) in response.content.decode()
    assert '<td class="hm-b-none"><span aria-hidden="true">–</span>' in response.content.decode()


def test_heatmap_default_shows_the_latest_programmes_candidates(client, staff_user, world):
    _older, latest = world
    client.force_login(staff_user)
    response = client.get(URL)
    assert _nis(response) == {GENT, BEVEREN, BERLARE, AS, BOOM}
    assert response.context["overview"].programme == latest
    # Sorted by name.
    names = [line.row.municipality.name for line in response.context["rows"]]
    assert names == ["As", "Berlare", "Beveren", "Boom", "Gent"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"group": "candidates"}, {GENT, BEVEREN, BERLARE, AS, BOOM}),
        ({"group": "pilot"}, {GENT, AS}),
        ({"group": "outreach"}, {BEVEREN, BOOM}),
        ({"group": "candidates", "size_class": "small"}, {AS}),
        ({"group": "candidates", "size_class": "medium"}, {BEVEREN, BERLARE, BOOM}),
        ({"group": "candidates", "size_class": "large"}, {GENT}),
        ({"group": "pilot", "size_class": "large"}, {GENT}),
        ({"group": "candidates", "with_status": "on"}, {GENT}),
        ({"group": "all", "with_status": "on"}, {GENT, BRUGGE}),
    ],
)
def test_heatmap_filters_select_exactly(client, staff_user, gent_status, query, expected):
    brugge = Municipality.objects.get(pk=BRUGGE)
    status_update(
        municipality=brugge,
        actor=staff_user,
        base_version=0,
        values={("goals", "3"): {"today": "some", "ambition": "some"}},
        kind=StatusPart.GOALS,
    )
    client.force_login(staff_user)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert _nis(response) == expected


def test_heatmap_filters_by_province(client, staff_user, world):
    client.force_login(staff_user)
    oost = Municipality.objects.get(pk=GENT).province
    response = client.get(URL, {"group": "candidates", "province": oost.pk})
    assert _nis(response) == {GENT, BEVEREN, BERLARE}
    everyone = client.get(URL, {"group": "all", "province": oost.pk})
    assert _nis(everyone) == set(
        Municipality.objects.filter(province=oost).values_list("pk", flat=True)
    )
    assert len(_nis(everyone)) > 50


def test_heatmap_all_shows_every_municipality_with_its_group(client, staff_user, world):
    client.force_login(staff_user)
    response = client.get(URL, {"group": "all"})
    rows = {line.row.municipality.pk: line.row for line in response.context["rows"]}
    assert set(rows) == set(Municipality.objects.values_list("pk", flat=True))
    assert len(rows) == 308
    assert rows[GENT].group_label == "Pilootgroep"
    assert rows[BERLARE].group == "candidate"
    assert rows[HASSELT].group is None  # withdrawn
    assert rows[LEUVEN].group is None  # a draft is no candidacy
    assert rows[BRUGGE].group is None  # pilot of an older programme only


def test_heatmap_other_programme_uses_its_own_groups_and_bands(client, staff_user, world):
    older, latest = world
    client.force_login(staff_user)
    response = client.get(URL, {"programme": older.pk, "group": "pilot"})
    assert _nis(response) == {BRUGGE}
    # The older programme has the default bands (15,000 / 30,000): Brugge is large there.
    assert response.context["rows"][0].row.size_class == "large"
    berlare = client.get(
        URL, {"programme": latest.pk, "group": "candidates", "size_class": "small"}
    )
    assert _nis(berlare) == {AS}
    default_bands = client.get(URL, {"programme": older.pk, "group": "all", "size_class": "small"})
    assert BERLARE in _nis(default_bands) and AS in _nis(default_bands)


@pytest.mark.parametrize(
    "query",
    [
        {"programme": "99999999999999999999999999"},
        {"programme": "abc", "group": "nonsense", "size_class": "huge", "province": "x"},
        {"province": "-1"},
    ],
)
def test_heatmap_unknown_filter_values_fall_back_to_defaults(client, staff_user, world, query):
    client.force_login(staff_user)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _nis(response) == {GENT, BEVEREN, BERLARE, AS, BOOM}


def test_heatmap_has_a_legend_and_export_links_keep_the_filters(client, staff_user, world):
    client.force_login(staff_user)
    response = client.get(URL, {"group": "pilot"})
    html = response.content.decode()
    assert 'id="heatmap-legend-title"' in html
    assert f'href="{reverse("portal:export_csv")}?group=pilot"' in html
    assert f'href="{reverse("portal:export_xlsx")}?group=pilot"' in html
    assert "style=" not in html


# --- A constant number of queries -------------------------------------------------------

# Session and user, the navigation's role checks (contact, board member), then the page: the
# default programme, its groups, the municipalities with their status, the goals, and the
# filter form's programme and province choices (each read once, also to check a value).
HEATMAP_QUERIES = 10


def _many(count: int, actor) -> None:
    """`count` candidates of a fresh latest programme, each with a status of two versions."""
    programme = ProgrammeFactory(starts_on=date(2030, 1, 1), ends_on=date(2032, 12, 31))
    municipalities = list(Municipality.objects.order_by("pk")[:count])
    Candidacy.objects.bulk_create(
        Candidacy(
            programme=programme,
            municipality=m,
            state=CandidacyState.SUBMITTED,
            submitted_at=timezone.now(),
            outcome=[Outcome.PILOT, Outcome.OUTREACH, Outcome.PENDING][i % 3],
        )
        for i, m in enumerate(municipalities)
    )
    goals = {str(n): {"today": "some", "ambition": "strong"} for n in range(1, 18)}
    versions = StatusVersion.objects.bulk_create(
        StatusVersion(
            municipality=m,
            number=number,
            author=actor,
            part=StatusPart.GOALS,
            document={"goals": goals, "assessment": {}, "milestones": {}, "actions": {}},
            awareness_score=40,
            overall_score=13,
            overall_level=SdgStatusLevel.EXPLORING,
        )
        for m in municipalities
        for number in (1, 2)
    )
    MunicipalityStatus.objects.bulk_create(
        MunicipalityStatus(municipality_id=v.municipality_id, current=v)
        for v in versions
        if v.number == 2
    )


@pytest.mark.parametrize("count", [10, 308])
def test_heatmap_queries_constant(
    client, staff_user, reference_data, django_assert_num_queries, count
):
    _many(count, staff_user)
    client.force_login(staff_user)
    with django_assert_num_queries(HEATMAP_QUERIES):
        response = client.get(URL)
    assert len(response.context["rows"]) == count
    assert {line.row.version.number for line in response.context["rows"]} == {2}
    assert response.context["rows"][0].goals[16].css == "hm-t-some"


@pytest.mark.parametrize("count", [10, 308])
def test_heatmap_filtered_queries_constant(
    client, staff_user, reference_data, django_assert_num_queries, count
):
    _many(count, staff_user)
    province = Municipality.objects.order_by("pk")[0].province
    client.force_login(staff_user)
    query = {"group": "all", "province": province.pk, "size_class": "large", "with_status": "on"}
    # A bound form checks its values against the same, once-read choices: no extra query.
    with django_assert_num_queries(HEATMAP_QUERIES):
        response = client.get(URL, query)
    expected = set(
        Municipality.objects.filter(
            province=province, population_2018__gt=30_000, status__isnull=False
        ).values_list("pk", flat=True)
    )
    assert expected
    assert _nis(response) == expected
