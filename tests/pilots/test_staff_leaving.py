"""Someone who leaves a department gets an end date on their roles instead of being deleted.

Tore leads Omsorg Sør (dept_a), where Siri and Ola work; Kari leads NAV (dept_b); Jorunn
coordinates. The clock stands on Monday 1 March 2027.
"""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.access import scope_for
from pilots.models import DepartmentRole, ProgrammeRole
from pilots.selectors import pilots_for_user
from pilots.staff import person_move, person_roles_end, person_roles_restore, person_save
from pilots.staff_import import staff_import_apply
from tests.conftest import REQUEST_QUERIES
from tests.factories import DepartmentRoleFactory, PersonFactory
from training.models import Attendance
from training.selectors import attendance_people

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
TODAY = dt.date(2027, 3, 1)
NEUTRAL = "This address cannot be used here. Ask the lean coordinator to add this person."


@pytest.fixture(autouse=True)
def clock():
    noon = dt.datetime(2027, 3, 1, 12, 0, tzinfo=OSLO)
    with mock.patch("django.utils.timezone.now", return_value=noon) as now:
        yield now


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _list_url(department):
    return reverse("pilots:staff_list", kwargs={"pk": department.pk})


def _end_url(department, person):
    return reverse("pilots:staff_end", kwargs={"department_pk": department.pk, "pk": person.pk})


def _restore_url(department, person):
    return reverse("pilots:staff_restore", kwargs={"department_pk": department.pk, "pk": person.pk})


def _ends(person, department) -> dict[str, dt.date | None]:
    return dict(
        DepartmentRole.objects.filter(person=person, department=department).values_list(
            "role", "ends_on"
        )
    )


def _fresh(user):
    """The user as a new request loads it, without the access scope cached on the object."""
    return type(user).objects.get(pk=user.pk)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- What "active" means --------------------------------------------------------------------------


def test_a_role_counts_until_the_day_before_its_end_date(cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 3, 2))
    active = DepartmentRole.objects.filter(person=cast.siri)

    assert active.active(dt.date(2027, 3, 1)).count() == 1
    assert active.active(dt.date(2027, 3, 2)).count() == 0
    assert active.ended(dt.date(2027, 3, 2)).count() == 1


def test_a_leader_loses_access_the_day_his_role_ends(cast, clock):
    DepartmentRole.objects.filter(person=cast.tore).update(ends_on=dt.date(2027, 3, 2))

    scope = scope_for(_fresh(cast.users.tore))
    assert scope.can_lead(cast.dept_a.pk)
    assert list(pilots_for_user(_fresh(cast.users.tore))) == [cast.pilot_a]

    clock.return_value = dt.datetime(2027, 3, 2, 0, 5, tzinfo=OSLO)
    scope = scope_for(_fresh(cast.users.tore))
    assert not scope.can_lead(cast.dept_a.pk)
    assert not scope.can_manage_staff(cast.dept_a)
    assert list(pilots_for_user(_fresh(cast.users.tore))) == []


def test_a_coordinator_whose_programme_role_ended_coordinates_no_more(cast):
    ProgrammeRole.objects.filter(person=cast.jorunn).update(ends_on=TODAY)

    scope = scope_for(_fresh(cast.users.coordinator))

    assert not scope.can_manage_programme()
    assert not scope.can_schedule(cast.pilot_a)


# --- Ending a role on the staff list --------------------------------------------------------------


def test_leader_ends_a_persons_role_and_the_list_shows_them_as_former_staff(client, cast):
    client.force_login(cast.users.tore)
    page = client.get(_end_url(cast.dept_a, cast.siri))
    assert page.status_code == 200
    assert page.context["form"].initial["ends_on"] == TODAY
    assert "move_to" not in page.context["form"].fields

    response = client.post(_end_url(cast.dept_a, cast.siri), {"ends_on": "01.03.2027"})

    assert response.status_code == 302
    assert _ends(cast.siri, cast.dept_a) == {"staff": TODAY}
    assert _messages(response) == ["Siri Olsen leaves Omsorg Sør, hjemmetjenesten 2 on 01.03.2027."]
    listing = client.get(_list_url(cast.dept_a))
    assert {m.person for m in listing.context["members"]} == {cast.tore, cast.ola}
    assert [m.person for m in listing.context["former_members"]] == [cast.siri]
    html = listing.content.decode()
    assert "Former staff" in html
    assert "<details>" in html
    assert "Left on 01.03.2027" in html
    assert _restore_url(cast.dept_a, cast.siri) in html


