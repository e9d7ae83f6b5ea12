"""The one access path: what each role's selectors return."""

import pytest

from pilots.access import scope_for
from pilots.models import ProgrammeRole
from pilots.selectors import departments_for_user, people_for_user, pilots_for_user

pytestmark = pytest.mark.django_db


def test_coordinator_and_guide_see_every_pilot_of_their_municipality(cast):
    for user in (cast.users.coordinator, cast.users.guide):
        assert set(pilots_for_user(user)) == {cast.pilot_a, cast.pilot_b}
        assert scope_for(user).can_manage_programme()


def test_leader_sees_only_their_own_department(cast):
    assert list(pilots_for_user(cast.users.tore)) == [cast.pilot_a]
    assert list(pilots_for_user(cast.users.kari)) == [cast.pilot_b]
    assert list(departments_for_user(cast.users.tore)) == [cast.dept_a]
    assert scope_for(cast.users.tore).can_lead(cast.dept_a.pk)
    assert not scope_for(cast.users.tore).can_lead(cast.dept_b.pk)


def test_staff_reads_own_department_but_cannot_lead_it(cast):
    scope = scope_for(cast.users.staff_a)

    assert list(pilots_for_user(cast.users.staff_a)) == [cast.pilot_a]
    assert scope.can_read(cast.dept_a.pk)
    assert not scope.can_lead(cast.dept_a.pk)


def test_nobody_sees_another_municipality(cast):
    for user in (cast.users.coordinator, cast.users.tore, cast.users.staff_a):
        assert cast.other_pilot not in pilots_for_user(user)
        assert not people_for_user(user).filter(municipality=cast.other_municipality).exists()
    assert list(pilots_for_user(cast.users.outsider)) == [cast.other_pilot]


def test_leader_sees_people_of_own_department_only(cast):
    people = set(people_for_user(cast.users.tore))

    assert {cast.tore, cast.siri, cast.ola} <= people
    assert cast.kari not in people


def test_user_without_person_sees_nothing_unless_superuser(cast, django_user_model):
    nobody = django_user_model.objects.create_user(username="nobody", password="x")

    assert not pilots_for_user(nobody).exists()
    assert pilots_for_user(cast.users.superuser).count() == 3


# What each role may do in pilot A (Tore's department), one row per named permission, columns in
# the order of ROLES. The permission matrix (test_permission_matrix.py) asks the same methods, so
# a change of policy shows here and in every page that obeys it.
ROLES = ("staff_a", "tore", "kari", "guide", "coordinator", "outsider", "superuser")
POLICY = {
    "can_view": (True, True, False, True, True, False, True),
    "can_advance_phase": (False, False, False, True, True, False, True),
    "can_schedule": (False, False, False, True, True, False, True),
    "can_take_attendance": (False, True, False, True, True, False, True),
    "can_edit_plan": (False, True, False, True, True, False, True),
    # Only people who work in the department: not the programme's people, not an administrator.
    "can_suggest": (True, True, False, False, False, False, False),
    "can_review_plan": (False, False, False, True, True, False, True),
    "can_record_follow_up": (False, True, False, True, True, False, True),
    "can_log_board_meeting": (False, True, False, True, True, False, True),
    # For oneself, as a person of the department (the leader too); others assign sessions.
    "can_choose_information_session": (True, True, False, False, False, False, False),
    "can_assign_information_sessions": (False, True, False, True, True, False, True),
}


def test_the_policy_table_lists_every_named_permission():
    from pilots.access import OBJECT_PERMISSIONS

    assert set(POLICY) == set(OBJECT_PERMISSIONS)


@pytest.mark.parametrize("permission", sorted(POLICY))
def test_policy_for_pilot_a(cast, permission):
    answers = tuple(
        getattr(scope_for(getattr(cast.users, role)), permission)(cast.pilot_a) for role in ROLES
    )

    assert dict(zip(ROLES, answers, strict=True)) == dict(
        zip(ROLES, POLICY[permission], strict=True)
    )


