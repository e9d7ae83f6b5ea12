from django.urls import path

from pilots.views import phases, staff

app_name = "pilots"

urlpatterns = [
    path("pilots/<int:pk>/phase/", phases.pilot_advance_phase, name="pilot_advance_phase"),
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
]
