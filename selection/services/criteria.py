"""The programme's criteria and quotas: seeded from the published selection criteria, scaled
to the programme's pilot group size, and edited by staff on the criteria page.

The standard quotas are written for a pilot group of 20 (:data:`STANDARD_GROUP_SIZE`). For
another size each bound is scaled by size / 20: a minimum rounded down, a maximum rounded
up, so the scaled quotas never ask more than the standard ones do, proportionally. Rounding
down keeps a criterion's minimums within the group (they add up to at most 20 of 20), and a
maximum rounded up never falls below its minimum. A minimum that rounds to 0 and a maximum
of the whole group bind nothing and are left out; a value with neither keeps no quota. A
group of 20 gets exactly the standard numbers.

Quotas change only while no confirmed board decision is in force: the decision's record
(its page and proces-verbaal) shows the criteria and quotas it was taken under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from municipalities.enums import SdgStatusLevel
from selection.enums import CriterionKind, DiversityAttribute, SizeClass
from selection.facts import NO, YES, attribute_values
from selection.models import Criterion, Programme, Quota
from selection.rules import can
from selection.selectors.criteria import (
    QUOTAS_PERM,
    criteria_locked,
    diversity_criteria,
    quota_provinces,
    quotas_version,
)

#: The pilot group size the standard quotas below are written for.
STANDARD_GROUP_SIZE = 20

#: The largest bound the page accepts before the group-size check (a small-integer column).
QUOTA_BOUND_MAX = 1000

# What the board scores. Names and rubrics are the programme's own (Dutch) content.
JUDGEMENT_CRITERIA = [
    (
        "Motivatie",
        Decimal("2"),
        "Hoe overtuigend legt de gemeente uit waarom ze deelneemt? 1: geen of een algemene "
        "motivatie; 3: duidelijke redenen, gekoppeld aan het eigen beleid; 5: een "
        "doorleefde motivatie, gedragen door bestuur en administratie.",
    ),
    (
        "Haalbaarheid van de SDG-ambitie",
        Decimal("1"),
        "Kan de gemeente haar SDG-ambitie waarmaken in de omgevingsanalyse en het "
        "meerjarenplan 2020-2025? 1: geen concreet plan of middelen; 3: een plan met "
        "enkele middelen; 5: een concreet plan met tijd, mensen en politiek draagvlak.",
    ),
    (
        "Voorbeeldwaarde voor andere gemeenten",
        Decimal("1"),
        "Kunnen andere gemeenten leren van wat deze gemeente doet? 1: weinig "
        "overdraagbaar; 3: enkele bruikbare lessen; 5: sterk voorbeeld voor het netwerk.",
    ),
]

# The published criteria for the pilot group, as diversity attributes with quotas for a
# group of 20 (STANDARD_GROUP_SIZE): (attribute, name, [(value, min, max), ...]).
DIVERSITY_CRITERIA = [
    (
        DiversityAttribute.PROVINCE,
        "Geografische spreiding per provincie",
        [
            (p, 3, 6)
            for p in (
                "Antwerpen",
                "Limburg",
                "Oost-Vlaanderen",
                "Vlaams-Brabant",
                "West-Vlaanderen",
            )
        ],
    ),
    (
        DiversityAttribute.SIZE_CLASS,
        "Variatie tussen grotere en kleinere gemeenten",
        [(SizeClass.SMALL, 5, None), (SizeClass.MEDIUM, 4, None), (SizeClass.LARGE, 4, None)],
    ),
    (
        DiversityAttribute.DEGURBA,
        "Variatie in verstedelijkingsgraad",
        [("rural", 3, None), ("towns_suburbs", 8, None)],
    ),
    (
        DiversityAttribute.SDG_STATUS,
        "Variatie in stand van zaken rond de SDG's",
        [(SdgStatusLevel.NOT_STARTED, 3, None), (SdgStatusLevel.ADVANCED, None, 5)],
    ),
    (DiversityAttribute.TWINNING, "Met en zonder stedenband", [(YES, 5, None), (NO, 5, None)]),
    (
        DiversityAttribute.FLEMISH_SUBSIDY,
        "Met en zonder Vlaamse impulssubsidie GOS",
        [(YES, 5, None), (NO, 5, None)],
    ),
    (
        DiversityAttribute.FEDERAL_SUBSIDY,
        "Met en zonder federale subsidie ontwikkelingssamenwerking",
        [(YES, 2, None), (NO, 5, None)],
    ),
    (DiversityAttribute.CONTACT_PERSON, "Aanwezigheid van een contactpersoon", [(YES, 16, None)]),
]


def _scaled_down(bound: int, size: int) -> int:
    return bound * size // STANDARD_GROUP_SIZE


def _scaled_up(bound: int, size: int) -> int:
    return -(-bound * size // STANDARD_GROUP_SIZE)


def scaled_quotas(
    quotas: list[tuple[str, int | None, int | None]], size: int
) -> list[tuple[str, int | None, int | None]]:
    """The standard quotas of one criterion for a pilot group of `size` (see the module's
    docstring for the rounding): minimums down, maximums up, bounds that bind nothing left
    out. A group of :data:`STANDARD_GROUP_SIZE` gets them unchanged."""
    rows = []
    for value, low, high in quotas:
        low = None if low is None else _scaled_down(low, size)
        high = None if high is None else _scaled_up(high, size)
        if low == 0:
            low = None
        if high is not None and high >= size:
            high = None
        if low is not None or high is not None:
            rows.append((str(value), low, high))
    return rows


def standard_quotas(attribute: str, size: int) -> list[tuple[str, int | None, int | None]]:
    """The standard quotas of a diversity attribute, scaled to a pilot group of `size`."""
    for standard_attribute, _name, quotas in DIVERSITY_CRITERIA:
        if standard_attribute == attribute:
            return scaled_quotas(quotas, size)
    return []


@transaction.atomic
def programme_seed_criteria(*, programme: Programme) -> list[Criterion]:
    """Create the standard judgement and diversity criteria when missing; a new diversity
    criterion gets the standard quotas scaled to the programme's pilot group size."""
    created = []
    for position, (name, weight, rubric) in enumerate(JUDGEMENT_CRITERIA):
        criterion, made = Criterion.objects.get_or_create(
            programme=programme,
            kind=CriterionKind.JUDGEMENT,
            name=name,
            defaults={"weight": weight, "rubric": rubric, "position": position},
        )
        if made:
            created.append(criterion)
    for position, (attribute, name, quotas) in enumerate(DIVERSITY_CRITERIA):
        criterion, made = Criterion.objects.get_or_create(
            programme=programme,
            kind=CriterionKind.DIVERSITY,
            attribute=attribute,
            defaults={"name": name, "position": position, "weight": 0},
        )
        if made:
            created.append(criterion)
            Quota.objects.bulk_create(
                Quota(criterion=criterion, value=value, minimum=low, maximum=high)
                for value, low, high in scaled_quotas(quotas, programme.pilot_group_size)
            )
    return created


