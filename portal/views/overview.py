"""Staff overviews of every municipality's status: the heatmap and its CSV/XLSX exports."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rules.contrib.views import permission_required

from municipalities.enums import Contribution, SdgStatusLevel, Track

from ..exports import csv_download, status_table, xlsx_download
from ..forms_overview import StatusFilterForm
from ..selectors import OVERVIEW, OverviewRow, overview_goals, status_overview

# Today's contribution as a shape too, so the cell does not rely on its colour alone.
SYMBOLS = {Contribution.NONE: "○", Contribution.SOME: "◐", Contribution.STRONG: "●"}
NOT_FILLED = "·"
RANK = {value: rank for rank, value in enumerate(Contribution.values)}
# Track scores are shaded in four bands of 25 percent.
BANDS = 4


@dataclass(frozen=True)
class Cell:
    css: str
    text: str  # what the eye sees (aria-hidden when `label` says more in words)
    label: str  # what a screen reader reads
    title: str = ""
    marker: bool = False  # the ambition is higher than today's contribution

    @cached_property
    def html(self) -> str:
        if self.text == self.label:
            content = conditional_escape(self.text)
        else:
            content = format_html(
                '<span aria-hidden="true">{}{}</span><span class="visually-hidden">{}</span>',
                self.text,
                mark_safe('<span class="hm-marker">▲</span>') if self.marker else "",
                self.label,
            )
        title = format_html(' title="{}"', self.title) if self.title else ""
        return format_html('<td class="{}"{}>{}</td>', self.css, title, content)


@dataclass(frozen=True)
class HeatmapRow:
    row: OverviewRow
    goals: list[Cell]
    tracks: list[Cell]
    level: Cell
    html: str  # the row's cells after its name, written once in Python: 20 cells x 308 rows


class _Cells:
    """The cells of the table, each kind built and written out once (a few hundred kinds)."""

    def __init__(self, goals):
        self.codes = {goal.number: goal.code for goal in goals}
        self.contribution = {value: str(label).lower() for value, label in Contribution.choices}
        self.cache: dict = {}

    def _once(self, key, build) -> Cell:
        if key not in self.cache:
            self.cache[key] = build()
            self.cache[key].html  # noqa: B018 - written out once, here
        return self.cache[key]

    def goal(self, number: int, today: str | None, ambition: str | None) -> Cell:
        return self._once(
            ("goal", number, today, ambition), lambda: self._goal(number, today, ambition)
        )

    def _goal(self, number: int, today: str | None, ambition: str | None) -> Cell:
        code = self.codes.get(number, f"SDG {number}")
        if today not in RANK:
            label = _("not filled in")
            return Cell("hm-t-unknown", NOT_FILLED, label, f"{code}: {label}")
        ambition = ambition if ambition in RANK else Contribution.NONE
        label = _("today: %(today)s, ambition: %(ambition)s") % {
            "today": self.contribution[today],
            "ambition": self.contribution[ambition],
        }
        return Cell(
            f"hm-t-{today}",
            SYMBOLS[today],
            label,
            f"{code}: {label}",
            marker=RANK[ambition] > RANK[today],
        )

    def track(self, score: int | None) -> Cell:
        return self._once(("track", score), lambda: self._track(score))

    def _track(self, score: int | None) -> Cell:
        if score is None:
            return Cell("hm-b-none", "–", _("not answered"))
        band = min(score * BANDS // 100, BANDS - 1)
        return Cell(f"hm-b-{band}", f"{score}%", f"{score}%")

    def level(self, level: str | None) -> Cell:
        return self._once(("level", level), lambda: self._level(level))

    def _level(self, level: str | None) -> Cell:
        if level is None:
            return Cell("hm-level hm-level-none", "–", _("no status yet"))
        text = str(SdgStatusLevel(level).label)
        return Cell(f"hm-level hm-level-{level}", text, text)

    def plain(self, text: str, label: str = "") -> Cell:
        return self._once(
            ("plain", text, label), lambda: Cell("small text-nowrap", text, label or text)
        )


def heatmap_rows(rows: list[OverviewRow], goals) -> list[HeatmapRow]:
    """The rows of the heatmap with their cells (colour class, symbol, words) written out."""
    cells = _Cells(goals)
    no_group = cells.plain("–", _("no group"))
    no_status = cells.plain("–", _("no status yet"))
    lines = []
    for row in rows:
        version = row.version
        goal_cells = [cells.goal(g.number, g.today, g.ambition) for g in row.goals]
        track_cells = [cells.track(score) for _track, score in row.track_scores]
        level = cells.level(version.overall_level if version else None)
        updated = (
            cells.plain(date_format(localtime(version.created_at), "SHORT_DATE_FORMAT"))
            if version
            else no_status
        )
        group = cells.plain(row.group_label) if row.group else no_group
        html = "".join(c.html for c in [group, *goal_cells, *track_cells, level, updated])
        lines.append(HeatmapRow(row, goal_cells, track_cells, level, mark_safe(html)))  # noqa: S308 - built by format_html
    return lines


def _legend() -> dict:
    last = BANDS - 1
    return {
        "contributions": [(v, label, SYMBOLS[v]) for v, label in Contribution.choices],
        "not_filled": NOT_FILLED,
        # (band, lowest percent, highest percent)
        "bands": [
            (band, band * 100 // BANDS, 100 if band == last else (band + 1) * 100 // BANDS - 1)
            for band in range(BANDS)
        ],
    }


def _filters(request):
    form = StatusFilterForm(request.GET or None)
    return form, form.filters()


@require_safe
@permission_required(OVERVIEW, raise_exception=True)
def heatmap(request):
    form, filters = _filters(request)
    overview = status_overview(user=request.user, filters=filters)
    goals = overview_goals(user=request.user)
    if not form.is_bound and overview.programme is not None:
        form.initial["programme"] = overview.programme.pk
    return render(
        request,
        "portal/heatmap.html",
        {
            "form": form,
            "overview": overview,
            "goals": goals,
            "tracks": Track.choices,
            "rows": heatmap_rows(overview.rows, goals),
            "legend": _legend(),
        },
    )


@require_safe
@permission_required(OVERVIEW, raise_exception=True)
def export_csv(request):
    _form, filters = _filters(request)
    return csv_download(status_table(user=request.user, filters=filters))


@require_safe
@permission_required(OVERVIEW, raise_exception=True)
def export_xlsx(request):
    _form, filters = _filters(request)
    return xlsx_download(status_table(user=request.user, filters=filters))
