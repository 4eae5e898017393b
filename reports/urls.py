from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("staff/programmes/<int:programme_pk>/report/", views.report, name="report"),
    path("staff/programmes/<int:programme_pk>/report.pdf", views.report_pdf, name="report_pdf"),
]
