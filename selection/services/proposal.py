"""Running the optimiser on a programme, re-running a stored run, and withdrawals.

A run stores its input (the optimiser JSON, as ``selection_export`` writes it, with the
include/exclude chosen by staff) and its result: the optimiser's ``result_to_dict``, codes
only, the same JSON that ``selection_solve`` prints (``selection.wording`` says it in words).
Re-running the stored input gives the same result: the optimiser is deterministic.

Runs are made only in the deliberation phase (scores and conflict declarations are frozen
then). Each run keeps the content hashes of the scores and settings it was computed on, so
the decision can refuse a run whose scores or settings changed since. Recording a withdrawal
computes the replacements of the reserve list and stores them on the runs: reading a run
page never solves anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from selection import optimiser
from selection.enums import AggregationMethod, CandidacyState, Outcome
from selection.models import Candidacy, Programme, SelectionRun
from selection.rules import can
from selection.selectors.runs import DECIDABLE_STATUSES, proposal_input, run_nis_codes
from selection.selectors.scores import score_fingerprint, settings_hash
from selection.services.programme import require_deliberation


def _solve(data: dict) -> tuple[str, dict]:
    result = optimiser.solve(optimiser.parse_problem(data), explain=True)
    return result.status, optimiser.result_to_dict(result)


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
    group. An infeasible problem is stored too: its result explains the conflict. Only in
    the deliberation phase.
    """
    if not can(actor, "selection.run_selection", programme):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    require_deliberation(programme, action="run")
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
    return _store_run(
        programme=programme, method=method, data=data, status=status, result=result, actor=actor
    )


@transaction.atomic
def selection_rerun(*, run: SelectionRun, actor) -> SelectionRun:
    """Solve a stored run's input again and store it as a new run; staff only.

    The new run has the same input and aggregation, so its result is the same as the old
    one's (the optimiser is deterministic); the caller can compare ``result``. Only in the
    deliberation phase; the new run keeps the fingerprints of the scores as they are now, so
    it is stale when they changed since the stored input was exported.
    """
    if not can(actor, "selection.run_selection", run.programme):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=run.programme_id)
    require_deliberation(programme, action="run")
    status, result = _solve(run.input)
    return _store_run(
        programme=programme,
        method=run.aggregation,
        data=run.input,
        status=status,
        result=result,
        actor=actor,
        # The stored input's scores may be older than the database's: keep the old run's.
        fingerprints_of=run,
    )


@transaction.atomic
def candidacy_withdraw(*, candidacy: Candidacy, actor) -> Candidacy:
    """Record that a municipality withdrew its submitted candidacy; staff only.

    Then computes the reserve list of every optimal run of the programme that selected a
    withdrawn candidacy (see :func:`run_reserve`) and stores it on the run.
    """
    if not can(actor, "selection.run_selection", candidacy.programme):
        raise PermissionDenied
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    if candidacy.state != CandidacyState.SUBMITTED:
        raise ValidationError(_("Only a submitted candidacy can be withdrawn."), code="state")
    if candidacy.outcome != Outcome.WITHDRAWN:
        candidacy.outcome = Outcome.WITHDRAWN
        candidacy._history_user = actor
        candidacy.save(update_fields=["outcome", "updated_at"])
    withdrawn = set(
        Candidacy.objects.filter(
            programme_id=candidacy.programme_id, outcome=Outcome.WITHDRAWN
        ).values_list("municipality_id", flat=True)
    )
    runs = SelectionRun.objects.filter(
        programme_id=candidacy.programme_id, status__in=DECIDABLE_STATUSES
    ).select_for_update()
    for run in runs:
        if withdrawn & set(run.result.get("selected", [])):
            run.reserve = run_reserve(run=run, withdrawn=withdrawn)
            run.save(update_fields=["reserve"])
    return candidacy


def run_reserve(*, run: SelectionRun, withdrawn: set[str]) -> list[dict]:
    """Replacements for the run's selected candidacies that withdrew, one after the other.

    In the order of the selection, each withdrawn candidacy is replaced by the best candidate
    that keeps every quota while the rest of the (already patched) selection stays; other
    withdrawn candidacies are never proposed. When nothing keeps every quota the withdrawn
    one keeps its place in the calculation of the next ones, and its replacement is None.
    Returns ``[{"withdrawn": NIS code, "replacement": NIS code or None}]``.
    """
    problem = optimiser.parse_problem(run.input)
    current = list(run.result.get("selected", []))
    known = {c.id for c in problem.candidates}
    rows = []
    for cid in [c for c in current if c in withdrawn]:
        others = (withdrawn - set(current)) & known
        reserve = replace(problem, exclude=problem.exclude | frozenset(others))
        new = optimiser.propose_replacement(reserve, current, cid, explain=False).replacement
        if new is not None:
            current[current.index(cid)] = new
        rows.append({"withdrawn": cid, "replacement": new})
    return rows


def _store_run(
    *,
    programme: Programme,
    method: str,
    data: dict,
    status: str,
    result: dict,
    actor,
    fingerprints_of: SelectionRun | None = None,
) -> SelectionRun:
    """Store a run with the fingerprints of the scores and settings it was computed on."""
    run = SelectionRun(
        programme=programme,
        aggregation=method,
        input=data,
        result=result,
        status=status,
        created_by=actor,
    )
    if fingerprints_of is not None:
        run.scores_hash = fingerprints_of.scores_hash
        run.candidacy_score_hashes = fingerprints_of.candidacy_score_hashes
        run.settings_hash = fingerprints_of.settings_hash
    else:
        fingerprint = score_fingerprint(programme=programme, nis_codes=run_nis_codes(run))
        run.scores_hash = fingerprint.total
        run.candidacy_score_hashes = fingerprint.per_candidacy
        run.settings_hash = settings_hash(programme=programme)
    run.save()
    return run
