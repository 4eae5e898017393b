from django.urls import path

from .views import ranking

# Staff pages on the board's scores of one programme.
urlpatterns = [
    path(
        "staff/programmes/<int:programme_pk>/ranking/",
        ranking.ranking,
        name="ranking",
    ),
    path(
        "staff/programmes/<int:programme_pk>/ranking.csv",
        ranking.ranking_csv,
        name="ranking_csv",
    ),
    path(
        "staff/programmes/<int:programme_pk>/ranking.xlsx",
        ranking.ranking_xlsx,
        name="ranking_xlsx",
    ),
    path(
        "staff/programmes/<int:programme_pk>/agreement/",
        ranking.agreement,
        name="agreement",
    ),
    path(
        "staff/programmes/<int:programme_pk>/progress/",
        ranking.progress,
        name="progress",
    ),
]
