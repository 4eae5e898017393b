from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Sum

from municipalities.enums import Degurba
from municipalities.models import Arrondissement, Municipality, Province, SDGGoal, SDGTarget
from municipalities.services import reference_data_load

pytestmark = pytest.mark.django_db


def test_reference_data_counts_match_sources():
    assert Province.objects.count() == 5
    assert Arrondissement.objects.count() == 22
    assert Municipality.objects.count() == 308
    assert SDGGoal.objects.count() == 17
    assert SDGTarget.objects.count() == 169


def test_reference_data_gent_is_44021_in_oost_vlaanderen():
    gent = Municipality.objects.select_related("province", "arrondissement").get(pk="44021")
    assert gent.name == "Gent"
    assert gent.province.name == "Oost-Vlaanderen"
    assert gent.province.nis_code == "40000"
    assert gent.arrondissement.name == "Gent"
    assert gent.degurba == Degurba.CITIES


def test_reference_data_population_sums_equal_statbel_totals():
    assert Municipality.objects.aggregate(s=Sum("population_2018"))["s"] == 6_552_967
    # 15 municipalities merged in 2019 have no separate 2017 figure in the sources.
    assert Municipality.objects.filter(population_2017__isnull=True).count() == 15
    assert Municipality.objects.aggregate(s=Sum("population_2017"))["s"] == 6_321_685


def test_reference_data_municipalities_per_province():
    counts = Counter(Municipality.objects.values_list("province__name", flat=True))
    assert counts == {
        "Antwerpen": 70,
        "Limburg": 44,
        "Oost-Vlaanderen": 65,
        "Vlaams-Brabant": 65,
        "West-Vlaanderen": 64,
    }


def test_reference_data_degurba_classes():
    counts = Counter(Municipality.objects.values_list("degurba", flat=True))
    assert counts == {1: 7, 2: 237, 3: 64}
    cities = set(Municipality.objects.filter(degurba=1).values_list("name", flat=True))
    assert cities == {"Antwerpen", "Gent", "Brugge", "Leuven", "Mechelen", "Kortrijk", "Oostende"}


def test_reference_data_nis_codes_are_five_character_strings():
    codes = list(Municipality.objects.values_list("nis_code", flat=True))
    assert all(isinstance(c, str) and len(c) == 5 and c.isdigit() for c in codes)
    assert Municipality.objects.get(pk="11001").name == "Aartselaar"


def test_reference_data_successors_2019_and_2025():
    puurs = Municipality.objects.get(pk="12030")
    assert (puurs.merged_2019, puurs.nis_code_2019, puurs.name_2019) == (
        True,
        "12041",
        "Puurs-Sint-Amands",
    )
    borsbeek = Municipality.objects.get(name="Borsbeek")
    assert (borsbeek.merged_2025, borsbeek.nis_code_2025, borsbeek.name_2025) == (
        True,
        "11002",
        "Antwerpen",
    )
    assert Municipality.objects.filter(merged_2019=True).count() == 15
    assert Municipality.objects.filter(merged_2025=True).count() == 28


def test_reference_data_area_total():
    total = Municipality.objects.aggregate(s=Sum("area_km2"))["s"]
    assert round(float(total), 1) == 13_522.2


def test_reference_data_sdgs_have_titles_colours_and_targets():
    goal1 = SDGGoal.objects.get(number=1)
    assert (goal1.short_title_nl, goal1.short_title_en) == ("Geen armoede", "No poverty")
    assert goal1.colour == "#E5243B"
    assert SDGGoal.objects.get(number=17).colour == "#19486A"
    per_goal = Counter(SDGTarget.objects.values_list("goal_id", flat=True))
    assert [per_goal[g] for g in range(1, 18)] == [
        7,
        8,
        13,
        10,
        9,
        8,
        5,
        12,
        8,
        10,
        10,
        11,
        5,
        10,
        12,
        12,
        19,
    ]
    assert SDGTarget.objects.get(code="17.19").goal_id == 17


def test_reference_data_load_is_idempotent_and_repairs_changes():
    Municipality.objects.filter(pk="44021").update(name="Ghent (edited)", population_2018=1)
    counts = reference_data_load()
    assert counts.municipalities == 308
    gent = Municipality.objects.get(pk="44021")
    assert (gent.name, gent.population_2018) == ("Gent", 260341)
    reference_data_load()
    assert Municipality.objects.count() == 308
    assert SDGTarget.objects.count() == 169


def test_load_reference_data_command_reports_counts(capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "308" in out
    assert "169" in out
