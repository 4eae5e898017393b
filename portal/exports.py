"""The status table as CSV and XLSX: one row per municipality, one column per question, SDG
and milestone. The rows come from portal.selectors (staff only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from core.spreadsheets import csv_response, xlsx_response
from municipalities.enums import Contribution, MilestoneKind, SdgStatusLevel, Track
from municipalities.models import StatusVersion
from municipalities.presentation import author_name
from municipalities.status import GOAL_NUMBERS, part
from selection.selectors.ranking import NO_LABEL, YES_LABEL

from .selectors import OverviewFilters, OverviewRow, overview_questions, status_overview


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]
    filename: str  # without extension
    sheet_title: str


def _verbose(field: str) -> str:
    return str(capfirst(StatusVersion._meta.get_field(field).verbose_name))


def _header(questions) -> list[str]:
    return [
        _("NIS code"),
        _("Municipality"),
        _("Province"),
        _("Group"),
        _verbose("number"),
        _verbose("created_at"),
        _verbose("author"),
        *[_verbose(f"{track}_score") for track in Track.values],
        _verbose("overall_score"),
        _verbose("overall_level"),
        *[
            _("%(track)s: %(question)s") % {"track": Track(q.track).label, "question": q.text}
            for q in questions
        ],
        *[
            label % {"number": number}
            for number in GOAL_NUMBERS
            for label in (_("SDG %(number)s today"), _("SDG %(number)s ambition"))
        ],
        *[
            label % {"milestone": milestone_label}
            for milestone_label in MilestoneKind.labels
            for label in (_("%(milestone)s: achieved"), _("%(milestone)s: date"))
        ],
    ]


def _local(moment: dt.datetime) -> dt.datetime:
    # Spreadsheets hold no time zone: write the time as it reads in Flanders.
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _row(row: OverviewRow, answers: list[tuple[str, str, dict[int, str]]]) -> list:
    municipality, version = row.municipality, row.version
    document = version.document if version else {}
    contributions = {value: str(label) for value, label in Contribution.choices}
    values = [
        municipality.nis_code,
        municipality.name,
        municipality.province.name,
        row.group_label,
        version.number if version else None,
        _local(version.created_at) if version else None,
        author_name(version.author) if version and version.author else "",
        *[score for _track, score in row.track_scores],
        version.overall_score if version else None,
        str(SdgStatusLevel(version.overall_level).label) if version else "",
    ]
    for track, question_id, options in answers:
        chosen = (part(document, ("assessment", track)) or {}).get(question_id)
        values.append(options.get(chosen, ""))
    for goal in row.goals:
        values += [contributions.get(goal.today, ""), contributions.get(goal.ambition, "")]
    for kind in MilestoneKind.values:
        milestone = part(document, ("milestones", kind)) or {}
        achieved = bool(milestone.get("achieved"))
        values += [
            str(YES_LABEL if achieved else NO_LABEL) if version else "",
            _date(milestone.get("date")),
        ]
    return values


def status_table(*, user, filters: OverviewFilters) -> Table:
    """The status table of the municipalities the filters select. Staff only."""
    overview = status_overview(user=user, filters=filters)
    questions = overview_questions(user=user)
    answers = [
        (q.track, str(q.pk), {option.pk: option.text for option in q.options.all()})
        for q in questions
    ]
    stem = f"sdg-status-{slugify(overview.programme.name)}" if overview.programme else "sdg-status"
    return Table(
        header=_header(questions),
        rows=[_row(row, answers) for row in overview.rows],
        filename=f"{stem}-{timezone.localdate().isoformat()}",
        sheet_title=_("SDG status"),
    )


def csv_download(table: Table) -> HttpResponse:
    return csv_response(table.header, table.rows, filename=f"{table.filename}.csv")


def xlsx_download(table: Table) -> HttpResponse:
    """One sheet, the municipality's columns frozen."""
    return xlsx_response(
        table.header,
        table.rows,
        filename=f"{table.filename}.xlsx",
        sheet_title=table.sheet_title,
        freeze="C2",
    )
