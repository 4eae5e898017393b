from django.urls import path

from .views import intake

urlpatterns = [
    path("my-candidacy/", intake.my_candidacy, name="my_candidacy"),
    path("apply/<int:programme_pk>/", intake.apply, name="apply"),
    path(
        "staff/programmes/<int:programme_pk>/import/",
        intake.import_candidacies,
        name="import_candidacies",
    ),
]
