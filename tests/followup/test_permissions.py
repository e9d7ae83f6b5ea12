"""Who may open each follow-up page: every role × every follow-up URL."""

import datetime as dt

import pytest
from django.urls import reverse

from followup.models import BoardMeeting, FollowUpMeeting, Reminder

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "leader_a", "leader_b", "guide", "coordinator", "outsider", "admin"]
LOGIN = "login"
MEMBERS_READ = [LOGIN, 200, 200, 404, 200, 200, 404, 200]
LEADERS = [LOGIN, 403, 200, 404, 200, 200, 404, 200]
COORDINATORS = [LOGIN, 403, 403, 404, 200, 200, 404, 200]

# name → (method, kwargs(cast, objects), statuses in ROLES order)
MATRIX = {
    "followup:pilot_follow_up": ("get", lambda c, o: {"pilot_pk": c.pilot_a.pk}, MEMBERS_READ),
    "followup:board_meeting_create": ("get", lambda c, o: {"pilot_pk": c.pilot_a.pk}, LEADERS),
    "followup:follow_up_meeting_hold": ("get", lambda c, o: {"pk": o["meeting"].pk}, COORDINATORS),
    # The outsider coordinates in Tromsø: her own outbox opens, Harstad's reminders do not.
    "followup:outbox": ("get", None, [LOGIN, 403, 403, 403, 200, 200, 200, 200]),
    "followup:reminder_detail": (
        "get",
        lambda c, o: {"pk": o["reminder"].pk},
        [LOGIN, 403, 403, 403, 200, 200, 404, 200],
    ),
    "followup:reminder_resend": (
        "post",
        lambda c, o: {"pk": o["reminder"].pk},
        [LOGIN, 403, 403, 403, 302, 302, 404, 302],
    ),
}


@pytest.fixture
def objects(cast):
    BoardMeeting.objects.create(pilot=cast.pilot_a, held_on=dt.date(2027, 3, 3))
    return {
        "meeting": FollowUpMeeting.objects.create(
            pilot=cast.pilot_a, label="2 uker", due_on=dt.date(2027, 3, 12)
        ),
        "reminder": Reminder.objects.create(
            kind=Reminder.Kind.PLAN_QUIET,
            recipient=cast.tore,
            pilot=cast.pilot_a,
            subject_key=f"plan:{cast.pilot_a.pk}",
            period="2027-02-01",
            due_at=dt.datetime(2027, 3, 8, 7, tzinfo=dt.UTC),
            status=Reminder.Status.FAILED,
        ),
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_follow_up_permission_matrix(client, cast, objects, name, role):
    method, kwargs, statuses = MATRIX[name]
    users = {
        "staff": cast.users.staff_a,
        "leader_a": cast.users.tore,
        "leader_b": cast.users.kari,
        "guide": cast.users.guide,
        "coordinator": cast.users.coordinator,
        "outsider": cast.users.outsider,
        "admin": cast.users.superuser,
    }
    if role in users:
        client.force_login(users[role])
    response = getattr(client, method)(
        reverse(name, kwargs=kwargs(cast, objects) if kwargs else None)
    )
    expected = statuses[ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected
