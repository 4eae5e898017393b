"""Publishing a programme's public page: a read-only page without login, off by default.

What the page shows is decided by its selector (portal.public.public_programme), never by
this switch: the switch only opens or closes it. Each change is a history row of the
programme with the acting user, so who published or withdrew the page stays on record.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from selection.models import Programme
from selection.rules import can


@transaction.atomic
def programme_publish_page(*, actor, programme: Programme, public: bool) -> Programme:
    """Switch the programme's public page on or off; staff only (PermissionDenied).

    The staff who steer the programme's phases decide it. Switching on sets the moment it
    went public; switching off clears it. Asking for the state the page is already in
    changes nothing and writes no history row.
    """
    if not can(actor, "selection.publish_page", programme):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.public_page == public:
        return programme
    programme.public_page = public
    programme.public_since = timezone.now() if public else None
    programme._history_user = actor
    programme.save(update_fields=["public_page", "public_since"])
    return programme