def test_a_future_end_date_keeps_the_person_until_then(client, cast):
    client.force_login(cast.users.coordinator)

    client.post(_end_url(cast.dept_a, cast.ola), {"ends_on": "01.04.2027"})

    assert _ends(cast.ola, cast.dept_a) == {
        "staff": dt.date(2027, 4, 1),
        "union_rep": dt.date(2027, 4, 1),
    }
    listing = client.get(_list_url(cast.dept_a))
    members = {m.person: m for m in listing.context["members"]}
    assert members[cast.ola].ends_on == dt.date(2027, 4, 1)
    assert "Leaves on 01.04.2027" in listing.content.decode()
    assert listing.context["former_members"] == []


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "This field is required."),
        ("31.02.2027", "Enter the date as day, month and year, e.g. 17.02.2027."),
        ("27.02.2026", "The end date can be at most a year back."),
        ("02.03.2028", "The end date can be at most a year ahead."),
    ],
)
def test_a_bad_end_date_is_a_form_error_and_nothing_ends(client, cast, typed, error):
    client.force_login(cast.users.tore)

    response = client.post(_end_url(cast.dept_a, cast.siri), {"ends_on": typed})

    assert response.status_code == 400
    assert response.context["form"].errors == {"ends_on": [error]}
    assert f'value="{typed}"' in response.content.decode()
    assert _ends(cast.siri, cast.dept_a) == {"staff": None}


def test_a_leader_cannot_end_his_own_role(client, cast):
    client.force_login(cast.users.tore)

    listing = client.get(_list_url(cast.dept_a)).content.decode()
    response = client.post(_end_url(cast.dept_a, cast.tore), {"ends_on": "01.03.2027"})

    assert _end_url(cast.dept_a, cast.tore) not in listing
    assert _end_url(cast.dept_a, cast.siri) in listing
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "You cannot end your own role. Ask the lean coordinator to do it."
    ]
    assert _ends(cast.tore, cast.dept_a) == {"department_leader": None}


def test_who_has_left_is_not_edited_nor_ended_again(client, cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=TODAY)
    client.force_login(cast.users.tore)

    edit = reverse(
        "pilots:staff_edit", kwargs={"department_pk": cast.dept_a.pk, "pk": cast.siri.pk}
    )
    assert client.get(edit).status_code == 404
    assert client.get(_end_url(cast.dept_a, cast.siri)).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("staff_a", 403), ("kari", 404), ("outsider", 404)])
def test_who_may_not_end_roles_here(client, cast, role, status):
    client.force_login(getattr(cast.users, role))

    assert client.get(_end_url(cast.dept_a, cast.ola)).status_code == status
    response = client.post(_end_url(cast.dept_a, cast.ola), {"ends_on": "01.03.2027"})
    assert response.status_code == status
    assert client.post(_restore_url(cast.dept_a, cast.ola)).status_code == status
    assert _ends(cast.ola, cast.dept_a) == {"staff": None, "union_rep": None}


def test_the_service_refuses_whoever_may_not_manage_the_department(cast):
    with pytest.raises(PermissionDenied):
        person_roles_end(
            user=cast.users.kari, department=cast.dept_a, person=cast.siri, ends_on=TODAY
        )
    with pytest.raises(PermissionDenied):
        person_roles_restore(user=cast.users.staff_a, department=cast.dept_a, person=cast.siri)


# --- Undo -----------------------------------------------------------------------------------------


def test_undo_brings_the_person_back(client, cast):
    client.force_login(cast.users.tore)
    client.post(_end_url(cast.dept_a, cast.siri), {"ends_on": "01.03.2027"})

    response = client.post(_restore_url(cast.dept_a, cast.siri))

    assert response.status_code == 302
    assert _messages(response)[-1] == "Siri Olsen is back in Omsorg Sør, hjemmetjenesten 2."
    assert _ends(cast.siri, cast.dept_a) == {"staff": None}
    listing = client.get(_list_url(cast.dept_a))
    assert cast.siri in {m.person for m in listing.context["members"]}
    assert listing.context["former_members"] == []


def test_undo_gives_back_only_the_roles_of_the_last_leaving(cast):
    """Ola stopped as union rep last year and left as staff today: undo keeps him out of the
    union role."""
    DepartmentRole.objects.filter(person=cast.ola, role="union_rep").update(
        ends_on=dt.date(2026, 6, 1)
    )
    DepartmentRole.objects.filter(person=cast.ola, role="staff").update(ends_on=TODAY)

    person_roles_restore(user=cast.users.tore, department=cast.dept_a, person=cast.ola)

    assert _ends(cast.ola, cast.dept_a) == {"staff": None, "union_rep": dt.date(2026, 6, 1)}


