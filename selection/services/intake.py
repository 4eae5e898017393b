"""Candidacy intake: online applications by contacts, entry by staff, and file imports.

All three paths end in the same write (`_candidacy_write`), so a candidacy is validated and
its history recorded the same way whoever enters it.
"""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.spreadsheet_reader import ImportErrors, import_file_rows
from core.spreadsheet_reader import format_import_error as format_import_error  # for callers
from municipalities.enums import SdgStatusLevel
from municipalities.models import Municipality
from municipalities.rules import is_contact_for
from municipalities.status import current_level
from selection.enums import CandidacyState
from selection.models import Candidacy, Programme

# A submitted motivation needs some substance: about three sentences. Drafts may be shorter.
MIN_MOTIVATION_LENGTH = 200

TEXT_FIELDS = ("motivation", "contact_name", "contact_email", "contact_phone", "twinning_partner")
BOOLEAN_FIELDS = ("has_contact_person", "has_twinning", "flemish_gos_subsidy", "federal_subsidy")
CANDIDACY_FIELDS = (
    "motivation",
    "has_contact_person",
    "contact_name",
    "contact_email",
    "contact_phone",
    "sdg_status",
    "has_twinning",
    "twinning_partner",
    "flemish_gos_subsidy",
    "federal_subsidy",
)

# Import limits: 308 municipalities fit many times over; anything bigger is a wrong file.
# (The file's size and the sheet's limits are the reader's: core.spreadsheet_reader.)
MAX_IMPORT_ROWS = 1000
# The online form's limit on a motivation holds for every way in.
MAX_MOTIVATION_LENGTH = 20_000
# Longest cell value quoted back in an error message.
MAX_QUOTED_LENGTH = 60


def candidacy_validate(data: dict, *, submit: bool) -> None:
    """Check that a candidacy's values are complete enough; a draft may be incomplete.

    `data` holds the candidacy fields (missing keys count as empty). Raises ValidationError
    with messages per field. Forms call this in `clean()`; the service calls it again.
    """
    if not submit:
        return
    errors: dict[str, list[str]] = {}
    motivation = (data.get("motivation") or "").strip()
    if not motivation:
        errors["motivation"] = [_("Write a motivation before you submit.")]
    elif len(motivation) < MIN_MOTIVATION_LENGTH:
        errors["motivation"] = [
            _("The motivation needs at least %(minimum)d characters; it has %(length)d.")
            % {"minimum": MIN_MOTIVATION_LENGTH, "length": len(motivation)}
        ]
    if data.get("has_contact_person"):
        if not (data.get("contact_name") or "").strip():
            errors["contact_name"] = [_("Give the name of the contact person.")]
        if not (data.get("contact_email") or "").strip():
            errors["contact_email"] = [_("Give the e-mail address of the contact person.")]
    if data.get("has_twinning") and not (data.get("twinning_partner") or "").strip():
        errors["twinning_partner"] = [_("Name the partner of the town twinning.")]
    if errors:
        raise ValidationError(errors)


def candidacy_may_save(*, actor, programme: Programme, municipality: Municipality) -> bool:
    """Whether the actor may create or change this municipality's candidacy.

    Staff always may. A municipality contact may only for their own municipality, and only
    while the programme's call is open (phase "applications" and not past the deadline,
    rule `selection.apply`). `actor=None` is a trusted server process (a management
    command); views always pass the request's user.
    """
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_staff:
        return True
    return is_contact_for.test(actor, municipality) and actor.has_perm("selection.apply", programme)


def _from_self_assessment(actor) -> bool:
    """A contact's candidacy takes its SDG status from the municipality's self-assessment;
    staff (the admin, an import, a management command) record the status they checked."""
    return actor is not None and not actor.is_staff


def _history_actor(candidacy: Candidacy, actor, reason: str) -> None:
    if actor is not None:
        candidacy._history_user = actor
    if reason:
        candidacy._change_reason = reason[:100]


def _error_messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {NON_FIELD_ERRORS: error.messages}


