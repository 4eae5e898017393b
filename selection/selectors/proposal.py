"""Reads for the optimiser's proposal, the reserve list and the board's decision.

Everything here is for VVSG staff: each function takes the user and returns nothing (or
raises Http404) for anyone else, so a board member or a contact learns nothing, not even
whether a run or a decision exists.

The stored result of a run is the optimiser's ``result_to_dict`` (what ``selection_solve``
prints, with English texts for auditors) plus two keys for the web pages, which render their
words from codes in the active language:

* ``reason_codes``: per candidate id the structured reason
  ``{"kind", "rank", "attribute", "value", "limit"}`` (keys without a value left out);
* ``conflict_kinds``: per conflict its kind ("quotas", "included_and_excluded",
  "too_many_included" or "too_few_candidates").
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
from selection.facts import attribute_label, attribute_values, quota_label, value_label
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
# Words, in the active language


def _fmt(number) -> str:
    return f"{float(number):.2f}"


def reason_words(code: dict | None) -> str:
    """A structured reason (see the module docstring) as a sentence in the active language."""
    if not code:
        return ""
    kind = code.get("kind")
    quota = quota_label(code.get("attribute") or "", code.get("value") or "")
    limit = code.get("limit")
    if kind == "rank":
        return _("selected: rank %(rank)s by score") % {"rank": code.get("rank")}
    if kind == "quota_min":
        return _("selected to meet the quota %(quota)s ≥ %(limit)s") % {
            "quota": quota,
            "limit": limit,
        }
    if kind == "included":
        return _("selected: included by hand")
    if kind == "below_last":
        return _("not selected: score lower than the last selected")
    if kind == "quota_max_full":
        return _("not selected: the quota %(quota)s ≤ %(limit)s is full") % {
            "quota": quota,
            "limit": limit,
        }
    if kind == "excluded":
        return _("not selected: excluded by hand")
    if kind == "tie":
        return _("not selected: equal score, lost the tie-break")
    if kind == "places_reserved":
        return _(
            "not selected: the places it could take are needed for minimum quotas or held "
            "by candidates included by hand"
        )
    return str(kind)


def bound_words(bound: dict) -> str:
    """E.g. "Province: Limburg at least 3"."""
    quota = quota_label(bound["attribute"], bound["value"])
    if bound["bound"] == "min":
        return _("%(quota)s at least %(limit)s") % {"quota": quota, "limit": bound["limit"]}
    return _("%(quota)s at most %(limit)s") % {"quota": quota, "limit": bound["limit"]}


def bound_symbol(bound: dict) -> str:
    """E.g. "Province: Limburg ≥ 3"."""
    symbol = "≥" if bound["bound"] == "min" else "≤"
    return f"{quota_label(bound['attribute'], bound['value'])} {symbol} {bound['limit']}"


def conflict_words(conflict: dict, kind: str, problem: dict) -> str:
    """One infeasibility conflict as a sentence in the active language."""
    bounds = [bound_words(b) for b in conflict.get("quotas", [])]
    size = problem.get("size")
    if kind == "too_few_candidates" or (not bounds and kind != "quotas"):
        if kind == "too_many_included":
            return _(
                "%(included)s candidates are included by hand, but only %(size)s are selected"
            ) % {"included": len(problem.get("include", [])), "size": size}
        if kind == "included_and_excluded":
            return _("a candidate is both included and excluded by hand")
        available = len(problem.get("candidates", [])) - len(problem.get("exclude", []))
        return _("only %(available)s candidates are available, but %(size)s must be selected") % {
            "available": available,
            "size": size,
        }
    if len(bounds) == 1:
        return _single_conflict_words(conflict["quotas"][0], bounds[0], problem)
    if len(bounds) == 2:
        return _("%(first)s and %(second)s cannot both hold when selecting %(size)s") % {
            "first": bounds[0],
            "second": bounds[1],
            "size": size,
        }
    return _("%(bounds)s and %(last)s cannot all hold when selecting %(size)s") % {
        "bounds": ", ".join(bounds[:-1]),
        "last": bounds[-1],
        "size": size,
    }


def _single_conflict_words(bound: dict, words: str, problem: dict) -> str:
    """One quota bound that cannot hold on its own, with the count that shows why."""
    excluded = set(problem.get("exclude", []))
    available = [c for c in problem.get("candidates", []) if c["id"] not in excluded]
    group = sum(
        1 for c in available if c.get("attributes", {}).get(bound["attribute"]) == bound["value"]
    )
    params = {
        "bound": words,
        "quota": quota_label(bound["attribute"], bound["value"]),
        "count": group,
        "size": problem.get("size"),
    }
    if bound["bound"] == "min" and bound["limit"] > group:
        return _("%(bound)s cannot hold: only %(count)s candidates have %(quota)s") % params
    outside = len(available) - group
    size = problem.get("size") or 0
    if bound["bound"] == "max" and size - outside > bound["limit"]:
        params["need"] = size - outside
        return (
            _("%(bound)s cannot hold: at least %(need)s of the %(size)s selected have %(quota)s")
            % params
        )
    return _("%(bound)s cannot hold with these candidates") % params


def change_words(change: dict) -> str:
    """One suggested quota change, e.g. "lower the minimum of Province: Limburg from 3 to 2"."""
    params = {
        "quota": quota_label(change["attribute"], change["value"]),
        "from": change["from"],
        "to": change["to"],
    }
    if change["bound"] == "min":
        return _("lower the minimum of %(quota)s from %(from)s to %(to)s") % params
    return _("raise the maximum of %(quota)s from %(from)s to %(to)s") % params


def method_label(method: str) -> str:
    from selection.enums import AggregationMethod

    return str(AggregationMethod(method).label) if method in AggregationMethod.values else method


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
    codes = result.get("reason_codes", {})
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
        kinds = result.get("conflict_kinds", [])
        report.conflicts = [
            conflict_words(c, kinds[k] if k < len(kinds) else "quotas", data)
            for k, c in enumerate(result.get("conflicts", []))
        ]
        report.suggestion = [change_words(ch) for ch in result.get("suggestion", [])]
    if result.get("message"):
        report.message = result["message"]
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
    codes = result.get("reason_codes", {})
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
