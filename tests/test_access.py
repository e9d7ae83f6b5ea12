"""The one access path: what each role's selectors return."""

import pytest

from pilots.access import scope_for
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
