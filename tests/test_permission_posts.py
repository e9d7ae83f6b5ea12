"""The permission matrix again, with bodies that would be saved: a refusal is the permission's.

`tests/test_permission_matrix.py` opens every URL as every role; its POSTs are mostly empty, so
a refusal there might be the form's. Here every URL that accepts a POST is posted a valid body
as every role (htmx's too, with `HX-Request`): whoever the matrix's policy lets in gets the
success (a redirect, or the page), everyone else the matrix's refusal (login, 403, 404), and
after a refusal the database is exactly as before: every table's rows, counted and hashed.
Then ids from different parents (a department's URL with a person of another department), ids
from another municipality in a body, the exports, and the admin for everyone who is not staff.
"""

import datetime as dt
import functools
import hashlib
from contextlib import contextmanager

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pilots.models import Department, HolidayPeriod, Person
from plans import services as plans_services
from plans.models import Measure, ProjectPlan
from tests.factories import InformationMeetingFactory
from tests.post_endpoints import forms_on, post_url_names
from tests.test_permission_matrix import LOGIN, MATRIX, ROLES, Asks, _expected, _user

pytestmark = pytest.mark.django_db

REFUSALS = {LOGIN, 403, 404}


def _today():
    return timezone.localdate().isoformat()


def _page_form(path):
    """The form as the page shows it to a superuser, for forms too big to write out."""

    def page_body(client, c, o, url):
        client.force_login(c.users.superuser)
        html = client.get(reverse("plans:plan_edit", args=[c.pilot_a.pk])).content.decode()
        data = {}
        for form in forms_on(html, path(c, o)):
            if form.action.startswith(url):
                data.update(form.data)
        return data

    return page_body


def _meeting_fields(c, o):
    return {
        "date": "2027-01-25",
        "starts_at": "09:00",
        "ends_at": "10:00",
        "place": "Rådhuset",
        "notes": "",
    }


def _person_fields(name, email):
    return {
        "full_name": name,
        "email": email,
        "phone": "",
        "language": "nb",
        "roles": "staff",
        "position_percent": "",
    }


def _course_day(number):
    def body(c, o):
        return {
            "number": str(number),
            "date": "2027-02-16",
            "starts_at": "08:30",
            "ends_at": "15:30",
            "place": "",
            "topic": "",
            "facilitators": [c.jorunn.pk],
        }

    return body


def _earlier_process_fields():
    return {
        "title": "Tavlemøter på sykehjemmet",
        "year": "2021",
        "department": "",
        "service_area": "Helse og omsorg",
        "outcome_category": "completed",
        "description": "",
        "outcome": "",
        "lessons_learned": "",
    }


