"""Candidacies and board members from a CSV or XLSX file in the admin, and back out.

The reading, the preview and the all-or-nothing confirmation are the project's
(core/resources.py, core.admin.CheckedImportMixin); the rows belong to the programme chosen
beside the file. A candidacy row goes through `candidacy_save`, as the online form and the
staff import page do, with the staff import page's columns (IMPORT_COLUMNS, docs/import.md).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from accounts.security import normalise_email
from core.resources import (
    ImportFileProblems,
    ServiceRowResource,
    choice_lookup,
    normalise,
    parse_boolean,
    quoted,
)

from .enums import OrganisationKind
from .models import BoardMember, Candidacy
from .services.board import board_member_add
from .services.intake import (
    CANDIDACY_FIELDS,
    _header_aliases,
    _MunicipalityLookup,
    _parse_row,
    _sdg_values,
    candidacy_save,
)

NAME_MAX_LENGTH = 150


def _require_programme(programme) -> None:
    if programme is None:
        raise ImportFileProblems([_("Choose the programme the rows belong to.")])


# --- Candidacies ------------------------------------------------------------------------------


class CandidacyResource(ServiceRowResource):
    """One submitted candidacy per row (created, or updated when the municipality has one)."""

    REQUIRED = ("nis_code",)

    nis_code = Field(attribute="municipality_id", column_name="nis_code")

    class Meta(ServiceRowResource.Meta):
        model = Candidacy
        fields = ("nis_code", *CANDIDACY_FIELDS)
        import_order = export_order = fields
        name = gettext_lazy("Candidacies")

    @classmethod
    def aliases(cls) -> dict[str, str]:
        # The staff import page's headers: the field names, their labels in Dutch and English
        # and the synonyms people write.
        return _header_aliases()

    def get_diff_headers(self):
        return [
            _("NIS code"),
            _("municipality"),
            _("state"),
            _("SDG status"),
            _("contact person"),
            _("town twinning"),
        ]

    def before_import(self, dataset, **kwargs):
        _require_programme(self.programme)
        super().before_import(dataset, **kwargs)

    def prepare(self) -> None:
        self._lookup = _MunicipalityLookup()
        self._sdg = _sdg_values()
        self._seen: dict[str, int] = {}

    def parse_row(self, values, number):
        errors: dict[str, list] = {}
        municipality, problem = self._lookup.find(values.get("nis_code", ""))
        if problem:
            errors["nis_code"] = [problem]
        elif self._seen.setdefault(municipality.pk, number) != number:
            errors["nis_code"] = [
                _("%(name)s (%(code)s) is already in row %(row)d")
                % {
                    "name": municipality.name,
                    "code": municipality.pk,
                    "row": self._seen[municipality.pk],
                }
            ]
        data, problems = _parse_row(values, dict(self._columns), self._sdg)
        if problems:
            errors["__all__"] = problems
        return {"municipality": municipality, "data": data}, errors

    def write_row(self, arguments, *, actor):
        exists = Candidacy.objects.filter(
            programme=self.programme, municipality=arguments["municipality"]
        ).exists()
        candidacy = candidacy_save(
            programme=self.programme,
            municipality=arguments["municipality"],
            data=arguments["data"],
            submit=True,
            actor=actor,
        )
        return candidacy, not exists

    def row_diff(self, candidacy):
        return [
            candidacy.municipality_id,
            candidacy.municipality.name,
            candidacy.get_state_display(),
            candidacy.get_sdg_status_display(),
            candidacy.contact_name or "-",
            candidacy.twinning_partner or "-",
        ]


# --- Board members ----------------------------------------------------------------------------


class BoardMemberResource(ServiceRowResource):
    """One seat per row: email, first_name, last_name, organisation, kind, active."""

    COLUMNS = {
        "email": {"e_mail", "e_mailadres", "emailadres", "email_address"},
        "first_name": {"voornaam", "firstname"},
        "last_name": {"achternaam", "familienaam", "lastname", "surname"},
        "organisation": {"organisatie", "organization"},
        "kind": {"soort", "type", "organisation_kind"},
        "active": {"actief"},
    }
    REQUIRED = ("email", "organisation")

    email = Field(attribute="user__email", column_name="email")
    first_name = Field(attribute="user__first_name", column_name="first_name")
    last_name = Field(attribute="user__last_name", column_name="last_name")
    organisation = Field(attribute="organisation__name", column_name="organisation")
    kind = Field(attribute="organisation__kind", column_name="kind")
    active = Field(attribute="active", column_name="active")

    class Meta(ServiceRowResource.Meta):
        model = BoardMember
        fields = ("email", "first_name", "last_name", "organisation", "kind", "active")
        import_order = export_order = fields
        name = gettext_lazy("Board members")

    def get_diff_headers(self):
        return [_("e-mail address"), _("name"), _("organisation"), _("active")]

    def before_import(self, dataset, **kwargs):
        _require_programme(self.programme)
        super().before_import(dataset, **kwargs)

    def prepare(self) -> None:
        self._kinds = choice_lookup(OrganisationKind)
        self._seen: dict[str, int] = {}

    def parse_row(self, values, number):
        errors: dict[str, list] = {}
        email = normalise_email(values.get("email", "")) or ""
        if not email:
            errors["email"] = [_("the e-mail address is empty.")]
        else:
            try:
                EmailValidator()(email)
            except ValidationError:
                errors["email"] = [
                    _("“%(email)s” is not a valid e-mail address.") % {"email": quoted(email)}
                ]
            else:
                first = self._seen.setdefault(email, number)
                if first != number:
                    errors["email"] = [
                        _("%(email)s is already in row %(row)d.")
                        % {"email": quoted(email), "row": first}
                    ]
        for column in ("first_name", "last_name", "organisation"):
            if len(values.get(column, "")) > NAME_MAX_LENGTH:
                errors[column] = [_("at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}]
        if not values.get("organisation", "").strip():
            errors["organisation"] = [_("the organisation is empty.")]
        kind_text = values.get("kind", "").strip()
        kind = self._kinds.get(normalise(kind_text), "") if kind_text else ""
        if kind_text and not kind:
            errors["kind"] = [
                _("“%(value)s” is not one of %(choices)s.")
                % {"value": quoted(kind_text), "choices": ", ".join(OrganisationKind.values)}
            ]
        active = parse_boolean(values.get("active", "ja") or "ja")
        if active is None:
            errors["active"] = [
                _("“%(value)s” is not yes or no.") % {"value": quoted(values["active"])}
            ]
        arguments = {
            "email": email,
            "first_name": values.get("first_name", "").strip(),
            "last_name": values.get("last_name", "").strip(),
            "organisation": values.get("organisation", "").strip(),
            "kind": kind,
            "active": bool(active),
        }
        return arguments, errors

    def write_row(self, arguments, *, actor):
        return board_member_add(actor=actor, programme=self.programme, **arguments)

    def row_diff(self, member):
        return [
            member.user.email,
            member.user.get_full_name() or "-",
            member.organisation.name,
            _("yes") if member.active else _("no"),
        ]
