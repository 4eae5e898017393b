"""Reads of the board's decisions: the current one, a decision by id, and its vote count.

Staff only, like the runs: anyone else gets nothing or Http404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from selection.enums import DecisionRule, DecisionStatus, Vote
from selection.models import BoardMember, Decision, Programme, SelectionRun
from selection.selectors import staff_can


def _is_staff(user) -> bool:
    return staff_can(user, "selection.record_decision")


def current_decision(*, programme: Programme) -> Decision | None:
    """The programme's confirmed decision that no confirmed decision replaces, if any.

    A draft never changes what is current: a draft that will replace the current decision
    leaves it in force until the draft itself is confirmed. The database holds at most one
    such decision (see the constraints on :class:`~selection.models.Decision`).
    """
    return (
        Decision.objects.filter(programme=programme, status=DecisionStatus.CONFIRMED)
        .exclude(superseded_by__status=DecisionStatus.CONFIRMED)
        .order_by("-confirmed_at", "-pk")
        .first()
    )


def decisions_for_run(*, user, run: SelectionRun) -> QuerySet[Decision]:
    if not _is_staff(user):
        return Decision.objects.none()
    return Decision.objects.filter(run=run).select_related("created_by", "confirmed_by")


def access_decision(*, user, pk: int) -> Decision:
    """One decision by id, for staff only; Http404 for anyone else or an unknown id."""
    if not _is_staff(user):
        raise Http404
    try:
        return Decision.objects.select_related(
            "programme", "run", "supersedes", "created_by", "confirmed_by"
        ).get(pk=pk)
    except Decision.DoesNotExist:
        raise Http404 from None


def active_members(*, user, programme: Programme) -> QuerySet[BoardMember]:
    """The programme's active board members with their organisations; staff only."""
    if not _is_staff(user):
        return BoardMember.objects.none()
    return (
        BoardMember.objects.filter(programme=programme, active=True)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )


@dataclass(frozen=True)
class Tally:
    """The count of a decision's votes, and whether they carry it under its rule."""

    rule: str
    quorum: int
    present: int
    votes_for: int
    votes_against: int
    abstentions: int
    not_voted: int

    @property
    def cast(self) -> int:
        """Votes cast: for and against (abstentions do not count)."""
        return self.votes_for + self.votes_against

    @property
    def quorum_met(self) -> bool:
        return self.present >= self.quorum

    @property
    def rule_met(self) -> bool:
        if self.rule == DecisionRule.MAJORITY:
            return self.votes_for > self.votes_against
        # Unanimity of the members present: every one of them voted for.
        return self.present > 0 and self.votes_for == self.present

    @property
    def carried(self) -> bool:
        return self.quorum_met and self.rule_met


def tally(votes, *, rule: str, quorum: int) -> Tally:
    """The tally of vote rows (objects with ``present`` and ``vote``)."""
    present = [v for v in votes if v.present]
    return Tally(
        rule=rule,
        quorum=quorum,
        present=len(present),
        votes_for=sum(1 for v in present if v.vote == Vote.FOR),
        votes_against=sum(1 for v in present if v.vote == Vote.AGAINST),
        abstentions=sum(1 for v in present if v.vote == Vote.ABSTAIN),
        not_voted=sum(1 for v in present if not v.vote),
    )


def decision_tally(decision: Decision) -> Tally:
    """The tally of a decision's recorded votes under its own rule and quorum."""
    return tally(decision.votes.all(), rule=decision.rule, quorum=decision.quorum)
