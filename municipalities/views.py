from django.shortcuts import render

from .models import SDGGoal
from .selectors import municipality_for_user


def municipality_detail(request, nis_code: str):
    municipality = municipality_for_user(user=request.user, nis_code=nis_code)
    return render(
        request,
        "municipalities/municipality_detail.html",
        {
            "municipality": municipality,
            "contacts": municipality.contacts.select_related("user"),
            "goals": SDGGoal.objects.all(),
        },
    )
