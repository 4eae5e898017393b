"""Reading an uploaded CSV or XLSX file into rows, safely: the one reader every import uses.

A file's extension says how it is read, and the content must agree: a workbook named .csv,
or a CSV file named .xlsx, is refused with a message that says what to do. A crafted file
(a zip bomb, a sheet that declares or holds millions of cells, a CSV cell of megabytes) is
refused within a second, before anything big is built in memory. Every refusal is an
`ImportErrors` with row-numbered messages (the header is row 1, as a spreadsheet numbers it).

What the rows mean is the caller's business (the candidacy import, the admin's imports
through core.resources).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import PurePath
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# An import file holds at most some thousand rows of a dozen columns; anything bigger is a
# wrong file.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
# Limits on the sheet itself, blank rows and columns included. A real import sheet has some
# 1,000 rows of a dozen columns; a crafted one declares or holds millions of cells, which
# openpyxl would build in memory for minutes.
MAX_SHEET_ROWS = 10_000
MAX_SHEET_COLUMNS = 100
MAX_SHEET_CELLS = 100_000
# An XLSX file is a zip: limits on what it unpacks to. A real sheet packs about ten to one.
MAX_XLSX_MEMBERS = 200
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_XLSX_RATIO = 200
MIN_RATIO_CHECK_BYTES = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class ImportErrors(Exception):
    """A file that cannot be imported, and why.

    `errors` is a list of (row, message): the row as a spreadsheet numbers it (the header is
    row 1), or None for a problem with the file as a whole.
    """

    def __init__(self, errors: list[tuple[int | None, str]]):
        self.errors = sorted(errors, key=lambda item: item[0] or 0)
        super().__init__("; ".join(format_import_error(row, msg) for row, msg in self.errors))


def format_import_error(row: int | None, message: str) -> str:
    """E.g. "Row 7: unknown NIS code 99999"."""
    if row is None:
        return str(message)
    return _("Row %(row)d: %(message)s") % {"row": row, "message": message}


def _read_csv(raw: bytes) -> list[list[str]]:
    if raw.startswith(ZIP_MAGIC):
        raise ImportErrors(
            [(None, _("This is an XLSX workbook, not a CSV file: give it the extension .xlsx."))]
        )
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first_line = text.split("\n", 1)[0]
    # Excel in Belgium writes semicolons; others write commas or tabs.
    delimiter = max(",;\t", key=first_line.count)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(row) > MAX_SHEET_COLUMNS:
                raise ImportErrors([(len(rows) + 1, _too_many_columns())])
            rows.append(row)
    except csv.Error as error:
        # The csv module refuses a field over its limit (131,072 characters) and a few
        # malformed quotings; the row is the one after the last complete row.
        if "field limit" in str(error):
            message = _("a cell is longer than %(limit)d characters") % {
                "limit": csv.field_size_limit()
            }
        else:
            message = _("this row cannot be read as CSV")
        raise ImportErrors([(len(rows) + 1, message)]) from None
    return rows


def _too_many_columns() -> str:
    return _("the row has more than %(count)d columns") % {"count": MAX_SHEET_COLUMNS}


def _not_a_workbook() -> ImportErrors:
    return ImportErrors(
        [
            (
                None,
                _(
                    "The file is not a readable XLSX workbook. Save it from Excel as .xlsx "
                    "(Excel workbook), or upload a CSV file with the extension .csv."
                ),
            )
        ]
    )


def _check_archive(raw: bytes) -> None:
    """Refuse a zip that would unpack to far more than an import needs, before parsing it.

    The sizes are the ones the zip's directory declares; Python's zipfile never unpacks a
    member beyond its declared size (more data fails the CRC check), so they hold.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _not_a_workbook() from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise ImportErrors(
            [
                (
                    None,
                    _("The workbook has %(count)d parts; an import file has far fewer.")
                    % {"count": len(members)},
                )
            ]
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportErrors(
            [
                (
                    None,
                    _(
                        "The workbook unpacked would be more than %(size)d MB; an import file "
                        "needs far less. Copy the data into a new workbook and save that."
                    )
                    % {"size": MAX_XLSX_UNPACKED_BYTES >> 20},
                )
            ]
        )
    for member in members:
        if member.file_size < MIN_RATIO_CHECK_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_XLSX_RATIO:
            raise ImportErrors(
                [
                    (
                        None,
                        _(
                            "A part of the workbook unpacks to %(ratio)d times its packed "
                            "size, as no real sheet does; the file is refused."
                        )
                        % {"ratio": ratio},
                    )
                ]
            )
    if not any(member.filename == "[Content_Types].xml" for member in members):
        raise _not_a_workbook()


_FEWER = gettext_lazy(
    "Delete the empty rows and columns after the data, or copy the data into a new workbook."
)


def _sheet_declared_too_large(rows: int, columns: int) -> ImportErrors:
    message = _(
        "The first sheet is declared as %(rows)d rows and %(columns)d columns; at most "
        "%(max_rows)d rows and %(max_columns)d columns can be imported."
    ) % {
        "rows": rows,
        "columns": columns,
        "max_rows": MAX_SHEET_ROWS,
        "max_columns": MAX_SHEET_COLUMNS,
    }
    return ImportErrors([(None, f"{message} {_FEWER}")])


def _sheet_too_large(message: str) -> ImportErrors:
    return ImportErrors([(None, f"{message} {_FEWER}")])


_CELL_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})")