# --- The criteria page: reading, checking and saving the quotas ---------------------------

#: Bounds per value of one criterion: {value: (at least or None, at most or None)}.
Bounds = Mapping[str, tuple[int | None, int | None]]


def quota_key(criterion_pk: int, value: str | None = None, bound: str | None = None) -> str:
    """The key of a problem in the ValidationError that :func:`quotas_save` raises: the
    criterion's id, with ":<value>:min" or ":<value>:max" for a problem of one bound."""
    if value is None:
        return str(criterion_pk)
    return f"{criterion_pk}:{value}:{bound}"


def _require_editable(programme: Programme) -> None:
    message = criteria_locked(programme)
    if message:
        raise ValidationError(message, code="locked")


def _require_version(programme: Programme, version: str, message: str) -> None:
    if version != quotas_version(programme):
        raise ValidationError(message, code="stale")


def _check_bounds(
    criterion: Criterion, bounds: Bounds, *, size: int, allowed: list[str]
) -> dict[str, list[ValidationError]]:
    """Every problem of one criterion's new quotas, by :func:`quota_key`."""
    errors: dict[str, list[ValidationError]] = {}

    def add(key: str, message: str, code: str) -> None:
        errors.setdefault(key, []).append(ValidationError(message, code=code))

    for value, (low, high) in bounds.items():
        if value not in allowed:
            add(
                quota_key(criterion.pk, value, "min"),
                _("“%(value)s” is not a value of this fact: empty both fields to remove it.")
                % {"value": value},
                "value",
            )
            continue
        for bound, limit in (("min", low), ("max", high)):
            if limit is None:
                continue
            if limit < 0:
                add(quota_key(criterion.pk, value, bound), _("Give 0 or more."), "negative")
            elif limit > size:
                message = (
                    _("At least %(limit)s is more than the pilot group of %(size)s.")
                    if bound == "min"
                    else _("At most %(limit)s is more than the pilot group of %(size)s.")
                )
                add(
                    quota_key(criterion.pk, value, bound),
                    message % {"limit": limit, "size": size},
                    "above_size",
                )
        if low is not None and high is not None and 0 <= high < low:
            add(
                quota_key(criterion.pk, value, "max"),
                _("At most (%(maximum)s) is less than at least (%(minimum)s).")
                % {"maximum": high, "minimum": low},
                "min_above_max",
            )
    minimums = sum(low for low, _high in bounds.values() if low is not None and low > 0)
    if minimums > size:
        add(
            quota_key(criterion.pk),
            _(
                "The minimums of “%(criterion)s” add up to %(total)s, more than the pilot "
                "group of %(size)s."
            )
            % {"criterion": criterion.name, "total": minimums, "size": size},
            "minimums_above_size",
        )
    # Every value capped: together the caps must leave room for the whole group.
    capped = [bounds[v][1] for v in allowed if v in bounds and bounds[v][1] is not None]
    if allowed and len(capped) == len(allowed) and 0 <= sum(capped) < size:
        add(
            quota_key(criterion.pk),
            _(
                "The maximums of “%(criterion)s” add up to %(total)s, fewer than the pilot "
                "group of %(size)s: the group cannot be filled."
            )
            % {"criterion": criterion.name, "total": sum(capped), "size": size},
            "maximums_below_size",
        )
    return errors


