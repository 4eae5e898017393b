"""The staff's start page: one programme at a glance, and what needs the staff's attention.

Each figure is read through the selector of the page that shows it in full (the phase
from selection.services.programme, the scoring progress from the ranking, the run's
freshness from selection.selectors.runs, the decision and its tally from
selection.selectors.decisions, the meetings and their answers from meetings.selectors, the
map and the groups from portal.map and portal.selectors), so the dashboard and those pages
never disagree. The few counts no page has yet (candidacies by state, a draft decision,
failed and missed mails, contacts without a login) are read here, each behind its own
permission. Staff only: anyone else gets PermissionDenied. The number of queries does not
depend on the number of candidacies, members, meetings or municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import rules
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import beat_heartbeat_age
from meetings.enums import DeliveryStatus, MeetingStatus
from meetings.models import Delivery, Meeting
from meetings.reminders import dispatch_paused, oldest_due_unsent_age
from meetings.selectors import PAST, UPCOMING, meetings_for_staff
from municipalities.enums import SdgStatusLevel, Track
from municipalities.models import MunicipalityContact
from portal.map import StatusMap, css_class, status_map_for_user
from portal.progress import CONTRIBUTING, Entry, Side, group_labels, summarise
from portal.selectors import GroupFilter, OverviewFilters, status_overview
from selection.enums import (
    CandidacyState,
    DecisionStatus,
    Group,
    Outcome,
    ProgrammePhase,
)
from selection.models import Candidacy, Decision, Programme, SelectionRun
from selection.selectors import staff_can
from selection.selectors.decisions import Tally, current_decision, decision_tally
from selection.selectors.ranking import MemberProgress, member_progress
from selection.selectors.runs import DECIDABLE_STATUSES, RunFreshness, run_freshness, runs_for_user
from selection.services.programme import PHASES, next_phase, phase_index

#: The permission of the page; every part is also checked by its own selector.
PERMISSION = "selection.view_programme_overview"

#: Meetings shown under "next meetings".
NEXT_MEETINGS = 5
#: A held meeting whose minutes are still empty this long after it ended is overdue.
MINUTES_DUE_DAYS = 14
#: Rows listed per attention item; the count says how many there are in all.
ATTENTION_ROWS = 10
#: Beat records its heartbeat every minute; older than this, it is stopped or stuck.
BEAT_STALE_AFTER_S = 5 * 60

#: The candidacy states on the dashboard, in their order.
DRAFT, PENDING = "draft", "pending"
CANDIDACY_STATES = (DRAFT, PENDING, Outcome.PILOT, Outcome.OUTREACH, Outcome.WITHDRAWN)
NO_STATUS = "none"


@dataclass(frozen=True)
class PhaseStep:
    phase: str
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class PhaseState:
    phase: str
    label: str
    steps: list[PhaseStep]
    next_phase: str | None  # the phase staff can move on to from the programme's page
    next_label: str


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int
    percent: int  # of the whole, for the width of its bar
    offset: int = 0  # where its part of a stacked bar starts
    css: str = ""


@dataclass(frozen=True)
class CandidacyCounts:
    """Candidacies by state: drafts, and the submitted ones by outcome."""

    draft: int = 0
    pending: int = 0
    pilot: int = 0
    outreach: int = 0
    withdrawn: int = 0

    @property
    def submitted(self) -> int:
        return self.pending + self.pilot + self.outreach + self.withdrawn

    @property
    def total(self) -> int:
        return self.draft + self.submitted

    def rows(self) -> list[CountRow]:
        labels = {DRAFT: CandidacyState.DRAFT.label, **dict(Outcome.choices)}
        return [
            CountRow(
                key, str(labels[key]), getattr(self, key), _percent(getattr(self, key), self.total)
            )
            for key in CANDIDACY_STATES
        ]


@dataclass(frozen=True)
class SelectionState:
    """The newest optimiser run with its freshness, and the board's decision."""

    run: SelectionRun | None
    freshness: RunFreshness | None
    decision: Decision | None  # the current decision, else the newest draft
    tally: Tally | None
    pilot_group_size: int

    @property
    def run_optimal(self) -> bool:
        return self.run is not None and self.run.status in DECIDABLE_STATUSES

    @property
    def price_of_diversity(self) -> float | None:
        return (self.run.result or {}).get("price_of_diversity") if self.run else None

    @property
    def run_stale(self) -> bool:
        return self.freshness is not None and not self.freshness.current


