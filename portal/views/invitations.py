"""Accepting an invitation to become a municipality's contact (being built)."""

from django.http import Http404


def accept(request, token):
    raise Http404