def _wanted(bounds: Bounds) -> dict[str, tuple[int | None, int | None]]:
    """The quotas to keep: a value with both bounds empty has none."""
    return {
        value: (low, high)
        for value, (low, high) in bounds.items()
        if low is not None or high is not None
    }


def _differs(criterion: Criterion, wanted: Bounds) -> bool:
    saved = {q.value: (q.minimum, q.maximum) for q in criterion.quotas.all()}
    return saved != dict(wanted)


@dataclass
class QuotaChanges:
    """What a save changed: quota rows added, changed and removed."""

    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


def _apply(
    criterion: Criterion, wanted: Bounds, *, actor, reason: str, changes: QuotaChanges
) -> None:
    """Make the criterion's quota rows `wanted`, one row at a time so each change is a
    history row with the acting user and the reason."""
    saved = {q.value: q for q in criterion.quotas.all()}
    for value, quota in saved.items():
        if value not in wanted:
            quota._history_user = actor
            quota._change_reason = reason
            quota.delete()
            changes.removed += 1
    for value, (low, high) in wanted.items():
        quota = saved.get(value)
        if quota is not None and (quota.minimum, quota.maximum) == (low, high):
            continue
        if quota is None:
            quota = Quota(criterion=criterion, value=value)
            changes.added += 1
        else:
            changes.changed += 1
        quota.minimum, quota.maximum = low, high
        quota._history_user = actor
        quota._change_reason = reason
        quota.save()