# name → (body(cast, objects), status of a success). A body may need the client (`_page_form`).
VALID = {
    "my_measure_progress": (
        lambda c, o: {
            f"measure-{o.measure.pk}-status": "in_progress",
            f"measure-{o.measure.pk}-note": "Godt i gang",
        },
        302,
    ),
    "session_keepalive": (lambda c, o: {}, 204),
    "set_language": (lambda c, o: {"language": "en", "next": "/"}, 302),
    "login": (lambda c, o: {"username": "tore", "password": "lean-demo"}, 302),
    "logout": (lambda c, o: {}, 302),
    "password_change": (
        lambda c, o: {
            "old_password": "lean-demo",
            "new_password1": "Nytt-passord-2027!",
            "new_password2": "Nytt-passord-2027!",
        },
        302,
    ),
    "password_reset": (lambda c, o: {"email": "tore.meltzer@harstad.kommune.no"}, 302),
    # The made-up link (see the matrix) is invalid: the page says so, whatever is posted.
    "password_reset_confirm": (
        lambda c, o: {"new_password1": "Nytt-passord-2027!", "new_password2": "Nytt-passord-2027!"},
        200,
    ),
    "invitation_accept": (
        lambda c, o: {
            "username": "ola.nilsen",
            "password1": "Nytt-passord-2027!",
            "password2": "Nytt-passord-2027!",
        },
        302,
    ),
    "programme:pilot_setup_start": (
        lambda c, o: {"department": "", "name": "Ny avdeling", "service_area": "", "parent": ""},
        302,
    ),
    "programme:pilot_setup_department": (
        lambda c, o: {"name": "Omsorg Sør", "service_area": "", "parent": ""},
        302,
    ),
    "programme:pilot_setup_leader": (
        lambda c, o: {
            "person": "",
            "full_name": "Nina Ny",
            "email": "nina.ny@harstad.kommune.no",
            "phone": "",
            "language": "nb",
        },
        302,
    ),
    "programme:pilot_setup_meetings": (_meeting_fields, 302),
    # "Propose again" writes nothing and shows the proposal.
    "programme:pilot_setup_course_days": (
        lambda c, o: {
            "action": "propose",
            "course_year": "2027",
            "course_week_first": "7",
            "course_week_last": "8",
            "facilitators": [c.jorunn.pk],
        },
        200,
    ),
    "pilots:pilot_advance_phase": (
        lambda c, o: {"reason": "Klar", "expected_phase": c.pilot_a.phase},
        302,
    ),
    "pilots:pilot_phase_follow_events": (lambda c, o: {}, 302),
    "pilots:staff_add": (
        lambda c, o: _person_fields("Nils Ny", "nils.ny@harstad.kommune.no"),
        302,
    ),
    "pilots:staff_edit": (
        lambda c, o: _person_fields("Siri Olsen", "siri.olsen@harstad.kommune.no"),
        302,
    ),
    "pilots:staff_end": (lambda c, o: {"ends_on": _today(), "roles": "staff"}, 302),
    "pilots:staff_restore": (lambda c, o: {}, 302),
    "pilots:staff_import": (
        lambda c, o: {"file": _csv("Navn;E-post\nNils Ny;nils.ny@harstad.kommune.no\n")},
        200,
    ),
    "pilots:person_invite": (lambda c, o: {}, 302),
    "pilots:invitation_resend": (lambda c, o: {}, 302),
    "pilots:invitation_revoke": (lambda c, o: {}, 302),
    "pilots:programme_course_weeks": (
        lambda c, o: {"course_year": "2027", "course_week_first": "7", "course_week_last": "9"},
        302,
    ),
    "pilots:programme_phase_targets": (
        lambda c, o: {"planned_reached_by": "2027-03-01", "planned_note": "Oppstart"},
        302,
    ),
    "pilots:holiday_period_create": (
        lambda c, o: {"name": "Påske", "starts_on": "2027-03-22", "ends_on": "2027-03-29"},
        302,
    ),
    "pilots:holiday_period_edit": (
        lambda c, o: {"name": "Vinterferie", "starts_on": "2027-02-22", "ends_on": "2027-02-26"},
        302,
    ),
    "pilots:holiday_period_delete": (lambda c, o: {}, 302),
    "pilots:programme_retention": (
        lambda c, o: {
            "retention_reminder_body_months": "12",
            "retention_leaver_months": "36",
            "retention_invitation_days": "60",
        },
        302,
    ),
    # Typing the name confirms: Ola is anonymised, which only a coordinator or guide may do.
    "privacy:person_erase": (lambda c, o: {"confirmation": c.ola.full_name}, 302),
    # With the second factor off (as in the suite) nobody owes a code: both steps send on.
    "two_factor_verify": (lambda c, o: {"code": "123456"}, 302),
    "two_factor_setup": (lambda c, o: {"code": "123456"}, 302),
    "training:meeting_create": (_meeting_fields, 302),
    "training:meeting_edit": (_meeting_fields, 302),
    "training:meeting_delete": (lambda c, o: {}, 302),
    "training:meeting_attendance": (lambda c, o: {f"status_{c.siri.pk}": "present"}, 302),
    "training:course_day_create": (_course_day(2), 302),
    "training:course_day_edit": (_course_day(1), 302),
    "training:course_day_attendance": (lambda c, o: {f"status_{c.siri.pk}": "present"}, 302),
    "training:information_sessions": (lambda c, o: {"session": o.meeting.pk}, 302),
    "training:information_sessions_assign": (
        lambda c, o: {f"session_{c.siri.pk}": o.meeting.pk},
        302,
    ),
    "plans:plan_edit": (
        _page_form(lambda c, o: reverse("plans:plan_edit", args=[c.pilot_a.pk])),
        302,
    ),
    "plans:plan_edit_section": (
        _page_form(lambda c, o: reverse("plans:plan_edit", args=[c.pilot_a.pk])),
        302,
    ),
    "plans:plan_submit": (lambda c, o: {"version": o.plan.version}, 302),
    "plans:plan_review": (
        lambda c, o: {"decision": "return", "comment": "Mer om målene", "version": o.plan.version},
        302,
    ),
    "plans:measure_set_status": (lambda c, o: {"status": "in_progress"}, 302),
    "plans:board_screen_create": (lambda c, o: {"label": "Pauserommet"}, 302),
    "plans:board_screen_revoke": (lambda c, o: {}, 302),
    "plans:pilot_suggestions": (lambda c, o: {"text": "Faste plasser for utstyret"}, 302),
    "plans:suggestion_answer": (lambda c, o: {"answer": "Takk, vi prøver det."}, 302),
    "plans:suggestion_measure": (
        lambda c, o: {"title": "Faste plasser", "description": "", "owner": c.siri.pk},
        302,
    ),
    "plans:indicator_detail": (
        lambda c, o: {"measured_on": "2027-03-08", "value": "20", "note": ""},
        302,
    ),
    "plans:measurement_edit": (
        lambda c, o: {"measured_on": "2027-03-01", "value": "24", "note": ""},
        302,
    ),
    "plans:measurement_delete": (lambda c, o: {}, 302),
    "followup:board_meeting_create": (
        lambda c, o: {"held_on": _today(), "present_count": "4", "minutes": ""},
        302,
    ),
    "followup:board_meeting_edit": (
        lambda c, o: {"held_on": _today(), "present_count": "6", "minutes": ""},
        302,
    ),
    "followup:board_meeting_delete": (lambda c, o: {}, 302),
    "followup:follow_up_meeting_plan": (
        lambda c, o: {
            "planned_on": "2027-03-12",
            "starts_at": "09:00",
            "ends_at": "10:00",
            "place": "",
            "participants": [c.jorunn.pk],
        },
        302,
    ),
    "followup:follow_up_meeting_hold": (
        lambda c, o: {"held_on": _today(), "notes": "", "decisions": "", "open_items": ""},
        302,
    ),
    "followup:reminder_resend": (lambda c, o: {}, 302),
    "pilots:earlier_process_create": (lambda c, o: _earlier_process_fields(), 302),
    "pilots:earlier_process_edit": (lambda c, o: _earlier_process_fields(), 302),
    "pilots:earlier_process_delete": (lambda c, o: {}, 302),
    "pilots:library_import": (lambda c, o: {"file": _csv("Tittel;År\nNy prosess;2021\n")}, 200),
    "pilots:pilot_lessons": (
        lambda c, o: {"what_worked": "Tavlemøtene", "what_did_not_work": "", "advice": ""},
        302,
    ),
    "followup:calendar_feed_renew": (lambda c, o: {"kind": "personal"}, 302),
}

