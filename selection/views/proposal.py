"""Staff pages: run the optimiser, read a run, the reserve list, record and confirm the
decision, and the printable proces-verbaal."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from selection.enums import AmendmentAction
from selection.forms.proposal import AmendmentFormSet, DecisionForm, RunForm, WithdrawForm
from selection.selectors import access_programme
from selection.selectors.proposal import (
    access_decision,
    access_run,
    active_members,
    current_decision,
    decision_report,
    decisions_for_run,
    run_report,
    runs_for_user,
    selectable_candidacies,
    submitted_candidacies,
)
from selection.services.decision import decision_confirm, decision_discard, decision_record
from selection.services.proposal import candidacy_withdraw, selection_rerun, selection_run


def _messages(error: ValidationError) -> list[str]:
    return list(error.messages)


@permission_required("selection.run_selection", raise_exception=True)
def proposal(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm="selection.run_selection")
    candidacies = selectable_candidacies(user=request.user, programme=programme)
    form = RunForm(request.POST or None, candidacies=candidacies)
    if request.method == "POST" and form.is_valid():
        try:
            run = selection_run(
                programme=programme,
                method=form.cleaned_data["method"],
                include=form.cleaned_data["include"],
                exclude=form.cleaned_data["exclude"],
                actor=request.user,
            )
        except ValidationError as error:
            for message in _messages(error):
                form.add_error(None, message)
        else:
            return redirect("selection:run_detail", pk=run.pk)
    return render(
        request,
        "selection/proposal_list.html",
        {
            "programme": programme,
            "form": form,
            "runs": runs_for_user(user=request.user, programme=programme),
            "decision": current_decision(programme=programme),
        },
    )


@permission_required("selection.run_selection", raise_exception=True)
def run_detail(request, pk: int):
    run = access_run(user=request.user, pk=pk)
    return render(
        request,
        "selection/proposal_detail.html",
        {
            "run": run,
            "programme": run.programme,
            "report": run_report(user=request.user, run=run),
            "decisions": decisions_for_run(user=request.user, run=run),
        },
    )


@permission_required("selection.run_selection", raise_exception=True)
@require_POST
def run_rerun(request, pk: int):
    run = access_run(user=request.user, pk=pk)
    new = selection_rerun(run=run, actor=request.user)
    if new.result == run.result:
        messages.success(
            request,
            _("Run #%(new)s gives the same result as run #%(old)s.")
            % {"new": new.pk, "old": run.pk},
        )
    else:
        messages.warning(
            request,
            _("Run #%(new)s differs from run #%(old)s.") % {"new": new.pk, "old": run.pk},
        )
    return redirect("selection:run_detail", pk=new.pk)


@permission_required("selection.run_selection", raise_exception=True)
@require_POST
def run_withdraw(request, pk: int):
    run = access_run(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a municipality."))
        return redirect("selection:run_detail", pk=run.pk)
    candidacy = get_object_or_404(
        submitted_candidacies(user=request.user, programme=run.programme),
        pk=form.cleaned_data["candidacy"],
    )
    try:
        candidacy_withdraw(candidacy=candidacy, actor=request.user)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s has withdrawn.") % {"name": candidacy.municipality.name},
        )
    return redirect("selection:run_detail", pk=run.pk)


def _amendment_initial(report) -> list[dict]:
    """Pre-fill the reserve list's replacements as amendments; staff can change them."""
    initial = []
    for row in report.reserve:
        if row.replacement is None:
            continue
        initial.append(
            {
                "candidacy": row.withdrawn.candidacy,
                "action": AmendmentAction.REMOVE,
                "reason": _("Withdrawn."),
            }
        )
        initial.append(
            {
                "candidacy": row.replacement.candidacy,
                "action": AmendmentAction.ADD,
                "reason": _("Best replacement from the reserve list that keeps every quota."),
            }
        )
    return initial


@permission_required("selection.record_decision", raise_exception=True)
def decision_create(request, pk: int):
    run = access_run(user=request.user, pk=pk)
    programme = run.programme
    report = run_report(user=request.user, run=run)
    members = active_members(user=request.user, programme=programme)
    candidacies = submitted_candidacies(user=request.user, programme=programme)
    supersedes = current_decision(programme=programme)
    form = DecisionForm(
        request.POST or None,
        members=members,
        initial={"quorum": max(1, len(members) // 2 + 1)},
    )
    formset = AmendmentFormSet(
        request.POST or None,
        candidacies=candidacies,
        prefix="amendments",
        initial=None if request.method == "POST" else _amendment_initial(report),
    )
    errors: list[str] = []
    if not report.optimal:
        errors.append(_("A decision can only be based on an optimal proposal."))
    if request.method == "POST":
        # E.g. too many amendment rows: the formset's own template does not show these.
        errors.extend(formset.non_form_errors())
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            decision = decision_record(
                run=run,
                meeting_date=form.cleaned_data["meeting_date"],
                meeting_location=form.cleaned_data["meeting_location"],
                quorum=form.cleaned_data["quorum"],
                rule=form.cleaned_data["rule"],
                minutes=form.cleaned_data["minutes"],
                votes=form.votes(),
                amendments=formset.amendments(),
                actor=request.user,
                supersedes=supersedes,
            )
        except ValidationError as error:
            errors.extend(_messages(error))
        else:
            messages.success(request, _("The decision is recorded as a draft."))
            return redirect("selection:decision_detail", pk=decision.pk)
    return render(
        request,
        "selection/decision_form.html",
        {
            "run": run,
            "programme": programme,
            "report": report,
            "form": form,
            "formset": formset,
            "errors": errors,
            "supersedes": supersedes,
        },
    )


@permission_required("selection.record_decision", raise_exception=True)
def decision_detail(request, pk: int):
    decision = access_decision(user=request.user, pk=pk)
    report = decision_report(user=request.user, decision=decision)
    return render(
        request,
        "selection/decision_detail.html",
        {"decision": decision, "programme": decision.programme, "report": report},
    )


@permission_required("selection.record_decision", raise_exception=True)
@require_POST
def decision_confirm_view(request, pk: int):
    decision = access_decision(user=request.user, pk=pk)
    try:
        decision_confirm(decision=decision, actor=request.user)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The decision is confirmed: the pilot group and the outreach group are set."),
        )
    return redirect("selection:decision_detail", pk=decision.pk)


@permission_required("selection.record_decision", raise_exception=True)
@require_POST
def decision_discard_view(request, pk: int):
    decision = access_decision(user=request.user, pk=pk)
    run_pk = decision.run_id
    try:
        decision_discard(decision=decision, actor=request.user)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
        return redirect("selection:decision_detail", pk=decision.pk)
    messages.success(request, _("The draft decision is discarded."))
    return redirect("selection:run_detail", pk=run_pk)


@permission_required("selection.record_decision", raise_exception=True)
def decision_record_view(request, pk: int):
    """The proces-verbaal: always in Dutch, the language of the board's record."""
    decision = access_decision(user=request.user, pk=pk)
    with translation.override("nl"):
        report = decision_report(user=request.user, decision=decision)
        return render(
            request,
            "selection/decision_record.html",
            {"decision": decision, "programme": decision.programme, "report": report},
        )
