"""Reads of municipality data, always for a given user."""

from django.db.models import QuerySet
from django.http import Http404

from .models import Municipality


def municipalities_for_user(*, user) -> QuerySet[Municipality]:
    """The municipalities whose pages the user may see: all for staff, their own for a contact.

    Everyone else sees none. This is the only way views read municipality pages.
    """
    qs = Municipality.objects.select_related("province", "arrondissement")
    if user.is_staff:
        return qs
    contact = getattr(user, "municipality_contact", None)
    if contact is None:
        return qs.none()
    return qs.filter(pk=contact.municipality_id)


def municipality_for_user(*, user, nis_code: str) -> Municipality:
    """One municipality the user may see; 404 for any other, so ids leak nothing."""
    try:
        return municipalities_for_user(user=user).get(pk=nis_code)
    except Municipality.DoesNotExist:
        raise Http404 from None
