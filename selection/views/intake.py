"""Candidacy intake pages: a contact's online application and the staff import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from municipalities.enums import SdgStatusLevel
from municipalities.status import current_level
from selection.forms.intake import (
    SUBMIT_BUTTON,
    CandidacyApplicationForm,
    CandidacyImportForm,
    add_service_errors,
)
from selection.selectors import access_programme
from selection.selectors.intake import application_for_user, application_programme_for_user
from selection.services.intake import (
    IMPORT_COLUMNS,
    MIN_MOTIVATION_LENGTH,
    ImportErrors,
    candidacies_import,
    candidacy_save,
    format_import_error,
)


def my_candidacy(request):
    """The contact's link from their municipality page to the current application."""
    programme = application_programme_for_user(user=request.user)
    return redirect("selection:apply", programme_pk=programme.pk)


@require_http_methods(["GET", "POST"])
def apply(request, programme_pk: int):
    application = application_for_user(user=request.user, programme_pk=programme_pk)
    if request.method == "POST":
        if not application.editable:
            raise PermissionDenied
        submitting = SUBMIT_BUTTON in request.POST
        form = CandidacyApplicationForm(
            request.POST, instance=application.candidacy, submitting=submitting
        )
        if form.is_valid():
            try:
                candidacy = candidacy_save(
                    programme=application.programme,
                    municipality=application.municipality,
                    data=form.intake_data(),
                    submit=submitting,
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if submitting:
                    messages.success(request, _("Your candidacy has been submitted. Thank you!"))
                elif candidacy.submitted_at:
                    messages.success(request, _("Your changes have been saved."))
                else:
                    messages.success(
                        request,
                        _("Your draft has been saved. Submit it before the deadline."),
                    )
                return redirect("selection:apply", programme_pk=application.programme.pk)
    else:
        form = CandidacyApplicationForm(
            instance=application.candidacy, editable=application.editable
        )
    return render(
        request,
        "selection/intake_apply.html",
        {
            "application": application,
            "programme": application.programme,
            "candidacy": application.candidacy,
            "form": form,
            "minimum": MIN_MOTIVATION_LENGTH,
            # Shown beside the form: what a submission now would record as the SDG status.
            "assessment_level": SdgStatusLevel(current_level(application.municipality)),
        },
    )


@permission_required("selection.import_candidacies", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_candidacies(request, programme_pk: int):
    programme = access_programme(
        user=request.user, pk=programme_pk, perm="selection.import_candidacies"
    )
    errors: list[str] = []
    if request.method == "POST":
        form = CandidacyImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = candidacies_import(
                    programme=programme, file=upload, filename=upload.name, actor=request.user
                )
            except ImportErrors as failure:
                errors = [format_import_error(row, message) for row, message in failure.errors]
            else:
                messages.success(
                    request,
                    _("Import done: %(created)d candidacies created, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("selection:import_candidacies", programme_pk=programme.pk)
    else:
        form = CandidacyImportForm()
    return render(
        request,
        "selection/intake_import.html",
        {
            "programme": programme,
            "form": form,
            "errors": errors,
            "columns": IMPORT_COLUMNS,
            "minimum": MIN_MOTIVATION_LENGTH,
        },
    )
