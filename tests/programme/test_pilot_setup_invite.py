"""The leader step invites the new leader to make a login, and the checklist shows how far they got.

The invitation is the one `pilots.invitations.person_invite` makes, e-mailed through the outbox
like every other; the checklist reads each leader's login status with `login_statuses`.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from followup.models import Reminder
from leanprogram.celery import app as celery_app
from leanprogram.pilot_setup import pilot_leader_add
from pilots.invitations import invitation_url, person_invite
from pilots.models import DepartmentRole, Invitation, Person
from tests.conftest import REQUEST_QUERIES
from tests.factories import DepartmentRoleFactory, PersonFactory

pytestmark = pytest.mark.django_db

HILDE = {
    "full_name": "Hilde Sørensen",
    "email": "hilde.sorensen@harstad.kommune.no",
    "language": "nb",
}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def eager():
    """Celery runs what is queued at once, in this process: the sweep the invitation asks for,
    and the send task the sweep queues."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def leader_url(cast) -> str:
    return reverse("programme:pilot_setup_leader", kwargs={"pk": cast.pilot_a.pk})


def checklist_url(cast) -> str:
    return reverse("programme:pilot_setup", kwargs={"pk": cast.pilot_a.pk})


# --- The service ----------------------------------------------------------------------------------


def test_a_new_leader_is_invited_and_the_invitation_is_mailed_through_the_outbox(
    cast, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        added = pilot_leader_add(
            user=cast.users.coordinator, pilot=cast.pilot_a, invite=True, **HILDE
        )

    invitation = added.invitation
    assert invitation is not None
    assert (invitation.person, invitation.created_by) == (added.person, cast.users.coordinator)
    assert invitation.send_count == 1 and invitation.is_open
    [message] = mail.outbox
    assert message.to == [HILDE["email"]]
    assert invitation_url(invitation) in message.body
    assert Reminder.objects.get().kind == Reminder.Kind.INVITATION


def test_an_existing_person_without_a_login_is_invited_when_chosen(cast):
    added = pilot_leader_add(
        user=cast.users.guide, pilot=cast.pilot_a, person=cast.ola, invite=True
    )

    assert added.invitation == Invitation.objects.get(person=cast.ola)
    assert added.invitation.created_by == cast.users.guide


def test_a_leader_with_an_open_invitation_gets_the_same_one_again(cast):
    earlier = person_invite(user=cast.users.coordinator, person=cast.ola)

    added = pilot_leader_add(
        user=cast.users.coordinator, pilot=cast.pilot_a, person=cast.ola, invite=True
    )

    assert added.invitation.pk == earlier.pk
    assert added.invitation.send_count == 2
    assert Invitation.objects.count() == 1


def test_someone_who_has_a_login_is_not_invited(cast):
    added = pilot_leader_add(
        user=cast.users.coordinator, pilot=cast.pilot_a, person=cast.siri, invite=True
    )

    assert added.role_added and added.invitation is None
    assert not Invitation.objects.exists()


def test_nobody_is_invited_unless_asked(cast):
    added = pilot_leader_add(user=cast.users.coordinator, pilot=cast.pilot_a, **HILDE)

    assert added.invitation is None
    assert not Invitation.objects.exists()


# --- The leader step's page -----------------------------------------------------------------------


def test_the_invitation_box_is_ticked_to_begin_with(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.get(leader_url(cast))

    assert response.context["form"]["invite"].value() is True
    html = response.content.decode()
    assert 'name="invite"' in html and "checked" in html.split('name="invite"')[1].split(">")[0]
    assert "Send an invitation to make a login" in html


def test_saving_a_new_leader_with_the_box_ticked_invites_them(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(leader_url(cast), {**HILDE, "invite": "on"}, follow=True)

    assert response.redirect_chain == [(checklist_url(cast), 302)]
    hilde = Person.objects.get(email=HILDE["email"])
    assert Invitation.objects.get(person=hilde).created_by == cast.users.coordinator
    html = response.content.decode()
    assert "Hilde Sørensen now leads Omsorg Sør, hjemmetjenesten 2." in html
    assert f"An invitation is on its way to Hilde Sørensen at {HILDE['email']}." in html


def test_saving_with_the_box_cleared_invites_nobody(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(leader_url(cast), HILDE, follow=True)

    assert Person.objects.filter(email=HILDE["email"]).exists()
    assert not Invitation.objects.exists()
    assert "An invitation is on its way" not in response.content.decode()


def test_choosing_someone_with_a_login_says_no_invitation_was_needed(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        leader_url(cast), {"person": cast.siri.pk, "language": "nb", "invite": "on"}, follow=True
    )

    assert not Invitation.objects.exists()
    assert "Siri Olsen already has a login." in response.content.decode()


def test_a_bad_new_leader_is_neither_saved_nor_invited_and_keeps_the_box(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(leader_url(cast), {"full_name": "Hilde Sørensen", "language": "nb"})

    assert response.status_code == 400
    assert response.context["form"]["invite"].value() is False
    assert not Person.objects.filter(full_name="Hilde Sørensen").exists()
    assert not Invitation.objects.exists()


# --- The checklist --------------------------------------------------------------------------------


def test_the_checklist_shows_each_leader_s_way_to_a_login(client, cast):
    invited = PersonFactory(municipality=cast.municipality, full_name="Hilde Sørensen")
    waiting = PersonFactory(municipality=cast.municipality, full_name="Vidar Berg")
    for person in (invited, waiting):
        DepartmentRole.objects.create(
            department=cast.dept_a, person=person, role=DepartmentRole.Role.DEPARTMENT_LEADER
        )
    person_invite(user=cast.users.coordinator, person=invited)
    client.force_login(cast.users.coordinator)

    response = client.get(checklist_url(cast))

    logins = {leader.full_name: login for leader, login in response.context["leaders"]}
    assert list(logins) == ["Hilde Sørensen", "Tore Meltzer", "Vidar Berg"]
    assert logins["Tore Meltzer"].has_login
    assert logins["Hilde Sørensen"].invitation is not None
    assert logins["Vidar Berg"].invitation is None and logins["Vidar Berg"].may_invite
    html = response.content.decode()
    assert "Has a login" in html
    assert f"Invited {timezone.localdate():%d.%m.%Y}" in html
    assert "not invited yet" in html
    invite_action = reverse("pilots:person_invite", kwargs={"pk": waiting.pk})
    assert f'action="{invite_action}"' in html
    assert f'name="next" value="{checklist_url(cast)}"' in html


def test_the_checklist_s_invite_button_comes_back_to_the_checklist(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("pilots:person_invite", kwargs={"pk": cast.ola.pk}),
        {"next": checklist_url(cast)},
    )

    assert response.status_code == 302 and response.url == checklist_url(cast)
    assert Invitation.objects.filter(person=cast.ola).exists()


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _leaders(cast, count: int) -> None:
    """`count` more leaders: a third with a login, a third invited, a third not yet."""
    for index in range(count):
        person = PersonFactory(municipality=cast.municipality)
        DepartmentRoleFactory(
            department=cast.dept_a, person=person, role=DepartmentRole.Role.DEPARTMENT_LEADER
        )
        if index % 3 == 1:
            person_invite(user=cast.users.coordinator, person=person)
        elif index % 3 == 2:
            person.user = type(cast.users.tore).objects.create_user(username=f"leader{person.pk}")
            person.save(update_fields=["user"])


def test_the_checklist_costs_the_same_with_few_and_many_leaders(client, cast):
    client.force_login(cast.users.coordinator)
    path = checklist_url(cast)
    _leaders(cast, 2)
    client.get(path)
    few = _queries(client, path)

    _leaders(cast, 30)

    assert _queries(client, path) == few
    # The pilot, its people, meetings and course days; the leaders' roles, programme roles and
    # open invitations.
    assert few <= REQUEST_QUERIES + 7
