"""Bulk invitations from a CSV or XLSX file, through django-import-export's admin import.

django-import-export gives the two steps (upload: a dry run with a preview or the errors;
confirm: the real import) and the admin pages. What it would do on its own is replaced
where the project needs more:

- reading: the formats below use the candidacy import's reader, which refuses crafted
  files (zip bombs, huge sheets) before openpyxl parses them and names the problem;
- writing: each row goes through invitation_create, never a model save, and the mails are
  sent only by the confirmed import, after its transaction commits;
- errors: every problem is a row-numbered error (the header is row 1, as a spreadsheet
  numbers it) and any problem means nothing is imported;
- the file between the two steps: stored under a name the server chose, which the
  confirmation must name exactly.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import unicodedata
from pathlib import Path, PurePath
from uuid import uuid4

import tablib
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult
from import_export.tmp_storages import TempFolderStorage

from accounts.security import normalise_email
from selection.services.intake import MAX_IMPORT_BYTES, ImportErrors, import_file_rows

from .models import ContactInvitation, Municipality
from .services.invitations import EMAIL_MAX_LENGTH, invitation_create, invitation_send

MAX_INVITATION_ROWS = 1000
MAX_QUOTED_LENGTH = 60


# --- Reading the file -------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _CheckedFormat(Format):
    """A CSV or XLSX file read by the project's checked reader into a tablib Dataset of text.

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

    def can_import(self):
        return True

    def create_dataset(self, in_stream):
        raw = in_stream.encode("utf-8") if isinstance(in_stream, str) else bytes(in_stream)
        rows = import_file_rows(io.BytesIO(raw), f"import.{self.extension}")
        if not rows:
            raise ImportErrors([(None, _("The file is empty."))])
        header = [_cell_text(cell) for cell in rows[0]]
        body = [[_cell_text(cell) for cell in row] for row in rows[1:]]
        width = max([len(header), *(len(row) for row in body)])
        dataset = tablib.Dataset(headers=header + [""] * (width - len(header)))
        for row in body:
            dataset.append(row + [""] * (width - len(row)))
        return dataset


class CheckedCSV(_CheckedFormat):
    extension = "csv"
    content_type = "text/csv"


class CheckedXLSX(_CheckedFormat):
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


IMPORT_FORMATS = [CheckedCSV, CheckedXLSX]


# --- The file between the preview and the confirmation --------------------------------------

_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
STALE_AFTER_SECONDS = 24 * 3600


def import_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "invitation-imports"


class InvitationImportStorage(TempFolderStorage):
    """The uploaded file, kept until the import is confirmed, under a random name.

    The confirmation posts the name back; only a name of this shape, in this directory, is
    read. Files left by a preview nobody confirmed are removed a day later.
    """

    def get_full_path(self):
        return str(import_directory() / self.name)

    def save(self, data):
        directory = import_directory()
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

    @staticmethod
    def exists(name: str) -> bool:
        return bool(_STORED_NAME.match(name or "")) and (import_directory() / name).is_file()


# --- The admin's two forms ----------------------------------------------------------------------


class InvitationImportForm(ImportForm):
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


class InvitationConfirmImportForm(ConfirmImportForm):
    """The confirmation: it names the stored file and the format the preview used."""

    import_file_name = forms.CharField(widget=forms.HiddenInput(), max_length=32)
    original_file_name = forms.CharField(widget=forms.HiddenInput(), max_length=255)
    format = forms.CharField(widget=forms.HiddenInput(), max_length=2)
    resource = forms.CharField(widget=forms.HiddenInput(), required=False, max_length=2)

    def clean_import_file_name(self):
        name = self.cleaned_data["import_file_name"]
        if not InvitationImportStorage.exists(name):
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


# --- The rows ---------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower case, no accents, every run of other characters one underscore."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


COLUMN_ALIASES = {
    "name": {"name", "naam", "full_name", "volledige_naam"},
    "first_name": {"first_name", "firstname", "given_name", "voornaam"},
    "last_name": {"last_name", "lastname", "surname", "family_name", "achternaam", "familienaam"},
    "email": {"email", "e_mail", "email_address", "e_mail_address", "e_mailadres", "emailadres"},
    "nis_code": {"nis_code", "nis", "niscode", "nis_code_municipality", "nis_code_gemeente"},
}
_ALIASES = {alias: column for column, names in COLUMN_ALIASES.items() for alias in names}


def _quoted(text: str) -> str:
    return text if len(text) <= MAX_QUOTED_LENGTH else text[: MAX_QUOTED_LENGTH - 1] + "…"


def _is_email(text: str) -> bool:
    try:
        EmailValidator()(text)
    except ValidationError:
        return False
    return len(text) <= EMAIL_MAX_LENGTH


