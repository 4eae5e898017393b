"""Staff pages on the board's scores: ranking (with CSV/XLSX export), agreement, progress."""

import csv
import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from rules.contrib.views import permission_required

from selection.enums import ProgrammePhase
from selection.forms.programme import ConflictLiftForm
from selection.forms.ranking import RankingFilterForm
from selection.presentation.ranking import RankingTable, ranking_table
from selection.selectors import access_programme
from selection.selectors.ranking import (
    criterion_agreement,
    member_progress,
    programme_conflicts,
)

RANKING = "selection.view_ranking"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _table(request, programme_pk: int) -> RankingTable:
    programme = access_programme(user=request.user, pk=programme_pk, perm="selection.view_ranking")
    return ranking_table(
        user=request.user,
        programme=programme,
        method=request.GET.get("method", ""),
        sort=request.GET.get("sort", ""),
        province=request.GET.get("province", ""),
        size_class=request.GET.get("size_class", ""),
        outcome=request.GET.get("outcome", ""),
    )


def _filename(table: RankingTable, extension: str) -> str:
    return f"ranking-{slugify(table.programme.name)}-{table.method}.{extension}"


def _text(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@permission_required("selection.view_ranking", raise_exception=True)
def ranking(request, programme_pk: int):
    table = _table(request, programme_pk)
    form = RankingFilterForm(
        initial={"method": table.method, "sort": table.sort, **table.filters},
        provinces=table.provinces,
    )
    return render(
        request,
        "selection/ranking_list.html",
        {"programme": table.programme, "table": table, "form": form},
    )


@permission_required("selection.view_ranking", raise_exception=True)
def ranking_csv(request, programme_pk: int):
    """The ranking as CSV for Excel as set up in Flanders (Dutch/Belgian regional settings):
    there the list separator is ";" and the decimal separator ",", and Excel reads a file
    as UTF-8 only when it starts with a byte order mark. Without these, Excel puts a whole
    row in one cell, turns 3.5 into a date and garbles "Sint-Genesius-Rode"-like accents.
    """
    table = _table(request, programme_pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_text(h) for h in table.export_header()])
    for row in table.export_rows():
        writer.writerow([_csv_cell(value) for value in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "csv")}"'
    return response


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".replace(".", ",")
    return _text(value)


@permission_required("selection.view_ranking", raise_exception=True)
def ranking_xlsx(request, programme_pk: int):
    table = _table(request, programme_pk)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Ranking"))
    sheet.append([_text(h) for h in table.export_header()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.export_rows():
        sheet.append([_text(value) for value in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
    sheet.freeze_panes = "D2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "xlsx")}"'
    return response


@permission_required("selection.view_ranking", raise_exception=True)
def agreement(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm="selection.view_ranking")
    return render(
        request,
        "selection/ranking_agreement.html",
        {
            "programme": programme,
            "agreements": criterion_agreement(user=request.user, programme=programme),
        },
    )


@permission_required("selection.view_ranking", raise_exception=True)
def progress(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm="selection.view_ranking")
    return render(
        request,
        "selection/ranking_progress.html",
        {
            "programme": programme,
            "progress": member_progress(user=request.user, programme=programme),
            "conflicts": programme_conflicts(user=request.user, programme=programme),
            "lift_form": ConflictLiftForm(),
            "can_lift": programme.phase in {ProgrammePhase.APPLICATIONS, ProgrammePhase.SCORING},
        },
    )
