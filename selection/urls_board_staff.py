from django.urls import path

from .views import board_staff

# Staff pages of a programme's advisory board: the members, adding one, changing a seat.
urlpatterns = [
    path(
        "staff/programmes/<int:programme_pk>/board/",
        board_staff.board_staff,
        name="board_staff",
    ),
    path(
        "staff/programmes/<int:programme_pk>/board/add/",
        board_staff.board_staff_add,
        name="board_staff_add",
    ),
    path(
        "staff/programmes/<int:programme_pk>/board/<int:pk>/active/",
        board_staff.board_staff_active,
        name="board_staff_active",
    ),
    path(
        "staff/programmes/<int:programme_pk>/board/<int:pk>/welcome/",
        board_staff.board_staff_welcome,
        name="board_staff_welcome",
    ),
]
