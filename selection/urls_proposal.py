from django.urls import path

from .views import proposal

# Staff pages on the optimiser's proposal, the reserve list and the board's decision.
urlpatterns = [
    path(
        "staff/programmes/<int:programme_pk>/proposal/",
        proposal.proposal,
        name="proposal",
    ),
    path("staff/runs/<int:pk>/", proposal.run_detail, name="run_detail"),
    path("staff/runs/<int:pk>/rerun/", proposal.run_rerun, name="run_rerun"),
    path("staff/runs/<int:pk>/withdraw/", proposal.run_withdraw, name="run_withdraw"),
    path("staff/runs/<int:pk>/decide/", proposal.decision_create, name="decision_create"),
    path("staff/decisions/<int:pk>/", proposal.decision_detail, name="decision_detail"),
    path(
        "staff/decisions/<int:pk>/confirm/",
        proposal.decision_confirm_view,
        name="decision_confirm",
    ),
    path(
        "staff/decisions/<int:pk>/discard/",
        proposal.decision_discard_view,
        name="decision_discard",
    ),
    path("staff/decisions/<int:pk>/pv/", proposal.decision_record_view, name="decision_record"),
]
