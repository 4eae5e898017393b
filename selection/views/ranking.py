"""Staff pages on the board's scores: ranking (with CSV/XLSX export), agreement, progress."""

from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rules.contrib.views import permission_required

from core.spreadsheets import csv_response, xlsx_response
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
# Spreadsheets run a cell starting with one of these as a formula.


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
    table = _table(request, programme_pk)
    return csv_response(
        table.export_header(), table.export_rows(), filename=_filename(table, "csv")
    )


@permission_required("selection.view_ranking", raise_exception=True)
def ranking_xlsx(request, programme_pk: int):
    table = _table(request, programme_pk)
    return xlsx_response(
        table.export_header(),
        table.export_rows(),
        filename=_filename(table, "xlsx"),
        sheet_title=_("Ranking"),
        freeze="D2",
        number_format="0.00",
    )


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
