"""A municipality's own pages (being built)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


home = assessment = goals = goal = milestones = actions = action = document = history = restore = (
    _todo
)
