"""Staff pages on progress: the map, snapshots and their comparison (being built)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


status_map = snapshots = compare = _todo