# What the board's htmx posts get on a success: the board's fragment, not a redirect.
HTMX = {"plans:measure_set_status": 200}

# Where a POST asks another question than the page's GET (the matrix's spec is the GET's).
POST_ASKS = {"plans:indicator_detail": Asks("can_edit_plan")}


def _csv(text):
    return SimpleUploadedFile("ansatte.csv", text.encode(), content_type="text/csv")


def _prepare(name, cast, objects):
    """Put the cast where a valid post makes sense: a plan to review is submitted, and so on."""
    if name == "plans:plan_review":
        plans_services.plan_submit(
            plan=objects.plan, user=cast.users.tore, expected_version=objects.plan.version
        )
        objects.plan.refresh_from_db()
    if name in {"training:meeting_attendance", "training:course_day_attendance"}:
        # Attendance is taken once the meeting or day has started.
        objects.meeting.starts_at = timezone.now() - dt.timedelta(days=7)
        objects.meeting.ends_at = objects.meeting.starts_at + dt.timedelta(hours=1)
        objects.meeting.save()
        objects.day.date = timezone.localdate() - dt.timedelta(days=7)
        objects.day.save()
    if name == "training:information_sessions":
        objects.meeting.starts_at = timezone.now() + dt.timedelta(days=20)
        objects.meeting.ends_at = objects.meeting.starts_at + dt.timedelta(hours=1)
        objects.meeting.save()
        InformationMeetingFactory(
            pilot=cast.pilot_a,
            starts_at=objects.meeting.starts_at + dt.timedelta(days=1),
            ends_at=objects.meeting.ends_at + dt.timedelta(days=1),
        )


