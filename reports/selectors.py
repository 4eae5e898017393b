"""The state-of-affairs report of a programme: every figure read from the data, for staff.

One function, :func:`programme_report`, takes the user and gathers the three answers to
parliamentary question no. 384 through the selectors of the apps that own the data:

1. the government's involvement (partners.selectors.government_involvement);
2. the selection: the criteria and quotas, the facts of the candidates, the pilot group and
   the outreach group, the optimiser's stored run (its price of diversity) and the board's
   decision with the proces-verbaal's hash (selection.selectors.proposal.decision_report);
3. the meetings held, the expectations and their reviews, and the SDG status per group
   between two snapshots (portal.progress) with the map (portal.map).

A read never solves the optimiser: the run shown is the one the decision was based on, or
else the latest stored run. The number of queries does not grow with the data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from meetings.enums import Fulfilment, MeetingStatus
from meetings.models import Expectation, ExpectationReview, Meeting
from meetings.selectors import PAST, meetings_for_staff
from municipalities.models import Snapshot
from partners.selectors import Involvement, government_involvement
from portal.map import COLOUR_BY_GROUP, StatusMap, status_map_for_user
from portal.progress import Comparison, comparison_for_user, snapshots_for_user
from selection.enums import (
    CandidacyState,
    CriterionKind,
    DecisionStatus,
    DiversityAttribute,
    Outcome,
)
from selection.facts import attribute_label, attribute_values, candidacy_facts, value_label
from selection.models import Candidacy, Criterion, Decision, Programme, SelectionRun
from selection.selectors.decisions import current_decision
from selection.selectors.proposal import DecisionReport, decision_report
from selection.wording import bound_symbol, method_label, note_words

PERM = "reports.read_programme_report"

# The groups the facts are counted for, in the report's column order.
CANDIDATES, PILOT, OUTREACH = "candidates", "pilot", "outreach"


def _check(user) -> None:
    """The report is for VVSG staff only: it holds every municipality's facts and the
    board's votes."""
    if not (getattr(user, "is_authenticated", False) and rules.has_perm(PERM, user)):
        raise PermissionDenied


def access_programme(*, user, pk: int) -> Programme:
    """The programme of a report: PermissionDenied for anyone but staff, 404 if unknown."""
    _check(user)
    try:
        return Programme.objects.get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def report_snapshots(*, user):
    """The snapshots a report can compare, newest first (staff only)."""
    _check(user)
    return snapshots_for_user(user=user)


# --- 2. The selection ------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    value: str
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True)
class CriterionRow:
    name: str
    kind: str
    weight: object
    attribute: str = ""
    quotas: list[QuotaRow] = field(default_factory=list)


@dataclass(frozen=True)
class FactRow:
    """One value of a fact with its count among the candidates, the pilot group and the
    outreach group."""

    label: str
    candidates: int
    pilot: int
    outreach: int


@dataclass(frozen=True)
class FactTable:
    attribute: str
    label: str
    rows: list[FactRow]


@dataclass(frozen=True)
class BindingRow:
    words: str
    price: float | None


@dataclass
class RunSummary:
    run: SelectionRun
    status: str
    method: str
    objective: float | None
    top_n_objective: float | None
    price_of_diversity: float | None
    binding: list[BindingRow]
    note: str

    @property
    def price_share(self) -> float | None:
        """The price of diversity as a percentage of the plain top's total score."""
        if self.price_of_diversity is None or not self.top_n_objective:
            return None
        return 100 * self.price_of_diversity / self.top_n_objective


@dataclass
class Selection:
    judgement: list[CriterionRow]
    diversity: list[CriterionRow]
    totals: dict[str, int]
    withdrawn: int
    facts: list[FactTable]
    run: RunSummary | None
    decision: Decision | None
    decision_report: DecisionReport | None


def _criteria(programme: Programme) -> tuple[list[CriterionRow], list[CriterionRow]]:
    criteria = (
        Criterion.objects.filter(programme=programme)
        .prefetch_related("quotas")
        .order_by("kind", "position", "pk")
    )
    judgement, diversity = [], []
    for criterion in criteria:
        if criterion.kind == CriterionKind.JUDGEMENT:
            judgement.append(CriterionRow(criterion.name, criterion.kind, criterion.weight))
            continue
        quotas = [
            QuotaRow(value_label(criterion.attribute, q.value), q.minimum, q.maximum)
            for q in sorted(criterion.quotas.all(), key=lambda q: q.value)
        ]
        diversity.append(
            CriterionRow(
                criterion.name,
                criterion.kind,
                criterion.weight,
                attribute_label(criterion.attribute),
                quotas,
            )
        )
    return judgement, diversity