def test_undo_with_nothing_ended_says_so(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(_restore_url(cast.dept_a, cast.siri))

    assert response.status_code == 302
    assert _messages(response) == [
        "Siri Olsen has no role in Omsorg Sør, hjemmetjenesten 2 that has ended or will end."
    ]


def test_a_leader_cannot_bring_back_who_works_in_another_department_now(client, cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=TODAY)
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.siri, role="staff")
    client.force_login(cast.users.tore)

    response = client.post(_restore_url(cast.dept_a, cast.siri))

    assert _messages(response) == ["Ask the lean coordinator to bring this person back."]
    assert _ends(cast.siri, cast.dept_a) == {"staff": TODAY}
    person_roles_restore(user=cast.users.coordinator, department=cast.dept_a, person=cast.siri)
    assert _ends(cast.siri, cast.dept_a) == {"staff": None}


# --- Moving: the coordinators' job ----------------------------------------------------------------


def test_coordinator_moves_a_person_and_the_old_role_ends_today(client, cast):
    client.force_login(cast.users.coordinator)
    page = client.get(_end_url(cast.dept_a, cast.ola))
    assert set(page.context["form"].fields["move_to"].queryset) == {cast.dept_b}
    assert set(page.context["form"].initial["roles"]) == {"staff", "union_rep"}

    response = client.post(
        _end_url(cast.dept_a, cast.ola),
        {"ends_on": "01.03.2027", "move_to": cast.dept_b.pk, "roles": ["staff"]},
    )

    assert response.status_code == 302
    assert _messages(response) == [
        "Ola Nilsen moves from Omsorg Sør, hjemmetjenesten 2 to NAV flyktningetjenesten."
    ]
    assert _ends(cast.ola, cast.dept_a) == {"staff": TODAY, "union_rep": TODAY}
    assert _ends(cast.ola, cast.dept_b) == {"staff": None}
    listing = client.get(_list_url(cast.dept_a))
    assert [m.person for m in listing.context["former_members"]] == [cast.ola]


def test_moving_back_gives_back_the_old_roles_rows(cast):
    DepartmentRole.objects.create(
        department=cast.dept_b, person=cast.siri, role="staff", ends_on=dt.date(2026, 8, 1)
    )

    person_move(
        user=cast.users.coordinator,
        person=cast.siri,
        from_department=cast.dept_a,
        to_department=cast.dept_b,
        roles=["staff"],
        on=TODAY,
    )

    assert _ends(cast.siri, cast.dept_b) == {"staff": None}
    assert DepartmentRole.objects.filter(person=cast.siri).count() == 2


def test_a_move_needs_roles_and_another_department(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _end_url(cast.dept_a, cast.ola), {"ends_on": "01.03.2027", "move_to": cast.dept_b.pk}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "roles": ["Choose at least one role in the new department."]
    }
    with pytest.raises(ValidationError):
        person_move(
            user=cast.users.coordinator,
            person=cast.ola,
            from_department=cast.dept_a,
            to_department=cast.dept_a,
            roles=["staff"],
            on=TODAY,
        )
    assert _ends(cast.ola, cast.dept_a) == {"staff": None, "union_rep": None}


def test_a_leader_cannot_move_anyone(client, cast):
    DepartmentRole.objects.create(
        department=cast.dept_b, person=cast.tore, role="department_leader"
    )
    client.force_login(cast.users.tore)

    # Even leading both departments, the move is not his: the form ignores it and only ends.
    response = client.post(
        _end_url(cast.dept_a, cast.ola),
        {"ends_on": "01.03.2027", "move_to": cast.dept_b.pk, "roles": ["staff"]},
    )

    assert response.status_code == 302
    assert _ends(cast.ola, cast.dept_b) == {}
    with pytest.raises(PermissionDenied):
        person_move(
            user=cast.users.tore,
            person=cast.siri,
            from_department=cast.dept_a,
            to_department=cast.dept_b,
            roles=["staff"],
            on=TODAY,
        )


# --- Adding back and taking people in -------------------------------------------------------------


def _add(user, department, *, full_name, email, roles=("staff",)):
    return person_save(
        user=user,
        department=department,
        person=None,
        full_name=full_name,
        email=email,
        phone="",
        language="nb",
        roles=roles,
        position_percent=None,
    )


def test_a_leader_may_take_back_who_left_his_department_and_works_nowhere(cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 1, 1))

    result = _add(
        cast.users.tore, cast.dept_a, full_name="Siri Olsen", email="siri.olsen@harstad.kommune.no"
    )

    assert result.attached_existing
    assert _ends(cast.siri, cast.dept_a) == {"staff": None}


def test_a_leader_cannot_take_in_who_left_another_department(cast):
    liv = PersonFactory(municipality=cast.municipality, full_name="Liv Lund", email="liv@h.no")
    DepartmentRole.objects.create(
        department=cast.dept_b, person=liv, role="staff", ends_on=dt.date(2027, 1, 1)
    )

    with pytest.raises(ValidationError) as excinfo:
        _add(cast.users.tore, cast.dept_a, full_name="Liv Lund", email="liv@h.no")

    assert excinfo.value.message_dict == {"email": [NEUTRAL]}