@functools.cache
def _tables() -> tuple[str, ...]:
    """Every model's table (its history and many-to-many tables too), the sessions' aside."""
    names = connection.introspection.django_table_names(only_existing=True)
    return tuple(sorted(name for name in names if name != "django_session"))


def fingerprint() -> dict[str, tuple]:
    """Every table's row count and a hash of all its rows, in one query.

    The hash covers what a max(id) would tell and more: a row added, removed or changed in any
    column changes it.
    """
    if connection.vendor != "postgresql":
        return _fingerprint_in_python()
    # The table names come from Django's own introspection, not from input.
    rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), {rows} FROM \"{table}\" t"  # noqa: S608
        for table in _tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def _fingerprint_in_python() -> dict[str, tuple]:
    """The same on SQLite (`make test` without DATABASE_URL), one query a table."""
    found = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            found[table] = (len(rows), hashlib.md5("|".join(rows).encode()).hexdigest())  # noqa: S324
    return found


def _changed(before, after):
    return sorted(table for table in before if before[table] != after[table])


def _post_as(name, role, *, cast, objects, htmx=False):
    """Post the valid body as the role; return the response and what changed in the database."""
    _method, kwargs, _spec = MATRIX[name]
    body, _success = VALID[name]
    client = Client()
    user = _user(cast, role, objects)
    url = reverse(name, kwargs=kwargs(cast, objects) if kwargs else None)
    data = body(client, cast, objects, url) if body.__name__ == "page_body" else body(cast, objects)
    client.logout()
    if user is not None:
        client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}
    before = fingerprint()
    response = client.post(url, data, headers=headers)
    return response, _changed(before, fingerprint())


def _expected_post(name, role, *, cast, objects, htmx=False):
    _method, _kwargs, spec = MATRIX[name]
    spec = POST_ASKS.get(name, spec)
    expected = _expected(spec, cast=cast, objects=objects, role=role)
    if expected in REFUSALS:
        return expected
    return HTMX.get(name, VALID[name][1]) if htmx else VALID[name][1]


@contextmanager
def _rolled_back():
    """A savepoint rolled back at the end, which, like the test's own transaction, lets a
    service's durable block run inside it (Django allows that only in test cases' blocks)."""
    block = transaction.atomic()
    block._from_testcase = True
    with block:
        yield
        transaction.set_rollback(True)


def _login_page(response):
    """Where a refusal for want of a login leads: a redirect, or for htmx a 204 with
    `HX-Redirect` (leanprogram.middleware), so that htmx reloads rather than swaps it in."""
    location = response.get("HX-Redirect") if response.status_code == 204 else None
    if response.status_code == 302:
        location = response.url
    return location if location and location.startswith(reverse("login")) else None


def test_every_post_url_has_a_valid_body():
    assert sorted(VALID) == post_url_names()


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_valid_post_is_refused_only_by_the_policy_and_changes_nothing(cast, objects, name):
    _prepare(name, cast, objects)
    failures = []
    for htmx in (False, True) if name in HTMX else (False,):
        for role in ROLES:
            expected = _expected_post(name, role, cast=cast, objects=objects, htmx=htmx)
            # Each role starts from the same database: what one saved, the next does not see.
            with _rolled_back():
                response, changed = _post_as(name, role, cast=cast, objects=objects, htmx=htmx)
            where = f"{name} as {role}{' (htmx)' if htmx else ''}"
            status = response.status_code
            if expected == LOGIN:
                if _login_page(response) is None:
                    failures.append(f"{where}: expected the login page, got {status}")
            elif status != expected:
                failures.append(f"{where}: expected {expected}, got {status}")
            if expected in REFUSALS and changed:
                failures.append(f"{where}: refused, yet changed {changed}")

    assert not failures, "\n".join(failures)


# --- ids from different parents ------------------------------------------------------------------


def _kari_in_department_a(c, o):
    return {"department_pk": c.dept_a.pk, "pk": c.kari.pk}


