"""The staff's reminders page (namespace "meetings": included by meetings.urls)."""

from django.urls import path

from . import views_reminders

urlpatterns = [
    path("staff/meetings/reminders/", views_reminders.reminders, name="reminders"),
]
