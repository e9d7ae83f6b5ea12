"""Every mail link works for its recipient, and the invitation e-mail goes through the outbox.

A reminder to someone without a login carries their invitation, which leads on to the page the
reminder was about; the invitation e-mail itself is a reminder kind, sent once per sending,
whatever the hour; the outbox's stored copy of either never holds a live token.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUpPolicy, Reminder
from followup.policies import follow_up_policy_ensure
from followup.reminders.delivery import reminder_context
from followup.reminders.registry import KINDS
from followup.reminders.sweep import reminders_sweep
from followup.tasks import sweep_reminders
from leanprogram.celery import app as celery_app
from pilots.invitations import (
    REDACTED_TOKEN,
    SWEEP_TASK,
    invitation_resend,
    invitation_revoke,
    invitation_token,
    invitation_url,
    person_invite,
)
from pilots.models import Invitation
from plans.models import ProjectPlan
from plans.services import plan_return, plan_submit
from tests.factories import (
    CourseDayFactory,
    DepartmentRoleFactory,
    MunicipalityFactory,
    PersonFactory,
)
from tests.followup.conftest import (
    A_DAYS,
    B_DAYS,
    DEAD_BROKER,
    celery_broker,
    mails_of,
    oslo,
    schedule_course_days,
)

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
Status = Reminder.Status
OLA = "ola.nilsen@harstad.kommune.no"
TORE = "tore.meltzer@harstad.kommune.no"
PASSWORD = "Tavlemøte-hver-tirsdag"  # noqa: S105
INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^\s/]+/(?:\?next=\S+)?")


# --- The invitation e-mail ----------------------------------------------------------------------


def test_the_sweep_is_registered_under_the_name_inviting_asks_for_it_by():
    # pilots may not import followup, so it queues the sweep by name.
    assert celery_app.tasks[SWEEP_TASK] is sweep_reminders._get_current_object()


def test_inviting_sends_one_invitation_email_through_the_outbox(
    cast, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = person_invite(user=cast.users.coordinator, person=cast.ola)

    [message] = mails_of(Kind.INVITATION)
    assert message.to == [OLA]
    assert message.extra_headers["Content-Language"] == "en"  # Ola reads English
    assert message.subject == "Your login to the lean programme of Harstad kommune"
    assert invitation_url(invitation) in message.body
    assert "Jorunn Ervik invites you" in message.body
    reminder = Reminder.objects.get(kind=Kind.INVITATION)
    assert (reminder.status, reminder.recipient, reminder.period) == (Status.SENT, cast.ola, "1")
    assert reminder.subject_key == f"invitation:{invitation.pk}"
    # The outbox's copy shows the e-mail but cannot open the login.
    assert invitation_token(invitation) not in reminder.email_body
    assert f"/invitations/{REDACTED_TOKEN}/" in reminder.email_body

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=timezone.now() + dt.timedelta(minutes=5))
    assert len(mails_of(Kind.INVITATION)) == 1


def test_sending_again_is_a_new_email_and_an_older_one_not_sent_yet_is_dropped(cast, sweep):
    saturday_night = oslo(2027, 3, 13, 23, 30)
    invitation = person_invite(user=cast.users.coordinator, person=cast.ola, now=saturday_night)
    invitation_resend(
        user=cast.users.coordinator,
        invitation=invitation,
        now=saturday_night + dt.timedelta(minutes=10),
    )

    # No send hour, no working day: it answers what somebody just did.
    sweep(saturday_night + dt.timedelta(minutes=12))

    assert len(mails_of(Kind.INVITATION)) == 1
    assert set(Reminder.objects.values_list("period", "status")) == {("2", Status.SENT)}

    invitation_resend(
        user=cast.users.coordinator,
        invitation=invitation,
        now=saturday_night + dt.timedelta(days=3),
    )
    sweep(saturday_night + dt.timedelta(days=3, minutes=1))
    assert len(mails_of(Kind.INVITATION)) == 2


def test_an_invitation_withdrawn_before_it_went_out_is_not_sent(
    cast, eager, django_capture_on_commit_callbacks
):
    now = timezone.now()
    invitation = person_invite(user=cast.users.coordinator, person=cast.ola, now=now)
    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=now)
    assert Reminder.objects.get(kind=Kind.INVITATION).status == Status.PENDING

    invitation_revoke(user=cast.users.coordinator, invitation=invitation)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=now + dt.timedelta(minutes=5))

    reminder = Reminder.objects.get(kind=Kind.INVITATION)
    assert (reminder.status, reminder.cancel_reason) == (
        Status.CANCELLED,
        Reminder.CancelReason.NO_LONGER_APPLIES,
    )
    assert mail.outbox == []


def test_invitations_go_out_while_the_programmes_reminders_are_off(cast, sweep):
    policy = follow_up_policy_ensure(programme=cast.programme)
    FollowUpPolicy.objects.filter(pk=policy.pk).update(reminders_enabled=False)
    elsewhere = MunicipalityFactory()  # no programme, so no policy at all
    newcomer = PersonFactory(municipality=elsewhere, email="ny@example.no")
    now = oslo(2027, 3, 15, 12)
    person_invite(user=cast.users.coordinator, person=cast.ola, now=now)
    person_invite(user=cast.users.superuser, person=newcomer, now=now)

    sweep(now)

    assert sorted(m.to[0] for m in mails_of(Kind.INVITATION)) == ["ny@example.no", OLA]


# --- Every link in a reminder works for its recipient -----------------------------------------


def test_a_reminder_link_lets_a_person_without_login_make_one_and_go_on(
    cast, sweep, client, settings
):
    # The sweep runs in 2027; the accept page checks the invitation against today's clock.
    settings.INVITATION_VALID_DAYS = 3650
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    page = reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk})

    sweep(oslo(2027, 2, 12, 8, 0))

    by_address = {message.to[0]: message for message in mails_of(Kind.EVENT_COMING)}
    assert f"{settings.SITE_URL}{page}\n" in by_address[TORE].body  # Tore has a login
    assert not INVITATION_LINK.search(by_address[TORE].body)
    [link] = INVITATION_LINK.findall(by_address[OLA].body)
    assert link.endswith(f"?next={page}")
    invitation = Invitation.objects.get()
    assert (invitation.person, invitation.created_by, invitation.send_count) == (cast.ola, None, 0)
    stored = Reminder.objects.get(kind=Kind.EVENT_COMING, recipient=cast.ola).email_body
    assert invitation_token(invitation) not in stored
    assert f"/invitations/{REDACTED_TOKEN}/?next={page}" in stored
    # The system's invitation is not an invitation e-mail of its own: the reminder carries it.
    assert mails_of(Kind.INVITATION) == []

    path = link.removeprefix(settings.SITE_URL)
    assert client.get(path).status_code == 200
    response = client.post(path, {"username": "ola", "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    assert response.url == page
    cast.ola.refresh_from_db()
    assert int(client.session[SESSION_KEY]) == cast.ola.user_id
    assert client.get(page).status_code == 200


def test_every_reminder_to_a_person_shares_one_invitation(cast, sweep):
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=dt.date(2027, 2, 18))

    sweep(oslo(2027, 2, 12, 8, 0))
    sweep(oslo(2027, 2, 16, 8, 0))

    ola_mails = [m for m in mails_of(Kind.EVENT_COMING) if m.to == [OLA]]
    assert len(ola_mails) == 2
    tokens = {INVITATION_LINK.search(m.body)[0].split("/invitations/")[1][:40] for m in ola_mails}
    assert len(tokens) == 1
    assert Invitation.objects.count() == 1


def _digest_queries(cast, django_assert_num_queries, expected: int, hour: int = 8) -> str:
    reminder = Reminder.objects.create(
        kind=Kind.COORDINATOR_DIGEST,
        recipient=cast.jorunn,
        subject_key=f"programme:{cast.programme.pk}",
        period="2027-W11",
        due_at=oslo(2027, 3, 15, 8),
    )
    reminder = Reminder.objects.select_related("recipient__municipality").get(pk=reminder.pk)
    ctx = reminder_context(reminder, now=oslo(2027, 3, 15, hour))
    with django_assert_num_queries(expected):
        body = KINDS[Kind.COORDINATOR_DIGEST].message(reminder, ctx).body
    reminder.delete()
    return body


def test_links_cost_queries_per_mail_not_per_link(cast, django_assert_num_queries):
    schedule_course_days(cast.pilot_a, A_DAYS)
    schedule_course_days(cast.pilot_b, B_DAYS)
    follow_up_policy_ensure(programme=cast.programme)
    # A digest with a link to each late pilot, the dashboard and the outbox. Three queries: the
    # programme, its pilots, and the municipality's holiday periods (a plan's due day).
    with_login = _digest_queries(cast, django_assert_num_queries, 3)
    assert len(re.findall(re.escape(settings.SITE_URL) + r"/\S+", with_login)) == 4
    cast.users.coordinator.delete()
    cast.jorunn.refresh_from_db()

    # Her latest invitation, the new one inserted and read back.
    without_login = _digest_queries(cast, django_assert_num_queries, 3 + 3)
    # An hour later: her latest invitation, its expiry moved on.
    _digest_queries(cast, django_assert_num_queries, 3 + 2, hour=9)

    links = INVITATION_LINK.findall(without_login)
    assert len(links) == 4
    assert all("?next=/" in link for link in links)


# --- The plan workflow's e-mails ----------------------------------------------------------------


def test_a_returned_plan_leads_a_leader_without_login_through_their_invitation(cast, sweep):
    cast.users.kari.delete()
    cast.kari.refresh_from_db()
    plan = ProjectPlan.objects.create(pilot=cast.pilot_b)
    plan_submit(plan=plan, user=cast.users.coordinator, expected_version=1)
    plan_return(plan=plan, user=cast.users.coordinator, expected_version=2, comment="Mer.")

    sweep(timezone.now())

    [message] = [m for m in mails_of(Kind.PLAN_TRANSITION) if m.to == [cast.kari.email]]
    [link] = INVITATION_LINK.findall(message.body)
    plan_page = reverse("plans:plan_detail", kwargs={"pilot_pk": plan.pilot_id})
    assert link.endswith(f"?next={plan_page}")
    invitation = Invitation.objects.get()
    assert invitation.person == cast.kari
    assert invitation_token(invitation) in link
    # The guide got the submission with a plain link: she has a login.
    [to_guide] = [m for m in mails_of(Kind.PLAN_TRANSITION) if m.to == [cast.monica.email]]
    assert settings.SITE_URL + plan_page in to_guide.body
    assert not INVITATION_LINK.search(to_guide.body)


def test_two_people_without_a_login_each_get_their_own_link(cast, sweep):
    """Two people without a login in one department: each mail carries its recipient's link."""
    other = DepartmentRoleFactory(
        department=cast.dept_a,
        person=PersonFactory(municipality=cast.municipality, email="per@harstad.kommune.no"),
    ).person
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))

    sweep(oslo(2027, 2, 12, 8, 0))

    by_address = {message.to[0]: message for message in mails_of(Kind.EVENT_COMING)}
    for person in (cast.ola, other):
        invitation = Invitation.objects.get(person=person)
        assert invitation_token(invitation) in by_address[person.email].body
