"""The staff map of Flanders: its built shapes, its colours, its size and who may see it."""

import io
import json
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from municipalities.enums import SdgStatusLevel
from municipalities.management.commands.build_map import OUTPUT, simplify, simplify_ring
from municipalities.models import Municipality, MunicipalityStatus, StatusVersion
from portal.map import css_class, map_shapes, status_map_for_user
from selection.enums import Outcome
from selection.selectors.groups import municipality_groups
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GENT, HALLE, AARTSELAAR, ANTWERPEN, HASSELT = "44021", "23027", "11001", "11002", "71022"
URL = reverse("portal:map")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def groups(reference_data):
    """The latest programme: Gent pilot, Halle outreach, Aartselaar still a candidate,
    Antwerpen withdrawn; an older programme had Gent in the outreach group."""
    older = ProgrammeFactory(starts_on=date(2015, 1, 1), ends_on=date(2016, 12, 31))
    CandidacyFactory(programme=older, municipality_id=GENT, outcome=Outcome.OUTREACH)
    latest = ProgrammeFactory(starts_on=date(2017, 5, 16))
    CandidacyFactory(programme=latest, municipality_id=GENT, outcome=Outcome.PILOT)
    CandidacyFactory(programme=latest, municipality_id=HALLE, outcome=Outcome.OUTREACH)
    CandidacyFactory(programme=latest, municipality_id=AARTSELAAR)
    CandidacyFactory(programme=latest, municipality_id=ANTWERPEN, outcome=Outcome.WITHDRAWN)
    return older, latest


def set_level(nis_code: str, level: str) -> None:
    version = StatusVersion.objects.create(
        municipality_id=nis_code, number=1, part="assessment", overall_level=level
    )
    MunicipalityStatus.objects.create(municipality_id=nis_code, current=version)


def regions(response) -> dict[str, str]:
    return {region.nis_code: region.css for region in response.context["map"].regions}


# --- The built map ---------------------------------------------------------------------


def test_built_map_covers_every_municipality(reference_data):
    shapes = map_shapes()
    codes = set(Municipality.objects.values_list("nis_code", flat=True))
    assert len(codes) == 308
    assert set(shapes["municipalities"]) == codes
    assert len(shapes["provinces"]) == 5
    path = re.compile(r"^(M-?\d+ -?\d+(l[-\d ]+)?z)+$")
    assert all(path.match(d) for d in shapes["municipalities"].values())


def test_built_map_is_what_the_command_builds_today(tmp_path):
    """The committed file is the generator's output: nobody edited it by hand, and a change
    of the generator was followed by a rebuild."""
    output = tmp_path / "map.json"
    call_command("build_map", output=output, stdout=io.StringIO())
    assert json.loads(output.read_text()) == json.loads(OUTPUT.read_text())


def test_simplify_drops_a_small_bump_and_keeps_a_large_one():
    small = [(0, 0), (5, 0.2), (10, 0)]
    large = [(0, 0), (5, 3), (10, 0)]
    assert simplify(small, 0.5) == [(0, 0), (10, 0)]
    assert simplify(large, 0.5) == large


def test_simplify_ring_keeps_a_square_and_loses_points_along_its_sides():
    ring = [(0, 0), (5, 0), (10, 0), (10, 5), (10, 10), (5, 10.1), (0, 10), (0, 5), (0, 0)]
    assert sorted(simplify_ring(ring, 0.5)) == [(0, 0), (0, 10), (10, 0), (10, 10)]


# --- The page ----------------------------------------------------------------------------


def test_map_page_is_light_and_links_every_municipality(staff_client, groups):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert len(response.content) < 300 * 1024
    html = response.content.decode()
    links = re.findall(r'<a href="/municipalities/(\d{5})/"><title>', html)
    assert sorted(links) == sorted(Municipality.objects.values_list("nis_code", flat=True))
    assert "<title>Gent · " in html
    assert 'style="' not in html


def test_map_colours_by_the_latest_programmes_groups(staff_client, groups):
    _older, latest = groups
    colours = regions(staff_client.get(URL))
    assert colours[GENT] == "group-pilot"
    assert colours[HALLE] == "group-outreach"
    assert colours[AARTSELAAR] == "group-candidate"
    assert colours[ANTWERPEN] == "group-none"  # withdrawn
    assert colours[HASSELT] == "group-none"  # never applied
    expected = municipality_groups(programme=latest)
    assert colours == {nis: css_class("group", expected.get(nis, "none")) for nis in colours}


def test_map_colours_by_the_chosen_programme(staff_client, groups):
    older, _latest = groups
    colours = regions(staff_client.get(URL, {"programme": older.pk}))
    assert colours[GENT] == "group-outreach"
    assert colours[HALLE] == "group-none"


def test_map_legend_counts_each_colour(staff_client, groups):
    legend = {e.css: e.count for e in staff_client.get(URL).context["map"].legend}
    assert legend == {
        "group-pilot": 1,
        "group-outreach": 1,
        "group-candidate": 1,
        "group-none": 305,
    }


def test_map_colours_by_overall_level(staff_client, groups):
    set_level(GENT, SdgStatusLevel.ADVANCED)
    set_level(HALLE, SdgStatusLevel.NOT_STARTED)
    response = staff_client.get(URL, {"colour_by": "level"})
    colours = regions(response)
    assert colours[GENT] == "level-advanced"
    assert colours[HALLE] == "level-not-started"
    assert colours[HASSELT] == "level-none"
    html = response.content.decode()
    assert 'class="level-advanced"' in html
    assert 'class="group-pilot"' not in html


@pytest.mark.parametrize(
    "query",
    [
        {"programme": "99999999999999999999999999", "colour_by": "<script>"},
        {"programme": "abc"},
        {"programme": "-1", "colour_by": ""},
    ],
)
def test_map_with_a_bad_filter_shows_the_default_map(staff_client, groups, query):
    response = staff_client.get(URL, query)
    assert response.status_code == 200
    assert regions(response)[GENT] == "group-pilot"


def test_map_query_count_does_not_grow_with_the_data(staff_client, groups):
    with CaptureQueriesContext(connection) as few:
        staff_client.get(URL, {"colour_by": "level"})
    for nis in Municipality.objects.values_list("nis_code", flat=True)[:60]:
        set_level(nis, SdgStatusLevel.ACTIVE)
    _older, latest = groups
    for nis in Municipality.objects.order_by("-nis_code").values_list("nis_code", flat=True)[:40]:
        CandidacyFactory(programme=latest, municipality_id=nis, outcome=Outcome.PILOT)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(URL, {"colour_by": "level"})
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as by_group:
        response = staff_client.get(URL)
    assert len(by_group) == len(few)
    assert list(regions(response).values()).count("group-pilot") == 41


# --- Who may see it ----------------------------------------------------------------------


def test_map_refuses_everyone_but_staff(client, groups, password):
    assert client.get(URL).status_code == 302  # to the login page
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None).user
    member = BoardMemberFactory(programme=groups[1], user__password=None).user
    for user in (contact, member, UserFactory(password=None)):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_map_selector_refuses_a_contact(groups):
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None).user
    with pytest.raises(PermissionDenied):
        status_map_for_user(user=contact, programme=groups[1])
