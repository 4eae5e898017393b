"""Reads for the optimiser's proposal, the reserve list and the board's decision.

Everything here is for VVSG staff: each function takes the user and returns nothing (or
raises Http404) for anyone else, so a board member or a contact learns nothing, not even
whether a run or a decision exists.

The stored result of a run is the optimiser's ``result_to_dict``, what ``selection_solve``
prints: codes and numbers only. The pages say them in the active language through
``selection.wording``, the one place for the words about a result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _

from selection.enums import (
    AmendmentAction,
    ConflictType,
    CriterionKind,
    Outcome,
    Vote,
)
from selection.facts import attribute_label, attribute_values, value_label
from selection.models import (
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Decision,
    Programme,
    SelectionRun,
)
from selection.selectors import staff_can
from selection.selectors.decisions import (
    Tally,
    access_decision,
    active_members,
    current_decision,
    decisions_for_run,
    tally,
)
from selection.selectors.runs import (
    DECIDABLE_STATUSES,
    RunFreshness,
    access_run,
    proposal_input,
    run_freshness,
    runs_for_user,
    selectable_candidacies,
    submitted_candidacies,
)
from selection.wording import (
    bound_symbol,
    change_words,
    conflict_words,
    method_label,
    note_words,
    reason_words,
)

__all__ = [
    "DECIDABLE_STATUSES",
    "access_decision",
    "access_run",
    "active_members",
    "current_decision",
    "decisions_for_run",
    "proposal_input",
    "runs_for_user",
    "selectable_candidacies",
    "submitted_candidacies",
]


def _is_staff(user) -> bool:
    return staff_can(user, "selection.run_selection")


# --------------------------------------------------------------------------------------------
# The run page


@dataclass
class CandidateRow:
    candidacy: Candidacy | None
    nis_code: str
    name: str
    province: str
    score: float
    reason: str
    withdrawn: bool = False


@dataclass
class BindingRow:
    words: str
    price: float | None


@dataclass
class ChartBar:
    count: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.total) if self.total else 0


@dataclass
class ChartRow:
    label: str
    pool: ChartBar
    proposal: ChartBar
    outreach: ChartBar


@dataclass
class Chart:
    attribute: str
    label: str
    rows: list[ChartRow]


@dataclass
class ReserveRow:
    withdrawn: CandidateRow
    replacement: CandidateRow | None


@dataclass
class RunReport:
    run: SelectionRun
    status: str
    method: str
    selected: list[CandidateRow] = field(default_factory=list)
    not_selected: list[CandidateRow] = field(default_factory=list)
    objective: float | None = None
    top_n_objective: float | None = None
    price_of_diversity: float | None = None
    binding: list[BindingRow] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    suggestion: list[str] = field(default_factory=list)
    message: str = ""
    charts: list[Chart] = field(default_factory=list)
    reserve: list[ReserveRow] = field(default_factory=list)
    include: list[CandidateRow] = field(default_factory=list)
    exclude: list[CandidateRow] = field(default_factory=list)
    freshness: RunFreshness | None = None

    @property
    def optimal(self) -> bool:
        return self.status in DECIDABLE_STATUSES

    @property
    def decidable(self) -> bool:
        """Optimal, computed on today's scores and settings, in the deliberation phase."""
        return (
            self.optimal
            and self.freshness is not None
            and self.freshness.current
            and self.freshness.phase_ok
        )


def _candidacies_by_nis(programme: Programme, ids) -> dict[str, Candidacy]:
    rows = Candidacy.objects.filter(programme=programme, municipality_id__in=list(ids))
    rows = rows.select_related("municipality", "municipality__province")
    return {c.municipality_id: c for c in rows}


def _row(cid: str, score: float, reason: str, by_nis: dict[str, Candidacy]) -> CandidateRow:
    candidacy = by_nis.get(cid)
    municipality = candidacy.municipality if candidacy else None
    return CandidateRow(
        candidacy=candidacy,
        nis_code=cid,
        name=municipality.name if municipality else cid,
        province=municipality.province.name if municipality else "",
        score=score,
        reason=reason,
        withdrawn=bool(candidacy and candidacy.outcome == Outcome.WITHDRAWN),
    )


