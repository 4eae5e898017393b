from django.urls import include, path

from .views import programme

app_name = "selection"

# Each area has its own URL module: board member pages, staff ranking, proposal and
# decision, and candidacy intake (online application and import).
urlpatterns = [
    path("staff/", programme.programme_overview, name="programme_overview"),
    path(
        "staff/programmes/<int:programme_pk>/",
        programme.programme_detail,
        name="programme_detail",
    ),
    path(
        "staff/programmes/<int:programme_pk>/phase/",
        programme.programme_phase,
        name="programme_phase",
    ),
    path(
        "staff/conflicts/<int:pk>/lift/",
        programme.conflict_lift_view,
        name="conflict_lift",
    ),
    path("", include("selection.urls_board")),
    path("", include("selection.urls_board_staff")),
    path("", include("selection.urls_ranking")),
    path("", include("selection.urls_proposal")),
    path("", include("selection.urls_criteria")),
    path("", include("selection.urls_intake")),
]
