from django.urls import path

from pilots.views import invitations, library, phases, programme_settings, staff

app_name = "pilots"

urlpatterns = [
    path("pilots/<int:pk>/phase/", phases.pilot_advance_phase, name="pilot_advance_phase"),
    path(
        "pilots/<int:pk>/phase/follow-events/",
        phases.pilot_phase_follow_events,
        name="pilot_phase_follow_events",
    ),
    path("departments/<int:pk>/staff/", staff.staff_list, name="staff_list"),
    path("departments/<int:pk>/staff/add/", staff.staff_add, name="staff_add"),
    path(
        "departments/<int:department_pk>/staff/<int:pk>/edit/",
        staff.staff_edit,
        name="staff_edit",
    ),
    path(
        "departments/<int:department_pk>/staff/<int:pk>/end/",
        staff.staff_end,
        name="staff_end",
    ),
    path(
        "departments/<int:department_pk>/staff/<int:pk>/restore/",
        staff.staff_restore,
        name="staff_restore",
    ),
    path("departments/<int:pk>/staff/import/", staff.staff_import, name="staff_import"),
    path(
        "departments/<int:pk>/staff/import/template/",
        staff.staff_import_template_download,
        name="staff_import_template",
    ),
    path("people/<int:pk>/invite/", invitations.person_invite_view, name="person_invite"),
    path("invitations/", invitations.invitation_list, name="invitation_list"),
    path(
        "invitations/<int:pk>/resend/",
        invitations.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "invitations/<int:pk>/withdraw/",
        invitations.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "programmes/<int:pk>/settings/",
        programme_settings.programme_settings,
        name="programme_settings",
    ),
    path(
        "programmes/<int:pk>/settings/course-weeks/",
        programme_settings.programme_course_weeks,
        name="programme_course_weeks",
    ),
    path(
        "programmes/<int:pk>/settings/retention/",
        programme_settings.programme_retention,
        name="programme_retention",
    ),
    path(
        "programmes/<int:pk>/settings/phase-targets/",
        programme_settings.programme_phase_targets,
        name="programme_phase_targets",
    ),
    path(
        "programmes/<int:programme_pk>/holidays/new/",
        programme_settings.holiday_period_create,
        name="holiday_period_create",
    ),
    path(
        "programmes/<int:programme_pk>/holidays/<int:pk>/edit/",
        programme_settings.holiday_period_edit,
        name="holiday_period_edit",
    ),
    path(
        "programmes/<int:programme_pk>/holidays/<int:pk>/delete/",
        programme_settings.holiday_period_remove,
        name="holiday_period_delete",
    ),
    path("library/", library.library, name="library"),
    path("library/processes/new/", library.earlier_process_create, name="earlier_process_create"),
    path(
        "library/processes/<int:pk>/",
        library.earlier_process_detail,
        name="earlier_process_detail",
    ),
    path(
        "library/processes/<int:pk>/edit/",
        library.earlier_process_edit,
        name="earlier_process_edit",
    ),
    path(
        "library/processes/<int:pk>/delete/",
        library.earlier_process_remove,
        name="earlier_process_delete",
    ),
    path("library/lessons/<int:pk>/", library.lessons_detail, name="lessons_detail"),
    path("library/import/", library.library_import, name="library_import"),
    path(
        "library/import/template/",
        library.library_import_template_download,
        name="library_import_template",
    ),
    path("pilots/<int:pk>/lessons/", library.pilot_lessons_edit, name="pilot_lessons"),
]
