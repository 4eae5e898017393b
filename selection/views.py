from django.shortcuts import render
from rules.contrib.views import permission_required

from .selectors import (
    board_memberships_for_user,
    candidacies_for_user,
    programmes_for_staff,
)


@permission_required("selection.view_programme_overview", raise_exception=True)
def programme_overview(request):
    return render(
        request,
        "selection/programme_overview.html",
        {"programmes": programmes_for_staff(user=request.user)},
    )


@permission_required("selection.view_board_home", raise_exception=True)
def board_home(request):
    memberships = list(board_memberships_for_user(user=request.user))
    programmes = [
        (membership, candidacies_for_user(user=request.user, programme=membership.programme))
        for membership in memberships
    ]
    return render(request, "selection/board_home.html", {"programmes": programmes})
