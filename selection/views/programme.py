"""Staff pages of a programme: the overview of all programmes, one programme with its
phase, and lifting a member's conflict of interest."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.feedback import add_form_errors, flash_errors
from selection.enums import ProgrammePhase
from selection.forms.programme import ConflictLiftForm, PhaseForm
from selection.selectors import access_programme, phase_history, programmes_for_staff
from selection.selectors.decisions import current_decision
from selection.selectors.ranking import access_conflict_declaration
from selection.services.programme import (
    earlier_phases,
    next_phase,
    programme_set_phase,
)
from selection.services.scoring import conflict_lift


@permission_required("selection.view_programme_overview", raise_exception=True)
def programme_overview(request):
    return render(
        request,
        "selection/programme_overview.html",
        {"programmes": programmes_for_staff(user=request.user)},
    )


def _phase_choices(programme) -> list[tuple[str, str]]:
    phases = earlier_phases(programme)
    forward = next_phase(programme)
    if forward:
        phases.append(forward)
    return [(phase, ProgrammePhase(phase).label) for phase in phases]


@permission_required("selection.set_phase", raise_exception=True)
def programme_detail(request, programme_pk: int):
    programme = access_programme(
        user=request.user, pk=programme_pk, perm="selection.view_programme_overview"
    )
    return _render_detail(request, programme, PhaseForm(phases=_phase_choices(programme)))


def _render_detail(request, programme, form, status=200):
    forward = next_phase(programme)
    return render(
        request,
        "selection/programme_detail.html",
        {
            "programme": programme,
            "form": form,
            "next_phase": forward and ProgrammePhase(forward),
            "earlier": [ProgrammePhase(p) for p in earlier_phases(programme)],
            "history": phase_history(user=request.user, programme=programme),
            "decision": current_decision(programme=programme),
        },
        status=status,
    )


@permission_required("selection.set_phase", raise_exception=True)
@require_POST
def programme_phase(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm="selection.set_phase")
    form = PhaseForm(request.POST, phases=_phase_choices(programme))
    if form.is_valid():
        try:
            programme = programme_set_phase(
                programme=programme,
                phase=form.cleaned_data["phase"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                _("The programme is now in the phase %(phase)s.")
                % {"phase": programme.get_phase_display()},
            )
            return redirect("selection:programme_detail", programme_pk=programme.pk)
    return _render_detail(request, programme, form, status=400)


@permission_required("selection.lift_conflict", raise_exception=True)
@require_POST
def conflict_lift_view(request, pk: int):
    declaration = access_conflict_declaration(user=request.user, pk=pk)
    programme = declaration.candidacy.programme
    form = ConflictLiftForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form.errors)
        return redirect("selection:progress", programme_pk=programme.pk)
    try:
        conflict_lift(
            declaration=declaration, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request,
            _("The conflict of interest of %(member)s for %(name)s is lifted.")
            % {
                "member": declaration.member.user.get_full_name() or declaration.member.user.email,
                "name": declaration.candidacy.municipality.name,
            },
        )
    return redirect("selection:progress", programme_pk=programme.pk)
