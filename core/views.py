import rules
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .services import health_check


def start(request):
    """Send each role to its own start page after login."""
    user = request.user
    if user.is_staff:
        return redirect("portal:dashboard")
    if rules.test_rule("is_board_member", user):
        return redirect("selection:board_home")
    contact = getattr(user, "municipality_contact", None)
    if contact is not None:
        return redirect("portal:home", nis_code=contact.municipality_id)
    return render(request, "core/no_role.html")


@login_not_required
@never_cache
def healthz(request):
    health = health_check()
    return JsonResponse(
        {
            "database": health.database,
            "broker": health.broker,
            "beat_heartbeat_age_s": health.beat_heartbeat_age_s,
            # The apps' figures, e.g. oldest_due_delivery_age_s: seconds since the oldest
            # meeting mail that is due was due, null when none waits.
            **health.figures,
        },
        status=200 if health.ok else 503,
    )