def _tromso_holiday(c, o):
    period = HolidayPeriod.objects.create(
        municipality=c.other_municipality,
        name="Vinterferie (Tromsø)",
        starts_on=dt.date(2027, 2, 22),
        ends_on=dt.date(2027, 2, 26),
    )
    return {"programme_pk": c.programme.pk, "pk": period.pk}


def _holiday_under_tromso(c, o):
    return {"programme_pk": c.other_pilot.programme_id, "pk": o.holiday.pk}


def _measure_of_pilot_b(c, o):
    return Measure.objects.create(
        plan=ProjectPlan.objects.create(pilot=c.pilot_b), title="Annen tavle", owner=c.kari
    )


def _tromso_person(c, o):
    return Person.objects.filter(municipality=c.other_municipality).first()


# (URL name, its kwargs, the body, the expected status): the coordinator of Harstad sees both
# parents, so each refusal is the mix, not the person.
MIXED_URLS = [
    ("pilots:staff_edit", _kari_in_department_a, VALID["pilots:staff_edit"][0], 404),
    ("pilots:staff_end", _kari_in_department_a, VALID["pilots:staff_end"][0], 404),
    ("pilots:staff_restore", _kari_in_department_a, lambda c, o: {}, 404),
    ("pilots:holiday_period_edit", _tromso_holiday, VALID["pilots:holiday_period_edit"][0], 404),
    ("pilots:holiday_period_delete", _tromso_holiday, lambda c, o: {}, 404),
    (
        "pilots:holiday_period_edit",
        _holiday_under_tromso,
        VALID["pilots:holiday_period_edit"][0],
        404,
    ),
    ("pilots:holiday_period_delete", _holiday_under_tromso, lambda c, o: {}, 404),
]

