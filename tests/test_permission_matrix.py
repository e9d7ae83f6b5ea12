"""Every named URL × every role → the expected status.

The list of URLs comes from the URLconf itself: a URL added without an entry here fails the suite,
so nobody can add a page and forget to decide who may open it.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from followup.models import BoardMeeting, FollowUpMeeting, Reminder
from plans.models import Indicator, Measure, ProjectPlan
from tests.factories import CourseDayFactory, InformationMeetingFactory

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
]
LOGIN = "login"  # a redirect to the login page

# Shorthands for the columns, in ROLES order.
PUBLIC = [200] * 8
MEMBERS_READ = [LOGIN, 200, 200, 404, 200, 200, 404, 200]
LEADERS = [LOGIN, 403, 200, 404, 200, 200, 404, 200]
COORDINATORS = [LOGIN, 403, 403, 404, 200, 200, 404, 200]
ANY_LOGIN = [LOGIN, 200, 200, 200, 200, 200, 200, 200]


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


ALL_URL_NAMES = sorted(set(_walk(get_resolver().url_patterns)))


@pytest.fixture
def objects(cast):
    """One of everything in pilot A (Tore's department), for URLs that take an id."""
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    meeting = InformationMeetingFactory(pilot=cast.pilot_a)
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    measure = Measure.objects.create(plan=plan, title="Tavlemøte hver uke", owner=cast.siri)
    indicator = Indicator.objects.create(
        plan=plan, name="Ventetid", unit="min", baseline=30, target=10
    )
    follow_up = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="2 uker", due_on=dt.date(2027, 3, 12)
    )
    board_meeting = BoardMeeting.objects.create(
        pilot=cast.pilot_a, held_on=dt.date(2027, 3, 3), present_count=5
    )
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.PLAN_QUIET,
        recipient=cast.tore,
        pilot=cast.pilot_a,
        subject_key=f"plan:{plan.pk}",
        period="2027-W10",
        due_at=dt.datetime(2027, 3, 8, 7, tzinfo=dt.UTC),
        status=Reminder.Status.FAILED,
    )
    return SimpleNamespace(
        day=day,
        meeting=meeting,
        plan=plan,
        measure=measure,
        indicator=indicator,
        follow_up=follow_up,
        board_meeting=board_meeting,
        reminder=reminder,
    )


def _pilot(c, o):
    return {"pilot_pk": c.pilot_a.pk}


