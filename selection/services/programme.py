"""The programme's phase: applications -> scoring -> deliberation -> decided.

The phase decides what may happen: board members score only in the scoring phase;
conflict declarations and scores are frozen from the deliberation on; the optimiser runs and
decisions are recorded only in the deliberation. Staff move the phase one step forward, or
back to any earlier phase with a reason; the phase "decided" is reached only by confirming
the board's decision. Every change is a history row of the programme, with the acting user
and the reason.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from selection.enums import ProgrammePhase
from selection.models import Programme
from selection.rules import can

#: The phases in their order.
PHASES: tuple[str, ...] = (
    ProgrammePhase.APPLICATIONS,
    ProgrammePhase.SCORING,
    ProgrammePhase.DELIBERATION,
    ProgrammePhase.DECIDED,
)

#: The reason is kept as the history row's change reason, which holds 100 characters.
REASON_MAX_LENGTH = 100


def phase_index(phase: str) -> int:
    return PHASES.index(phase)


def next_phase(programme: Programme) -> str | None:
    """The phase staff can move the programme to from its page, or None ("decided" comes
    from confirming a decision)."""
    index = phase_index(programme.phase)
    if index + 1 >= len(PHASES) or PHASES[index + 1] == ProgrammePhase.DECIDED:
        return None
    return PHASES[index + 1]


def earlier_phases(programme: Programme) -> list[str]:
    """The phases staff can step back to, with a reason."""
    return list(PHASES[: phase_index(programme.phase)])


def _record(programme: Programme, phase: str, actor, reason: str) -> Programme:
    programme.phase = phase
    programme._history_user = actor
    programme._change_reason = reason
    programme.save(update_fields=["phase"])
    return programme


@transaction.atomic
def programme_set_phase(*, programme: Programme, phase: str, actor, reason: str = "") -> Programme:
    """Move the programme to `phase`; staff only.

    Forward one step at a time (applications -> scoring -> deliberation); back to any
    earlier phase only with a reason, kept in the programme's history. "Decided" is not set
    by hand: confirming the board's decision sets it (:func:`programme_mark_decided`).
    """
    if not can(actor, "selection.set_phase", programme):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if phase not in PHASES:
        raise ValidationError(_("Unknown phase."), code="phase")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH},
            code="reason_length",
        )
    current, target = phase_index(programme.phase), phase_index(phase)
    if target == current:
        raise ValidationError(_("The programme is already in that phase."), code="same")
    if target > current:
        if phase == ProgrammePhase.DECIDED:
            raise ValidationError(
                _("A programme is decided when the board's decision is confirmed."),
                code="decided_by_decision",
            )
        if target != current + 1:
            raise ValidationError(
                _("Move one phase at a time: first to %(phase)s.")
                % {"phase": ProgrammePhase(PHASES[current + 1]).label},
                code="skip",
            )
        return _record(programme, phase, actor, reason)
    if not reason:
        raise ValidationError(
            _("Give a reason for moving the programme back to an earlier phase."),
            code="reason_required",
        )
    return _record(programme, phase, actor, reason)


def programme_mark_decided(*, programme: Programme, actor) -> Programme:
    """Set the phase "decided"; only for :func:`~selection.services.decision.decision_confirm`,
    inside its transaction, on the programme row it has locked."""
    if programme.phase == ProgrammePhase.DECIDED:
        return programme
    return _record(programme, ProgrammePhase.DECIDED, actor, _("Decision confirmed"))


def require_deliberation(programme: Programme, *, action: str) -> None:
    """Raise ValidationError unless the programme is in the deliberation phase.

    `action` is what is refused, "run" (the optimiser) or "decide" (record or confirm the
    board's decision): the rule is one, the sentence names what the user tried.
    """
    if programme.phase == ProgrammePhase.DELIBERATION:
        return
    if action == "run":
        message = _(
            "The optimiser runs while the programme is in the deliberation phase; it is "
            "now in the phase %(phase)s."
        )
    else:
        message = _(
            "Decisions are recorded and confirmed while the programme is in the "
            "deliberation phase; it is now in the phase %(phase)s."
        )
    raise ValidationError(message % {"phase": programme.get_phase_display()}, code="phase")
