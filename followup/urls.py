from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("pilots/<int:pilot_pk>/", views.pilot_follow_up, name="pilot_follow_up"),
    path(
        "pilots/<int:pilot_pk>/board-meetings/new/",
        views.board_meeting_create,
        name="board_meeting_create",
    ),
    path("board-meetings/<int:pk>/edit/", views.board_meeting_edit, name="board_meeting_edit"),
    path(
        "board-meetings/<int:pk>/delete/", views.board_meeting_delete, name="board_meeting_delete"
    ),
    path("meetings/<int:pk>/plan/", views.follow_up_meeting_plan, name="follow_up_meeting_plan"),
    path("meetings/<int:pk>/hold/", views.follow_up_meeting_hold, name="follow_up_meeting_hold"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.reminder_detail, name="reminder_detail"),
    path("outbox/<int:pk>/resend/", views.reminder_resend, name="reminder_resend"),
]
