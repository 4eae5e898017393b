"""Reads for candidacy intake: a contact's own application, and programmes staff import into."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from municipalities.models import Municipality
from selection.enums import ProgrammePhase
from selection.models import Candidacy, Programme
from selection.rules import can


@dataclass(frozen=True)
class Application:
    """A contact's view of their municipality's candidacy in one programme."""

    programme: Programme
    municipality: Municipality
    candidacy: Candidacy | None
    editable: bool


def _contact_municipality(user) -> Municipality:
    contact = getattr(user, "municipality_contact", None)
    if contact is None:
        raise PermissionDenied
    return contact.municipality


def application_for_user(*, user, programme_pk: int) -> Application:
    """The user's own municipality's candidacy in a programme, and whether they may edit it.

    Only a municipality contact has an application: anyone else gets PermissionDenied. An
    unknown programme gives 404. The candidacy is always the contact's own municipality's,
    so no other municipality's data can be reached from here. Editable only while the
    programme's call is open (rule `selection.apply`).
    """
    municipality = _contact_municipality(user)
    try:
        programme = Programme.objects.get(pk=programme_pk)
    except Programme.DoesNotExist:
        raise Http404 from None
    candidacy = (
        Candidacy.objects.filter(programme=programme, municipality=municipality)
        .select_related("programme", "municipality")
        .first()
    )
    return Application(
        programme=programme,
        municipality=municipality,
        candidacy=candidacy,
        editable=can(user, "selection.apply", programme),
    )


def application_programme_for_user(*, user) -> Programme:
    """The programme a contact's "my candidacy" link leads to.

    The most recent programme whose call is open; else the most recent one the
    municipality applied to; else the most recent programme. PermissionDenied for anyone
    who is not a municipality contact, 404 when there is no programme at all.
    """
    municipality = _contact_municipality(user)
    programmes = Programme.objects.order_by("-starts_on", "-pk")
    now = timezone.now()
    programme = (
        programmes.filter(phase=ProgrammePhase.APPLICATIONS)
        .filter(Q(call_closes_at__isnull=True) | Q(call_closes_at__gte=now))
        .first()
        or programmes.filter(candidacies__municipality=municipality).first()
        or programmes.first()
    )
    if programme is None:
        raise Http404
    return programme
