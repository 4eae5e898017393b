from django.shortcuts import render
from rules.contrib.views import permission_required

from selection.selectors import programmes_for_staff


@permission_required("selection.view_programme_overview", raise_exception=True)
def programme_overview(request):
    return render(
        request,
        "selection/programme_overview.html",
        {"programmes": programmes_for_staff(user=request.user)},
    )
