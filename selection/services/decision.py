"""The board's decision on a proposal: record it as a draft, confirm it, and keep it frozen.

A confirmed decision never changes. The signal receivers at the end of this module refuse
every save or delete of a confirmed decision, its votes and amendments, and every change to
its pilot group, whoever tries (a service, the admin, a shell). Queryset ``update()`` and
raw SQL bypass signals; nothing in the project uses them on these tables. A later change is
a new decision that names the old one in ``supersedes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from selection.enums import (
    AmendmentAction,
    CandidacyState,
    DecisionRule,
    DecisionStatus,
    Outcome,
    Vote,
)
from selection.models import (
    Amendment,
    BoardMember,
    Candidacy,
    Decision,
    DecisionVote,
    Programme,
    SelectionRun,
)
from selection.rules import can
from selection.selectors.decisions import current_decision, tally
from selection.selectors.runs import DECIDABLE_STATUSES, run_freshness
from selection.services.programme import programme_mark_decided, require_deliberation


def _frozen_error() -> ValidationError:
    return ValidationError(
        _("A confirmed decision cannot be changed. Record a new decision that replaces it."),
        code="frozen",
    )


def _check_run_current(*, run: SelectionRun, actor) -> None:
    """The run was computed on the scores and settings the database holds now."""
    freshness = run_freshness(user=actor, run=run)
    errors = []
    if freshness.settings_changed:
        errors.append(
            ValidationError(
                _(
                    "Criteria, quotas, the board or candidacy facts changed after run "
                    "#%(run)s: run the optimiser again and decide on the new run."
                )
                % {"run": run.pk},
                code="run_stale",
            )
        )
    if freshness.scores_changed:
        errors.append(
            ValidationError(
                _(
                    "Scores changed after run #%(run)s for: %(names)s. Run the optimiser "
                    "again and decide on the new run."
                )
                % {"run": run.pk, "names": ", ".join(freshness.changed_names)},
                code="scores_changed",
            )
        )
    if errors:
        raise ValidationError(errors)


def _check_quorum_bound(quorum, members: int) -> list[ValidationError]:
    if quorum is None or quorum < 1:
        return [ValidationError(_("The quorum must be at least 1."), code="quorum")]
    if quorum > members:
        return [
            ValidationError(
                _("The quorum cannot be more than the %(count)s active board members.")
                % {"count": members},
                code="quorum_max",
            )
        ]
    return []


def _rule_words(rule: str) -> str:
    return str(DecisionRule(rule).label) if rule in DecisionRule.values else rule


def _check_supersedes(*, programme: Programme, supersedes: Decision | None) -> None:
    current = current_decision(programme=programme)
    if supersedes is None:
        if current is not None:
            raise ValidationError(
                _(
                    "This programme already has a confirmed decision: a new decision must "
                    "replace it."
                ),
                code="supersedes_required",
            )
        return
    if supersedes.programme_id != programme.pk:
        raise ValidationError(
            _("The decision it replaces belongs to another programme."), code="supersedes"
        )
    if supersedes.status != DecisionStatus.CONFIRMED:
        raise ValidationError(
            _("Only a confirmed decision can be replaced."), code="supersedes_draft"
        )
    if Decision.objects.filter(supersedes=supersedes).exists():
        raise ValidationError(
            _("Another decision already replaces that decision."), code="supersedes_taken"
        )


@transaction.atomic
def decision_record(
    *,
    run: SelectionRun,
    meeting_date: date,
    meeting_location: str = "",
    quorum: int,
    rule: str = DecisionRule.UNANIMITY,
    minutes: str = "",
    votes: Mapping[int, tuple[bool, str]],
    amendments: Sequence[tuple[Candidacy, str, str]] = (),
    actor,
    supersedes: Decision | None = None,
) -> Decision:
    """Record the board's decision on a run's proposal, as a draft; staff only.

    ``votes`` maps an active board member's id to (present, vote), vote one of
    :class:`~selection.enums.Vote` or "" (no vote); active members left out are recorded as
    absent. ``amendments`` are (candidacy, "add" or "remove", reason) and change the run's
    selection; each needs a reason. The resulting pilot group must have exactly the
    programme's pilot group size and no withdrawn candidacy. When the programme already has
    a confirmed decision, ``supersedes`` must name it. ``rule`` is how the votes carry the
    decision (:class:`~selection.enums.DecisionRule`, unanimity by default); the quorum is at
    most the number of active members. Only in the deliberation phase, on an optimal run
    whose scores and settings are still those of the database.
    """
    programme = Programme.objects.select_for_update().get(pk=run.programme_id)
    if not can(actor, "selection.record_decision", programme):
        raise PermissionDenied
    require_deliberation(programme, action="decide")
    if run.programme_id != programme.pk:
        raise ValidationError(_("The run belongs to another programme."), code="run")
    if run.status not in DECIDABLE_STATUSES:
        raise ValidationError(
            _("A decision can only be based on an optimal proposal."), code="run_status"
        )
    _check_run_current(run=run, actor=actor)
    _check_supersedes(programme=programme, supersedes=supersedes)

    errors: list[ValidationError] = []
    if rule not in DecisionRule.values:
        errors.append(ValidationError(_("Unknown decision rule."), code="rule"))

    members = {m.pk: m for m in BoardMember.objects.filter(programme=programme, active=True)}
    errors.extend(_check_quorum_bound(quorum, len(members)))
    unknown = set(votes) - set(members)
    if unknown:
        errors.append(
            ValidationError(_("Votes can only be cast by active board members."), code="member")
        )
    vote_rows = []
    for member_id, member in members.items():
        present, vote = votes.get(member_id, (False, ""))
        vote = vote or ""
        if vote not in {"", *Vote.values}:
            errors.append(ValidationError(_("Unknown vote."), code="vote"))
            continue
        if vote and not present:
            errors.append(
                ValidationError(
                    _("%(member)s is absent and cannot vote.") % {"member": member.user},
                    code="absent_vote",
                )
            )
            continue
        vote_rows.append(DecisionVote(member=member, present=bool(present), vote=vote))

    candidacies = {
        c.municipality_id: c
        for c in Candidacy.objects.filter(
            programme=programme, state=CandidacyState.SUBMITTED
        ).select_related("municipality")
    }
    final = set(run.result.get("selected", []))
    seen: set[int] = set()
    amendment_rows = []
    for candidacy, action, reason in amendments:
        name = candidacy.municipality.name
        if candidacy.programme_id != programme.pk or candidacy.state != CandidacyState.SUBMITTED:
            errors.append(
                ValidationError(
                    _("%(name)s is not a submitted candidacy of this programme.") % {"name": name},
                    code="amendment_candidacy",
                )
            )
            continue
        if candidacy.pk in seen:
            errors.append(
                ValidationError(
                    _("%(name)s is amended more than once.") % {"name": name},
                    code="amendment_twice",
                )
            )
            continue
        seen.add(candidacy.pk)
        if not (reason or "").strip():
            errors.append(
                ValidationError(
                    _("Give a reason for the change to %(name)s.") % {"name": name},
                    code="amendment_reason",
                )
            )
        nis = candidacy.municipality_id
        if action == AmendmentAction.ADD:
            if nis in final:
                errors.append(
                    ValidationError(
                        _("%(name)s is already in the pilot group.") % {"name": name},
                        code="amendment_add",
                    )
                )
            final.add(nis)
        elif action == AmendmentAction.REMOVE:
            if nis not in final:
                errors.append(
                    ValidationError(
                        _("%(name)s is not in the pilot group.") % {"name": name},
                        code="amendment_remove",
                    )
                )
            final.discard(nis)
        else:
            errors.append(ValidationError(_("Unknown change."), code="amendment_action"))
            continue
        amendment_rows.append(
            Amendment(candidacy=candidacy, action=action, reason=(reason or "").strip())
        )

    missing = sorted(n for n in final if n not in candidacies)
    if missing:
        errors.append(
            ValidationError(
                _("These municipalities no longer have a submitted candidacy: %(codes)s.")
                % {"codes": ", ".join(missing)},
                code="missing",
            )
        )
    withdrawn = sorted(
        candidacies[n].municipality.name
        for n in final
        if n in candidacies and candidacies[n].outcome == Outcome.WITHDRAWN
    )
    if withdrawn:
        errors.append(
            ValidationError(
                _("Withdrawn candidacies cannot be in the pilot group: %(names)s.")
                % {"names": ", ".join(withdrawn)},
                code="withdrawn",
            )
        )
    if len(final) != programme.pilot_group_size:
        errors.append(
            ValidationError(
                _("The pilot group must have exactly %(size)s members, not %(count)s.")
                % {"size": programme.pilot_group_size, "count": len(final)},
                code="size",
            )
        )
    if errors:
        raise ValidationError(errors)

    decision = Decision.objects.create(
        programme=programme,
        run=run,
        supersedes=supersedes,
        meeting_date=meeting_date,
        meeting_location=meeting_location,
        rule=rule,
        quorum=quorum,
        minutes=minutes,
        created_by=actor,
    )
    for row in vote_rows:
        row.decision = decision
    DecisionVote.objects.bulk_create(vote_rows)
    for row in amendment_rows:
        row.decision = decision
    Amendment.objects.bulk_create(amendment_rows)
    decision.selected.set([candidacies[n] for n in sorted(final)])
    return decision


@transaction.atomic
def decision_update(
    *,
    decision: Decision,
    actor,
    meeting_date: date | None = None,
    meeting_location: str | None = None,
    quorum: int | None = None,
    rule: str | None = None,
    minutes: str | None = None,
) -> Decision:
    """Change the meeting details of a draft decision; a confirmed one raises ValidationError."""
    if not can(actor, "selection.record_decision", decision.programme):
        raise PermissionDenied
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status == DecisionStatus.CONFIRMED:
        raise _frozen_error()
    if rule is not None and rule not in DecisionRule.values:
        raise ValidationError(_("Unknown decision rule."), code="rule")
    for name, value in (
        ("meeting_date", meeting_date),
        ("meeting_location", meeting_location),
        ("quorum", quorum),
        ("rule", rule),
        ("minutes", minutes),
    ):
        if value is not None:
            setattr(decision, name, value)
    members = BoardMember.objects.filter(programme_id=decision.programme_id, active=True).count()
    errors = _check_quorum_bound(decision.quorum, members)
    if errors:
        raise ValidationError(errors)
    decision.save()
    return decision


@transaction.atomic
def decision_discard(*, decision: Decision, actor) -> None:
    """Delete a draft decision; a confirmed one raises ValidationError."""
    if not can(actor, "selection.record_decision", decision.programme):
        raise PermissionDenied
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status == DecisionStatus.CONFIRMED:
        raise _frozen_error()
    decision.delete()


def _check_carried(decision: Decision) -> None:
    """The quorum is present and the votes carry the decision under its rule."""
    count = tally(decision.votes.all(), rule=decision.rule, quorum=decision.quorum)
    params = {
        "present": count.present,
        "quorum": count.quorum,
        "for": count.votes_for,
        "against": count.votes_against,
        "abstain": count.abstentions,
        "none": count.not_voted,
        "rule": _rule_words(decision.rule),
    }
    if not count.quorum_met:
        raise ValidationError(
            _("The quorum is not met: %(present)s present, %(quorum)s needed.") % params,
            code="quorum",
        )
    if count.rule_met:
        return
    if decision.rule == DecisionRule.MAJORITY:
        message = _(
            "The decision is not carried by a simple majority of the votes cast: "
            "%(for)s for, %(against)s against (%(abstain)s abstentions do not count)."
        )
    else:
        message = _(
            "The decision is not carried unanimously: of the %(present)s members present, "
            "%(for)s voted for, %(against)s against, %(abstain)s abstained and %(none)s did "
            "not vote."
        )
    raise ValidationError(message % params, code="rule")


@transaction.atomic
def decision_confirm(*, decision: Decision, actor) -> Decision:
    """Confirm a draft decision; staff only. It is frozen from then on.

    Needs the deliberation phase, the quorum (members present >= quorum) and the votes that
    the decision's rule asks for (a simple majority of the votes cast, or every member
    present for), and a run whose scores and settings are those of the database now. Sets
    every submitted candidacy of the programme to the pilot group or the outreach group
    (withdrawn ones stay withdrawn), stores the content hash of the scores the run was
    computed on, and moves the programme to the phase "decided". The programme row is
    locked first, so two confirmations of one programme run one after the other; the second
    then finds the first one current and is refused unless it replaces it.
    """
    programme = Programme.objects.select_for_update().get(pk=decision.programme_id)
    if not can(actor, "selection.record_decision", programme):
        raise PermissionDenied
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status == DecisionStatus.CONFIRMED:
        raise ValidationError(_("This decision is already confirmed."), code="confirmed")
    require_deliberation(programme, action="decide")
    _check_carried(decision)
    supersedes = decision.supersedes
    current = current_decision(programme=programme)
    if current is not None and (supersedes is None or supersedes.pk != current.pk):
        raise ValidationError(
            _("This decision must replace the programme's current decision."),
            code="supersedes_required",
        )
    if current is None and supersedes is not None:
        raise ValidationError(
            _("The decision it replaces is no longer the programme's current decision."),
            code="supersedes_stale",
        )
    run = decision.run
    _check_run_current(run=run, actor=actor)
    selected = set(decision.selected.values_list("pk", flat=True))
    candidacies = list(
        Candidacy.objects.select_for_update()
        .filter(programme=programme, state=CandidacyState.SUBMITTED)
        .select_related("municipality")
    )
    withdrawn = sorted(
        c.municipality.name
        for c in candidacies
        if c.pk in selected and c.outcome == Outcome.WITHDRAWN
    )
    if withdrawn:
        raise ValidationError(
            _("Withdrawn candidacies cannot be in the pilot group: %(names)s.")
            % {"names": ", ".join(withdrawn)},
            code="withdrawn",
        )
    for candidacy in candidacies:
        if candidacy.pk in selected:
            outcome = Outcome.PILOT
        elif candidacy.outcome == Outcome.WITHDRAWN:
            continue
        else:
            outcome = Outcome.OUTREACH
        if candidacy.outcome != outcome:
            candidacy.outcome = outcome
            candidacy._history_user = actor
            candidacy.save(update_fields=["outcome", "updated_at"])
    decision.scores_hash = run.scores_hash
    decision.status = DecisionStatus.CONFIRMED
    decision.confirmed_at = timezone.now()
    decision.confirmed_by = actor
    decision.save()
    programme_mark_decided(programme=programme, actor=actor)
    return decision


# --------------------------------------------------------------------------------------------
# Freezing: a confirmed decision refuses every change.


def _is_confirmed(decision_id) -> bool:
    return (
        decision_id is not None
        and Decision.objects.filter(pk=decision_id, status=DecisionStatus.CONFIRMED).exists()
    )


@receiver(pre_save, sender=Decision, dispatch_uid="decision_frozen_save")
def _decision_frozen_save(sender, instance, raw=False, **kwargs):
    """Refuse to save a decision whose stored row is confirmed (a frozen record)."""
    if not raw and _is_confirmed(instance.pk):
        raise _frozen_error()


@receiver(pre_delete, sender=Decision, dispatch_uid="decision_frozen_delete")
def _decision_frozen_delete(sender, instance, **kwargs):
    """Refuse to delete a confirmed decision."""
    if _is_confirmed(instance.pk):
        raise _frozen_error()


@receiver(pre_save, sender=DecisionVote, dispatch_uid="decision_vote_frozen_save")
@receiver(pre_save, sender=Amendment, dispatch_uid="decision_amendment_frozen_save")
def _part_frozen_save(sender, instance, raw=False, **kwargs):
    """Refuse to add or change a vote or an amendment of a confirmed decision."""
    if not raw and _is_confirmed(instance.decision_id):
        raise _frozen_error()


@receiver(pre_delete, sender=DecisionVote, dispatch_uid="decision_vote_frozen_delete")
@receiver(pre_delete, sender=Amendment, dispatch_uid="decision_amendment_frozen_delete")
def _part_frozen_delete(sender, instance, **kwargs):
    """Refuse to delete a vote or an amendment of a confirmed decision."""
    if _is_confirmed(instance.decision_id):
        raise _frozen_error()


@receiver(m2m_changed, sender=Decision.selected.through, dispatch_uid="decision_selected_frozen")
def _selected_frozen(sender, instance, action, reverse, pk_set, **kwargs):
    """Refuse to change the pilot group of a confirmed decision, from either side."""
    if not action.startswith("pre_"):
        return
    if not reverse:
        if _is_confirmed(instance.pk):
            raise _frozen_error()
        return
    decisions = Decision.objects.filter(status=DecisionStatus.CONFIRMED)
    if pk_set is None:  # clear() from a candidacy: every decision it is in
        decisions = decisions.filter(selected=instance)
    else:
        decisions = decisions.filter(pk__in=pk_set)
    if decisions.exists():
        raise _frozen_error()
