"""Import and export of partners in the admin, the project's way (core/resources.py): a
dry run with a preview first; any bad row, reported by its row number, means nothing is
written. Staff choose the programme beside the file; each row goes through
partners.services (partner_create, or partner_update for a name the programme already has).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from core.forms import COMMENT_MAX_LENGTH, NAME_MAX_LENGTH
from core.resources import (
    CheckedConfirmImportForm,
    CheckedImportStorage,
    ServiceRowResource,
    choice_lookup,
    normalise,
    parse_boolean,
    quoted,
)
from municipalities.models import Province
from selection.models import BoardOrganisation

from . import services
from .enums import PartnerKind
from .models import Partner

MAX_PARTNER_ROWS = 500
WEBSITE_MAX_LENGTH = 500


class PartnerImportStorage(CheckedImportStorage):
    directory_name = "partner-imports"


class PartnerConfirmImportForm(CheckedConfirmImportForm):
    storage_class = PartnerImportStorage


class PartnerResource(ServiceRowResource):
    """One partner per row: name, kind, role, board_organisation (its name), province (its
    name), website, active. A name the programme already has updates that partner."""

    COLUMNS = {
        "name": {"naam", "partner"},
        "kind": {"soort", "type"},
        "role": {"rol"},
        "board_organisation": {"organisation", "organisatie", "klankbordorganisatie"},
        "province": {"provincie"},
        "website": {"site", "url"},
        "active": {"actief"},
    }
    REQUIRED = ("name", "kind")
    MAX_ROWS = MAX_PARTNER_ROWS

    name = Field(attribute="name", column_name="name")
    kind = Field(attribute="kind", column_name="kind")
    role = Field(attribute="role", column_name="role")
    board_organisation = Field(
        attribute="board_organisation__name", column_name="board_organisation"
    )
    province = Field(attribute="province__name", column_name="province")
    website = Field(attribute="website", column_name="website")
    active = Field(attribute="active", column_name="active")

    class Meta(ServiceRowResource.Meta):
        model = Partner
        fields = ("name", "kind", "role", "board_organisation", "province", "website", "active")
        export_order = fields
        name = gettext_lazy("Partners")

    def prepare(self) -> None:
        self._kinds = choice_lookup(PartnerKind)
        self._organisations = {normalise(o.name): o for o in BoardOrganisation.objects.all()}
        self._provinces = {normalise(p.name): p for p in Province.objects.all()}
        self._seen: dict[str, int] = {}

    def get_diff_headers(self):
        return [_("name"), _("kind"), _("board organisation"), _("province"), _("active")]

    def row_diff(self, instance) -> list:
        return [
            instance.name,
            instance.get_kind_display(),
            instance.board_organisation or "",
            instance.province or "",
            _("yes") if instance.active else _("no"),
        ]

    def parse_row(self, values: dict[str, str], number: int) -> tuple[dict, dict[str, list]]:
        errors: dict[str, list] = {}
        name = values.get("name", "").strip()
        if not name:
            errors["name"] = [_("the name is empty.")]
        elif len(name) > NAME_MAX_LENGTH:
            errors["name"] = [
                _("the name is longer than %(n)d characters.") % {"n": NAME_MAX_LENGTH}
            ]
        else:
            first = self._seen.setdefault(name.casefold(), number)
            if first != number:
                errors["name"] = [
                    _("%(name)s is already in row %(row)d.") % {"name": quoted(name), "row": first}
                ]
        kind_text = values.get("kind", "")
        kind = self._kinds.get(normalise(kind_text))
        if kind is None:
            errors["kind"] = [
                _("unknown kind “%(kind)s”; use one of %(kinds)s.")
                % {"kind": quoted(kind_text), "kinds": ", ".join(PartnerKind.values)}
            ]
        role = values.get("role", "").strip()
        if len(role) > COMMENT_MAX_LENGTH:
            errors["role"] = [
                _("the role is longer than %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}
            ]
        organisation = None
        if values.get("board_organisation", "").strip():
            organisation = self._organisations.get(normalise(values["board_organisation"]))
            if organisation is None:
                errors["board_organisation"] = [
                    _("unknown board organisation “%(name)s”.")
                    % {"name": quoted(values["board_organisation"])}
                ]
        province = None
        if values.get("province", "").strip():
            province = self._provinces.get(normalise(values["province"]))
            if province is None:
                errors["province"] = [
                    _("unknown province “%(name)s”.") % {"name": quoted(values["province"])}
                ]
        website = values.get("website", "").strip()
        if website:
            try:
                if len(website) > WEBSITE_MAX_LENGTH:
                    raise ValidationError("too long")
                URLValidator()(website)
            except ValidationError:
                errors["website"] = [
                    _("“%(url)s” is not a web address.") % {"url": quoted(website)}
                ]
        active = parse_boolean(values.get("active", "ja").strip()) if "active" in values else True
        if active is None:
            errors["active"] = [_("write yes or no.")]
        arguments = {
            "name": name,
            "kind": kind,
            "role": role,
            "board_organisation": organisation,
            "province": province,
            "website": website,
            "active": active,
        }
        return arguments, errors

    def write_row(self, arguments: dict, *, actor):
        actor = actor or getattr(self.request, "user", None)
        if self.programme is None:
            raise ValidationError(_("Choose the programme."))
        existing = Partner.objects.filter(programme=self.programme, name=arguments["name"]).first()
        if existing is not None:
            return services.partner_update(actor=actor, partner=existing, **arguments), False
        name = arguments.pop("name")
        kind = arguments.pop("kind")
        partner = services.partner_create(
            actor=actor, programme=self.programme, name=name, kind=kind, **arguments
        )
        return partner, True