def _charts(
    programme: Programme, data: dict, selected: set[str], withdrawn: set[str]
) -> list[Chart]:
    criteria = Criterion.objects.filter(programme=programme, kind=CriterionKind.DIVERSITY)
    pool = data.get("candidates", [])
    provinces = sorted({c["attributes"].get("province", "") for c in pool} - {""})
    charts = []
    for criterion in criteria.order_by("position", "pk"):
        attribute = criterion.attribute
        groups = {
            "pool": list(pool),
            "proposal": [c for c in pool if c["id"] in selected],
            "outreach": [c for c in pool if c["id"] not in selected | withdrawn],
        }
        counts = {
            name: Counter(c["attributes"].get(attribute, "") for c in members)
            for name, members in groups.items()
        }
        values = attribute_values(attribute, provinces)
        values += sorted(set(counts["pool"]) - set(values) - {""})
        rows = [
            ChartRow(
                label=value_label(attribute, value),
                pool=ChartBar(counts["pool"][value], len(groups["pool"])),
                proposal=ChartBar(counts["proposal"][value], len(groups["proposal"])),
                outreach=ChartBar(counts["outreach"][value], len(groups["outreach"])),
            )
            for value in values
            if counts["pool"][value]
        ]
        charts.append(Chart(attribute, attribute_label(attribute), rows))
    return charts


def run_report(*, user, run: SelectionRun) -> RunReport:
    """Everything the run page shows, with reasons and quotas in the active language."""
    if not _is_staff(user):
        raise Http404
    data, result = run.input, run.result
    scores = {c["id"]: float(c["score"] or 0.0) for c in data.get("candidates", [])}
    selected = list(result.get("selected", []))
    codes = result.get("reasons", {})
    by_nis = _candidacies_by_nis(run.programme, scores)
    withdrawn = {cid for cid, c in by_nis.items() if c.outcome == Outcome.WITHDRAWN}
    report = RunReport(run=run, status=run.status, method=method_label(run.aggregation), message="")
    if result.get("status") != "infeasible":
        report.selected = [
            _row(cid, scores.get(cid, 0.0), reason_words(codes.get(cid)), by_nis)
            for cid in selected
        ]
        chosen = set(selected)
        others = [cid for cid in scores if cid not in chosen]
        others.sort(key=lambda cid: (-scores[cid], cid))
        report.not_selected = [
            _row(cid, scores[cid], reason_words(codes.get(cid)), by_nis) for cid in others
        ]
        report.objective = result.get("objective")
        report.top_n_objective = result.get("top_n_objective")
        report.price_of_diversity = result.get("price_of_diversity")
        report.binding = [BindingRow(bound_symbol(b), b.get("price")) for b in result["binding"]]
        report.charts = _charts(run.programme, data, chosen, withdrawn)
        if withdrawn & chosen and report.optimal:
            # Computed when the withdrawal was recorded: a page read never solves anything.
            report.reserve = [
                ReserveRow(
                    _row(row["withdrawn"], scores.get(row["withdrawn"], 0.0), "", by_nis),
                    None
                    if row["replacement"] is None
                    else _row(row["replacement"], scores.get(row["replacement"], 0.0), "", by_nis),
                )
                for row in run.reserve
                if row["withdrawn"] in withdrawn
            ]
    else:
        report.conflicts = [conflict_words(c) for c in result.get("conflicts", [])]
        report.suggestion = [change_words(ch) for ch in result.get("suggestion", [])]
    report.message = note_words(result.get("note"))
    report.include = [_row(cid, scores.get(cid, 0.0), "", by_nis) for cid in data["include"]]
    report.exclude = [_row(cid, scores.get(cid, 0.0), "", by_nis) for cid in data["exclude"]]
    report.freshness = run_freshness(user=user, run=run)
    return report


@dataclass
class MemberRow:
    name: str
    organisation: str
    present: bool
    vote: str


@dataclass
class AmendmentRow:
    name: str
    action: str
    reason: str


@dataclass
class ConflictRow:
    member: str
    organisation: str
    municipality: str
    conflict_type: str
    note: str


@dataclass
class CriterionRow:
    name: str
    weight: Decimal
    quotas: list[str]


@dataclass
class DecisionReport:
    decision: Decision
    programme: Programme
    members: list[MemberRow]
    present: int
    unanimous: bool
    tally: Tally
    rule: str
    vote_counts: dict[str, int]
    judgement: list[CriterionRow]
    diversity: list[CriterionRow]
    selected: list[CandidateRow]
    outreach: list[CandidateRow]
    withdrawn: list[CandidateRow]
    amendments: list[AmendmentRow]
    conflicts: list[ConflictRow]
    scores_hash: str
    hash_is_stored: bool
    method: str
    freshness: RunFreshness