def test_a_leader_cannot_take_back_who_left_for_another_department(cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 1, 1))
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.siri, role="staff")

    with pytest.raises(ValidationError) as excinfo:
        _add(
            cast.users.tore,
            cast.dept_a,
            full_name="Siri Olsen",
            email="siri.olsen@harstad.kommune.no",
        )

    assert excinfo.value.message_dict == {"email": [NEUTRAL]}
    assert _ends(cast.siri, cast.dept_a) == {"staff": dt.date(2027, 1, 1)}


def test_a_leader_edits_details_of_who_moved_into_his_department(client, cast):
    """Siri moved from Tore's department to Kari's: Kari may now edit her phone number."""
    person_move(
        user=cast.users.coordinator,
        person=cast.siri,
        from_department=cast.dept_a,
        to_department=cast.dept_b,
        roles=["staff"],
        on=TODAY,
    )
    client.force_login(cast.users.kari)
    edit = reverse(
        "pilots:staff_edit", kwargs={"department_pk": cast.dept_b.pk, "pk": cast.siri.pk}
    )

    response = client.post(
        edit,
        {
            "full_name": "Siri Olsen",
            "email": "siri.olsen@harstad.kommune.no",
            "phone": "+47 911 22 333",
            "language": "nb",
            "roles": ["staff"],
        },
    )

    assert response.status_code == 302
    cast.siri.refresh_from_db()
    assert cast.siri.phone == "+47 911 22 333"


def test_editing_roles_keeps_a_role_that_has_ended(cast):
    DepartmentRole.objects.filter(person=cast.ola, role="union_rep").update(
        ends_on=dt.date(2027, 1, 1)
    )

    person_save(
        user=cast.users.tore,
        department=cast.dept_a,
        person=cast.ola,
        full_name=cast.ola.full_name,
        email=cast.ola.email,
        phone="",
        language="en",
        roles=["staff", "safety_rep"],
        position_percent=None,
    )

    assert _ends(cast.ola, cast.dept_a) == {
        "staff": None,
        "safety_rep": None,
        "union_rep": dt.date(2027, 1, 1),
    }


def test_importing_a_former_member_gives_the_role_back(cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 1, 1))

    result = staff_import_apply(
        user=cast.users.tore,
        department=cast.dept_a,
        text="navn;e-post;rolle\nSiri Olsen;siri.olsen@harstad.kommune.no;ansatt\n",
    )

    assert result.roles_added == 1
    assert _ends(cast.siri, cast.dept_a) == {"staff": None}


# --- History keeps the name -----------------------------------------------------------------------


def test_attendance_lists_keep_who_left_with_their_record(cast):
    day = cast.pilot_a.course_days.create(
        number=1, date=dt.date(2027, 2, 16), starts_at=dt.time(8, 30), ends_at=dt.time(15, 30)
    )
    Attendance.objects.create(person=cast.siri, course_day=day, status="present")
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=TODAY)
    DepartmentRole.objects.filter(person=cast.ola, role="union_rep").update(ends_on=TODAY)

    people = {
        p.full_name: p
        for p in attendance_people(pilot=cast.pilot_a, recorded=day.attendances.all())
    }

    assert (people["Siri Olsen"].has_left, people["Siri Olsen"].roles_text) == (True, "staff")
    assert (people["Ola Nilsen"].has_left, people["Ola Nilsen"].roles_text) == (False, "staff")
    unrecorded = attendance_people(pilot=cast.pilot_a, recorded=Attendance.objects.none())
    assert cast.siri not in unrecorded


def test_the_pilot_page_counts_only_the_people_there_today(client, cast):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=TODAY)
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk}))

    assert {entry.person for entry in response.context["people"]} == {cast.tore, cast.ola}


# --- The staff list's cost ------------------------------------------------------------------------


def test_staff_list_with_former_staff_keeps_its_query_count(client, cast):
    client.force_login(cast.users.coordinator)
    DepartmentRoleFactory(department=cast.dept_b, ends_on=dt.date(2027, 1, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_list_url(cast.dept_b)).status_code == 200
        return len(queries)

    few = count()
    for n in range(20):
        person = PersonFactory(municipality=cast.municipality)
        DepartmentRoleFactory(department=cast.dept_b, person=person, ends_on=dt.date(2027, 2, 1))
        if n % 2:
            DepartmentRoleFactory(
                department=cast.dept_b, person=person, role="union_rep", ends_on=TODAY
            )
    response = client.get(_list_url(cast.dept_b))

    assert len(response.context["former_members"]) == 21
    # The request's own, the department, its people today and their roles, the former staff and
    # their roles; for the login column the people's open invitations, and their roles and
    # programme roles (who may invite them).
    assert count() == few == REQUEST_QUERIES + 8