@transaction.atomic
def quotas_save(
    *, programme: Programme, actor, quotas: Mapping[int, Bounds], version: str
) -> QuotaChanges:
    """Set the quotas of the programme's diversity criteria; staff only.

    `quotas` maps a diversity criterion's id to its new quotas, {value: (at least, at
    most)}, each bound an integer or None: the quotas of a criterion given become exactly
    those (a value left out or with both bounds None has no quota); criteria left out keep
    theirs. `version` is :func:`quotas_version` as the person saw it. Nothing is saved when
    one bound is wrong (ValidationError by :func:`quota_key`: a bound below 0 or above the
    pilot group, at most below at least, a criterion's minimums above the group or, with
    every value capped, its maximums below it), when a colleague changed the criteria
    since (code "stale"), or once a confirmed decision is in force (code "locked"). A save
    that changes nothing succeeds, whatever the version: a double submit is harmless.
    """
    if not can(actor, QUOTAS_PERM, programme):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_editable(programme)
    criteria = diversity_criteria(programme)
    if set(quotas) - set(criteria):
        raise ValidationError(
            _("Quotas can only be set on the diversity criteria of this programme."),
            code="criterion",
        )
    provinces = quota_provinces()
    errors: dict[str, list[ValidationError]] = {}
    for pk, bounds in quotas.items():
        criterion = criteria[pk]
        allowed = attribute_values(criterion.attribute, provinces)
        errors.update(
            _check_bounds(
                criterion, _wanted(bounds), size=programme.pilot_group_size, allowed=allowed
            )
        )
    if errors:
        raise ValidationError(errors)
    plan = [(criteria[pk], _wanted(bounds)) for pk, bounds in quotas.items()]
    changes = QuotaChanges()
    if not any(_differs(criterion, wanted) for criterion, wanted in plan):
        return changes
    _require_version(
        programme,
        version,
        _(
            "A colleague changed the criteria or quotas of this programme in the meantime. "
            "Nothing is saved: your input is kept below, next to what is saved now. Check "
            "it and save again."
        ),
    )
    reason = _("Quotas set on the criteria page")
    for criterion, wanted in plan:
        _apply(criterion, wanted, actor=actor, reason=reason, changes=changes)
    return changes


@transaction.atomic
def quotas_scale_to_group(*, programme: Programme, actor, version: str) -> QuotaChanges:
    """Replace the quotas of the standard diversity criteria by the standard quotas scaled
    to the programme's pilot group size, adding a standard criterion that is missing;
    staff only. Refused like :func:`quotas_save` when stale or locked; when the quotas are
    already the scaled ones it changes nothing."""
    if not can(actor, QUOTAS_PERM, programme):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_editable(programme)
    by_attribute = {c.attribute: c for c in diversity_criteria(programme).values()}
    size = programme.pilot_group_size
    plan = [
        (attribute, name, position, {v: (low, high) for v, low, high in scaled_quotas(q, size)})
        for position, (attribute, name, q) in enumerate(DIVERSITY_CRITERIA)
    ]
    changes = QuotaChanges()
    if all(
        attribute in by_attribute and not _differs(by_attribute[attribute], wanted)
        for attribute, _name, _position, wanted in plan
    ):
        return changes
    _require_version(
        programme,
        version,
        _(
            "A colleague changed the criteria or quotas of this programme in the meantime. "
            "Nothing is changed: look at the quotas as they are now, and scale them again "
            "if you still want to."
        ),
    )
    reason = _("Standard quotas scaled to the pilot group size")
    for attribute, name, position, wanted in plan:
        criterion = by_attribute.get(attribute)
        if criterion is None:
            criterion = Criterion(
                programme=programme,
                kind=CriterionKind.DIVERSITY,
                attribute=attribute,
                name=name,
                position=position,
                weight=0,
            )
            criterion._history_user = actor
            criterion._change_reason = reason
            criterion.save()
        _apply(criterion, wanted, actor=actor, reason=reason, changes=changes)
    return changes
