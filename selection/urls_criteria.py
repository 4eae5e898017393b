from django.urls import path

from .views import criteria

# Staff pages on a programme's criteria and the quotas of its diversity criteria.
urlpatterns = [
    path(
        "staff/programmes/<int:programme_pk>/criteria/",
        criteria.criteria,
        name="criteria",
    ),
    path(
        "staff/programmes/<int:programme_pk>/criteria/scale/",
        criteria.criteria_scale,
        name="criteria_scale",
    ),
]
