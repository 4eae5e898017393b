"""The staff's start page: one programme at a glance (the latest, or ``?programme=<pk>``)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET
from rules.contrib.views import permission_required

from portal.dashboard import PERMISSION, programme_dashboard
from selection.selectors import access_programme, programmes_for_staff
from selection.selectors.groups import latest_programme


def _programme(request):
    """The programme asked for, else the one that started last; 404 for a bad or unknown
    id, so an id tells nothing."""
    value = request.GET.get("programme")
    if value is None or value == "":
        return latest_programme()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404
    return access_programme(user=request.user, pk=int(value), perm=PERMISSION)


@permission_required(PERMISSION, raise_exception=True)
@require_GET
def dashboard(request):
    programme = _programme(request)
    return render(
        request,
        "portal/dashboard.html",
        {
            "programme": programme,
            "dashboard": programme_dashboard(user=request.user, programme=programme)
            if programme
            else None,
            "others": programmes_for_staff(user=request.user)
            .exclude(pk=getattr(programme, "pk", None))
            .order_by("-starts_on", "-pk")
            .only("pk", "name"),
        },
    )