def _facts(programme: Programme) -> tuple[dict[str, int], int, list[FactTable]]:
    """Per fact of DiversityAttribute, the count of each value in the three groups.

    The candidates are every submitted candidacy; the pilot and outreach groups are the
    candidacies whose outcome the confirmed decision set.
    """
    candidacies = list(
        Candidacy.objects.filter(programme=programme, state=CandidacyState.SUBMITTED)
        .select_related("municipality__province", "programme")
        .order_by("municipality_id")
    )
    groups = {
        CANDIDATES: candidacies,
        PILOT: [c for c in candidacies if c.outcome == Outcome.PILOT],
        OUTREACH: [c for c in candidacies if c.outcome == Outcome.OUTREACH],
    }
    facts = {c.pk: candidacy_facts(c) for c in candidacies}
    provinces = sorted({facts[c.pk][DiversityAttribute.PROVINCE] for c in candidacies})
    tables = []
    for attribute in DiversityAttribute.values:
        counts = {
            name: Counter(facts[c.pk][attribute] for c in members)
            for name, members in groups.items()
        }
        values = attribute_values(attribute, provinces)
        rows = [
            FactRow(
                label=value_label(attribute, value),
                candidates=counts[CANDIDATES][value],
                pilot=counts[PILOT][value],
                outreach=counts[OUTREACH][value],
            )
            for value in values
        ]
        tables.append(FactTable(attribute, attribute_label(attribute), rows))
    totals = {name: len(members) for name, members in groups.items()}
    withdrawn = sum(1 for c in candidacies if c.outcome == Outcome.WITHDRAWN)
    return totals, withdrawn, tables


def _run_summary(run: SelectionRun | None) -> RunSummary | None:
    """What the proposal pages show of a stored run: its totals and the price of diversity."""
    if run is None:
        return None
    result = run.result or {}
    feasible = result.get("status") != "infeasible"
    return RunSummary(
        run=run,
        status=run.status,
        method=method_label(run.aggregation),
        objective=result.get("objective") if feasible else None,
        top_n_objective=result.get("top_n_objective") if feasible else None,
        price_of_diversity=result.get("price_of_diversity") if feasible else None,
        binding=[BindingRow(bound_symbol(b), b.get("price")) for b in result.get("binding", [])]
        if feasible
        else [],
        note=note_words(result.get("note")),
    )


def _decision(programme: Programme) -> Decision | None:
    """The current (confirmed) decision; else the latest draft, shown as a draft."""
    decision = current_decision(programme=programme)
    if decision is None:
        decision = (
            Decision.objects.filter(programme=programme, status=DecisionStatus.DRAFT)
            .order_by("-created_at", "-pk")
            .first()
        )
    if decision is None:
        return None
    return Decision.objects.select_related(
        "programme", "run", "supersedes", "created_by", "confirmed_by"
    ).get(pk=decision.pk)


def _selection(*, user, programme: Programme) -> Selection:
    judgement, diversity = _criteria(programme)
    totals, withdrawn, facts = _facts(programme)
    decision = _decision(programme)
    if decision is not None:
        run = decision.run
    else:
        run = (
            SelectionRun.objects.filter(programme=programme)
            .select_related("programme", "created_by")
            .order_by("-created_at", "-pk")
            .first()
        )
    return Selection(
        judgement=judgement,
        diversity=diversity,
        totals=totals,
        withdrawn=withdrawn,
        facts=facts,
        run=_run_summary(run),
        decision=decision,
        # The proces-verbaal's own read: the same votes, rule and hash as the record.
        decision_report=decision_report(user=user, decision=decision) if decision else None,
    )


# --- 3. Meetings, expectations and the SDG status --------------------------------------


@dataclass(frozen=True)
class ReviewStep:
    meeting: Meeting
    fulfilment: str
    label: str
    note: str


@dataclass
class ExpectationRow:
    expectation: Expectation
    steps: list[ReviewStep]

    @property
    def latest(self) -> ReviewStep | None:
        return self.steps[-1] if self.steps else None


@dataclass(frozen=True)
class FulfilmentRow:
    """At one meeting: how many expectations were reviewed as met, partly met, not met."""

    meeting: Meeting
    met: int
    partly: int
    not_met: int

    @property
    def total(self) -> int:
        return self.met + self.partly + self.not_met


