"""Reads of a programme's criteria and quotas for the criteria page: what it shows, the
version a save must match, and whether the quotas may still change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from municipalities.models import Province
from selection.enums import CriterionKind, ProgrammePhase
from selection.facts import attribute_values, value_label
from selection.models import Criterion, Programme, Quota
from selection.rules import can
from selection.selectors.decisions import current_decision

#: Staff who run the selection set its quotas (the rules' staff permission for the
#: optimiser's input; the admin keeps its own model permissions).
QUOTAS_PERM = "selection.run_selection"


def quotas_version(programme: Programme) -> str:
    """A digest of the programme's group size, criteria and quotas as they are now: the
    criteria page carries it, so a save over a colleague's newer change is refused instead
    of undoing it."""
    criteria = Criterion.objects.filter(programme=programme).order_by("pk")
    quotas = Quota.objects.filter(criterion__programme=programme).order_by("criterion_id", "value")
    content = repr(
        (
            programme.pilot_group_size,
            list(criteria.values_list("pk", "kind", "attribute", "name", "weight")),
            list(quotas.values_list("criterion_id", "value", "minimum", "maximum")),
        )
    ).encode()
    return hashlib.sha256(content).hexdigest()[:16]


def criteria_locked(programme: Programme) -> str | None:
    """Why the programme's criteria and quotas can no longer change, or None.

    A confirmed decision in force freezes them: its page and proces-verbaal list the
    criteria and quotas it was taken under, read from these rows. (A draft decision does
    not: after a change its run is stale, and the draft cannot be confirmed.)
    """
    if programme.phase == ProgrammePhase.DECIDED or current_decision(programme=programme):
        return _(
            "The board's decision is confirmed: the criteria and quotas it was taken under "
            "can no longer change."
        )
    return None


def quota_provinces() -> list[str]:
    return list(Province.objects.order_by("name").values_list("name", flat=True))


def diversity_criteria(programme: Programme) -> dict[int, Criterion]:
    criteria = Criterion.objects.filter(
        programme=programme, kind=CriterionKind.DIVERSITY
    ).prefetch_related("quotas")
    return {c.pk: c for c in criteria.order_by("position", "pk")}


@dataclass
class QuotaRow:
    """One value of a diversity criterion on the page, with its saved quota (if any)."""

    value: str
    label: str
    minimum: int | None
    maximum: int | None
    known: bool = True  # False: a saved value the candidacy facts cannot take


@dataclass
class DiversityCriterion:
    criterion: Criterion
    rows: list[QuotaRow] = field(default_factory=list)


@dataclass
class CriteriaOverview:
    judgement: list[Criterion]
    diversity: list[DiversityCriterion]
    version: str
    locked: str | None


def criteria_overview(*, user, programme: Programme) -> CriteriaOverview:
    """What the criteria page shows: the judgement criteria, and per diversity criterion
    every value its fact can take with the saved quota, plus any saved value it cannot
    take (so it can be removed); staff only (PermissionDenied)."""
    if not (getattr(user, "is_authenticated", False) and can(user, QUOTAS_PERM, programme)):
        raise PermissionDenied
    provinces = quota_provinces()
    judgement = list(
        Criterion.objects.filter(programme=programme, kind=CriterionKind.JUDGEMENT).order_by(
            "position", "pk"
        )
    )
    diversity = []
    for criterion in diversity_criteria(programme).values():
        saved = {q.value: q for q in criterion.quotas.all()}
        allowed = attribute_values(criterion.attribute, provinces)
        rows = [
            QuotaRow(
                value=value,
                label=value_label(criterion.attribute, value),
                minimum=saved[value].minimum if value in saved else None,
                maximum=saved[value].maximum if value in saved else None,
            )
            for value in allowed
        ]
        rows += [
            QuotaRow(value, value, q.minimum, q.maximum, known=False)
            for value, q in sorted(saved.items())
            if value not in allowed
        ]
        diversity.append(DiversityCriterion(criterion=criterion, rows=rows))
    return CriteriaOverview(
        judgement=judgement,
        diversity=diversity,
        version=quotas_version(programme),
        locked=criteria_locked(programme),
    )