def test_staff_and_programme_questions_follow_the_municipality(cast):
    harstad_coordinator = scope_for(cast.users.coordinator)
    tromso_coordinator = scope_for(cast.users.outsider)

    assert harstad_coordinator.can_manage_staff(cast.dept_a)
    assert scope_for(cast.users.tore).can_manage_staff(cast.dept_a)
    assert not scope_for(cast.users.tore).can_manage_staff(cast.dept_b)
    assert not scope_for(cast.users.staff_a).can_manage_staff(cast.dept_a)
    assert not tromso_coordinator.can_manage_staff(cast.dept_a)
    assert harstad_coordinator.can_view_programme(cast.programme)
    assert not tromso_coordinator.can_view_programme(cast.programme)
    assert tromso_coordinator.can_schedule(cast.other_pilot)
    assert not harstad_coordinator.can_schedule(cast.other_pilot)


def test_only_coordinators_move_people_between_departments(cast):
    assert scope_for(cast.users.coordinator).can_move_staff(cast.dept_a)
    assert scope_for(cast.users.guide).can_move_staff(cast.dept_a)
    assert scope_for(cast.users.superuser).can_move_staff(cast.dept_a)
    assert not scope_for(cast.users.tore).can_move_staff(cast.dept_a)
    assert not scope_for(cast.users.staff_a).can_move_staff(cast.dept_a)
    assert not scope_for(cast.users.outsider).can_move_staff(cast.dept_a)


def test_an_inactive_person_may_do_nothing(cast):
    cast.tore.is_active = False
    cast.tore.save(update_fields=["is_active"])
    user = type(cast.users.tore).objects.get(pk=cast.users.tore.pk)

    scope = scope_for(user)

    assert not scope.is_anyone
    assert not any(getattr(scope, name)(cast.pilot_a) for name in POLICY)


def test_only_those_who_answer_suggestions_see_who_sent_them(cast):
    answers = {
        role: scope_for(getattr(cast.users, role)).can_see_suggestion_authors(cast.pilot_a)
        for role in ROLES
    }

    assert answers == dict(zip(ROLES, POLICY["can_edit_plan"], strict=True)), (
        "colleagues read suggestions without names"
    )
    assert answers["staff_a"] is False


def test_a_leader_suggests_in_own_department_only(cast):
    kari = scope_for(cast.users.kari)

    assert kari.can_suggest(cast.pilot_b)
    assert not kari.can_suggest(cast.pilot_a)
    assert not scope_for(cast.users.outsider).can_suggest(cast.pilot_a)
    assert not scope_for(cast.users.staff_a).can_suggest(cast.other_pilot)


# Who may invite whom to make a login (and send the invitation again, or withdraw it), columns in
# the order of ROLES: Ola (staff and union rep in Tore's department); a person in Kari's
# department; a person in Tore's department who is also a lean guide; Per, coordinator in Tromsø.
INVITE_POLICY = {
    "ola": (False, True, False, True, True, False, True),
    "in_b": (False, False, True, True, True, False, True),
    "guide_in_a": (False, False, False, True, True, False, True),
    "tromso": (False, False, False, False, False, True, True),
}


def test_policy_for_inviting(cast):
    from pilots.invitations import may_invite
    from pilots.models import Person
    from tests.factories import DepartmentRoleFactory, PersonFactory

    in_b = DepartmentRoleFactory(
        department=cast.dept_b, person=PersonFactory(municipality=cast.municipality)
    ).person
    guide_in_a = DepartmentRoleFactory(
        department=cast.dept_a, person=PersonFactory(municipality=cast.municipality)
    ).person
    ProgrammeRole.objects.create(programme=cast.programme, person=guide_in_a, role="lean_guide")
    people = {
        "ola": cast.ola,
        "in_b": in_b,
        "guide_in_a": guide_in_a,
        "tromso": Person.objects.get(email="per@tromso.kommune.no"),
    }

    answers = {
        name: tuple(may_invite(scope_for(getattr(cast.users, role)), person) for role in ROLES)
        for name, person in people.items()
    }

    assert answers == INVITE_POLICY