def _candidacy_write(
    *,
    programme: Programme,
    municipality: Municipality,
    data: dict,
    submit: bool,
    actor,
    reason: str = "",
) -> tuple[Candidacy, bool]:
    """Create or update the candidacy; returns it and whether it was created."""
    unknown = set(data) - set(CANDIDACY_FIELDS)
    if unknown:
        raise ValueError(f"Not candidacy intake fields: {sorted(unknown)}")
    candidacy = (
        Candidacy.objects.select_for_update()
        .filter(programme=programme, municipality=municipality)
        .first()
    )
    created = candidacy is None
    if created:
        candidacy = Candidacy(programme=programme, municipality=municipality)
    for name, value in data.items():
        if name == "sdg_status" and _from_self_assessment(actor):
            continue
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        elif name in BOOLEAN_FIELDS and not isinstance(value, bool):
            raise ValueError(f"{name} must be a bool, not {value!r}")
        setattr(candidacy, name, value)
    # A partner without a twinning, or contact details without a contact person, would
    # contradict the facts the quotas use.
    if not candidacy.has_twinning:
        candidacy.twinning_partner = ""
    if not candidacy.has_contact_person:
        candidacy.contact_name = candidacy.contact_email = candidacy.contact_phone = ""

    # A submitted candidacy stays submitted, so every later save must keep it complete.
    submitting = submit or candidacy.state == CandidacyState.SUBMITTED
    if submitting and candidacy.state != CandidacyState.SUBMITTED:
        candidacy.state = CandidacyState.SUBMITTED
        candidacy.submitted_at = timezone.now()
        if _from_self_assessment(actor):
            # Frozen at submission: later changes to the self-assessment leave it as it was.
            candidacy.sdg_status = current_level(municipality)

    errors: dict[str, list[str]] = {}
    if len(candidacy.motivation) > MAX_MOTIVATION_LENGTH:
        errors["motivation"] = [
            _("The motivation can have at most %(maximum)d characters; it has %(length)d.")
            % {"maximum": MAX_MOTIVATION_LENGTH, "length": len(candidacy.motivation)}
        ]
    try:
        candidacy.full_clean()
    except ValidationError as error:
        errors.update(_error_messages(error))
    try:
        candidacy_validate(
            {name: getattr(candidacy, name) for name in CANDIDACY_FIELDS}, submit=submitting
        )
    except ValidationError as error:
        for name, messages in _error_messages(error).items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)

    _history_actor(candidacy, actor, reason)
    candidacy.save()
    return candidacy, created


@transaction.atomic
def candidacy_save(
    *,
    programme: Programme,
    municipality: Municipality,
    data: dict,
    submit: bool,
    actor,
) -> Candidacy:
    """Create or update a municipality's candidacy, as a draft or submitted.

    Permission: staff, or the contact of that municipality while the call is open (see
    `candidacy_may_save`); anyone else gets PermissionDenied. `data` holds any of
    CANDIDACY_FIELDS with Python values (booleans as bool); missing fields keep their value.
    `submit=True` validates completeness and marks the candidacy submitted (once, with a
    timestamp); a submitted candidacy stays submitted and is validated as such on every
    save. Raises ValidationError with messages per field.
    """
    if not candidacy_may_save(actor=actor, programme=programme, municipality=municipality):
        raise PermissionDenied
    candidacy, _created = _candidacy_write(
        programme=programme, municipality=municipality, data=data, submit=submit, actor=actor
    )
    return candidacy


# --- Import from CSV or XLSX -------------------------------------------------------------


@dataclass(frozen=True)
class ImportColumn:
    name: str
    dutch: str
    description: str


IMPORT_COLUMNS = [
    ImportColumn(
        "nis_code",
        "NIS-code",
        gettext_lazy("Required. The five-digit NIS code, or the municipality's exact name."),
    ),
    ImportColumn(
        "motivation",
        "motivatie",
        lazy(
            lambda: (
                _("The motivation, at least %(minimum)d characters.")
                % {"minimum": MIN_MOTIVATION_LENGTH}
            ),
            str,
        )(),
    ),
    ImportColumn(
        "has_contact_person",
        "contactpersoon aanwezig",
        gettext_lazy("Yes or no. With yes, name and e-mail are required."),
    ),
    ImportColumn("contact_name", "contactpersoon", gettext_lazy("Name of the contact person.")),
    ImportColumn(
        "contact_email", "e-mail contactpersoon", gettext_lazy("E-mail of the contact person.")
    ),
    ImportColumn(
        "contact_phone", "telefoon contactpersoon", gettext_lazy("Phone of the contact person.")
    ),
    ImportColumn(
        "sdg_status",
        "stand van zaken",
        gettext_lazy(
            "SDG status at application: not_started, exploring, active or advanced "
            "(or the label in Dutch or English)."
        ),
    ),
    ImportColumn("has_twinning", "stedenband", gettext_lazy("Yes or no.")),
    ImportColumn(
        "twinning_partner",
        "partner stedenband",
        gettext_lazy("Required when there is a town twinning."),
    ),
    ImportColumn(
        "flemish_gos_subsidy",
        "Vlaamse impulssubsidie GOS",
        gettext_lazy("Yes or no: Flemish impulse subsidy GOS."),
    ),
    ImportColumn(
        "federal_subsidy",
        "federale subsidie",
        gettext_lazy("Yes or no: federal development-cooperation subsidy."),
    ),
]

