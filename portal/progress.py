"""Progress between two snapshots, per group of a programme, and the geometry of its chart.

Reads go through functions that take the user: only staff (who may see the overview of
every municipality) get anything, everyone else PermissionDenied. A comparison costs the
same few queries whatever the number of municipalities.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from municipalities.enums import Contribution, SdgStatusLevel, Track
from municipalities.models import SDGGoal, Snapshot, SnapshotEntry
from municipalities.status import GOAL_NUMBERS
from selection.enums import Group
from selection.selectors.groups import municipality_groups

# The tracks of the self-assessment and the overall score, as StatusVersion names them.
SCORES = (*Track.values, "overall")
CONTRIBUTING = {Contribution.SOME, Contribution.STRONG}
ALL = "all"


def _check(user) -> None:
    """Every read here is for staff only: the overview of every municipality."""
    if not rules.has_perm("municipalities.view_status_overview", user):
        raise PermissionDenied


def snapshots_for_user(*, user, with_counts: bool = False) -> QuerySet[Snapshot]:
    """Every snapshot, newest first; `with_counts` adds who took it and, as
    `municipality_count`, how many municipalities it holds."""
    _check(user)
    snapshots = Snapshot.objects.order_by("-taken_at", "-pk")
    if with_counts:
        snapshots = snapshots.select_related("taken_by").annotate(
            municipality_count=Count("entries")
        )
    return snapshots


def score_labels() -> dict[str, str]:
    return {**dict(Track.choices), "overall": _("Overall")}


# --- The comparison ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What a snapshot holds of one municipality."""

    nis_code: str
    scores: dict[str, int | None]  # per track and "overall", percent
    level: str
    contributing: frozenset[str]  # the SDGs (as "1".."17") contributed to today


@dataclass
class Side:
    """One group in one snapshot."""

    count: int = 0
    means: dict[str, float | None] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    goals: dict[str, int] = field(default_factory=dict)


def summarise(entries: Iterable[Entry]) -> Side:
    """Mean scores (over the municipalities with a score on that track, to one decimal),
    municipalities per overall level and, per SDG, how many contribute to it today."""
    entries = list(entries)
    means: dict[str, float | None] = {}
    for key in SCORES:
        values = [e.scores[key] for e in entries if e.scores[key] is not None]
        means[key] = round(sum(values) / len(values), 1) if values else None
    return Side(
        count=len(entries),
        means=means,
        levels={
            level: sum(1 for e in entries if e.level == level) for level in SdgStatusLevel.values
        },
        goals={goal: sum(1 for e in entries if goal in e.contributing) for goal in GOAL_NUMBERS},
    )


def _difference(a, b):
    return None if a is None or b is None else round(b - a, 1)


@dataclass(frozen=True)
class Change:
    label: str
    a: float | int | None
    b: float | int | None

    @property
    def difference(self):
        return _difference(self.a, self.b)


@dataclass
class GroupComparison:
    key: str  # a Group value or ALL
    label: str
    a: Side
    b: Side
    chart: Chart | None = None

    @property
    def scores(self) -> list[Change]:
        labels = score_labels()
        return [Change(labels[k], self.a.means[k], self.b.means[k]) for k in SCORES]

    @property
    def levels(self) -> list[Change]:
        return [
            Change(label, self.a.levels[level], self.b.levels[level])
            for level, label in SdgStatusLevel.choices
        ]


@dataclass(frozen=True)
class Comparison:
    a: Snapshot
    b: Snapshot
    programme: object | None
    groups: list[GroupComparison]
    goal_titles: dict[str, str] = field(default_factory=dict)  # "7" -> "SDG 7: ..."

    def goal_rows(self) -> list[tuple[str, list[Change]]]:
        """Per SDG, per group: municipalities contributing today in a and in b."""
        return [
            (
                self.goal_titles.get(goal, goal),
                [Change(g.label, g.a.goals[goal], g.b.goals[goal]) for g in self.groups],
            )
            for goal in GOAL_NUMBERS
        ]

    def level_rows(self) -> list[tuple[str, list[Change]]]:
        return [
            (label, [Change(g.label, g.a.levels[level], g.b.levels[level]) for g in self.groups])
            for level, label in SdgStatusLevel.choices
        ]


def snapshot_entries(snapshot: Snapshot) -> list[Entry]:
    """The entries of a snapshot with the scores of their versions, in one query. Only the
    circle exercise of each version's document is read, not the whole document."""
    rows = SnapshotEntry.objects.filter(snapshot=snapshot).values_list(
        "municipality_id",
        *(f"version__{key}_score" for key in SCORES),
        "version__overall_level",
        "version__document__goals",
    )
    entries = []
    for nis, *scores, level, goals in rows:
        goals = goals if isinstance(goals, dict) else {}
        entries.append(
            Entry(
                nis_code=nis,
                scores=dict(zip(SCORES, scores, strict=True)),
                level=level,
                contributing=frozenset(
                    goal
                    for goal, value in goals.items()
                    if isinstance(value, dict) and value.get("today") in CONTRIBUTING
                ),
            )
        )
    return entries


