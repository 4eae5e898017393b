from django.shortcuts import render
from rules.contrib.views import permission_required

from selection.selectors import board_memberships_for_user, candidacies_for_user


@permission_required("selection.view_board_home", raise_exception=True)
def board_home(request):
    memberships = list(board_memberships_for_user(user=request.user))
    programmes = [
        (membership, candidacies_for_user(user=request.user, programme=membership.programme))
        for membership in memberships
    ]
    return render(request, "selection/board_home.html", {"programmes": programmes})
