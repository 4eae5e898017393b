"""CSV and XLSX downloads: the one way the project writes a table for a spreadsheet.

CSV is written for Excel as set up in Flanders (Dutch/Belgian regional settings): there the
list separator is ";" and the decimal separator ",", and Excel reads a file as UTF-8 only
when it starts with a byte order mark. Without these, Excel puts a whole row in one cell,
turns 3.5 into a date and garbles "Sint-Genesius-Rode"-like accents. Text that a spreadsheet
would run as a formula (=, +, -, @, tab, carriage return first) is made inert with a quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """The value, with text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".replace(".", ",")
    return inert(value)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(header: Sequence, rows: Iterable[Sequence], *, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([inert(str(h)) for h in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, filename)


def xlsx_response(
    header: Sequence,
    rows: Iterable[Sequence],
    *,
    filename: str,
    sheet_title: str,
    freeze: str = "B2",
    number_format: str | None = None,
) -> HttpResponse:
    """One sheet with a bold header and the first columns frozen at `freeze`."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(sheet_title)[:31]
    sheet.append([inert(str(h)) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([inert(value) for value in row])
    if number_format:
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, float):
                    cell.number_format = number_format
    sheet.freeze_panes = freeze
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename)
