from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("pilots/<int:pilot_pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path(
        "pilots/<int:pilot_pk>/course-days/new/", views.course_day_create, name="course_day_create"
    ),
    path("course-days/<int:pk>/edit/", views.course_day_edit, name="course_day_edit"),
    path(
        "course-days/<int:pk>/attendance/",
        views.course_day_attendance,
        name="course_day_attendance",
    ),
    path(
        "pilots/<int:pilot_pk>/information-meeting/",
        views.information_sessions,
        name="information_sessions",
    ),
    path(
        "pilots/<int:pilot_pk>/information-meeting/sessions/",
        views.information_sessions_assign,
        name="information_sessions_assign",
    ),
    path("pilots/<int:pk>/attendance/", views.attendance_summary, name="attendance_summary"),
    path("pilots/<int:pk>/attendance.csv", views.attendance_export, name="attendance_export"),
]
