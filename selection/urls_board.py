from django.urls import path

from .views import board

urlpatterns = [
    path("board/", board.board_home, name="board_home"),
]
