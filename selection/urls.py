from django.urls import path

from . import views

app_name = "selection"

urlpatterns = [
    path("staff/", views.programme_overview, name="programme_overview"),
    path("board/", views.board_home, name="board_home"),
]
