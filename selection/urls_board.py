from django.urls import path

from .views import board

urlpatterns = [
    path("board/", board.board_home, name="board_home"),
    path("board/candidacies/<int:pk>/", board.board_dossier, name="board_dossier"),
    path("board/candidacies/<int:pk>/declare/", board.board_declare, name="board_declare"),
]