# Further headers people write, normalised (see `_normalise`). Each column also accepts its
# field's label in Dutch and English.
_EXTRA_ALIASES = {
    "nis_code": ["nis", "niscode", "nis_code_gemeente", "gemeente", "municipality"],
    "motivation": [],
    "has_contact_person": ["heeft_contactpersoon", "contact_person_present"],
    "contact_name": ["naam_contactpersoon", "contact_naam"],
    "contact_email": ["email_contactpersoon", "contact_e_mail", "e_mail", "email"],
    "contact_phone": ["contact_telefoon", "telefoon", "phone"],
    "sdg_status": ["stand_van_zaken_sdg", "stand_van_zaken_sdgs", "stand_van_zaken_sdg_s"],
    "has_twinning": ["twinning"],
    "twinning_partner": ["stedenband_partner"],
    "flemish_gos_subsidy": ["impulssubsidie_gos", "gos_subsidie", "gos"],
    "federal_subsidy": [],
}

_TRUE = {"ja", "j", "yes", "y", "1", "waar", "true"}
_FALSE = {"nee", "n", "no", "0", "onwaar", "false"}
_SDG_SYNONYMS = {
    "niet_gestart": SdgStatusLevel.NOT_STARTED,
    "nog_niet_gestart": SdgStatusLevel.NOT_STARTED,
    "verkennend": SdgStatusLevel.EXPLORING,
    "bezig": SdgStatusLevel.ACTIVE,
    "volop_bezig": SdgStatusLevel.ACTIVE,
    "gevorderd": SdgStatusLevel.ADVANCED,
}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    candidacies: tuple[Candidacy, ...]


def _normalise(text: str) -> str:
    """Lower case, no accents, every run of other characters one underscore."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


def _header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column in IMPORT_COLUMNS:
        names = {column.name, column.dutch, *_EXTRA_ALIASES[column.name]}
        if column.name != "nis_code":
            field = Candidacy._meta.get_field(column.name)
            for language in ("nl", "en"):
                with translation.override(language):
                    names.add(str(field.verbose_name))
        for name in names:
            aliases.setdefault(_normalise(name), column.name)
    return aliases


def _sdg_values() -> dict[str, str]:
    values = dict(_SDG_SYNONYMS)
    for level in SdgStatusLevel:
        values[_normalise(level.value)] = level.value
        for language in ("nl", "en"):
            with translation.override(language):
                values[_normalise(str(level.label))] = level.value
    return values


def _quoted(text: str) -> str:
    """A cell value as an error message quotes it: short, so a huge cell cannot flood it."""
    if len(text) <= MAX_QUOTED_LENGTH:
        return text
    return text[: MAX_QUOTED_LENGTH - 1] + "…"


def _nul_problem(column: str) -> str:
    return _("%(column)s: contains a NUL character; remove it.") % {"column": column}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _MunicipalityLookup:
    """Finds a municipality by NIS code or by its exact name (if only one has that name)."""

    def __init__(self):
        self.by_code = {m.pk: m for m in Municipality.objects.all()}
        self.by_name: dict[str, list[Municipality]] = {}
        for municipality in self.by_code.values():
            self.by_name.setdefault(_normalise(municipality.name), []).append(municipality)

    def find(self, text: str) -> tuple[Municipality | None, str]:
        if not text:
            return None, _("the NIS code is empty")
        if text.isdigit():
            municipality = self.by_code.get(text)
            if municipality is None:
                return None, _("unknown NIS code %(code)s") % {"code": _quoted(text)}
            return municipality, ""
        matches = self.by_name.get(_normalise(text), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, _("more than one municipality is called “%(name)s”; use the NIS code") % {
                "name": _quoted(text)
            }
        return None, _("unknown municipality “%(name)s”") % {"name": _quoted(text)}


def _parse_header(header: list) -> tuple[list[tuple[int, str]], dict[str, str]]:
    """The (column index, field) pairs of the header row, and each field's header text."""
    aliases = _header_aliases()
    columns: list[tuple[int, str]] = []
    titles: dict[str, str] = {}
    errors: list[tuple[int | None, str]] = []
    for index, cell in enumerate(header):
        title = _cell_text(cell)
        if not title:
            continue
        if "\0" in title:
            errors.append((1, _nul_problem(_quoted(title.replace("\0", "")))))
            continue
        field = aliases.get(_normalise(title))
        if field is None:
            errors.append((1, _("unknown column “%(column)s”") % {"column": _quoted(title)}))
        elif field in titles:
            errors.append(
                (
                    1,
                    _("the columns “%(first)s” and “%(second)s” both give %(field)s")
                    % {"first": titles[field], "second": title, "field": field},
                )
            )
        else:
            columns.append((index, field))
            titles[field] = title
    if "nis_code" not in titles:
        errors.append((1, _("the column nis_code is missing")))
    if errors:
        raise ImportErrors(errors)
    return columns, titles


