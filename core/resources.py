"""Imports and exports in the admin, through django-import-export, the project's way.

django-import-export gives the two steps (upload: a dry run with a preview or the errors;
confirm: the real import) and the admin pages. What it would do on its own is replaced
where the project needs more:

- reading: the formats below use the project's reader (core.spreadsheet_reader, which the
  candidacy import uses too), which refuses crafted files (zip bombs, huge sheets) and files
  that are not what their extension says, and names the problem;
- writing: `ServiceRowResource` hands each row to a service, never to a model save;
- errors: every problem is a row-numbered error (the header is row 1, as a spreadsheet
  numbers it) and any problem means nothing is imported;
- the file between the two steps: stored under a name the server chose, which the
  confirmation must name exactly;
- exporting: CSV and XLSX as core.spreadsheets writes them (Flemish Excel's separators, text
  that a spreadsheet would run as a formula made inert).

The admin side (forms, permissions, the all-or-nothing confirmation) is
core.admin.CheckedImportMixin.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import unicodedata
from datetime import datetime
from pathlib import Path, PurePath
from uuid import uuid4
from zoneinfo import ZoneInfo

import tablib
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.formats.base_formats import Format
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult
from import_export.tmp_storages import TempFolderStorage

from core.forms import BoundedModelChoiceField
from core.spreadsheet_reader import MAX_IMPORT_BYTES, ImportErrors, import_file_rows
from core.spreadsheets import csv_response, xlsx_response

MAX_QUOTED_LENGTH = 60
MAX_IMPORT_ROWS = 1000


# --- Reading and writing the file -------------------------------------------------------------


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


class _CheckedFormat(Format):
    """A CSV or XLSX file read by the project's checked reader into a tablib Dataset of text,
    and written as core.spreadsheets writes a table.

    Blank rows are kept, so that row n of the dataset is row n + 1 of the sheet.
    """

    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        # The reader finds the encoding of a CSV file itself.
        self.encoding = encoding

    def get_title(self):
        return self.extension

    def get_extension(self):
        return self.extension

    def get_content_type(self):
        return self.content_type

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def can_export(self):
        return True

    def create_dataset(self, in_stream):
        raw = in_stream.encode("utf-8") if isinstance(in_stream, str) else bytes(in_stream)
        rows = import_file_rows(io.BytesIO(raw), f"import.{self.extension}")
        if not rows:
            raise ImportErrors([(None, _("The file is empty."))])
        header = [cell_text(cell) for cell in rows[0]]
        body = [[cell_text(cell) for cell in row] for row in rows[1:]]
        width = max([len(header), *(len(row) for row in body)])
        dataset = tablib.Dataset(headers=header + [""] * (width - len(header)))
        for row in body:
            dataset.append(row + [""] * (width - len(row)))
        return dataset

    def export_data(self, dataset, **kwargs):
        raise NotImplementedError


class CheckedCSV(_CheckedFormat):
    extension = "csv"
    content_type = "text/csv"

    def export_data(self, dataset, **kwargs):
        return csv_response(dataset.headers or [], list(dataset), filename="export.csv").content


class CheckedXLSX(_CheckedFormat):
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def export_data(self, dataset, **kwargs):
        response = xlsx_response(
            dataset.headers or [], list(dataset), filename="export.xlsx", sheet_title="export"
        )
        return response.content


IMPORT_FORMATS = [CheckedCSV, CheckedXLSX]


# --- The file between the preview and the confirmation --------------------------------------

_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
STALE_AFTER_SECONDS = 24 * 3600


class CheckedImportStorage(TempFolderStorage):
    """The uploaded file, kept until the import is confirmed, under a random name.

    The confirmation posts the name back; only a name of this shape, in this directory, is
    read. Files left by a preview nobody confirmed are removed a day later.
    """

    directory_name = "admin-imports"

    @classmethod
    def directory(cls) -> Path:
        return Path(settings.MEDIA_ROOT) / cls.directory_name

    def get_full_path(self):
        return str(self.directory() / self.name)

    def save(self, data):
        directory = self.directory()
        directory.mkdir(parents=True, exist_ok=True)
        self._remove_stale(directory)
        if not self.name:
            self.name = uuid4().hex
        with open(self.get_full_path(), "wb") as file:
            file.write(data if isinstance(data, bytes) else data.encode("utf-8"))

    def read(self):
        with open(self.get_full_path(), "rb") as file:
            return file.read()

    def remove(self):
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.get_full_path())

    @staticmethod
    def _remove_stale(directory: Path) -> None:
        limit = time.time() - STALE_AFTER_SECONDS
        for path in directory.iterdir():
            try:
                if _STORED_NAME.match(path.name) and path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                continue

    @classmethod
    def exists(cls, name: str) -> bool:
        return bool(_STORED_NAME.match(name or "")) and (cls.directory() / name).is_file()


# --- The admin's two forms ----------------------------------------------------------------------


class CheckedImportForm(ImportForm):
    """The upload: the file's extension chooses the format; the size is bounded."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self._extensions = {f().get_extension(): str(i) for i, f in enumerate(formats)}
        # Filled in from the extension in clean(); whatever is posted is ignored.
        self.fields["format"] = forms.CharField(
            required=False, max_length=10, widget=forms.HiddenInput()
        )
        upload = self.fields["import_file"]
        upload.label = gettext_lazy("File (CSV or XLSX)")
        upload.max_length = 255
        upload.widget.attrs["accept"] = ",".join(f".{e}" for e in self._extensions)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        index = self._extensions.get(PurePath(upload.name).suffix.lower().lstrip("."))
        if index is None:
            self.add_error("import_file", _("Upload a .csv or .xlsx file."))
        elif upload.size > MAX_IMPORT_BYTES:
            self.add_error(
                "import_file",
                _("The file is larger than %(size)d MB.") % {"size": MAX_IMPORT_BYTES >> 20},
            )
        else:
            cleaned["format"] = index
        return cleaned


