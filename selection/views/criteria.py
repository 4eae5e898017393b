"""Staff page of a programme's criteria and quotas: the judgement criteria to read, the
quotas of the diversity criteria edited as one form, and the standard quotas scaled to the
pilot group size."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from core.feedback import flash_errors
from selection.forms.criteria import QuotasForm, QuotasVersionForm
from selection.selectors import access_programme
from selection.selectors.criteria import QUOTAS_PERM, criteria_overview
from selection.selectors.runs import run_freshness, runs_for_user
from selection.services.criteria import (
    STANDARD_GROUP_SIZE,
    quotas_save,
    quotas_scale_to_group,
)


def _saved_message(count: int) -> str:
    if not count:
        return _("Nothing changed: the quotas were already like this.")
    return ngettext(
        "%(count)s quota changed. Runs made before are now stale: run the optimiser again.",
        "%(count)s quotas changed. Runs made before are now stale: run the optimiser again.",
        count,
    ) % {"count": count}


@permission_required(QUOTAS_PERM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def criteria(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm=QUOTAS_PERM)
    overview = criteria_overview(user=request.user, programme=programme)
    data = request.POST if request.method == "POST" else None
    form = QuotasForm(data, overview=overview)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                changes = quotas_save(
                    programme=programme,
                    actor=request.user,
                    quotas=form.quotas(),
                    version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "stale":
                    # Keep what was typed, now against the quotas saved meanwhile: saving
                    # again is a choice made with both in view.
                    kept = data.copy()
                    kept["version"] = overview.version
                    form = QuotasForm(kept, overview=overview)
                form.add_service_error(error)
            else:
                messages.success(request, _saved_message(changes.total))
                return redirect("selection:criteria", programme_pk=programme.pk)
    latest = runs_for_user(user=request.user, programme=programme).first()
    return render(
        request,
        "selection/criteria.html",
        {
            "programme": programme,
            "overview": overview,
            "form": form,
            "blocks": form.blocks(),
            "scale_form": QuotasVersionForm(initial={"version": overview.version}),
            "standard_size": STANDARD_GROUP_SIZE,
            "latest_run": latest,
            "latest_freshness": latest and run_freshness(user=request.user, run=latest),
        },
        status=status,
    )


@permission_required(QUOTAS_PERM, raise_exception=True)
@require_POST
def criteria_scale(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm=QUOTAS_PERM)
    form = QuotasVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: look at the quotas as they are now."))
        return redirect("selection:criteria", programme_pk=programme.pk)
    try:
        changes = quotas_scale_to_group(
            programme=programme, actor=request.user, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _saved_message(changes.total))
    return redirect("selection:criteria", programme_pk=programme.pk)