@dataclass
class Meetings:
    held: list[Meeting]
    expectations: list[ExpectationRow]
    fulfilment: list[FulfilmentRow]


def _meetings(*, user, programme: Programme, now: datetime) -> Meetings:
    held = list(
        meetings_for_staff(user=user, programme=programme, when=PAST, now=now)
        .filter(status=MeetingStatus.PUBLISHED)
        .annotate(
            attended_count=Count("invitations", filter=Q(invitations__attended=True)),
        )
        .order_by("starts_at", "pk")
    )
    expectations = list(
        Expectation.objects.filter(meeting__programme=programme)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting", "municipality")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=ExpectationReview.objects.select_related("meeting").order_by(
                    "meeting__starts_at", "pk"
                ),
            )
        )
        .order_by("meeting__starts_at", "category", "municipality__name", "pk")
    )
    labels = dict(Fulfilment.choices)
    rows, per_meeting = [], {}
    for expectation in expectations:
        steps = []
        for review in expectation.reviews.all():
            steps.append(
                ReviewStep(
                    review.meeting,
                    review.fulfilment,
                    labels.get(review.fulfilment, ""),
                    review.note,
                )
            )
            counts = per_meeting.setdefault(review.meeting.pk, [review.meeting, Counter()])
            counts[1][review.fulfilment] += 1
        rows.append(ExpectationRow(expectation, steps))
    fulfilment = [
        FulfilmentRow(
            meeting=meeting,
            met=counts[Fulfilment.MET],
            partly=counts[Fulfilment.PARTLY],
            not_met=counts[Fulfilment.NOT_MET],
        )
        for meeting, counts in sorted(
            per_meeting.values(), key=lambda item: (item[0].starts_at, item[0].pk)
        )
    ]
    return Meetings(held=held, expectations=rows, fulfilment=fulfilment)


@dataclass
class Status:
    a: Snapshot | None
    b: Snapshot | None
    comparison: Comparison | None
    map: StatusMap
    # The newest snapshot of all, to say what exists when none falls in the programme.
    latest: Snapshot | None = None


def default_snapshots(
    snapshots, programme: Programme | None = None
) -> tuple[Snapshot | None, Snapshot | None]:
    """The first and the last snapshot taken during `programme` (from its start to its end
    date), or of all snapshots without a programme; (None, None) when there is none, so a
    report of 2026 never shows the status of 2017-2019 as its own."""
    ordered = snapshots.order_by("taken_at", "pk")
    if programme is not None:
        if programme.starts_on:
            ordered = ordered.filter(taken_at__date__gte=programme.starts_on)
        if programme.ends_on:
            ordered = ordered.filter(taken_at__date__lte=programme.ends_on)
    return ordered.first(), ordered.last()


def _status(
    *, user, programme: Programme, a: Snapshot | None, b: Snapshot | None, latest=None
) -> Status:
    comparison = None
    if a is not None and b is not None:
        comparison = comparison_for_user(user=user, a=a, b=b, programme=programme)
    return Status(
        a=a,
        b=b,
        comparison=comparison,
        map=status_map_for_user(user=user, programme=programme, colour_by=COLOUR_BY_GROUP),
        latest=latest,
    )


# --- The report ------------------------------------------------------------------------


@dataclass
class Report:
    programme: Programme
    generated_at: datetime
    involvement: Involvement
    selection: Selection
    meetings: Meetings
    status: Status

    @property
    def today(self):
        """The report's date, to tell a report to the funder that is overdue from one that
        is not due yet."""
        return timezone.localdate(self.generated_at)


def programme_report(
    *,
    user,
    programme: Programme,
    a: Snapshot | None = None,
    b: Snapshot | None = None,
    now: datetime | None = None,
) -> Report:
    """The whole report of `programme`, between snapshots `a` and `b` (default: the first
    and the last taken during the programme). Staff only: PermissionDenied for anyone
    else."""
    _check(user)
    now = now or timezone.now()
    snapshots = report_snapshots(user=user)
    latest = snapshots.order_by("taken_at", "pk").last()
    if a is None or b is None:
        first, last = default_snapshots(snapshots, programme)
        a, b = a or first, b or last
    return Report(
        programme=programme,
        generated_at=now,
        involvement=government_involvement(user=user, programme=programme),
        selection=_selection(user=user, programme=programme),
        meetings=_meetings(user=user, programme=programme, now=now),
        status=_status(user=user, programme=programme, a=a, b=b, latest=latest),
    )
