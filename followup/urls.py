from django.urls import path

from followup import views, views_calendar

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
    path("calendars/", views_calendar.calendars, name="calendars"),
    path("calendars/renew/", views_calendar.calendar_feed_renew, name="calendar_feed_renew"),
    # Public: a calendar subscribes without a login; the secret link is the key (followup.feeds).
    path("calendar/<str:token>.ics", views_calendar.calendar_feed, name="calendar_feed"),
    path(
        "course-days/<int:pk>/calendar.ics",
        views_calendar.course_day_ics,
        name="course_day_ics",
    ),
    path(
        "information-meetings/<int:pk>/calendar.ics",
        views_calendar.information_meeting_ics,
        name="information_meeting_ics",
    ),
    path(
        "meetings/<int:pk>/calendar.ics",
        views_calendar.follow_up_meeting_ics,
        name="follow_up_meeting_ics",
    ),
]