class CheckedConfirmImportForm(ConfirmImportForm):
    """The confirmation: it names the stored file and the format the preview used."""

    storage_class = CheckedImportStorage

    import_file_name = forms.CharField(widget=forms.HiddenInput(), max_length=32)
    original_file_name = forms.CharField(widget=forms.HiddenInput(), max_length=255)
    format = forms.CharField(widget=forms.HiddenInput(), max_length=2)
    resource = forms.CharField(widget=forms.HiddenInput(), required=False, max_length=2)

    def clean_import_file_name(self):
        name = self.cleaned_data["import_file_name"]
        if not self.storage_class.exists(name):
            raise ValidationError(
                _("The uploaded file is no longer there. Upload it again."), code="gone"
            )
        return name

    def clean_format(self):
        value = self.cleaned_data["format"]
        if value not in {str(i) for i in range(len(IMPORT_FORMATS))}:
            raise ValidationError(_("Unknown format."), code="format")
        return value

    def clean_resource(self):
        return "0"


class ProgrammeImportForm(CheckedImportForm):
    """The upload of rows that belong to one programme, chosen beside the file."""

    programme = BoundedModelChoiceField(queryset=None, label=gettext_lazy("programme"))

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        from selection.models import Programme

        self.fields["programme"].queryset = Programme.objects.order_by("-starts_on", "pk")


