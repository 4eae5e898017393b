"""The invited people's meeting pages (namespace "meetings", included by meetings.urls or
the root URLconf). The token pages need no login: the token is the key."""

from django.urls import path

from . import views_people

urlpatterns = [
    path("meetings/", views_people.my_meetings, name="my_meetings"),
    path("meetings/invitations/<int:pk>/answer/", views_people.answer, name="answer"),
    path("meetings/documents/<int:pk>/", views_people.document, name="my_document"),
    path("meetings/calendar/", views_people.calendar, name="calendar"),
    # From a mail: the one-click answer and the reminder opt-out (signed tokens).
    path("meetings/answer/<str:token>/", views_people.answer_link, name="answer_link"),
    path("meetings/reminders/<str:token>/", views_people.opt_out, name="opt_out"),
    path(
        "meetings/reminders/<str:token>/one-click/",
        views_people.opt_out_one_click,
        name="opt_out_one_click",
    ),
    # For calendar programs: the person's secret feed.
    path("meetings/calendar/<str:token>.ics", views_people.calendar_feed, name="calendar_feed"),
]
