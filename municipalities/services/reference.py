"""Writes to municipalities and their reference data."""

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from ..models import Arrondissement, Municipality, Province, SDGGoal, SDGTarget

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class ReferenceDataCounts:
    provinces: int
    arrondissements: int
    municipalities: int
    goals: int
    targets: int


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, key: str, rows: list[dict]) -> None:
    """Create missing rows and update changed ones, in a fixed number of queries."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    to_create, to_update = [], []
    fields = [name for name in rows[0] if name != key] if rows else []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            to_create.append(model(**row))
            continue
        changed = False
        for name in fields:
            if getattr(obj, name) != row[name]:
                setattr(obj, name, row[name])
                changed = True
        if changed:
            to_update.append(obj)
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, fields)


@transaction.atomic
def reference_data_load() -> ReferenceDataCounts:
    """Load provinces, arrondissements, municipalities, SDGs and targets; idempotent."""
    municipalities = _rows("flemish_municipalities_2017.csv")
    provinces = sorted({(r["province_nis"], r["province"]) for r in municipalities})
    _upsert(Province, "nis_code", [{"nis_code": code, "name": name} for code, name in provinces])
    _upsert(
        Arrondissement,
        "nis_code",
        [
            {"nis_code": code, "name": name, "province_id": province}
            for code, name, province in sorted(
                {
                    (r["arrondissement_nis"], r["arrondissement"], r["province_nis"])
                    for r in municipalities
                }
            )
        ],
    )
    _upsert(
        Municipality,
        "nis_code",
        [
            {
                "nis_code": r["nis_code"],
                "name": r["name_nl"],
                "province_id": r["province_nis"],
                "arrondissement_id": r["arrondissement_nis"],
                "population_2017": int(r["population_2017_01_01"])
                if r["population_2017_01_01"]
                else None,
                "population_2018": int(r["population_2018_01_01"]),
                "area_km2": Decimal(r["area_km2"]).quantize(Decimal("0.01")),
                "degurba": int(r["degurba_2014"]),
                "merged_2019": r["merged_2019"] == "True",
                "nis_code_2019": r["nis_code_2019"],
                "name_2019": r["name_nl_2019"],
                "merged_2025": r["merged_2025"] == "True",
                "nis_code_2025": r["nis_code_2025"],
                "name_2025": r["name_nl_2025"],
            }
            for r in municipalities
        ],
    )
    colours = {int(r["goal"]): r["colour"] for r in _rows("sdg_colours.csv")}
    _upsert(
        SDGGoal,
        "number",
        [
            {
                "number": int(r["goal"]),
                "short_title_nl": r["short_title_nl"],
                "short_title_en": r["short_title_en"],
                "title_en": r["title_en"],
                "colour": colours[int(r["goal"])],
            }
            for r in _rows("sdg_goals.csv")
        ],
    )
    _upsert(
        SDGTarget,
        "code",
        [
            {
                "code": r["code"],
                "goal_id": int(r["goal"]),
                "target_id": r["target_id"],
                "type": r["type"],
                "text_en": r["text_en"],
            }
            for r in _rows("sdg_targets.csv")
        ],
    )
    return ReferenceDataCounts(
        provinces=Province.objects.count(),
        arrondissements=Arrondissement.objects.count(),
        municipalities=Municipality.objects.count(),
        goals=SDGGoal.objects.count(),
        targets=SDGTarget.objects.count(),
    )


def known_pilots() -> list[dict[str, str]]:
    """The municipalities that public sources name as 2017 pilots (8 of the 20)."""
    return _rows("sdg_pilot_2017_participants.csv")
