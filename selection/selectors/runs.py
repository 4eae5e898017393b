"""Reads of the optimiser's runs: the input it solves, the runs kept, and whether a run is
still current. Staff only: each function takes the user and returns nothing (or raises
Http404) for anyone else, so a board member or a contact learns nothing, not even whether a
run exists."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from selection.enums import CandidacyState, CriterionKind, Outcome, ProgrammePhase
from selection.models import Candidacy, Programme, Quota, SelectionRun
from selection.selectors import staff_can
from selection.selectors.ranking import candidate_scores
from selection.selectors.scores import score_fingerprint, settings_hash

#: Run statuses whose selection a decision may be based on.
DECIDABLE_STATUSES = {"optimal"}


def _is_staff(user) -> bool:
    return staff_can(user, "selection.run_selection")


def submitted_candidacies(*, user, programme: Programme) -> QuerySet[Candidacy]:
    """The programme's submitted candidacies (withdrawn ones too); staff only."""
    if not _is_staff(user):
        return Candidacy.objects.none()
    return (
        Candidacy.objects.filter(programme=programme, state=CandidacyState.SUBMITTED)
        .select_related("municipality", "municipality__province", "programme")
        .order_by("municipality__name")
    )


def selectable_candidacies(*, user, programme: Programme) -> QuerySet[Candidacy]:
    """The candidacies the optimiser chooses from: submitted and not withdrawn; staff only."""
    return submitted_candidacies(user=user, programme=programme).exclude(outcome=Outcome.WITHDRAWN)


def runs_for_user(*, user, programme: Programme) -> QuerySet[SelectionRun]:
    """The programme's optimiser runs, newest first; staff only."""
    if not _is_staff(user):
        return SelectionRun.objects.none()
    return SelectionRun.objects.filter(programme=programme).select_related("created_by")


def access_run(*, user, pk: int) -> SelectionRun:
    """One optimiser run by id, for staff only; Http404 for anyone else or an unknown id."""
    if not _is_staff(user):
        raise Http404
    try:
        return SelectionRun.objects.select_related("programme", "created_by").get(pk=pk)
    except SelectionRun.DoesNotExist:
        raise Http404 from None


def programme_quotas(*, programme: Programme) -> list[dict]:
    """The quotas of the programme's diversity criteria, in the optimiser's JSON shape."""
    quotas = Quota.objects.filter(
        criterion__programme=programme, criterion__kind=CriterionKind.DIVERSITY
    ).select_related("criterion")
    rows = sorted(quotas, key=lambda q: (q.criterion.position, q.criterion.pk, q.value))
    return [
        {
            "attribute": q.criterion.attribute,
            "value": q.value,
            "min": q.minimum,
            "max": q.maximum,
        }
        for q in rows
    ]


def proposal_input(*, user, programme: Programme, method: str = "mean") -> dict:
    """The optimiser's JSON input for a programme, from the database.

    ``{"size", "candidates": [{"id": NIS code, "score", "attributes"}], "quotas": [...],
    "include": [], "exclude": [], "seed"}``. Candidates are the submitted candidacies that
    have not withdrawn, in NIS-code order; the score is the board's aggregate with ``method``
    ("mean" or "zscore"). A candidacy nobody has scored yet gets 0 (the optimiser reads a
    null score as 0 too, but 0 keeps the exported file explicit). The attributes are every
    candidacy fact; the quotas come from the programme's diversity criteria. Staff only:
    the caller's permission to see the ranking is checked by the ranking selector.
    """
    ranked = candidate_scores(user=user, programme=programme, method=method)
    candidates = []
    for row in ranked:
        candidacy = row.candidacy
        if candidacy.state != CandidacyState.SUBMITTED or candidacy.outcome == Outcome.WITHDRAWN:
            continue
        candidates.append(
            {
                "id": candidacy.municipality_id,
                "score": 0.0 if row.score is None else float(row.score),
                "attributes": {str(k): str(v) for k, v in row.facts.items()},
            }
        )
    candidates.sort(key=lambda c: c["id"])
    return {
        "size": programme.pilot_group_size,
        "candidates": candidates,
        "quotas": programme_quotas(programme=programme),
        "include": [],
        "exclude": [],
        "seed": programme.selection_seed,
    }


def run_nis_codes(run: SelectionRun) -> list[str]:
    """The NIS codes of the candidates a run chose from."""
    return [c["id"] for c in run.input.get("candidates", [])]


@dataclass
class RunFreshness:
    """Whether a run was computed on what the database holds now.

    ``changed`` are the candidacies (by NIS code) whose counted scores changed since the
    run; ``settings_changed`` is true when criteria, quotas, the board or candidacy facts
    changed (the run is stale). A run without stored fingerprints (made before they were
    kept) counts as stale.
    """

    current_scores_hash: str
    changed: list[str] = field(default_factory=list)
    changed_names: list[str] = field(default_factory=list)
    settings_changed: bool = False
    phase_ok: bool = True
    method: str = "mean"
    include_pks: list[int] = field(default_factory=list)
    exclude_pks: list[int] = field(default_factory=list)

    @property
    def scores_changed(self) -> bool:
        return bool(self.changed)

    @property
    def current(self) -> bool:
        return not self.changed and not self.settings_changed


def run_freshness(*, user, run: SelectionRun) -> RunFreshness:
    """Compare a run's stored fingerprints with the current scores and settings; staff only.

    A few queries, whatever the number of candidacies; it never solves anything.
    """
    if not _is_staff(user):
        raise Http404
    programme = run.programme
    codes = run_nis_codes(run)
    fingerprint = score_fingerprint(programme=programme, nis_codes=codes)
    if not run.scores_hash:
        changed = sorted(codes)
    else:
        changed = fingerprint.changed_since(run.candidacy_score_hashes or {})
    include, exclude = set(run.input.get("include", [])), set(run.input.get("exclude", []))
    names, pks = {}, {}
    rows = Candidacy.objects.filter(
        programme=programme, municipality_id__in=set(changed) | include | exclude
    ).values_list("municipality_id", "municipality__name", "pk")
    for code, name, pk in rows:
        names[code], pks[code] = name, pk
    return RunFreshness(
        current_scores_hash=fingerprint.total,
        changed=changed,
        changed_names=sorted(names.get(code, code) for code in changed if code in names),
        settings_changed=not run.settings_hash
        or run.settings_hash != settings_hash(programme=programme),
        phase_ok=programme.phase == ProgrammePhase.DELIBERATION,
        method=run.aggregation,
        # The options to run the optimiser again with, on today's scores.
        include_pks=sorted(pks[c] for c in include if c in pks),
        exclude_pks=sorted(pks[c] for c in exclude if c in pks),
    )
