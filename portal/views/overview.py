"""Staff overviews of every municipality's status (being built)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


heatmap = export_csv = export_xlsx = _todo