def _column_number(reference: str) -> int | None:
    match = _CELL_COLUMN.match(reference or "")
    if match is None:
        return None
    number = 0
    for letter in match.group(1).upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _scan_sheet(source) -> None:
    """Walk the sheet's XML once as a stream and stop at the first row, column or cell over
    the limits, before openpyxl builds any row: it builds a whole row in memory at once, and
    a crafted file declares a small sheet and holds millions of cells.
    """
    cells = rows = row_number = 0
    column = 0
    # expat expands no external entities and caps entity expansion; openpyxl parses the same
    # XML with it right after.
    for _event, element in ElementTree.iterparse(source, events=("end",)):  # noqa: S314
        tag = element.tag.rpartition("}")[2]
        if tag == "c":
            cells += 1
            column = _column_number(element.get("r", "")) or column + 1
            if column > MAX_SHEET_COLUMNS:
                raise _sheet_too_large(
                    _("The first sheet has more than %(count)d columns.")
                    % {"count": MAX_SHEET_COLUMNS}
                )
            if cells > MAX_SHEET_CELLS:
                raise _sheet_too_large(
                    _("The first sheet has more than %(count)d cells.") % {"count": MAX_SHEET_CELLS}
                )
            element.clear()
        elif tag == "row":
            rows += 1
            declared = element.get("r", "")
            row_number = int(declared) if declared.isdigit() else row_number + 1
            if rows > MAX_SHEET_ROWS or row_number > MAX_SHEET_ROWS:
                raise _sheet_too_large(
                    _("The first sheet has more than %(count)d rows.") % {"count": MAX_SHEET_ROWS}
                )
            column = 0
            element.clear()


def _read_xlsx(raw: bytes) -> list[list]:
    """The first sheet's rows, after checks that refuse a crafted file within a second.

    In order: the zip's declared sizes and ratios (`_check_archive`), the sheet's declared
    dimension, a streamed walk of the sheet's XML (`_scan_sheet`); only then are the values
    read, with openpyxl in read-only mode.
    """
    from openpyxl import load_workbook

    if not raw.startswith(ZIP_MAGIC):
        raise _not_a_workbook()
    _check_archive(raw)
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except ImportErrors:
        raise
    except Exception as error:
        raise _not_a_workbook() from error
    try:
        if not workbook.worksheets:
            raise _not_a_workbook()
        sheet = workbook.worksheets[0]
        declared_rows, declared_columns = sheet.max_row, sheet.max_column
        if (declared_rows or 0) > MAX_SHEET_ROWS or (declared_columns or 0) > MAX_SHEET_COLUMNS:
            raise _sheet_declared_too_large(declared_rows or 0, declared_columns or 0)
        # openpyxl's own path of the sheet, so that the walk checks the sheet it will read.
        with workbook._archive.open(sheet._worksheet_path) as source:
            _scan_sheet(source)
        # Read the cells that are there, not the declared range (which may be too small).
        sheet.reset_dimensions()
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    except ImportErrors:
        raise
    except Exception as error:
        raise _not_a_workbook() from error
    finally:
        workbook.close()
    # Trailing empty cells, as a CSV reader would not see them.
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    return rows


def import_file_rows(file, filename: str) -> list[list]:
    """The rows of an import file (CSV or XLSX, by its extension), or ImportErrors.

    Refuses, with a message per problem: a file over MAX_IMPORT_BYTES, a file that is not
    what its extension says, and a sheet or zip over the limits above.
    """
    raw = file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportErrors(
            [(None, _("The file is larger than %(size)d MB.") % {"size": MAX_IMPORT_BYTES >> 20})]
        )
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return _read_csv(raw)
    if suffix == ".xlsx":
        return _read_xlsx(raw)
    raise ImportErrors([(None, _("Upload a .csv or .xlsx file."))])
