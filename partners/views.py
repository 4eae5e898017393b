"""The staff's partner pages: the partners of a programme, a partner with its contact log
and the form to log a contact, the subsidies with their reports, the joint trainings.
Staff only (403 for anyone else); another programme's partner, contact or report in a URL
answers 404. Reads go through partners.selectors, writes through partners.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rules.contrib.views import permission_required

from core.feedback import add_form_errors
from core.uploads import CONTENT_TYPES
from selection.selectors.groups import latest_programme

from . import selectors, services
from .enums import PartnerKind
from .forms import ContactForm, PartnerFilterForm, SubmitReportForm

MANAGE = "partners.manage_partners"
SEE = "partners.see_involvement"


@permission_required(SEE, raise_exception=True)
@require_GET
def partners_home(request):
    """The navigation's entry: the partners of the latest programme."""
    programme = latest_programme()
    if programme is None:
        raise Http404
    return redirect("partners:list", programme_pk=programme.pk)


@permission_required(SEE, raise_exception=True)
@require_GET
def partner_list(request, programme_pk: int):
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    form = PartnerFilterForm(request.GET or None)
    partners = selectors.partners_for_programme(
        user=request.user, programme=programme, kind=form.chosen_kind()
    )
    return render(
        request,
        "partners/partner_list.html",
        {"programme": programme, "form": form, "partners": partners, "kinds": PartnerKind},
    )


def _detail(request, programme, partner, *, form=None, status=200):
    contacts = selectors.contacts_for_partner(user=request.user, partner=partner)
    form = form or ContactForm(programme=programme)
    return render(
        request,
        "partners/partner_detail.html",
        {"programme": programme, "partner": partner, "contacts": contacts, "form": form},
        status=status,
    )


@permission_required(SEE, raise_exception=True)
@require_GET
def partner_detail(request, programme_pk: int, pk: int):
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    partner = selectors.access_partner(user=request.user, programme=programme, pk=pk)
    return _detail(request, programme, partner)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def contact_create(request, programme_pk: int, pk: int):
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    partner = selectors.access_partner(user=request.user, programme=programme, pk=pk)
    form = ContactForm(request.POST, request.FILES, programme=programme)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.partner_contact_log(
                actor=request.user,
                partner=partner,
                date=data["date"],
                who=data["who"],
                topic=data["topic"],
                outcome=data["outcome"],
                meetings=list(data["meetings"]),
                upload=data["document"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The contact is logged."))
            return redirect("partners:detail", programme_pk=programme.pk, pk=partner.pk)
    return _detail(request, programme, partner, form=form, status=400)


@permission_required(SEE, raise_exception=True)
@require_GET
def contact_document(request, programme_pk: int, pk: int):
    """A contact's document, as an attachment with the type its content was checked to be."""
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    contact = selectors.access_contact(user=request.user, programme=programme, pk=pk)
    if not contact.document:
        raise Http404
    try:
        content = contact.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        content,
        as_attachment=True,
        filename=contact.document_name or f"document.{contact.document_extension}",
        content_type=CONTENT_TYPES.get(contact.document_extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _subsidies(request, programme, *, forms=None, status=200):
    subsidies = selectors.subsidies_for_programme(user=request.user, programme=programme)
    forms = forms or {}
    rows = [
        (
            subsidy,
            [
                (report, forms.get(report.pk) or SubmitReportForm(prefix=f"report-{report.pk}"))
                for report in subsidy.reports.all()
            ],
        )
        for subsidy in subsidies
    ]
    return render(
        request,
        "partners/subsidy_list.html",
        {"programme": programme, "rows": rows},
        status=status,
    )


@permission_required(SEE, raise_exception=True)
@require_GET
def subsidy_list(request, programme_pk: int):
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    return _subsidies(request, programme)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def report_submit(request, programme_pk: int, pk: int):
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    report = selectors.access_report(user=request.user, programme=programme, pk=pk)
    form = SubmitReportForm(request.POST, prefix=f"report-{report.pk}")
    if form.is_valid():
        try:
            services.subsidy_report_submit(
                actor=request.user, report=report, submitted_on=form.cleaned_data["submitted_on"]
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request, _("“%(title)s” is marked submitted.") % {"title": report.title}
            )
            return redirect("partners:subsidies", programme_pk=programme.pk)
    return _subsidies(request, programme, forms={report.pk: form}, status=400)


@permission_required(SEE, raise_exception=True)
@require_GET
def training_list(request, programme_pk: int):
    programme = selectors.access_programme(user=request.user, pk=programme_pk)
    trainings = selectors.trainings_for_programme(user=request.user, programme=programme)
    return render(
        request,
        "partners/training_list.html",
        {"programme": programme, "trainings": trainings},
    )
