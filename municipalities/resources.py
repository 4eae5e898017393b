"""Bulk invitations from a CSV or XLSX file, through django-import-export's admin import.

The reading, the two steps and the stored file are the project's (core/resources.py and
core.admin.CheckedImportMixin). What invitations add:

- writing: each row goes through invitation_create, never a model save, and the mails are
  sent only by the confirmed import, after its transaction commits;
- errors: every problem is a row-numbered error (the header is row 1, as a spreadsheet
  numbers it) and any problem means nothing is imported.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult

from accounts.security import normalise_email
from core.resources import (
    IMPORT_FORMATS,
    CheckedConfirmImportForm,
    CheckedImportForm,
    CheckedImportStorage,
    ImportFileProblems,
    header_columns,
)
from core.resources import quoted as _quoted

from .models import ContactInvitation, Municipality, MunicipalityContact
from .services.invitations import EMAIL_MAX_LENGTH, invitation_create, invitation_send

__all__ = [
    "IMPORT_FORMATS",
    "ContactInvitationResource",
    "InvitationConfirmImportForm",
    "InvitationImportForm",
    "InvitationImportStorage",
    "import_directory",
]

MAX_INVITATION_ROWS = 1000


# --- Reading the file, the file between the two steps, the admin's two forms ---------------
# The project's (core/resources.py); invitations keep their files in their own directory.


class InvitationImportStorage(CheckedImportStorage):
    directory_name = "invitation-imports"


def import_directory() -> Path:
    return InvitationImportStorage.directory()


class InvitationImportForm(CheckedImportForm):
    """The upload: the file's extension chooses the format; the size is bounded."""


class InvitationConfirmImportForm(CheckedConfirmImportForm):
    """The confirmation: it names the stored file and the format the preview used."""

    storage_class = InvitationImportStorage


# --- The rows ---------------------------------------------------------------------------------


COLUMN_ALIASES = {
    "name": {"name", "naam", "full_name", "volledige_naam"},
    "first_name": {"first_name", "firstname", "given_name", "voornaam"},
    "last_name": {"last_name", "lastname", "surname", "family_name", "achternaam", "familienaam"},
    "email": {"email", "e_mail", "email_address", "e_mail_address", "e_mailadres", "emailadres"},
    "nis_code": {"nis_code", "nis", "niscode", "nis_code_municipality", "nis_code_gemeente"},
}
_ALIASES = {alias: column for column, names in COLUMN_ALIASES.items() for alias in names}


def _is_email(text: str) -> bool:
    try:
        EmailValidator()(text)
    except ValidationError:
        return False
    return len(text) <= EMAIL_MAX_LENGTH


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
        columns, problems = header_columns(dataset, _ALIASES, ("email", "nis_code"))
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


class MunicipalityContactResource(resources.ModelResource):
    """The contacts as a table (export only: a contact comes in through an invitation)."""

    nis_code = Field(attribute="municipality_id", column_name="nis_code")
    municipality = Field(attribute="municipality__name", column_name="municipality")
    email = Field(attribute="user__email", column_name="email")
    first_name = Field(attribute="user__first_name", column_name="first_name")
    last_name = Field(attribute="user__last_name", column_name="last_name")
    job_title = Field(attribute="job_title", column_name="job_title")
    phone = Field(attribute="phone", column_name="phone")

    class Meta:
        model = MunicipalityContact
        fields = (
            "nis_code",
            "municipality",
            "email",
            "first_name",
            "last_name",
            "job_title",
            "phone",
        )
        export_order = fields
        name = gettext_lazy("Municipality contacts")

    def __init__(self, request=None, **kwargs):
        super().__init__(**kwargs)