# A body naming an object of another pilot or municipality: a form error, nothing saved.
MIXED_BODIES = [
    (
        "plans:suggestion_measure",
        lambda c, o: {"pk": o.suggestion.pk},
        lambda c, o: {"title": "Faste plasser", "owner": c.kari.pk},
    ),
    (
        "training:information_sessions_assign",
        lambda c, o: {"pilot_pk": c.pilot_a.pk},
        lambda c, o: {
            f"session_{c.siri.pk}": InformationMeetingFactory(pilot=c.pilot_b).pk,
        },
    ),
    (
        "followup:board_meeting_create",
        lambda c, o: {"pilot_pk": c.pilot_a.pk},
        lambda c, o: {
            "held_on": "2027-03-10",
            "present_count": "4",
            "measures_touched": [_measure_of_pilot_b(c, o).pk],
        },
    ),
    (
        "training:course_day_create",
        lambda c, o: {"pilot_pk": c.pilot_a.pk},
        lambda c, o: {**_course_day(2)(c, o), "facilitators": [_tromso_person(c, o).pk]},
    ),
    (
        "programme:pilot_setup_leader",
        lambda c, o: {"pk": c.pilot_a.pk},
        lambda c, o: {"person": _tromso_person(c, o).pk, "language": "nb"},
    ),
    (
        "pilots:staff_end",
        lambda c, o: {"department_pk": c.dept_a.pk, "pk": c.siri.pk},
        lambda c, o: {
            "ends_on": _today(),
            "roles": "staff",
            "move_to": c.other_pilot.department_id,
        },
    ),
    (
        "plans:plan_edit_section",
        lambda c, o: {"pilot_pk": c.pilot_a.pk, "section": "measures"},
        lambda c, o: {
            "version": o.plan.version,
            "measures-TOTAL_FORMS": "1",
            "measures-INITIAL_FORMS": "1",
            "measures-0-id": _measure_of_pilot_b(c, o).pk,
            "measures-0-title": "Kapret",
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "body", "expected"),
    MIXED_URLS,
    ids=[f"{name}-{kwargs.__name__}" for name, kwargs, _b, _e in MIXED_URLS],
)
def test_ids_from_different_parents_in_the_url_are_not_found(
    client, cast, objects, name, kwargs, body, expected
):
    client.force_login(cast.users.coordinator)
    url = reverse(name, kwargs=kwargs(cast, objects))
    data = body(cast, objects)
    before = fingerprint()

    response = client.post(url, data)

    assert response.status_code == expected
    assert _changed(before, fingerprint()) == []


@pytest.mark.parametrize(
    ("name", "kwargs", "body"), MIXED_BODIES, ids=[name for name, _k, _b in MIXED_BODIES]
)
def test_ids_of_others_in_a_body_save_nothing(client, cast, objects, name, kwargs, body):
    client.force_login(cast.users.coordinator)
    url = reverse(name, kwargs=kwargs(cast, objects))
    data = body(cast, objects)
    before = fingerprint()

    response = client.post(url, data)

    assert response.status_code in (400, 404, 409), response.status_code
    assert _changed(before, fingerprint()) == []


# --- htmx GETs and exports --------------------------------------------------------------------

HTMX_PAGES = ["plans:plan_board", "board_screen"]
EXPORTS = {
    "training:attendance_export": "text/csv",
    "pilots:staff_import_template": "text/csv",
    "pilots:library_import_template": "text/csv",
}


@pytest.mark.parametrize("name", HTMX_PAGES + sorted(EXPORTS))
def test_htmx_fragments_and_exports_follow_the_matrix(cast, objects, name):
    """The fragment htmx asks for and the files people download answer as their pages do."""
    _method, kwargs, spec = MATRIX[name]
    url = reverse(name, kwargs=kwargs(cast, objects) if kwargs else None)
    failures = []
    for role in ROLES:
        expected = _expected(spec, cast=cast, objects=objects, role=role)
        client = Client()
        user = _user(cast, role, objects)
        if user is not None:
            client.force_login(user)
        headers = {"HX-Request": "true"} if name in HTMX_PAGES else {}
        response = client.get(url, headers=headers)
        status = response.status_code
        if expected == LOGIN:
            if _login_page(response) is None:
                failures.append(f"{name} as {role}: expected the login page, got {status}")
            continue
        if status != expected:
            failures.append(f"{name} as {role}: expected {expected}, got {status}")
        elif status == 200 and name in EXPORTS:
            if not response["Content-Type"].startswith(EXPORTS[name]):
                failures.append(f"{name} as {role}: {response['Content-Type']}")
        elif status != 200:
            content_type = response.get("Content-Type", "")
            if any(content_type.startswith(kind) for kind in EXPORTS.values()):
                failures.append(f"{name} as {role}: refused, yet sent the file")

    assert not failures, "\n".join(failures)


def test_an_htmx_fragment_is_not_the_whole_page(client, cast, objects):
    client.force_login(cast.users.tore)
    url = reverse("plans:plan_board", args=[cast.pilot_a.pk])

    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    page = client.get(url).content.decode()

    assert "<html" in page
    assert "<html" not in fragment


# --- the admin ---------------------------------------------------------------------------------

# A few of our models: the admin's check of who is staff is the same for every one of them.
ADMIN_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in {"pilots", "plans"}),
    key=lambda model: model._meta.label,
)[:6]


def test_the_admin_sends_everyone_but_staff_to_its_login(cast, objects):
    """Every role of the app, Tromsø's too, is no admin user: each admin page and post is the
    admin's login page, and a post there saves nothing."""
    admin_login = reverse("admin:login")
    urls = [reverse("admin:index")]
    for model in ADMIN_MODELS:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    department = Department.objects.filter(municipality=cast.municipality).first()
    urls.append(reverse("admin:pilots_department_change", args=[department.pk]))
    failures = []
    for role in ROLES:
        user = _user(cast, role, objects)
        if user is not None and user.is_staff:
            continue
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 302 or not response.url.startswith(admin_login):
                failures.append(f"GET {url} as {role}: {response.status_code}")
        before = fingerprint()
        response = client.post(urls[-1], {"name": "Overtatt", "municipality": department.pk})
        if response.status_code != 302 or not response.url.startswith(admin_login):
            failures.append(f"POST {urls[-1]} as {role}: {response.status_code}")
        if _changed(before, fingerprint()):
            failures.append(f"POST {urls[-1]} as {role} changed the database")

    assert not failures, "\n".join(failures)
    assert cast.users.superuser.is_staff, "the superuser is the one role let in"


def test_the_fingerprint_sees_a_change(cast, objects):
    """The check after each refusal can fail: one changed field changes the fingerprint."""
    before = fingerprint()
    cast.dept_b.name = "NAV"
    cast.dept_b.save(update_fields=["name"])

    assert _changed(before, fingerprint()) == ["pilots_department"]