def test_only_coordinators_list_invitations(cast):
    answers = tuple(scope_for(getattr(cast.users, role)).can_view_invitations() for role in ROLES)

    assert answers == (False, False, False, True, True, True, True)


# What each role may do with the Harstad programme, and with the Harstad holiday periods.
PROGRAMME_POLICY = {
    "can_view_programme": (False, False, False, True, True, False, True),
    "can_set_up_pilot": (False, False, False, True, True, False, True),
    "can_edit_programme_settings": (False, False, False, True, True, False, True),
}


def test_the_programme_table_lists_every_programme_permission():
    from pilots.access import PROGRAMME_PERMISSIONS

    assert set(PROGRAMME_POLICY) == set(PROGRAMME_PERMISSIONS)


@pytest.mark.parametrize("permission", sorted(PROGRAMME_POLICY))
def test_policy_for_the_programme(cast, permission):
    answers = tuple(
        getattr(scope_for(getattr(cast.users, role)), permission)(cast.programme) for role in ROLES
    )

    assert dict(zip(ROLES, answers, strict=True)) == dict(
        zip(ROLES, PROGRAMME_POLICY[permission], strict=True)
    )


def test_setting_up_a_pilot_is_asked_of_the_pilot_as_of_its_programme(cast):
    for role in ROLES:
        scope = scope_for(getattr(cast.users, role))
        assert scope.can_set_up_pilot(cast.pilot_a) == scope.can_set_up_pilot(cast.programme)
    assert scope_for(cast.users.outsider).can_set_up_pilot(cast.other_pilot)


def test_holiday_periods_are_kept_by_the_municipality_s_coordinators(cast):
    harstad = cast.municipality.pk
    answers = {
        role: scope_for(getattr(cast.users, role)).can_manage_holiday_periods(
            municipality_id=harstad
        )
        for role in ROLES
    }

    assert answers == {
        "staff_a": False,
        "tore": False,
        "kari": False,
        "guide": True,
        "coordinator": True,
        "outsider": False,
        "superuser": True,
    }
    assert scope_for(cast.users.outsider).can_manage_holiday_periods(
        municipality_id=cast.other_municipality.pk
    )


# Who may move a measure and note its progress, by its owner (`can_update_measure`): the plan's
# editors always; the owner too, in their own department. Columns in the order of ROLES.
MEASURE_POLICY = {
    # owner → answers
    "siri": (True, True, False, True, True, False, True),
    "tore": (False, True, False, True, True, False, True),
    "nobody": (False, True, False, True, True, False, True),
}


def test_the_owner_policy_table_lists_every_owner_permission():
    from pilots.access import OWNER_PERMISSIONS

    assert OWNER_PERMISSIONS == ("can_update_measure",)


@pytest.mark.parametrize("owner", sorted(MEASURE_POLICY))
def test_measure_policy_for_pilot_a(cast, owner):
    owner_id = None if owner == "nobody" else getattr(cast, owner).pk
    answers = tuple(
        scope_for(getattr(cast.users, role)).can_update_measure(cast.pilot_a, owner_id=owner_id)
        for role in ROLES
    )

    assert dict(zip(ROLES, answers, strict=True)) == dict(
        zip(ROLES, MEASURE_POLICY[owner], strict=True)
    )


def test_owning_a_measure_elsewhere_gives_no_right_there(cast):
    # Siri holds no role in Kari's department, nor does Per in Harstad.
    assert not scope_for(cast.users.staff_a).can_update_measure(cast.pilot_b, owner_id=cast.siri.pk)
    per = scope_for(cast.users.outsider)
    assert not per.can_update_measure(cast.pilot_a, owner_id=per.person_id)


def test_an_inactive_owner_may_not_update_their_measure(cast):
    cast.siri.is_active = False
    cast.siri.save(update_fields=["is_active"])
    user = type(cast.users.staff_a).objects.get(pk=cast.users.staff_a.pk)

    assert not scope_for(user).can_update_measure(cast.pilot_a, owner_id=cast.siri.pk)