class ImportFileProblems(Exception):
    """Problems with the file as a whole (its columns, its size); nothing is imported."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


class ContactInvitationResource(resources.ModelResource):
    """One invitation per row: name (or first_name and last_name), email, nis_code."""

    name = Field(column_name="name")
    first_name = Field(attribute="first_name", column_name="first_name")
    last_name = Field(attribute="last_name", column_name="last_name")
    email = Field(attribute="email", column_name="email")
    nis_code = Field(attribute="municipality_id", column_name="nis_code")

    class Meta:
        model = ContactInvitation
        fields = ("name", "first_name", "last_name", "email", "nis_code")
        import_order = fields
        name = gettext_lazy("Contact invitations")
        use_transactions = True
        report_skipped = False
        skip_diff = True

    def __init__(self, request=None, **kwargs):
        super().__init__(**kwargs)
        self.request = request
        self._columns: dict[str, str] | None = None
        self._municipalities: dict[str, Municipality] = {}
        self._seen: dict[str, int] = {}
        self._created: list[tuple[ContactInvitation, str]] = []

    def get_diff_headers(self):
        return [
            _("first name"),
            _("last name"),
            _("e-mail address"),
            _("NIS code"),
            _("municipality"),
        ]

    def before_import(self, dataset, **kwargs):
        """Map the header to the columns, or refuse the file with every problem found."""
        self._columns, self._seen, self._created = None, {}, []
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
            column = _ALIASES.get(_normalise(header))
            if column is None:
                problems.append(
                    _("Row 1: unknown column “%(column)s”.") % {"column": _quoted(header)}
                )
            elif column in columns:
                problems.append(
                    _("Row 1: the columns “%(first)s” and “%(second)s” are the same column.")
                    % {"first": _quoted(columns[column]), "second": _quoted(header)}
                )
            else:
                columns[column] = header
        for required in ("email", "nis_code"):
            if required not in columns:
                problems.append(
                    _("Row 1: the column %(column)s is missing.") % {"column": required}
                )
        if "name" in columns and ({"first_name", "last_name"} & columns.keys()):
            problems.append(
                _("Row 1: give either the column name or the columns first_name and last_name.")
            )
        filled = sum(1 for row in dataset if any(row))
        if filled > MAX_INVITATION_ROWS:
            problems.append(
                _("The file has more than %(count)d rows.") % {"count": MAX_INVITATION_ROWS}
            )
        if problems:
            raise ImportFileProblems(problems)
        self._columns = columns
        self._municipalities = {m.pk: m for m in Municipality.objects.all()}

    def _values(self, row) -> dict[str, str]:
        return {column: str(row.get(header) or "") for column, header in self._columns.items()}

    def _parse(self, values: dict[str, str], number: int) -> tuple[dict, dict[str, list[str]]]:
        """The arguments of invitation_create for a row, and its problems by column."""
        errors: dict[str, list[str]] = {}
        for column, text in values.items():
            if "\0" in text:
                errors.setdefault(column, []).append(_("contains a NUL character; remove it."))
        if errors:
            return {}, errors

        nis_code = values.get("nis_code", "")
        municipality = self._municipalities.get(nis_code)
        if not nis_code:
            errors["nis_code"] = [_("the NIS code is empty.")]
        elif municipality is None:
            errors["nis_code"] = [_("unknown NIS code “%(code)s”.") % {"code": _quoted(nis_code)}]

        email = normalise_email(values.get("email", "")) or ""
        if not email:
            errors["email"] = [_("the e-mail address is empty.")]
        elif not _is_email(email):
            errors["email"] = [
                _("“%(email)s” is not a valid e-mail address.") % {"email": _quoted(email)}
            ]
        else:
            first = self._seen.setdefault(email, number)
            if first != number:
                errors["email"] = [
                    _("%(email)s is already in row %(row)d; invite a person once.")
                    % {"email": _quoted(email), "row": first}
                ]

        if "name" in values:
            parts = values["name"].split(None, 1)
            first_name, last_name = [*parts, "", ""][:2]
        else:
            first_name, last_name = values.get("first_name", ""), values.get("last_name", "")
        arguments = {
            "municipality": municipality,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
        }
        return arguments, errors

    def import_row(self, row, instance_loader, **kwargs):
        """One row through invitation_create: a new invitation, or the row's problems."""
        result = self.get_row_result_class()()
        values = self._values(row) if self._columns is not None else {}
        if not any(values.values()):
            # A blank row, or a file whose header was refused (its problems are reported).
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        number = kwargs["row_number"] + 1  # as the sheet numbers it: the header is row 1
        arguments, errors = self._parse(values, number)
        if not errors:
            try:
                invitation, token = invitation_create(**arguments, actor=kwargs.get("user"))
            except ValidationError as error:
                errors = error.message_dict
        if errors:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(errors)
            return result
        self._created.append((invitation, token))
        result.import_type = RowResult.IMPORT_TYPE_NEW
        result.add_instance_info(invitation)
        result.instance = invitation
        result.diff = [
            invitation.first_name,
            invitation.last_name,
            invitation.email,
            invitation.municipality_id,
            invitation.municipality.name,
        ]
        return result

    def after_import(self, dataset, result, **kwargs):
        """The confirmed import sends its mails, after its transaction commits."""
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        for invitation, token in self._created:
            invitation_send(invitation=invitation, token=token, request_or_base_url=self.request)
