"""Crafted and malformed import files are refused early, with a clear message, never a 500."""

import io
import struct
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from benchmarks.crafted_import import (
    HEADER_ROW,
    built,
    csv_text,
    declared_dimension,
    far_row,
    huge_cell,
    long_csv_cell,
    many_rows,
    random_bytes,
    sheet_xml,
    wide_row,
    write_xlsx,
    zip_bomb,
    zip_not_xlsx,
)
from core import spreadsheet_reader
from core.spreadsheet_reader import (
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_XLSX_UNPACKED_BYTES,
    ImportErrors,
    import_file_rows,
)
from selection.models import Candidacy
from selection.services.intake import (
    MAX_IMPORT_ROWS,
    MAX_MOTIVATION_LENGTH,
    candidacies_import,
)

pytestmark = pytest.mark.django_db

MOTIVATION = "Voorbeeldmotivatie voor de test: de SDG's in het meerjarenplan. " * 4


def refusal(data: io.BytesIO, filename: str = "kandidaturen.xlsx") -> str:
    """The messages of the refusal, in Dutch."""
    with translation.override("nl"), pytest.raises(ImportErrors) as failure:
        import_file_rows(data, filename)
    return " | ".join(f"{row}: {message}" for row, message in failure.value.errors)


@pytest.fixture
def no_openpyxl():
    """Fails the test if openpyxl is asked to open the workbook: refused before parsing."""
    with mock.patch("openpyxl.load_workbook", side_effect=AssertionError("parsed")) as patched:
        yield patched


