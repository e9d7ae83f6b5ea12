"""The audit log: every way a role or a login's permissions change leaves one event, with ids
and role names only; the administrators read the log in the admin and cannot change it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leanprogram.pilot_setup import pilot_leader_add
from pilots import audit
from pilots.calendar import local_today
from pilots.invitations import invitation_accept, person_invite
from pilots.models import AuditEvent, DepartmentRole, Person, ProgrammeRole
from pilots.staff import person_move, person_roles_end, person_roles_restore, person_save
from pilots.staff_import import staff_import_apply
from tests.admin_forms import submitted_form_data

pytestmark = pytest.mark.django_db

PERMISSIONS = AuditEvent.Action.PERMISSIONS


def _events(person=None):
    events = AuditEvent.objects.filter(action=PERMISSIONS).order_by("pk")
    if person is not None:
        events = events.filter(subject_person_id=person.pk)
    return list(events)


def _details(person=None):
    return [event.detail for event in _events(person)]


def _no_personal_data(cast, events):
    """Ids and role names only: no name or address of anyone in the cast in any detail."""
    people = Person.objects.all()
    for event in events:
        for person in people:
            assert person.full_name not in event.detail
            assert person.email not in event.detail


# --- The site's services --------------------------------------------------------------------------


def test_adding_a_person_with_roles_records_each_role_granted(cast):
    result = person_save(
        user=cast.users.tore,
        department=cast.dept_a,
        person=None,
        full_name="Nina Berg",
        email="nina.berg@harstad.kommune.no",
        phone="",
        language="nb",
        roles=["staff", "safety_rep"],
        position_percent=80,
    )

    events = _events(result.person)
    assert [e.detail for e in events] == [
        f"department role safety_rep in department {cast.dept_a.pk}: granted",
        f"department role staff in department {cast.dept_a.pk}: granted",
    ]
    event = events[0]
    assert event.actor == cast.users.tore
    assert event.municipality_id == cast.municipality.pk
    _no_personal_data(cast, events)


def test_unticking_a_role_records_it_removed_and_a_new_percentage_records_nothing(cast):
    person_save(
        user=cast.users.tore,
        department=cast.dept_a,
        person=cast.ola,
        full_name=cast.ola.full_name,
        email=cast.ola.email,
        phone=cast.ola.phone,
        language=cast.ola.language,
        roles=["staff"],
        position_percent=50,
    )

    assert _details(cast.ola) == [
        f"department role union_rep in department {cast.dept_a.pk}: removed"
    ]


def test_ending_and_restoring_roles_are_recorded(cast):
    ends_on = local_today() + dt.timedelta(days=30)

    person_roles_end(
        user=cast.users.tore, department=cast.dept_a, person=cast.siri, ends_on=ends_on
    )
    person_roles_restore(user=cast.users.tore, department=cast.dept_a, person=cast.siri)

    assert _details(cast.siri) == [
        f"department role staff in department {cast.dept_a.pk}: ended {ends_on.isoformat()}",
        f"department role staff in department {cast.dept_a.pk}: granted",
    ]


def test_moving_a_person_records_the_end_here_and_the_grant_there(cast):
    today = local_today()

    person_move(
        user=cast.users.coordinator,
        person=cast.siri,
        from_department=cast.dept_a,
        to_department=cast.dept_b,
        roles=["staff"],
        on=today,
    )

    assert _details(cast.siri) == [
        f"department role staff in department {cast.dept_a.pk}: ended {today.isoformat()}",
        f"department role staff in department {cast.dept_b.pk}: granted",
    ]
    assert {e.actor_id for e in _events(cast.siri)} == {cast.users.coordinator.pk}


def test_importing_staff_records_every_role_granted(cast):
    staff_import_apply(
        user=cast.users.tore,
        department=cast.dept_a,
        text="navn;e-post;rolle\nNina Berg;nina.berg@harstad.kommune.no;ansatt\n",
    )

    nina = Person.objects.get(email="nina.berg@harstad.kommune.no")
    assert _details(nina) == [f"department role staff in department {cast.dept_a.pk}: granted"]


def test_making_someone_a_pilots_leader_is_recorded_once(cast):
    pilot_leader_add(user=cast.users.coordinator, pilot=cast.pilot_a, person=cast.siri)
    pilot_leader_add(user=cast.users.coordinator, pilot=cast.pilot_a, person=cast.siri)

    assert _details(cast.siri) == [
        f"department role department_leader in department {cast.dept_a.pk}: granted"
    ]


def test_accepting_an_invitation_records_the_login_made(cast):
    invitation = person_invite(user=cast.users.tore, person=cast.ola)

    user = invitation_accept(invitation=invitation, username="ola.n", password="Lean-demo-2027!")

    [event] = _events(cast.ola)
    assert event.detail == f"login {user.pk}: made from invitation {invitation.pk}"
    assert event.actor == user


# --- The admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.users.superuser)
    return client


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_role_granted_changed_and_deleted_in_its_admin_is_recorded(admin_client, cast):
    response = admin_client.post(
        _admin_url(DepartmentRole, "add"),
        {"department": cast.dept_b.pk, "person": cast.siri.pk, "role": "safety_rep"},
    )
    assert response.status_code == 302
    role = DepartmentRole.objects.get(person=cast.siri, department=cast.dept_b)
    change_url = _admin_url(DepartmentRole, "change", role.pk)
    data = submitted_form_data(admin_client.get(change_url).content.decode())
    ends_on = local_today() + dt.timedelta(days=10)
    data["ends_on"] = [ends_on.strftime("%d.%m.%Y")]
    assert admin_client.post(change_url, data).status_code == 302
    data["position_percent"] = ["40"]  # not a change of permissions
    assert admin_client.post(change_url, data).status_code == 302
    response = admin_client.post(_admin_url(DepartmentRole, "delete", role.pk), {"post": "yes"})
    assert response.status_code == 302

    where = f"department role safety_rep in department {cast.dept_b.pk}"
    assert _details(cast.siri) == [
        f"{where}: granted",
        f"{where}: ended {ends_on.isoformat()}",
        f"{where}: removed",
    ]
    assert {e.actor_id for e in _events(cast.siri)} == {cast.users.superuser.pk}


def test_roles_deleted_in_bulk_from_the_changelist_are_recorded(admin_client, cast):
    roles = DepartmentRole.objects.filter(person=cast.ola)

    response = admin_client.post(
        _admin_url(DepartmentRole, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [r.pk for r in roles],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert sorted(_details(cast.ola)) == [
        f"department role staff in department {cast.dept_a.pk}: removed",
        f"department role union_rep in department {cast.dept_a.pk}: removed",
    ]


def test_roles_added_and_removed_in_a_persons_inline_are_recorded(admin_client, cast):
    url = _admin_url(Person, "change", cast.siri.pk)
    data = submitted_form_data(admin_client.get(url).content.decode())
    total = int(data["programme_roles-TOTAL_FORMS"][0])
    data["programme_roles-TOTAL_FORMS"] = [str(total + 1)]
    data[f"programme_roles-{total}-programme"] = [str(cast.programme.pk)]
    data[f"programme_roles-{total}-role"] = ["lean_guide"]
    # Her staff role in department A goes.
    data["department_roles-0-DELETE"] = ["on"]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not DepartmentRole.objects.filter(person=cast.siri).exists()
    assert ProgrammeRole.objects.filter(person=cast.siri).exists()
    assert sorted(_details(cast.siri)) == [
        f"department role staff in department {cast.dept_a.pk}: removed",
        f"programme role lean_guide in programme {cast.programme.pk}: granted",
    ]


def test_making_a_login_staff_and_giving_it_groups_is_recorded(admin_client, cast):
    group = Group.objects.create(name="Administratorer")
    user = cast.users.tore
    url = _admin_url(type(user), "change", user.pk)
    data = submitted_form_data(admin_client.get(url).content.decode())
    data["is_staff"] = ["on"]
    data["groups"] = [str(group.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _details(cast.tore) == [
        f"login {user.pk}: staff granted",
        f"login {user.pk}: groups now [{group.pk}]",
    ]
    assert _events(cast.tore)[0].municipality_id == cast.municipality.pk


def test_saving_a_login_unchanged_records_nothing(admin_client, cast):
    user = cast.users.kari
    url = _admin_url(type(user), "change", user.pk)
    data = submitted_form_data(admin_client.get(url).content.decode())

    assert admin_client.post(url, data).status_code == 302

    assert _events() == []


# --- Reading the log ------------------------------------------------------------------------------


def _some_events(cast, count):
    for number in range(count):
        audit.record(
            cast.users.coordinator,
            AuditEvent.Action.EXPORTED if number % 2 else PERMISSIONS,
            subject=cast.siri if number % 3 else cast.ola,
            detail=f"event {number}",
        )


def test_the_log_cannot_be_added_to_changed_or_deleted_in_the_admin(admin_client, cast):
    _some_events(cast, 1)
    event = AuditEvent.objects.get()
    change_url = _admin_url(AuditEvent, "change", event.pk)

    assert admin_client.get(_admin_url(AuditEvent, "add")).status_code == 403
    assert admin_client.post(change_url, {"detail": "nothing happened"}).status_code == 403
    delete_url = _admin_url(AuditEvent, "delete", event.pk)
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.detail == "event 0"
    # Read-only, and the bulk delete is not on offer either.
    assert admin_client.get(change_url).status_code == 200
    changelist = admin_client.get(_admin_url(AuditEvent, "changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_the_log_is_searched_by_person_id_and_filtered_by_action(admin_client, cast):
    _some_events(cast, 6)
    url = _admin_url(AuditEvent, "changelist")

    by_person = admin_client.get(url, {"q": str(cast.ola.pk)}).context["cl"]
    by_action = admin_client.get(url, {"action__exact": "exported"}).context["cl"]
    by_municipality = admin_client.get(url, {"municipality__id__exact": cast.municipality.pk})
    nonsense = admin_client.get(url, {"q": "Ola Nilsen"})

    assert {e.subject_person_id for e in by_person.result_list} == {cast.ola.pk}
    assert by_person.result_count == 2
    assert by_action.result_count == 3
    assert by_municipality.context["cl"].result_count == 6
    assert nonsense.status_code == 200
    assert nonsense.context["cl"].result_count == 0


def test_the_logs_changelist_queries_do_not_grow_with_rows(admin_client, cast):
    url = _admin_url(AuditEvent, "changelist")
    _some_events(cast, 2)
    admin_client.get(url)  # warm the caches that only the first request fills

    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    _some_events(cast, 50)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.context["cl"].result_count == 52
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_making_people_inactive_from_the_changelist_is_recorded(admin_client, cast):
    response = admin_client.post(
        _admin_url(Person, "changelist"),
        {"action": "deactivate", "_selected_action": [cast.siri.pk, cast.ola.pk]},
    )

    assert response.status_code == 302
    assert _details(cast.siri) == ["person active ended"]
    assert _details(cast.ola) == ["person active ended"]


def test_a_persons_login_and_active_flag_changed_on_their_page_are_recorded(admin_client, cast):
    url = _admin_url(Person, "change", cast.kari.pk)
    data = submitted_form_data(admin_client.get(url).content.decode())
    data.pop("is_active", None)
    data["user"] = [""]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _details(cast.kari) == ["person active ended", "person's login now none"]


def test_a_login_made_at_the_first_oidc_login_is_recorded_once(cast):
    from pilots.oidc import person_login_link

    user = person_login_link(person=cast.ola)
    person_login_link(person=cast.ola)  # the next login finds it: nothing new

    [event] = _events(cast.ola)
    assert event.detail == f"login {user.pk}: made at first login through OIDC"
    assert event.actor == user