# name → (method, kwargs(cast, objects), statuses in ROLES order)
MATRIX = {
    "home": ("get", None, [LOGIN, 302, 302, 302, 302, 302, 302, 302]),
    "healthz": ("get", None, PUBLIC),
    "accessibility": ("get", None, PUBLIC),
    "set_language": ("post", None, [302] * 8),
    "login": ("get", None, [200, 302, 302, 302, 302, 302, 302, 302]),
    "logout": ("post", None, [302] * 8),
    "password_change": ("get", None, ANY_LOGIN),
    "password_change_done": ("get", None, ANY_LOGIN),
    "password_reset": ("get", None, PUBLIC),
    "password_reset_done": ("get", None, PUBLIC),
    "password_reset_confirm": ("get", lambda c, o: {"uidb64": "MQ", "token": "x-y"}, PUBLIC),
    "password_reset_complete": ("get", None, PUBLIC),
    "programme:dashboard": ("get", None, ANY_LOGIN),
    "programme:pilot_detail": ("get", lambda c, o: {"pk": c.pilot_a.pk}, MEMBERS_READ),
    "pilots:pilot_advance_phase": (
        "post",
        lambda c, o: {"pk": c.pilot_a.pk},
        [LOGIN, 403, 403, 404, 302, 302, 404, 302],
    ),
    "pilots:staff_list": ("get", lambda c, o: {"pk": c.dept_a.pk}, LEADERS),
    "pilots:staff_add": ("get", lambda c, o: {"pk": c.dept_a.pk}, LEADERS),
    "pilots:staff_edit": (
        "get",
        lambda c, o: {"department_pk": c.dept_a.pk, "pk": c.siri.pk},
        LEADERS,
    ),
    "pilots:staff_import": ("get", lambda c, o: {"pk": c.dept_a.pk}, LEADERS),
    "training:meeting_create": ("get", lambda c, o: {"pilot_pk": c.pilot_a.pk}, COORDINATORS),
    "training:meeting_edit": ("get", lambda c, o: {"pk": o.meeting.pk}, COORDINATORS),
    "training:meeting_delete": (
        "post",
        lambda c, o: {"pk": o.meeting.pk},
        [LOGIN, 403, 403, 404, 302, 302, 404, 302],
    ),
    "training:meeting_attendance": ("get", lambda c, o: {"pk": o.meeting.pk}, LEADERS),
    "training:course_day_create": (
        "get",
        lambda c, o: {"pilot_pk": c.pilot_a.pk},
        COORDINATORS,
    ),
    "training:course_day_edit": ("get", lambda c, o: {"pk": o.day.pk}, COORDINATORS),
    "training:course_day_attendance": ("get", lambda c, o: {"pk": o.day.pk}, LEADERS),
    "training:attendance_summary": ("get", lambda c, o: {"pk": c.pilot_a.pk}, LEADERS),
    "training:attendance_export": ("get", lambda c, o: {"pk": c.pilot_a.pk}, LEADERS),
    "plans:plan_detail": ("get", _pilot, MEMBERS_READ),
    "plans:plan_edit": ("get", _pilot, LEADERS),
    "plans:plan_history": ("get", _pilot, MEMBERS_READ),
    "plans:plan_matrix": ("get", _pilot, MEMBERS_READ),
    "plans:plan_board": ("get", _pilot, MEMBERS_READ),
    "plans:plan_submit": (
        "post",
        _pilot,
        [LOGIN, 403, 409, 404, 409, 409, 404, 409],
    ),
    "plans:plan_review": (
        "post",
        _pilot,
        [LOGIN, 403, 403, 404, 400, 400, 404, 400],
    ),
    "plans:measure_set_status": (
        "post",
        lambda c, o: {"pk": o.measure.pk},
        [LOGIN, 403, 400, 404, 400, 400, 404, 400],
    ),
    "plans:indicator_detail": ("get", lambda c, o: {"pk": o.indicator.pk}, MEMBERS_READ),
    "followup:pilot_follow_up": ("get", _pilot, MEMBERS_READ),
    "followup:board_meeting_create": ("get", _pilot, LEADERS),
    "followup:follow_up_meeting_hold": ("get", lambda c, o: {"pk": o.follow_up.pk}, COORDINATORS),
    "followup:outbox": ("get", None, [LOGIN, 403, 403, 403, 200, 200, 200, 200]),
    "followup:reminder_detail": (
        "get",
        lambda c, o: {"pk": o.reminder.pk},
        [LOGIN, 403, 403, 403, 200, 200, 404, 200],
    ),
    "followup:reminder_resend": (
        "post",
        lambda c, o: {"pk": o.reminder.pk},
        [LOGIN, 403, 403, 403, 302, 302, 404, 302],
    ),
    "plans:programme_gains": (
        "get",
        lambda c, o: {"pk": c.programme.pk},
        [LOGIN, 403, 403, 403, 200, 200, 404, 200],
    ),
}


def test_every_named_url_has_an_entry():
    missing = [name for name in ALL_URL_NAMES if name not in MATRIX]
    stale = [name for name in MATRIX if name not in ALL_URL_NAMES]

    assert missing == [], "add these URLs to the permission matrix"
    assert stale == [], "these URLs are gone; remove them from the matrix"


def _user(cast, role):
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


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, cast, objects, name, role):
    method, kwargs, statuses = MATRIX[name]
    expected = statuses[ROLES.index(role)]
    user = _user(cast, role)
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
