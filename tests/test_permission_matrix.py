"""Every named URL × every role → the expected status.

The list of URLs comes from the URLconf itself: a URL added without an entry here fails the suite,
so nobody can add a page and forget to decide who may open it. Pages about a pilot or department
name the policy question they ask (`Asks`), and the expected status is read from the same policy
(`pilots.access.Scope`) the views and services obey: 404 where the person cannot see the object,
403 where the policy says no. `tests/test_access.py` pins the policy itself, role by role, and
`tests/test_permission_posts.py` posts valid bodies (htmx's too), mixes ids of different parents,
and checks that a refused POST leaves the database as it was and the admin shut to non-staff.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from followup.feeds import calendar_feed_token
from followup.models import CalendarFeed
from pilots.access import scope_for
from pilots.invitations import invitation_token
from plans.screens import board_screen_token

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "staff",
    "leader_a",
    "leader_b",
    "guide",
    "coordinator",
    "outsider",
    "superuser",
    # A department leader in Tromsø: another municipality, and no programme role.
    "outsider_leader",
]
LOGIN = "login"  # a redirect to the login page

# Shorthands for the columns, in ROLES order, for pages that are not about one pilot.
PUBLIC = [200] * 9
ANY_LOGIN = [LOGIN, 200, 200, 200, 200, 200, 200, 200, 200]


@dataclass(frozen=True)
class Asks:
    """The page asks the policy `permission` about `target`; `allowed` is its status on a yes.

    `also` gives the question's other arguments, e.g. the owner of a measure.
    """

    permission: str
    target: Callable = lambda c, o: c.pilot_a
    allowed: int = 200
    also: Callable = lambda c, o: {}


def _department_a(c, o):
    return c.dept_a


STAFF = Asks("can_manage_staff", _department_a)


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


ALL_URL_NAMES = sorted(set(_walk(get_resolver().url_patterns)))


def _pilot(c, o):
    return {"pilot_pk": c.pilot_a.pk}


def _feed_token(c) -> str:
    feed, _created = CalendarFeed.objects.get_or_create(person=c.siri, kind="personal")
    return calendar_feed_token(feed)


def _pk_of_pilot(c, o):
    return {"pk": c.pilot_a.pk}


def _programme(c, o):
    return {"pk": c.programme.pk}


def _holiday(c, o):
    return {"programme_pk": c.programme.pk, "pk": o.holiday.pk}


# The programme's own pages: its coordinators and guides (and administrators); the programme's
# leaders and staff can see it but not these pages, another municipality cannot see it.
PROGRAMME_PAGE = [LOGIN, 403, 403, 403, 200, 200, 404, 200, 404]
SET_UP = Asks("can_set_up_pilot")


def _ola(c, o):
    return {"pk": c.ola.pk}


# A person's data and erasure: their municipality's coordinators and guides (and administrators).
PERSON_DATA = [LOGIN, 403, 403, 404, 200, 200, 404, 200, 404]


def _measure_owner(c, o):
    return {"owner_id": o.measure.owner_id}


def _earlier_process(c, o):
    from pilots.models import EarlierProcess

    process, _created = EarlierProcess.objects.get_or_create(
        municipality=c.municipality, title="Saksgang for byggesøknader", defaults={"year": 2020}
    )
    return {"pk": process.pk}


def _pilot_a_lessons(c, o):
    from pilots.models import PilotLessons

    lessons, _created = PilotLessons.objects.get_or_create(
        pilot=c.pilot_a, defaults={"advice": "Start med tavlemøtene."}
    )
    return {"pk": lessons.pk}


# The learning library: everyone with a role in a municipality reads its own; its coordinators
# and guides curate it (an administrator without a municipality curates in the admin).
LIBRARY_CURATE = [LOGIN, 403, 403, 403, 200, 200, 200, 403, 403]
LIBRARY_ENTRY = [LOGIN, 200, 200, 200, 200, 200, 404, 200, 404]


# name → (method, kwargs(cast, objects), statuses in ROLES order)
MATRIX = {
    "home": ("get", None, [LOGIN, 302, 302, 302, 302, 302, 302, 302, 302]),
    "my_tasks": ("get", None, ANY_LOGIN),
    # Posted empty: whoever may act on the measure (Siri's) gets the form's error.
    "my_measure_progress": (
        "post",
        lambda c, o: {"pk": o.measure.pk},
        Asks("can_update_measure", allowed=400, also=_measure_owner),
    ),
    "healthz": ("get", None, PUBLIC),
    # Asked by drafts.js, which has no use for a login page: 403 when the session is gone.
    "session_keepalive": ("post", None, [403] + [204] * 8),
    "accessibility": ("get", None, PUBLIC),
    "style_guide": ("get", None, PUBLIC),
    "privacy": ("get", None, PUBLIC),
    "set_language": ("post", None, [302] * 9),
    "login": ("get", None, [200, 302, 302, 302, 302, 302, 302, 302, 302]),
    "logout": ("post", None, [302] * 9),
    "password_change": ("get", None, ANY_LOGIN),
    "password_change_done": ("get", None, ANY_LOGIN),
    "password_reset": ("get", None, PUBLIC),
    # With the second factor off (as in the suite) nobody owes one: the steps send on at once.
    # tests/test_two_factor.py covers them with it on.
    "two_factor_verify": ("get", None, [LOGIN] + [302] * 8),
    "two_factor_setup": ("get", None, [LOGIN] + [302] * 8),
    "password_reset_done": ("get", None, PUBLIC),
    "password_reset_confirm": ("get", lambda c, o: {"uidb64": "MQ", "token": "x-y"}, PUBLIC),
    "password_reset_complete": ("get", None, PUBLIC),
    # With no identity provider configured (as in the suite) the OIDC steps do not exist;
    # tests/test_oidc.py covers them against a real provider.
    "oidc_login": ("get", None, [404] * 9),
    "oidc_callback": ("get", None, [404] * 9),
    "programme:dashboard": ("get", None, ANY_LOGIN),
    "programme:pilot_detail": ("get", lambda c, o: {"pk": c.pilot_a.pk}, Asks("can_view")),
    "programme:pilot_setup_start": (
        "get",
        lambda c, o: {"programme_pk": c.programme.pk},
        PROGRAMME_PAGE,
    ),
    "programme:pilot_setup": ("get", _pk_of_pilot, SET_UP),
    "programme:pilot_setup_department": ("get", _pk_of_pilot, SET_UP),
    "programme:pilot_setup_leader": ("get", _pk_of_pilot, SET_UP),
    "programme:pilot_setup_meetings": ("get", _pk_of_pilot, SET_UP),
    "programme:pilot_setup_course_days": ("get", _pk_of_pilot, SET_UP),
    "pilots:programme_settings": ("get", _programme, PROGRAMME_PAGE),
    "pilots:programme_retention": ("get", _programme, PROGRAMME_PAGE),
    # Innsyn: everyone with a person reads their own; an administrator without one has none.
    "privacy:my_data": ("get", None, [LOGIN, 200, 200, 200, 200, 200, 200, 403, 200]),
    "privacy:my_data_json": ("get", None, [LOGIN, 200, 200, 200, 200, 200, 200, 403, 200]),
    # About Ola (staff in A): the coordinators answer for him; his colleagues and leader may not.
    "privacy:person_data": ("get", _ola, PERSON_DATA),
    "privacy:person_data_json": ("get", _ola, PERSON_DATA),
    "privacy:person_erase": ("get", _ola, PERSON_DATA),
    "pilots:programme_course_weeks": ("get", _programme, PROGRAMME_PAGE),
    "pilots:programme_phase_targets": ("get", _programme, PROGRAMME_PAGE),
    "pilots:holiday_period_create": (
        "get",
        lambda c, o: {"programme_pk": c.programme.pk},
        PROGRAMME_PAGE,
    ),
    "pilots:holiday_period_edit": ("get", _holiday, PROGRAMME_PAGE),
    "pilots:holiday_period_delete": (
        "post",
        _holiday,
        [LOGIN, 403, 403, 403, 302, 302, 404, 302, 404],
    ),
    "pilots:pilot_advance_phase": (
        "post",
        lambda c, o: {"pk": c.pilot_a.pk},
        Asks("can_advance_phase", allowed=302),
    ),
    "pilots:pilot_phase_follow_events": (
        "post",
        lambda c, o: {"pk": c.pilot_a.pk},
        Asks("can_advance_phase", allowed=302),
    ),
    "pilots:staff_list": (
        "get",
        lambda c, o: {"pk": c.dept_a.pk},
        STAFF,
    ),
    "pilots:staff_add": (
        "get",
        lambda c, o: {"pk": c.dept_a.pk},
        STAFF,
    ),
    "pilots:staff_edit": (
        "get",
        lambda c, o: {"department_pk": c.dept_a.pk, "pk": c.siri.pk},
        STAFF,
    ),
    "pilots:staff_end": (
        "get",
        lambda c, o: {"department_pk": c.dept_a.pk, "pk": c.siri.pk},
        STAFF,
    ),
    # Siri has no ended role: the list answers with a message, still a redirect.
    "pilots:staff_restore": (
        "post",
        lambda c, o: {"department_pk": c.dept_a.pk, "pk": c.siri.pk},
        Asks("can_manage_staff", _department_a, allowed=302),
    ),
    "pilots:staff_import": (
        "get",
        lambda c, o: {"pk": c.dept_a.pk},
        STAFF,
    ),
    "pilots:staff_import_template": (
        "get",
        lambda c, o: {"pk": c.dept_a.pk},
        STAFF,
    ),
    "training:meeting_create": ("get", _pilot, Asks("can_schedule")),
    "training:meeting_edit": ("get", lambda c, o: {"pk": o.meeting.pk}, Asks("can_schedule")),
    "training:meeting_delete": (
        "post",
        lambda c, o: {"pk": o.meeting.pk},
        Asks("can_schedule", allowed=302),
    ),
    "training:meeting_attendance": (
        "get",
        lambda c, o: {"pk": o.meeting.pk},
        Asks("can_take_attendance"),
    ),
    "training:course_day_create": ("get", _pilot, Asks("can_schedule")),
    "training:course_day_edit": ("get", lambda c, o: {"pk": o.day.pk}, Asks("can_schedule")),
    "training:course_day_attendance": (
        "get",
        lambda c, o: {"pk": o.day.pk},
        Asks("can_take_attendance"),
    ),
    "training:information_sessions": ("get", _pilot, Asks("can_choose_information_session")),
    "training:information_sessions_assign": (
        "get",
        _pilot,
        Asks("can_assign_information_sessions"),
    ),
    "training:attendance_summary": ("get", _pk_of_pilot, Asks("can_take_attendance")),
    "training:attendance_export": ("get", _pk_of_pilot, Asks("can_take_attendance")),
    "plans:plan_detail": ("get", _pilot, Asks("can_view")),
    "plans:plan_edit": ("get", _pilot, Asks("can_edit_plan")),
    "plans:plan_edit_section": (
        "get",
        lambda c, o: {"pilot_pk": c.pilot_a.pk, "section": "measures"},
        Asks("can_edit_plan"),
    ),
    "plans:plan_history": ("get", _pilot, Asks("can_view")),
    "plans:plan_matrix": ("get", _pilot, Asks("can_view")),
    "plans:plan_board": ("get", _pilot, Asks("can_view")),
    # Posted without a version: the plan's editors get a conflict, its reviewers a form error.
    "plans:plan_submit": ("post", _pilot, Asks("can_edit_plan", allowed=409)),
    "plans:plan_review": ("post", _pilot, Asks("can_review_plan", allowed=400)),
    "plans:measure_set_status": (
        "post",
        lambda c, o: {"pk": o.measure.pk},
        Asks("can_update_measure", allowed=400, also=_measure_owner),
    ),
    # Posted empty: those who make screen links get the form's error.
    "plans:board_screen_create": ("post", _pilot, Asks("can_edit_plan", allowed=400)),
    "plans:board_screen_revoke": (
        "post",
        lambda c, o: {"pk": o.screen.pk},
        Asks("can_edit_plan", allowed=302),
    ),
    # Public: the link is all a wall screen has. Anyone holding it sees the same board.
    "board_screen": ("get", lambda c, o: {"token": board_screen_token(o.screen)}, PUBLIC),
    "plans:pilot_suggestions": ("get", _pilot, Asks("can_suggest")),
    "plans:suggestion_detail": (
        "get",
        lambda c, o: {"pk": o.suggestion.pk},
        Asks("can_edit_plan"),
    ),
    # Posted empty: those who handle suggestions get the form back with what is missing.
    "plans:suggestion_answer": (
        "post",
        lambda c, o: {"pk": o.suggestion.pk},
        Asks("can_edit_plan", allowed=400),
    ),
    "plans:suggestion_measure": (
        "post",
        lambda c, o: {"pk": o.suggestion.pk},
        Asks("can_edit_plan", allowed=400),
    ),
    "plans:indicator_detail": ("get", lambda c, o: {"pk": o.indicator.pk}, Asks("can_view")),
    "plans:measurement_edit": (
        "get",
        lambda c, o: {"pk": o.measurement.pk},
        Asks("can_edit_plan"),
    ),
    "plans:measurement_delete": (
        "post",
        lambda c, o: {"pk": o.measurement.pk},
        Asks("can_edit_plan", allowed=302),
    ),
    "followup:pilot_follow_up": ("get", _pilot, Asks("can_view")),
    "followup:board_meeting_create": ("get", _pilot, Asks("can_log_board_meeting")),
    "followup:board_meeting_edit": (
        "get",
        lambda c, o: {"pk": o.board_meeting.pk},
        Asks("can_log_board_meeting"),
    ),
    "followup:board_meeting_delete": (
        "post",
        lambda c, o: {"pk": o.board_meeting.pk},
        Asks("can_log_board_meeting", allowed=302),
    ),
    "followup:follow_up_meeting_hold": (
        "get",
        lambda c, o: {"pk": o.follow_up.pk},
        Asks("can_record_follow_up"),
    ),
    "followup:follow_up_meeting_plan": (
        "get",
        lambda c, o: {"pk": o.follow_up.pk},
        Asks("can_record_follow_up"),
    ),
    "followup:outbox": ("get", None, [LOGIN, 403, 403, 403, 200, 200, 200, 200, 403]),
    "followup:reminder_detail": (
        "get",
        lambda c, o: {"pk": o.reminder.pk},
        [LOGIN, 403, 403, 403, 200, 200, 404, 200, 403],
    ),
    "followup:reminder_resend": (
        "post",
        lambda c, o: {"pk": o.reminder.pk},
        [LOGIN, 403, 403, 403, 302, 302, 404, 302, 403],
    ),
    # Inviting Ola (staff in pilot A, no login): `Scope.can_invite` asks about a person, not a
    # pilot, so the columns are written out. Siri sees him but may not invite; Kari and the
    # outsider cannot see him.
    "pilots:person_invite": (
        "post",
        lambda c, o: {"pk": c.ola.pk},
        [LOGIN, 403, 302, 404, 302, 302, 404, 302, 404],
    ),
    "pilots:invitation_resend": (
        "post",
        lambda c, o: {"pk": o.invitation.pk},
        [LOGIN, 403, 302, 404, 302, 302, 404, 302, 404],
    ),
    "pilots:invitation_revoke": (
        "post",
        lambda c, o: {"pk": o.invitation.pk},
        [LOGIN, 403, 302, 404, 302, 302, 404, 302, 404],
    ),
    "pilots:invitation_list": ("get", None, [LOGIN, 403, 403, 403, 200, 200, 200, 200, 403]),
    # Public: the link is all an invited person has. Anyone holding it sees the same page.
    "invitation_accept": ("get", lambda c, o: {"token": invitation_token(o.invitation)}, PUBLIC),
    "plans:programme_gains": (
        "get",
        lambda c, o: {"pk": c.programme.pk},
        [LOGIN, 403, 403, 403, 200, 200, 404, 200, 404],
    ),
    # PDF downloads (leanprogram/reports): the plan for whoever reads the plan page, the
    # programme report for the programme's own people.
    "reports:plan_pdf": ("get", _pilot, Asks("can_view")),
    "reports:programme_report_pdf": ("get", _programme, PROGRAMME_PAGE),
    # Attendance of the whole programme: its people, and leaders for their own departments.
    "exports:programme_export": (
        "get",
        lambda c, o: {"programme_pk": c.programme.pk, "kind": "attendance", "fmt": "xlsx"},
        [LOGIN, 403, 200, 200, 200, 200, 404, 200, 404],
    ),
    "exports:pilot_export": (
        "get",
        lambda c, o: {"pk": c.pilot_a.pk, "kind": "attendance", "fmt": "csv"},
        Asks("can_take_attendance"),
    ),
    "pilots:library": ("get", None, ANY_LOGIN),
    "pilots:earlier_process_create": ("get", None, LIBRARY_CURATE),
    "pilots:earlier_process_detail": ("get", _earlier_process, LIBRARY_ENTRY),
    "pilots:earlier_process_edit": (
        "get",
        _earlier_process,
        [LOGIN, 403, 403, 403, 200, 200, 404, 200, 404],
    ),
    "pilots:earlier_process_delete": (
        "post",
        _earlier_process,
        [LOGIN, 403, 403, 403, 302, 302, 404, 302, 404],
    ),
    "pilots:lessons_detail": ("get", _pilot_a_lessons, LIBRARY_ENTRY),
    "pilots:library_import": ("get", None, LIBRARY_CURATE),
    "pilots:library_import_template": ("get", None, LIBRARY_CURATE),
    "pilots:pilot_lessons": ("get", _pk_of_pilot, Asks("can_write_lessons")),
    # Calendars: everyone with a person has one; an administrator without a person has none.
    "followup:calendars": ("get", None, [LOGIN, 200, 200, 200, 200, 200, 200, 404, 200]),
    # Posted empty: the form's error.
    "followup:calendar_feed_renew": (
        "post",
        None,
        [LOGIN, 400, 400, 400, 400, 400, 400, 404, 400],
    ),
    # Public: the secret link is all a calendar has. Anyone holding it gets the same feed.
    "followup:calendar_feed": ("get", lambda c, o: {"token": _feed_token(c)}, PUBLIC),
    "followup:course_day_ics": ("get", lambda c, o: {"pk": o.day.pk}, Asks("can_view")),
    "followup:information_meeting_ics": (
        "get",
        lambda c, o: {"pk": o.meeting.pk},
        Asks("can_view"),
    ),
    "followup:follow_up_meeting_ics": (
        "get",
        lambda c, o: {"pk": o.follow_up.pk},
        Asks("can_view"),
    ),
}


def test_every_named_url_has_an_entry():
    missing = [name for name in ALL_URL_NAMES if name not in MATRIX]
    stale = [name for name in MATRIX if name not in ALL_URL_NAMES]

    assert missing == [], "add these URLs to the permission matrix"
    assert stale == [], "these URLs are gone; remove them from the matrix"


def _user(cast, role, objects=None):
    if role == "outsider_leader":
        return objects.tromso_leader
    return {
        "anonymous": None,
        "staff": cast.users.staff_a,
        "leader_a": cast.users.tore,
        "leader_b": cast.users.kari,
        "guide": cast.users.guide,
        "coordinator": cast.users.coordinator,
        "outsider": cast.users.outsider,
        "superuser": cast.users.superuser,
    }[role]


def _expected(spec, *, cast, objects, role):
    if isinstance(spec, list):
        return spec[ROLES.index(role)]
    user = _user(cast, role, objects)
    if user is None:
        return LOGIN
    scope = scope_for(user)
    target = spec.target(cast, objects)
    if not scope.can_view(target):
        return 404
    allowed = getattr(scope, spec.permission)(target, **spec.also(cast, objects))
    return spec.allowed if allowed else 403


def test_every_named_permission_is_asked_by_a_page():
    from pilots.access import OBJECT_PERMISSIONS, OWNER_PERMISSIONS

    asked = {spec.permission for _m, _k, spec in MATRIX.values() if isinstance(spec, Asks)}
    assert set(OBJECT_PERMISSIONS) | set(OWNER_PERMISSIONS) <= asked


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, cast, objects, name, role):
    method, kwargs, spec = MATRIX[name]
    expected = _expected(spec, cast=cast, objects=objects, role=role)
    user = _user(cast, role, objects)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs(cast, objects) if kwargs else None)

    response = getattr(client, method)(url)

    if expected == LOGIN:
        assert response.status_code == 302, f"{name} as {role}: {response.status_code}"
        assert response.url.startswith(reverse("login")), f"{name} as {role}: {response.url}"
    else:
        assert response.status_code == expected, (
            f"{name} as {role}: expected {expected}, got {response.status_code}"
        )


# Tables a request may write to while reading a page: the session (login, language, idle clock).
# A wall screen's link notes when it was last shown, so that its maker can see it is in use.
# Opening someone's personal data (innsyn) is itself written to the audit log.
_BOOKKEEPING_TABLES = ("django_session", "plans_boardscreen", "pilots_auditevent")


def _writes(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and not any(table in query["sql"] for table in _BOOKKEEPING_TABLES)
    ]


@pytest.mark.parametrize(
    "name", sorted(name for name, (method, _k, _s) in MATRIX.items() if method == "get")
)
@pytest.mark.parametrize("role", ["staff", "leader_a", "coordinator", "superuser"])
def test_a_get_never_writes(client, cast, objects, name, role):
    """Opening a page, reloading it or following a link from a mail changes nothing."""
    _method, kwargs, _spec = MATRIX[name]
    client.force_login(_user(cast, role, objects))
    url = reverse(name, kwargs=kwargs(cast, objects) if kwargs else None)

    with CaptureQueriesContext(connection) as queries:
        client.get(url)

    assert _writes(queries) == [], f"GET {name} as {role} wrote to the database"