def group_labels() -> dict[str, str]:
    return {
        Group.PILOT: Group.PILOT.label,
        Group.OUTREACH: Group.OUTREACH.label,
        Group.CANDIDATE: _("Other candidates"),
        ALL: _("All municipalities with a status"),
    }


def compare(
    *, a_entries: list[Entry], b_entries: list[Entry], groups: dict[str, str]
) -> list[GroupComparison]:
    """Per group (pilot, outreach, other candidates, everyone) the two snapshots side by side.

    `groups` maps NIS code to group; a municipality counts in a snapshot only when the
    snapshot has an entry for it.
    """
    result = []
    for key, label in group_labels().items():

        def member(entry, key=key):
            return key == ALL or groups.get(entry.nis_code) == key

        result.append(
            GroupComparison(
                key=key,
                label=str(label),
                a=summarise(e for e in a_entries if member(e)),
                b=summarise(e for e in b_entries if member(e)),
            )
        )
    return result


def comparison_for_user(*, user, a: Snapshot, b: Snapshot, programme) -> Comparison:
    """The change from snapshot a to b per group of `programme` (None: no groups but all)."""
    _check(user)
    groups = municipality_groups(programme=programme) if programme else {}
    a_entries = snapshot_entries(a)
    b_entries = a_entries if b.pk == a.pk else snapshot_entries(b)
    result = compare(a_entries=a_entries, b_entries=b_entries, groups=groups)
    labels = score_labels()
    for group in result:
        group.chart = bar_chart(
            [(labels[k], group.a.means[k], group.b.means[k]) for k in SCORES],
            title=group.label,
        )
    goal_titles = {str(goal.number): str(goal) for goal in SDGGoal.objects.all()}
    return Comparison(a=a, b=b, programme=programme, groups=result, goal_titles=goal_titles)


# --- The chart -----------------------------------------------------------------------
#
# A horizontal bar chart drawn as SVG on the server: per row a label, a bar for snapshot a
# and one for b, each with its value written next to it. Sizes are in SVG units; the
# template scales the drawing to the width of its column.

LABEL_WIDTH = 150
PLOT_WIDTH = 300
VALUE_WIDTH = 50
BAR_HEIGHT = 13
BAR_GAP = 2
ROW_GAP = 14
TOP = 6
AXIS_HEIGHT = 20
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str  # "bar-a" or "bar-b"
    value: float | None
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Tick:
    x: float
    y1: float
    y2: float
    text: str
    text_y: float


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    ticks: list[Tick]


def bar_chart(
    rows: Sequence[tuple[str, float | None, float | None]], *, title: str, maximum: float = 100
) -> Chart:
    """The geometry of the chart of (label, value in a, value in b) rows on a 0..maximum
    scale. A missing value draws no bar; its text says so (the template writes a dash)."""
    row_height = 2 * BAR_HEIGHT + BAR_GAP + ROW_GAP
    plot_bottom = TOP + len(rows) * row_height - ROW_GAP / 2
    bars, labels = [], []
    for i, (text, *values) in enumerate(rows):
        top = TOP + i * row_height
        labels.append(Label(x=LABEL_WIDTH - 8, y=top + BAR_HEIGHT + BAR_GAP / 2 + 4, text=text))
        for j, (value, css) in enumerate(zip(values, ("bar-a", "bar-b"), strict=True)):
            y = top + j * (BAR_HEIGHT + BAR_GAP)
            share = 0 if value is None else max(0.0, min(value, maximum)) / maximum
            width = round(share * PLOT_WIDTH, 1)
            bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=y,
                    width=width,
                    height=BAR_HEIGHT,
                    css=css,
                    value=value,
                    text_x=LABEL_WIDTH + width + 4,
                    text_y=y + BAR_HEIGHT - 3,
                )
            )
    ticks = [
        Tick(
            x=LABEL_WIDTH + tick / maximum * PLOT_WIDTH,
            y1=TOP - 2,
            y2=plot_bottom,
            text=f"{tick}%",
            text_y=plot_bottom + 14,
        )
        for tick in TICKS
        if tick <= maximum
    ]
    return Chart(
        title=title,
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=round(plot_bottom + AXIS_HEIGHT),
        bars=bars,
        labels=labels,
        ticks=ticks,
    )
