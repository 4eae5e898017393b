"""The meetings' URLs (namespace "meetings"): the staff's meeting pages, the staff's
reminders page (meetings.urls_reminders) and the invited people's pages
(meetings.urls_people). The root URLconf includes this module only."""

from django.urls import include, path

from . import views

app_name = "meetings"

urlpatterns = [
    path("staff/meetings/", views.meeting_list, name="list"),
    path("staff/meetings/new/", views.meeting_create, name="create"),
    path("staff/meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("staff/meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("staff/meetings/<int:pk>/agenda/", views.meeting_agenda, name="agenda"),
    path("staff/meetings/<int:pk>/publish/", views.meeting_publish, name="publish"),
    path("staff/meetings/<int:pk>/record-held/", views.meeting_record_held, name="record_held"),
    path("staff/meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("staff/meetings/<int:pk>/next-year/", views.meeting_next_year, name="next_year"),
    path("staff/meetings/<int:pk>/report/", views.meeting_report, name="report"),
    path("staff/meetings/<int:pk>/documents/", views.meeting_document_add, name="document_add"),
    path("staff/meetings/<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("staff/meetings/<int:pk>/expectations/", views.meeting_expectations, name="expectations"),
    path("staff/meetings/documents/<int:pk>/", views.meeting_document, name="document"),
    path("", include("meetings.urls_reminders")),
    path("", include("meetings.urls_people")),
]