def decision_report(*, user, decision: Decision) -> DecisionReport:
    """Everything the decision page and the proces-verbaal show, in the active language.

    The selection and the outreach group follow the decision (the run's proposal with the
    amendments); reasons come from the run, or from the amendment that changed it.
    """
    if not _is_staff(user):
        raise Http404
    programme, run = decision.programme, decision.run
    data, result = run.input, run.result
    scores = {c["id"]: float(c["score"] or 0.0) for c in data.get("candidates", [])}
    codes = result.get("reasons", {})
    amendments = list(decision.amendments.select_related("candidacy__municipality"))
    amended = {a.candidacy.municipality_id: a for a in amendments}
    selected_ids = set(decision.selected.values_list("municipality_id", flat=True))
    by_nis = _candidacies_by_nis(programme, set(scores) | selected_ids)

    def reason(cid: str) -> str:
        amendment = amended.get(cid)
        if amendment is not None:
            if amendment.action == AmendmentAction.ADD:
                return _("added by amendment: %(reason)s") % {"reason": amendment.reason}
            return _("removed by amendment: %(reason)s") % {"reason": amendment.reason}
        return reason_words(codes.get(cid))

    # The run's selection in its own order (score, then tie-break priority), then the rest.
    position = {cid: k for k, cid in enumerate(result.get("selected", []))}

    def order(ids):
        return sorted(
            ids, key=lambda cid: (position.get(cid, len(position)), -scores.get(cid, 0.0), cid)
        )

    withdrawn = {cid for cid, c in by_nis.items() if c.outcome == Outcome.WITHDRAWN}
    selected = [_row(c, scores.get(c, 0.0), reason(c), by_nis) for c in order(selected_ids)]
    rest = [c for c in scores if c not in selected_ids]
    outreach = [_row(c, scores[c], reason(c), by_nis) for c in order(rest) if c not in withdrawn]
    gone = [_row(c, scores[c], reason(c), by_nis) for c in order(rest) if c in withdrawn]

    votes = list(decision.votes.select_related("member__user", "member__organisation"))
    votes.sort(key=lambda v: (v.member.user.last_name, v.member.user.first_name, v.member.pk))
    members = [
        MemberRow(
            name=str(v.member.user.get_full_name() or v.member.user.email),
            organisation=v.member.organisation.name,
            present=v.present,
            vote=v.get_vote_display() if v.vote else "",
        )
        for v in votes
    ]
    count = tally(votes, rule=decision.rule, quorum=decision.quorum)
    freshness = run_freshness(user=user, run=run)
    counts = Counter(v.vote for v in votes if v.present and v.vote)
    vote_counts = {str(label): counts.get(value, 0) for value, label in Vote.choices}

    criteria = Criterion.objects.filter(programme=programme).prefetch_related("quotas")
    judgement, diversity = [], []
    for criterion in criteria.order_by("kind", "position", "pk"):
        if criterion.kind == CriterionKind.JUDGEMENT:
            judgement.append(CriterionRow(criterion.name, criterion.weight, []))
            continue
        quotas = []
        for q in criterion.quotas.all():
            for bound, limit in (("min", q.minimum), ("max", q.maximum)):
                if limit is not None:
                    # The criterion's name says the attribute: the value is enough here.
                    words = (
                        _("%(quota)s at least %(limit)s")
                        if bound == "min"
                        else _("%(quota)s at most %(limit)s")
                    )
                    quotas.append(
                        words % {"quota": value_label(criterion.attribute, q.value), "limit": limit}
                    )
        diversity.append(CriterionRow(criterion.name, criterion.weight, quotas))

    declarations = (
        ConflictDeclaration.objects.filter(candidacy__programme=programme)
        .exclude(conflict_type=ConflictType.NONE)
        .select_related("member__user", "member__organisation", "candidacy__municipality")
        .order_by("candidacy__municipality__name", "member__user__last_name", "pk")
    )
    conflicts = [
        ConflictRow(
            member=str(d.member.user.get_full_name() or d.member.user.email),
            organisation=d.member.organisation.name,
            municipality=d.candidacy.municipality.name,
            conflict_type=d.get_conflict_type_display(),
            note=d.note,
        )
        for d in declarations
    ]
    amendment_rows = [
        AmendmentRow(a.candidacy.municipality.name, a.get_action_display(), a.reason)
        for a in amendments
    ]
    return DecisionReport(
        decision=decision,
        programme=programme,
        members=members,
        present=count.present,
        unanimous=count.present > 0 and count.votes_for == count.present,
        tally=count,
        rule=decision.get_rule_display(),
        vote_counts=vote_counts,
        judgement=judgement,
        diversity=diversity,
        selected=selected,
        outreach=outreach,
        withdrawn=gone,
        amendments=amendment_rows,
        conflicts=conflicts,
        # A draft has no stored hash yet: show what confirming it would store, the run's.
        scores_hash=decision.scores_hash or run.scores_hash,
        hash_is_stored=bool(decision.scores_hash),
        method=method_label(run.aggregation),
        # A confirmed decision is history: what changed since does not concern it.
        freshness=freshness,
    )
