"""Running the optimiser on a programme, re-running a stored run, and withdrawals.

A run stores its input (the optimiser JSON, as ``selection_export`` writes it, with the
include/exclude chosen by staff) and its result: the optimiser's ``result_to_dict`` plus
``reason_codes`` and ``conflict_kinds`` for the web pages (see ``selection.selectors.proposal``).
Re-running the stored input gives the same result: the optimiser is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from selection import optimiser
from selection.enums import AggregationMethod, CandidacyState, Outcome
from selection.models import Candidacy, Programme, SelectionRun
from selection.selectors.proposal import proposal_input


def result_dict(result: optimiser.Result) -> dict:
    """The optimiser's JSON result plus the structured reasons and conflict kinds."""
    data = optimiser.result_to_dict(result)
    data["reason_codes"] = {
        cid: {
            key: value
            for key, value in (
                ("kind", reason.kind),
                ("rank", reason.rank),
                ("attribute", reason.attribute),
                ("value", reason.value),
                ("limit", reason.limit),
            )
            if value is not None
        }
        for cid, reason in result.reasons.items()
    }
    data["conflict_kinds"] = [conflict.kind for conflict in result.conflicts]
    return data


def _solve(data: dict) -> tuple[str, dict]:
    result = optimiser.solve(optimiser.parse_problem(data), explain=True)
    return result.status, result_dict(result)


def _nis_codes(candidacies: Iterable[Candidacy], programme: Programme, known: set[str]):
    codes = []
    for candidacy in candidacies:
        if candidacy.programme_id != programme.pk or candidacy.municipality_id not in known:
            raise ValidationError(
                _("%(name)s is not a candidate of this programme that can be selected.")
                % {"name": candidacy.municipality.name},
                code="not_selectable",
            )
        codes.append(candidacy.municipality_id)
    return sorted(set(codes))


@transaction.atomic
def selection_run(
    *,
    programme: Programme,
    method: str = AggregationMethod.MEAN,
    include: Iterable[Candidacy] = (),
    exclude: Iterable[Candidacy] = (),
    actor,
) -> SelectionRun:
    """Run the optimiser on the programme's current scores and quotas, and store the run.

    Staff only. ``include`` and ``exclude`` are candidacies that must (not) be in the pilot
    group. An infeasible problem is stored too: its result explains the conflict.
    """
    if not actor.has_perm("selection.run_selection", programme):
        raise PermissionDenied
    if method not in AggregationMethod.values:
        raise ValidationError(_("Unknown aggregation method."), code="method")
    data = proposal_input(user=actor, programme=programme, method=method)
    known = {c["id"] for c in data["candidates"]}
    data["include"] = _nis_codes(include, programme, known)
    data["exclude"] = _nis_codes(exclude, programme, known)
    errors = []
    if set(data["include"]) & set(data["exclude"]):
        errors.append(
            ValidationError(
                _("A municipality cannot be both included and excluded."), code="overlap"
            )
        )
    if len(data["include"]) > data["size"]:
        errors.append(
            ValidationError(
                _("At most %(size)s municipalities can be included.") % {"size": data["size"]},
                code="too_many_included",
            )
        )
    if errors:
        raise ValidationError(errors)
    status, result = _solve(data)
    return SelectionRun.objects.create(
        programme=programme,
        aggregation=method,
        input=data,
        result=result,
        status=status,
        created_by=actor,
    )


@transaction.atomic
def selection_rerun(*, run: SelectionRun, actor) -> SelectionRun:
    """Solve a stored run's input again and store it as a new run; staff only.

    The new run has the same input and aggregation, so its result is the same as the old
    one's (the optimiser is deterministic); the caller can compare ``result``.
    """
    if not actor.has_perm("selection.run_selection", run.programme):
        raise PermissionDenied
    status, result = _solve(run.input)
    return SelectionRun.objects.create(
        programme=run.programme,
        aggregation=run.aggregation,
        input=run.input,
        result=result,
        status=status,
        created_by=actor,
    )


@transaction.atomic
def candidacy_withdraw(*, candidacy: Candidacy, actor) -> Candidacy:
    """Record that a municipality withdrew its submitted candidacy; staff only.

    The reserve list on the run page then proposes the best replacement that keeps every
    quota.
    """
    if not actor.has_perm("selection.run_selection", candidacy.programme):
        raise PermissionDenied
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    if candidacy.state != CandidacyState.SUBMITTED:
        raise ValidationError(_("Only a submitted candidacy can be withdrawn."), code="state")
    if candidacy.outcome != Outcome.WITHDRAWN:
        candidacy.outcome = Outcome.WITHDRAWN
        candidacy.save(update_fields=["outcome", "updated_at"])
    return candidacy