@dataclass
class MeetingRow:
    meeting: Meeting
    yes: int
    no: int
    maybe: int
    unanswered: int

    @property
    def invited(self) -> int:
        return self.yes + self.no + self.maybe + self.unanswered


@dataclass(frozen=True)
class ReminderHealth:
    failed: int
    missed: int
    paused: bool
    beat_age_s: float | None  # None: beat never ran
    oldest_due_age_s: float | None  # None: nothing waits

    @property
    def beat_ok(self) -> bool:
        return self.beat_age_s is not None and self.beat_age_s <= BEAT_STALE_AFTER_S

    @property
    def beat_age_minutes(self) -> int | None:
        return None if self.beat_age_s is None else int(self.beat_age_s // 60)

    @property
    def oldest_due_minutes(self) -> int | None:
        return None if self.oldest_due_age_s is None else int(self.oldest_due_age_s // 60)

    @property
    def ok(self) -> bool:
        return self.beat_ok and not self.failed and not self.missed and not self.paused


@dataclass(frozen=True)
class GroupStatus:
    """Where the municipalities of one group stand: per overall level, and mean scores."""

    key: str
    label: str
    members: int  # municipalities in the group
    side: Side  # of those with a status

    @property
    def without_status(self) -> int:
        return self.members - self.side.count

    def levels(self) -> list[CountRow]:
        counts = [(key, label, self.side.levels[key]) for key, label in SdgStatusLevel.choices]
        counts.append((NO_STATUS, _("No status yet"), self.without_status))
        rows, offset = [], 0
        for key, label, n in counts:
            share = _percent(n, self.members)
            rows.append(CountRow(key, str(label), n, share, offset, css_class("level", key)))
            offset += share
        return rows

    @property
    def overall(self) -> float | None:
        return self.side.means.get("overall")


@dataclass(frozen=True)
class ContactRow:
    contact: MunicipalityContact
    never_logged_in: bool
    no_password: bool


@dataclass
class Attention:
    """What staff should act on, each with the rows to act on (at most ATTENTION_ROWS)."""

    stale_run: SelectionRun | None = None
    overdue_minutes: list[Meeting] = field(default_factory=list)
    overdue_minutes_total: int = 0
    contacts_without_login: list[ContactRow] = field(default_factory=list)
    contacts_without_login_total: int = 0
    unanswered: list[MeetingRow] = field(default_factory=list)
    unanswered_total: int = 0
    minutes_due_days: int = MINUTES_DUE_DAYS

    @property
    def count(self) -> int:
        return (
            (1 if self.stale_run else 0)
            + self.overdue_minutes_total
            + self.contacts_without_login_total
            + self.unanswered_total
        )


@dataclass(frozen=True)
class Dashboard:
    programme: Programme
    now: datetime
    phase: PhaseState
    candidacies: CandidacyCounts
    progress: list[MemberProgress]
    selection: SelectionState
    meetings: list[MeetingRow]
    reminders: ReminderHealth
    groups: list[GroupStatus]
    map: StatusMap
    attention: Attention

    def level_rows(self) -> list[tuple[CountRow, list[CountRow]]]:
        """Per overall level (and "no status yet"): its count in each group, in the order
        of `groups`; the first element names the level."""
        per_group = [group.levels() for group in self.groups]
        if not per_group:
            return []
        return [(row, [levels[i] for levels in per_group]) for i, row in enumerate(per_group[0])]


# --- The parts ---------------------------------------------------------------------------


def phase_state(programme: Programme) -> PhaseState:
    """The programme's phase among all phases, and the one staff can move it on to."""
    current = phase_index(programme.phase)
    steps = [
        PhaseStep(
            phase=phase,
            label=str(ProgrammePhase(phase).label),
            state="done" if i < current else "current" if i == current else "todo",
        )
        for i, phase in enumerate(PHASES)
    ]
    forward = next_phase(programme)
    return PhaseState(
        phase=programme.phase,
        label=str(ProgrammePhase(programme.phase).label),
        steps=steps,
        next_phase=forward,
        next_label=str(ProgrammePhase(forward).label) if forward else "",
    )


def candidacy_counts(*, user, programme: Programme) -> CandidacyCounts:
    """The programme's candidacies by state and outcome, in one query; staff only."""
    if not staff_can(user, PERMISSION):
        raise PermissionDenied
    counts = dict.fromkeys(CANDIDACY_STATES, 0)
    rows = (
        Candidacy.objects.filter(programme=programme)
        .values_list("state", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for state, outcome, n in rows:
        key = DRAFT if state == CandidacyState.DRAFT else outcome
        counts[key] = counts.get(key, 0) + n
    return CandidacyCounts(**counts)


def selection_state(*, user, programme: Programme) -> SelectionState:
    """The newest run (stale or not) and the decision in force, else the newest draft.
    Staff only."""
    if not staff_can(user, "selection.record_decision"):
        raise PermissionDenied
    run = runs_for_user(user=user, programme=programme).first()
    freshness = run_freshness(user=user, run=run) if run else None
    decision = current_decision(programme=programme)
    if decision is None:
        decision = (
            Decision.objects.filter(programme=programme, status=DecisionStatus.DRAFT)
            .order_by("-created_at", "-pk")
            .first()
        )
    return SelectionState(
        run=run,
        freshness=freshness,
        decision=decision,
        tally=decision_tally(decision) if decision else None,
        pilot_group_size=programme.pilot_group_size,
    )


def _meeting_row(meeting: Meeting) -> MeetingRow:
    answered = meeting.yes_count + meeting.no_count + meeting.maybe_count
    return MeetingRow(
        meeting=meeting,
        yes=meeting.yes_count,
        no=meeting.no_count,
        maybe=meeting.maybe_count,
        unanswered=max(meeting.invited_count - answered, 0),
    )


def upcoming_meetings(*, user, programme: Programme, now: datetime) -> list[MeetingRow]:
    """The programme's meetings that have not ended, soonest first, with their answers;
    cancelled ones left out. One query."""
    return [
        _meeting_row(meeting)
        for meeting in meetings_for_staff(user=user, programme=programme, when=UPCOMING, now=now)
        if meeting.status != MeetingStatus.CANCELLED
    ]


def reminder_health(*, user, now: datetime) -> ReminderHealth:
    """Failed and missed reminder mails (of every programme, as the reminders page counts
    them), whether sending is paused, and how long ago beat last ran. Staff only."""
    if not rules.has_perm("meetings.manage_meeting", user):
        raise PermissionDenied
    counts = dict(
        Delivery.objects.filter(status__in=(DeliveryStatus.FAILED, DeliveryStatus.MISSED))
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
        .order_by()
    )
    return ReminderHealth(
        failed=counts.get(DeliveryStatus.FAILED, 0),
        missed=counts.get(DeliveryStatus.MISSED, 0),
        paused=dispatch_paused(),
        beat_age_s=beat_heartbeat_age(now),
        oldest_due_age_s=oldest_due_unsent_age(now),
    )


def _entry(row) -> Entry:
    version = row.version
    goals = version.document.get("goals") if isinstance(version.document, dict) else None
    goals = goals if isinstance(goals, dict) else {}
    return Entry(
        nis_code=row.municipality.pk,
        scores={
            **{track: version.track_score(track) for track in Track.values},
            "overall": version.overall_score,
        },
        level=version.overall_level,
        contributing=frozenset(
            goal
            for goal, value in goals.items()
            if isinstance(value, dict) and value.get("today") in CONTRIBUTING
        ),
    )


def group_statuses(*, user, programme: Programme) -> list[GroupStatus]:
    """Per group of the programme (pilot, outreach, other candidates): its municipalities
    per overall level of their current status, and their mean scores. Two queries."""
    overview = status_overview(
        user=user, filters=OverviewFilters(programme=programme, group=GroupFilter.CANDIDATES)
    )
    rows = {key: [] for key in (Group.PILOT, Group.OUTREACH, Group.CANDIDATE)}
    for row in overview.rows:
        if row.group in rows:
            rows[row.group].append(row)
    labels = group_labels()
    result = []
    for key, members in rows.items():
        side = summarise(_entry(row) for row in members if row.version is not None)
        result.append(
            GroupStatus(key=str(key), label=str(labels[key]), members=len(members), side=side)
        )
    return result


def _contact_rows(contacts) -> list[ContactRow]:
    return [
        ContactRow(
            contact=contact,
            never_logged_in=contact.user.last_login is None,
            no_password=not contact.user.has_usable_password(),
        )
        for contact in contacts
    ]


def contacts_without_login(*, user, programme: Programme):
    """Contacts of the programme's candidate municipalities (submitted, not withdrawn) who
    never logged in or have no usable password: a queryset, counted and sliced by the
    caller. Staff only: anyone else gets none."""
    if not rules.has_perm("municipalities.invite_contact", user):
        return MunicipalityContact.objects.none()
    candidates = (
        Candidacy.objects.filter(programme=programme, state=CandidacyState.SUBMITTED)
        .exclude(outcome=Outcome.WITHDRAWN)
        .values("municipality_id")
    )
    return (
        MunicipalityContact.objects.filter(municipality__in=candidates)
        .filter(
            Q(user__last_login__isnull=True)
            | Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        )
        .select_related("user", "municipality")
        .order_by("municipality__name", "user__email", "pk")
    )


def attention(
    *, user, programme: Programme, now: datetime, selection: SelectionState, upcoming
) -> Attention:
    """Stale runs, overdue minutes, contacts without a login, unanswered invitations."""
    result = Attention()
    if selection.run_stale and programme.phase == ProgrammePhase.DELIBERATION:
        result.stale_run = selection.run
    overdue = meetings_for_staff(
        user=user,
        programme=programme,
        status=MeetingStatus.PUBLISHED,
        when=PAST,
        now=now - timedelta(days=MINUTES_DUE_DAYS),
    ).filter(minutes="")
    result.overdue_minutes = list(overdue[:ATTENTION_ROWS])
    result.overdue_minutes_total = overdue.count()
    contacts = contacts_without_login(user=user, programme=programme)
    result.contacts_without_login = _contact_rows(contacts[:ATTENTION_ROWS])
    result.contacts_without_login_total = contacts.count()
    waiting = [
        row
        for row in upcoming
        if row.meeting.status == MeetingStatus.PUBLISHED and row.unanswered > 0
    ]
    result.unanswered = waiting[:ATTENTION_ROWS]
    result.unanswered_total = sum(row.unanswered for row in waiting)
    return result


# --- The page ----------------------------------------------------------------------------


def programme_dashboard(*, user, programme: Programme, now: datetime | None = None) -> Dashboard:
    """Everything the staff's start page shows of `programme`; staff only (PermissionDenied).

    A fixed number of queries, whatever the size of the programme.
    """
    if not staff_can(user, PERMISSION):
        raise PermissionDenied
    now = now or timezone.now()
    selection = selection_state(user=user, programme=programme)
    upcoming = upcoming_meetings(user=user, programme=programme, now=now)
    return Dashboard(
        programme=programme,
        now=now,
        phase=phase_state(programme),
        candidacies=candidacy_counts(user=user, programme=programme),
        progress=member_progress(user=user, programme=programme),
        selection=selection,
        meetings=upcoming[:NEXT_MEETINGS],
        reminders=reminder_health(user=user, now=now),
        groups=group_statuses(user=user, programme=programme),
        map=status_map_for_user(user=user, programme=programme),
        attention=attention(
            user=user, programme=programme, now=now, selection=selection, upcoming=upcoming
        ),
    )