def _parse_row(
    values: dict[str, str], titles: dict[str, str], sdg_values: dict[str, str]
) -> tuple[dict, list[str]]:
    """The candidacy data of one row, and the problems found in it."""
    data: dict = {}
    problems: list[str] = []
    for field, text in values.items():
        if "\0" in text:
            # The online forms refuse NUL characters (PostgreSQL cannot store them either).
            problems.append(_nul_problem(titles[field]))
            continue
        if field == "nis_code":
            continue
        if field in BOOLEAN_FIELDS:
            word = text.casefold()
            if word in _TRUE:
                data[field] = True
            elif word in _FALSE:
                data[field] = False
            else:
                problems.append(
                    _("%(column)s: “%(value)s” is not yes or no (ja/nee, 1/0)")
                    % {"column": titles[field], "value": _quoted(text)}
                )
        elif field == "sdg_status":
            level = sdg_values.get(_normalise(text))
            if level is None:
                problems.append(
                    _("%(column)s: “%(value)s” is not one of %(choices)s")
                    % {
                        "column": titles[field],
                        "value": _quoted(text),
                        "choices": ", ".join(SdgStatusLevel.values),
                    }
                )
            else:
                data[field] = level
        else:
            data[field] = text
    return data, problems


@transaction.atomic
def candidacies_import(*, programme: Programme, file, filename: str, actor) -> ImportResult:
    """Create or update a programme's candidacies from a CSV or XLSX file, all or nothing.

    Permission: `selection.import_candidacies` (staff); `actor=None` is a trusted server
    process (the management command). The first row holds the column names (see
    IMPORT_COLUMNS and docs/import.md). Every row goes through the same write as the online
    form, as a submitted candidacy. If any row is wrong, nothing is saved and ImportErrors
    lists every problem with its row number.
    """
    if actor is not None and not actor.has_perm("selection.import_candidacies"):
        raise PermissionDenied
    rows = import_file_rows(file, filename)
    if not rows:
        raise ImportErrors([(None, _("The file is empty."))])
    columns, titles = _parse_header(rows[0])
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=2)
        if any(_cell_text(cell) for cell in row)
    ]
    if not body:
        raise ImportErrors([(None, _("The file has no rows below the header."))])
    if len(body) > MAX_IMPORT_ROWS:
        raise ImportErrors(
            [(None, _("The file has more than %(count)d rows.") % {"count": MAX_IMPORT_ROWS})]
        )

    lookup = _MunicipalityLookup()
    sdg_values = _sdg_values()
    reason = f"import {PurePath(filename).name}"
    errors: list[tuple[int | None, str]] = []
    seen: dict[str, int] = {}
    created = updated = 0
    candidacies: list[Candidacy] = []
    for number, row in body:
        values = {
            field: _cell_text(row[index]) if index < len(row) else "" for index, field in columns
        }
        if "\0" in values["nis_code"]:
            municipality, problem = None, ""
        else:
            municipality, problem = lookup.find(values["nis_code"])
        problems = [problem] if problem else []
        if municipality is not None:
            if municipality.pk in seen:
                problems.append(
                    _("%(name)s (%(code)s) is already in row %(row)d")
                    % {
                        "name": municipality.name,
                        "code": municipality.pk,
                        "row": seen[municipality.pk],
                    }
                )
            else:
                seen[municipality.pk] = number
        data, value_problems = _parse_row(values, titles, sdg_values)
        problems.extend(value_problems)
        if problems:
            errors.extend((number, message) for message in problems)
            continue
        try:
            with transaction.atomic():
                candidacy, made = _candidacy_write(
                    programme=programme,
                    municipality=municipality,
                    data=data,
                    submit=True,
                    actor=actor,
                    reason=reason,
                )
        except ValidationError as error:
            for field, messages in _error_messages(error).items():
                prefix = "" if field == NON_FIELD_ERRORS else f"{titles.get(field, field)}: "
                errors.extend((number, f"{prefix}{message}") for message in messages)
            continue
        candidacies.append(candidacy)
        if made:
            created += 1
        else:
            updated += 1
    if errors:
        # Raising inside the atomic block rolls back every row saved so far.
        raise ImportErrors(errors)
    return ImportResult(created=created, updated=updated, candidacies=tuple(candidacies))
