"""The state-of-affairs report: the page, and the same report as a PDF."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from rules.contrib.views import permission_required

from reports.forms import ReportSnapshotsForm
from reports.pdf import html_to_pdf, static_text
from reports.selectors import access_programme, programme_report, report_snapshots

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _context(request, programme_pk: int) -> dict:
    programme = access_programme(user=request.user, pk=programme_pk)
    snapshots = report_snapshots(user=request.user)
    form = ReportSnapshotsForm(request.GET or None, snapshots=snapshots)
    a = b = None
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    report = programme_report(user=request.user, programme=programme, a=a, b=b)
    query = {}
    if report.status.a is not None and report.status.b is not None:
        query = {"a": report.status.a.pk, "b": report.status.b.pk}
    return {"programme": programme, "form": form, "report": report, "snapshot_query": query}


def _language(request) -> str | None:
    """The language asked for with ?lang=, if it is one of the site's."""
    lang = request.GET.get("lang", "")
    return lang if lang in LANGUAGES else None


@permission_required("reports.read_programme_report", raise_exception=True)
def report(request, programme_pk: int):
    with translation.override(_language(request) or translation.get_language()):
        return render(request, "reports/report.html", _context(request, programme_pk))


def pdf_context(context: dict) -> dict:
    """The page's context for the PDF. WeasyPrint styles an SVG only by the styles inside
    it, so the map's SVG carries the text of the static file that colours it on the page
    (css/progress.css, the one source of those colours). The page itself has no <style>."""
    return {**context, "pdf": True, "svg_css": static_text("css/progress.css")}


@permission_required("reports.read_programme_report", raise_exception=True)
def report_pdf(request, programme_pk: int):
    """The report as a PDF, rendered by WeasyPrint from the report's own template."""
    lang = _language(request) or translation.get_language()
    with translation.override(lang):
        context = _context(request, programme_pk)
        html = render_to_string("reports/report_pdf.html", pdf_context(context), request)
        pdf = html_to_pdf(html)
    day = timezone.localdate(context["report"].generated_at).isoformat()
    name = f"{slugify(context['programme'].name) or 'report'}-{day}-{lang}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
