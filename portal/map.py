"""The map of Flanders on the staff status pages: every municipality coloured by its group
in a programme or by its overall level.

The shapes come from municipalities/data/flanders_map.json, built once by
`manage.py build_map` and read once per process; a request only picks a colour class per
municipality (three queries).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.enums import SdgStatusLevel
from municipalities.models import Municipality, MunicipalityStatus
from selection.enums import Group
from selection.selectors.groups import municipality_groups

MAP_FILE = Path(__file__).resolve().parents[1] / "municipalities" / "data" / "flanders_map.json"

COLOUR_BY_GROUP = "group"
COLOUR_BY_LEVEL = "level"
COLOUR_BY_CHOICES = [
    (COLOUR_BY_GROUP, gettext_lazy("Group in the programme")),
    (COLOUR_BY_LEVEL, gettext_lazy("Overall level (self-assessment)")),
]
NO_GROUP = "none"
NO_LEVEL = "none"


@functools.cache
def map_shapes() -> dict:
    """The built map: {"viewBox": ..., "municipalities": {nis: path}, "provinces": {...}}."""
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


def css_class(kind: str, value: str) -> str:
    """The colour class of a value: "group-pilot", "level-not-started", "level-none"."""
    return f"{kind}-{value.replace('_', '-')}"


@dataclass(frozen=True)
class Region:
    nis_code: str
    name: str
    path: str
    css: str
    url: str
    caption: str  # the group or level, for the tooltip


@dataclass(frozen=True)
class LegendEntry:
    css: str
    label: str
    count: int


@dataclass(frozen=True)
class StatusMap:
    view_box: str
    regions: list[Region]
    provinces: list[str]
    legend: list[LegendEntry]
    colour_by: str


def _categories(colour_by: str) -> list[tuple[str, str]]:
    if colour_by == COLOUR_BY_LEVEL:
        return [*SdgStatusLevel.choices, (NO_LEVEL, _("No status yet"))]
    return [
        (Group.PILOT, Group.PILOT.label),
        (Group.OUTREACH, Group.OUTREACH.label),
        (Group.CANDIDATE, _("Other candidates")),
        (NO_GROUP, _("No candidacy")),
    ]


def status_map_for_user(*, user, programme, colour_by: str = COLOUR_BY_GROUP) -> StatusMap:
    """The map for a staff member: each municipality's group in `programme` (which may be
    None: then no municipality has a group) or its current overall level.

    Only for those who may see the overview of every municipality (PermissionDenied).
    """
    if not rules.has_perm("municipalities.view_status_overview", user):
        raise PermissionDenied
    kind = COLOUR_BY_LEVEL if colour_by == COLOUR_BY_LEVEL else COLOUR_BY_GROUP
    if kind == COLOUR_BY_LEVEL:
        values = dict(
            MunicipalityStatus.objects.values_list("municipality_id", "current__overall_level")
        )
        missing = NO_LEVEL
    else:
        values = municipality_groups(programme=programme) if programme else {}
        missing = NO_GROUP
    labels = dict(_categories(kind))
    counts = dict.fromkeys(labels, 0)
    shapes = map_shapes()
    paths = shapes["municipalities"]
    # One reverse() for all: the NIS code is the only part that changes.
    url = reverse("portal:home", args=["00000"])
    regions = []
    for nis, name in Municipality.objects.order_by("nis_code").values_list("nis_code", "name"):
        if nis not in paths:
            continue
        value = values.get(nis, missing)
        counts[value] = counts.get(value, 0) + 1
        regions.append(
            Region(
                nis_code=nis,
                name=name,
                path=paths[nis],
                css=css_class(kind, value),
                url=url.replace("00000", nis),
                caption=str(labels.get(value, value)),
            )
        )
    return StatusMap(
        view_box=shapes["viewBox"],
        regions=regions,
        provinces=list(shapes["provinces"].values()),
        legend=[
            LegendEntry(css=css_class(kind, value), label=str(label), count=counts[value])
            for value, label in labels.items()
        ],
        colour_by=kind,
    )