class ProgrammeConfirmImportForm(CheckedConfirmImportForm):
    programme = BoundedModelChoiceField(queryset=None, widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from selection.models import Programme

        self.fields["programme"].queryset = Programme.objects.all()


# --- The rows ---------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, no accents, every run of other characters one underscore."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


def quoted(text: str) -> str:
    """A cell value as an error message quotes it: short, so a huge cell cannot flood it."""
    return text if len(text) <= MAX_QUOTED_LENGTH else text[: MAX_QUOTED_LENGTH - 1] + "…"


def header_columns(dataset, aliases: dict[str, str], required) -> tuple[dict[str, str], list]:
    """The file's header mapped to the resource's columns ({column: header as written},
    through `aliases`, normalised names to columns) and the header's problems: a column
    with data but no name, an unknown or doubled column, a required one missing."""
    problems: list[str] = []
    columns: dict[str, str] = {}
    for index, header in enumerate(dataset.headers or []):
        if not header:
            if any(row[index] for row in dataset):
                problems.append(
                    _("Row 1: column %(number)d holds data but has no name.")
                    % {"number": index + 1}
                )
            continue
        column = aliases.get(normalise(header))
        if column is None:
            problems.append(_("Row 1: unknown column “%(column)s”.") % {"column": quoted(header)})
        elif column in columns:
            problems.append(
                _("Row 1: the columns “%(first)s” and “%(second)s” are the same column.")
                % {"first": quoted(columns[column]), "second": quoted(header)}
            )
        else:
            columns[column] = header
    for name in required:
        if name not in columns:
            problems.append(_("Row 1: the column %(column)s is missing.") % {"column": name})
    return columns, problems


class ImportFileProblems(Exception):
    """Problems with the file as a whole (its columns, its size); nothing is imported."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


TRUE_WORDS = {"ja", "j", "yes", "y", "1", "waar", "true"}
FALSE_WORDS = {"nee", "n", "no", "0", "onwaar", "false", ""}
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
)


def parse_boolean(text: str) -> bool | None:
    word = text.casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def parse_local_datetime(text: str) -> datetime | None:
    """A date and time as people type it, in the project's time zone (Europe/Brussels)."""
    for pattern in DATETIME_FORMATS:
        try:
            moment = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return None


def choice_lookup(choices) -> dict[str, str]:
    """A TextChoices' values by their normalised value and by their Dutch and English labels."""
    values: dict[str, str] = {}
    for choice in choices:
        values[normalise(choice.value)] = choice.value
        for language in ("nl", "en"):
            with translation.override(language):
                values[normalise(str(choice.label))] = choice.value
    return values


class ServiceRowResource(resources.ModelResource):
    """One row, one call of a service; the admin's two steps are a dry run and the real run.

    A subclass names its columns (`COLUMNS`: column -> the headers people write for it,
    normalised), the ones it needs (`REQUIRED`), and implements `parse_row` (the text of a
    row into the service's arguments, or problems by column) and `write_row` (the service
    call). A ValidationError of the service becomes the row's problems; PermissionDenied too.
    Rows are numbered as the spreadsheet numbers them (the header is row 1).
    """

    COLUMNS: dict[str, set[str]] = {}
    REQUIRED: tuple[str, ...] = ()
    MAX_ROWS = MAX_IMPORT_ROWS

    class Meta:
        use_transactions = True
        report_skipped = False
        skip_diff = True

    def __init__(self, request=None, programme=None, **kwargs):
        super().__init__(**kwargs)
        self.request = request
        self.programme = programme
        self._columns: dict[str, str] | None = None

    # --- What a subclass gives -------------------------------------------------------------

    def parse_row(self, values: dict[str, str], number: int) -> tuple[dict, dict[str, list]]:
        raise NotImplementedError

    def write_row(self, arguments: dict, *, actor):
        raise NotImplementedError

    def row_diff(self, instance) -> list:
        raise NotImplementedError

    def prepare(self) -> None:
        """Read what every row needs (lookups) once, after the header is accepted."""

    # --- The machinery ---------------------------------------------------------------------

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {
            normalise(alias): column
            for column, names in cls.COLUMNS.items()
            for alias in {column, *names}
        }

    def before_import(self, dataset, **kwargs):
        """Map the header to the columns, or refuse the file with every problem found."""
        self._columns = None
        columns, problems = header_columns(dataset, self.aliases(), self.REQUIRED)
        filled = sum(1 for row in dataset if any(row))
        if filled > self.MAX_ROWS:
            problems.append(_("The file has more than %(count)d rows.") % {"count": self.MAX_ROWS})
        if problems:
            raise ImportFileProblems(problems)
        self._columns = columns
        self.prepare()

    def _values(self, row) -> dict[str, str]:
        return {column: str(row.get(header) or "") for column, header in self._columns.items()}

    def import_row(self, row, instance_loader, **kwargs):
        """One row through the service: a new (or changed) row, or the row's problems."""
        result = self.get_row_result_class()()
        values = self._values(row) if self._columns is not None else {}
        if not any(values.values()):
            # A blank row, or a file whose header was refused (its problems are reported).
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        number = kwargs["row_number"] + 1  # as the sheet numbers it: the header is row 1
        errors: dict[str, list] = {}
        for column, text in values.items():
            if "\0" in text:
                errors.setdefault(column, []).append(_("contains a NUL character; remove it."))
        arguments: dict = {}
        if not errors:
            arguments, errors = self.parse_row(values, number)
        instance = None
        if not errors:
            try:
                instance, created = self.write_row(arguments, actor=kwargs.get("user"))
            except ValidationError as error:
                errors = (
                    error.message_dict
                    if hasattr(error, "error_dict")
                    else {"__all__": error.messages}
                )
            except PermissionDenied:
                errors = {"__all__": [_("You may not import these rows.")]}
        if errors:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(errors)
            return result
        result.import_type = RowResult.IMPORT_TYPE_NEW if created else RowResult.IMPORT_TYPE_UPDATE
        result.add_instance_info(instance)
        result.instance = instance
        result.diff = [str(value) for value in self.row_diff(instance)]
        return result
