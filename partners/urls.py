"""The partners' URLs (namespace "partners"): staff pages per programme."""

from django.urls import path

from . import views

app_name = "partners"

PREFIX = "staff/programmes/<int:programme_pk>/"

urlpatterns = [
    path("staff/partners/", views.partners_home, name="home"),
    path(PREFIX + "partners/", views.partner_list, name="list"),
    path(PREFIX + "partners/<int:pk>/", views.partner_detail, name="detail"),
    path(PREFIX + "partners/<int:pk>/contacts/", views.contact_create, name="contact_create"),
    path(
        PREFIX + "partner-contacts/<int:pk>/document/",
        views.contact_document,
        name="contact_document",
    ),
    path(PREFIX + "subsidies/", views.subsidy_list, name="subsidies"),
    path(PREFIX + "subsidy-reports/<int:pk>/submitted/", views.report_submit, name="report_submit"),
    path(PREFIX + "trainings/", views.training_list, name="trainings"),
]