@pytest.fixture
def no_value_reading():
    """Fails the test if openpyxl reads the cells' values: refused by the streamed check."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    with mock.patch.object(
        ReadOnlyWorksheet, "_cells_by_row", side_effect=AssertionError("values read")
    ) as patched:
        yield patched


def test_declared_dimension_beyond_the_limits_is_refused_before_reading(no_value_reading):
    message = refusal(built(declared_dimension))
    assert "1048576 rijen en 16384 kolommen" in message
    assert f"hoogstens {MAX_SHEET_ROWS} rijen en {MAX_SHEET_COLUMNS} kolommen" in message


def test_declared_dimension_within_the_limits_is_fine():
    rows = import_file_rows(built(declared_dimension, "A1:K1001"), "k.xlsx")
    assert rows == [["nis_code"]]


def test_one_row_with_too_many_cells_is_refused_while_streaming(no_value_reading):
    # Declared as one cell: only walking the XML finds out.
    message = refusal(built(wide_row, MAX_SHEET_COLUMNS + 1))
    assert f"meer dan {MAX_SHEET_COLUMNS} kolommen" in message


def test_too_many_cells_in_all_is_refused_while_streaming(no_value_reading):
    columns = [get_column_letter(n) for n in range(1, MAX_SHEET_COLUMNS + 1)]
    body = [HEADER_ROW]
    for row in range(2, 1_102):
        cells = "".join(f'<c r="{c}{row}"><v>{row * 7 + n}</v></c>' for n, c in enumerate(columns))
        body.append(f'<row r="{row}">{cells}</row>')
    assert 1_100 * MAX_SHEET_COLUMNS > MAX_SHEET_CELLS
    message = refusal(built(write_xlsx, sheet_xml(body)))
    assert f"meer dan {MAX_SHEET_CELLS} cellen" in message


def test_too_many_rows_declared_is_refused_before_reading(no_value_reading):
    message = refusal(built(many_rows, MAX_SHEET_ROWS))
    assert f"{MAX_SHEET_ROWS + 1} rijen en 1 kolommen" in message


def test_too_many_rows_declared_as_one_cell_is_refused_while_streaming(no_value_reading):
    message = refusal(built(many_rows, MAX_SHEET_ROWS, "A1"))
    assert f"meer dan {MAX_SHEET_ROWS} rijen" in message


def test_one_cell_far_down_is_refused_while_streaming(no_value_reading):
    message = refusal(built(far_row))
    assert f"meer dan {MAX_SHEET_ROWS} rijen" in message


def test_member_unpacking_beyond_the_limit_is_refused_before_parsing(no_openpyxl):
    message = refusal(built(zip_bomb, MAX_XLSX_UNPACKED_BYTES + 1))
    assert "uitgepakt" in message
    no_openpyxl.assert_not_called()


def test_tightly_packed_member_is_refused_before_parsing(no_openpyxl):
    # Within the size limit, but packed a thousand to one: what a zip bomb looks like.
    message = refusal(built(zip_bomb, 5_000_000))
    assert "keer zo groot" in message
    no_openpyxl.assert_not_called()


def test_huge_cell_is_refused_before_parsing(no_openpyxl):
    message = refusal(built(huge_cell, MAX_XLSX_UNPACKED_BYTES + 10))
    assert "uitgepakt" in message


def test_declared_size_that_lies_is_a_clear_error():
    """A zip whose directory says small while the data unpacks to more fails its CRC."""
    data = built(huge_cell, 2_000_000).getvalue()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    patched = bytearray(data)
    # The uncompressed size in the member's local header and in the central directory.
    struct.pack_into("<I", patched, info.header_offset + 22, 1_000)
    start = 0
    while (offset := data.find(b"PK\x01\x02", start)) != -1:
        (name_length,) = struct.unpack_from("<H", data, offset + 28)
        if data[offset + 46 : offset + 46 + name_length] == info.filename.encode():
            struct.pack_into("<I", patched, offset + 24, 1_000)
        start = offset + 4
    assert zipfile.ZipFile(io.BytesIO(bytes(patched))).getinfo(info.filename).file_size == 1_000
    assert "geen leesbare XLSX-werkmap" in refusal(io.BytesIO(bytes(patched)))


@pytest.mark.parametrize(
    "builder", [random_bytes, csv_text, zip_not_xlsx], ids=["random", "csv", "zip"]
)
def test_file_that_is_not_a_workbook_gets_a_clear_error(builder):
    message = refusal(built(builder))
    assert "XLSX" in message


def test_workbook_named_csv_gets_a_clear_error():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    buffer.seek(0)
    message = refusal(buffer, "kandidaturen.csv")
    assert ".xlsx" in message


def test_csv_cell_longer_than_the_csv_limit_is_a_row_error():
    message = refusal(built(long_csv_cell), "kandidaturen.csv")
    assert message.startswith("2: ")
    assert "langer dan" in message


def test_csv_with_too_many_columns_is_refused():
    data = io.BytesIO(("nis_code" + "," * MAX_SHEET_COLUMNS + "\n").encode())
    assert f"meer dan {MAX_SHEET_COLUMNS} kolommen" in refusal(data, "k.csv")


def test_normal_workbook_reads_all_rows_also_past_blank_rows():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nis_code", "motivation"])
    for number in range(MAX_IMPORT_ROWS):
        if number == 10:
            sheet.append([])
        sheet.append([f"{number}", "tekst"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    rows = [row for row in import_file_rows(buffer, "k.xlsx") if any(row)]
    assert len(rows) == MAX_IMPORT_ROWS + 1


def test_workbook_with_a_too_small_declared_dimension_keeps_every_column():
    body = [
        HEADER_ROW.replace(
            "</row>", '<c r="B1" t="inlineStr"><is><t>motivation</t></is></c></row>'
        ),
        '<row r="2"><c r="A2"><v>44021</v></c><c r="B2" t="inlineStr"><is><t>m</t></is></c></row>',
    ]
    rows = import_file_rows(built(write_xlsx, sheet_xml(body, dimension="A1")), "k.xlsx")
    assert rows == [["nis_code", "motivation"], [44021, "m"]]


# --- Through the service, the page and the command -------------------------------------------


def _csv(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode())


def test_nul_byte_in_a_cell_is_a_row_error_and_nothing_is_saved(programme):
    data = _csv("nis_code,motivation", f'44021,"{MOTIVATION}"', f'23027,"{MOTIVATION}\0"')
    with translation.override("nl"), pytest.raises(ImportErrors) as failure:
        candidacies_import(programme=programme, file=data, filename="k.csv", actor=None)
    assert failure.value.errors == [(3, "motivation: bevat een NUL-teken; verwijder het.")]
    assert not Candidacy.objects.exists()


def test_nul_byte_in_the_header_is_an_error(programme):
    with translation.override("nl"), pytest.raises(ImportErrors) as failure:
        candidacies_import(
            programme=programme, file=_csv("nis_code,moti\0vation"), filename="k.csv", actor=None
        )
    assert [row for row, _message in failure.value.errors] == [1]


def test_motivation_longer_than_the_limit_is_a_row_error(programme):
    data = _csv("nis_code,motivation", f'44021,"{"x" * (MAX_MOTIVATION_LENGTH + 1)}"')
    with translation.override("nl"), pytest.raises(ImportErrors) as failure:
        candidacies_import(programme=programme, file=data, filename="k.csv", actor=None)
    [(row, message)] = failure.value.errors
    assert row == 2
    assert f"hoogstens {MAX_MOTIVATION_LENGTH} tekens" in message


def test_contact_name_longer_than_the_field_is_a_row_error(programme):
    data = _csv(
        "nis_code,motivation,has_contact_person,contact_name,contact_email",
        f'44021,"{MOTIVATION}",ja,{"n" * 201},a@example.org',
    )
    with pytest.raises(ImportErrors) as failure:
        candidacies_import(programme=programme, file=data, filename="k.csv", actor=None)
    assert [row for row, _message in failure.value.errors] == [2]


def test_long_unknown_value_is_shortened_in_the_message(programme):
    data = _csv("nis_code,motivation", f'{"y" * 10_000},"{MOTIVATION}"')
    with pytest.raises(ImportErrors) as failure:
        candidacies_import(programme=programme, file=data, filename="k.csv", actor=None)
    [(_row, message)] = failure.value.errors
    assert len(message) < 200


def test_import_page_shows_the_refusal_of_a_crafted_file(client, programme, staff_user):
    client.force_login(staff_user)
    for data, name in [
        (built(wide_row, 5_000), "wide.xlsx"),
        (built(zip_bomb, MAX_XLSX_UNPACKED_BYTES + 1), "bomb.xlsx"),
        (built(random_bytes), "random.xlsx"),
        (built(long_csv_cell), "long.csv"),
        (_csv("nis_code,motivation", f'44021,"{MOTIVATION}\0"'), "nul.csv"),
    ]:
        response = client.post(
            reverse("selection:import_candidacies", args=[programme.pk]),
            {"file": SimpleUploadedFile(name, data.getvalue())},
        )
        assert response.status_code == 200, name
        assert response.context["errors"], name
    assert not Candidacy.objects.exists()


def test_import_command_refuses_a_crafted_file_with_exit_code_2(programme, tmp_path, capsys):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(built(wide_row, 5_000).getvalue())
    with pytest.raises(CommandError) as failure:
        call_command("import_candidacies", str(programme.pk), str(path))
    assert failure.value.returncode == 2
    assert capsys.readouterr().err.strip()


def test_unexpected_parser_failure_is_a_clear_error(monkeypatch):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    buffer.seek(0)
    monkeypatch.setattr(spreadsheet_reader, "_scan_sheet", mock.Mock(side_effect=KeyError("x")))
    assert "XLSX" in refusal(buffer)
