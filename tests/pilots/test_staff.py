"""A department's staff: the list, adding and editing people and their roles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.models import DepartmentRole, Person
from tests.conftest import REQUEST_QUERIES
from tests.factories import DepartmentRoleFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The assertions read the English msgids; the nb and nn catalogs translate them.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _list_url(department):
    return reverse("pilots:staff_list", kwargs={"pk": department.pk})


def _add_url(department):
    return reverse("pilots:staff_add", kwargs={"pk": department.pk})


def _edit_url(department, person):
    return reverse("pilots:staff_edit", kwargs={"department_pk": department.pk, "pk": person.pk})


def _roles(person, department):
    return set(
        DepartmentRole.objects.filter(person=person, department=department).values_list(
            "role", flat=True
        )
    )


def _person_data(**overrides):
    data = {
        "full_name": "Anne Berg",
        "email": "anne.berg@harstad.kommune.no",
        "phone": "+47 900 00 000",
        "language": "nn",
        "roles": ["staff", "safety_rep"],
        "position_percent": "80",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(client, cast):
    response = client.get(_list_url(cast.dept_a))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_leader_sees_own_department_staff_with_roles(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(_list_url(cast.dept_a))

    assert response.status_code == 200
    members = {m.person: m for m in response.context["members"]}
    assert set(members) == {cast.tore, cast.siri, cast.ola}
    assert members[cast.ola].role_labels == "union representative, staff"
    content = response.content.decode()
    assert "siri.olsen@harstad.kommune.no" in content
    assert _edit_url(cast.dept_a, cast.siri) in content
    assert _add_url(cast.dept_a) in content


def test_coordinator_and_guide_see_any_department_staff(client, cast):
    for user in (cast.users.coordinator, cast.users.guide):
        client.force_login(user)
        response = client.get(_list_url(cast.dept_b))

        assert response.status_code == 200
        assert [m.person for m in response.context["members"]] == [cast.kari]


def test_leader_cannot_open_other_departments_staff_pages(client, cast):
    client.force_login(cast.users.tore)

    assert client.get(_list_url(cast.dept_b)).status_code == 404
    assert client.get(_add_url(cast.dept_b)).status_code == 404
    assert client.post(_add_url(cast.dept_b), _person_data()).status_code == 404
    assert client.get(_edit_url(cast.dept_b, cast.kari)).status_code == 404
    assert client.get(reverse("pilots:staff_import", args=[cast.dept_b.pk])).status_code == 404
    assert not Person.objects.filter(email="anne.berg@harstad.kommune.no").exists()


def test_staff_may_not_manage_their_department(client, cast):
    client.force_login(cast.users.staff_a)

    assert client.get(_list_url(cast.dept_a)).status_code == 403
    assert client.get(_add_url(cast.dept_a)).status_code == 403
    assert client.post(_add_url(cast.dept_a), _person_data()).status_code == 403
    assert client.get(_edit_url(cast.dept_a, cast.siri)).status_code == 403
    assert client.get(reverse("pilots:staff_import", args=[cast.dept_a.pk])).status_code == 403
    assert not Person.objects.filter(email="anne.berg@harstad.kommune.no").exists()


def test_other_municipality_gets_not_found(client, cast):
    client.force_login(cast.users.outsider)

    assert client.get(_list_url(cast.dept_a)).status_code == 404
    assert client.post(_add_url(cast.dept_a), _person_data()).status_code == 404
    assert client.get(_edit_url(cast.dept_a, cast.siri)).status_code == 404


def test_leader_adds_a_person_to_his_department(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(_add_url(cast.dept_a), _person_data())

    assert response.status_code == 302
    assert response["Location"] == _list_url(cast.dept_a)
    anne = Person.objects.get(email="anne.berg@harstad.kommune.no")
    assert anne.municipality == cast.municipality
    assert (anne.full_name, anne.phone, anne.language) == ("Anne Berg", "+47 900 00 000", "nn")
    assert _roles(anne, cast.dept_a) == {"staff", "safety_rep"}
    assert set(
        DepartmentRole.objects.filter(person=anne).values_list("position_percent", flat=True)
    ) == {80}
    page = client.get(response["Location"])
    assert "Anne Berg" in page.content.decode()
    assert [str(m) for m in page.context["messages"]] == [
        "Anne Berg was added to Omsorg Sør, hjemmetjenesten 2."
    ]


def test_add_form_shows_role_checkboxes_in_a_fieldset(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.get(_add_url(cast.dept_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<fieldset" in content and "<legend" in content
    for role in ("department_leader", "union_rep", "safety_rep", "staff"):
        assert f'value="{role}"' in content


def test_duplicate_email_is_refused_on_the_email_field_and_keeps_what_was_typed(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(
        _add_url(cast.dept_a),
        _person_data(full_name="Anne Berg", email="KARI.Hanssen@harstad.kommune.no"),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["email"]
    content = response.content.decode()
    assert 'value="Anne Berg"' in content
    assert 'value="KARI.Hanssen@harstad.kommune.no"' in content
    assert 'value="+47 900 00 000"' in content
    assert 'value="80"' in content
    assert not Person.objects.filter(full_name="Anne Berg").exists()
    assert _roles(cast.kari, cast.dept_a) == set()


def test_adding_an_email_already_in_the_department_is_refused(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(
        _add_url(cast.dept_a),
        _person_data(full_name="Siri Olsen", email="siri.olsen@harstad.kommune.no"),
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["email"]


def test_adding_someone_from_another_department_with_the_same_name_attaches_them(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _add_url(cast.dept_a),
        _person_data(
            full_name="kari  HANSSEN",
            email="Kari.Hanssen@harstad.kommune.no",
            phone="",
            language="en",
            roles=["safety_rep"],
            position_percent="",
        ),
    )

    assert response.status_code == 302
    assert Person.objects.filter(email__iexact="kari.hanssen@harstad.kommune.no").count() == 1
    cast.kari.refresh_from_db()
    assert (cast.kari.full_name, cast.kari.language) == ("Kari Hanssen", "nn")
    assert _roles(cast.kari, cast.dept_a) == {"safety_rep"}
    assert _roles(cast.kari, cast.dept_b) == {"department_leader"}
    message = str(list(client.get(response["Location"]).context["messages"])[0])
    assert "already registered in the municipality" in message


def test_same_email_in_another_municipality_is_no_clash(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _add_url(cast.dept_a), _person_data(full_name="Per Tromsø", email="per@tromso.kommune.no")
    )

    assert response.status_code == 302
    assert Person.objects.filter(email="per@tromso.kommune.no").count() == 2


def test_add_without_roles_is_refused_with_everything_kept(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(_add_url(cast.dept_a), _person_data(roles=[], position_percent="150"))

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"roles", "position_percent"}
    assert 'value="Anne Berg"' in response.content.decode()
    assert not Person.objects.filter(full_name="Anne Berg").exists()


def test_editing_roles_removes_unticked_roles_in_this_department_only(client, cast):
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.ola, role="staff")
    client.force_login(cast.users.tore)

    form = client.get(_edit_url(cast.dept_a, cast.ola)).context["form"]
    assert set(form.initial["roles"]) == {"union_rep", "staff"}
    response = client.post(
        _edit_url(cast.dept_a, cast.ola),
        _person_data(
            full_name="Ola Nilsen",
            email="ola.nilsen@harstad.kommune.no",
            phone="",
            language="en",
            roles=["safety_rep", "staff"],
            position_percent="50",
        ),
    )

    assert response.status_code == 302
    assert _roles(cast.ola, cast.dept_a) == {"safety_rep", "staff"}
    assert _roles(cast.ola, cast.dept_b) == {"staff"}
    assert set(
        DepartmentRole.objects.filter(person=cast.ola, department=cast.dept_a).values_list(
            "position_percent", flat=True
        )
    ) == {50}


def test_editing_to_another_persons_email_is_refused(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _edit_url(cast.dept_a, cast.siri),
        _person_data(full_name="Siri Berg", email="Tore.Meltzer@harstad.kommune.no"),
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["email"]
    assert "<h1>Edit Siri Olsen</h1>" in response.content.decode()
    cast.siri.refresh_from_db()
    assert cast.siri.email == "siri.olsen@harstad.kommune.no"


def test_edit_changes_details_and_keeps_own_email_in_another_case(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _edit_url(cast.dept_a, cast.siri),
        _person_data(
            full_name="Siri Olsen Berg", email="Siri.Olsen@harstad.kommune.no", roles=["staff"]
        ),
    )

    assert response.status_code == 302
    cast.siri.refresh_from_db()
    assert (cast.siri.full_name, cast.siri.email) == (
        "Siri Olsen Berg",
        "Siri.Olsen@harstad.kommune.no",
    )


def test_person_must_belong_to_the_department_being_edited(client, cast):
    client.force_login(cast.users.coordinator)

    assert client.get(_edit_url(cast.dept_a, cast.kari)).status_code == 404
    assert client.get(_edit_url(cast.dept_b, cast.siri)).status_code == 404


def test_leader_cannot_remove_his_own_leader_role(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(
        _edit_url(cast.dept_a, cast.tore),
        _person_data(
            full_name="Tore Meltzer", email="tore.meltzer@harstad.kommune.no", roles=["staff"]
        ),
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["roles"]
    assert _roles(cast.tore, cast.dept_a) == {"department_leader"}


def test_staff_list_query_count_does_not_grow_with_people(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast.users.coordinator)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_list_url(cast.dept_b)).status_code == 200
        return len(queries)

    for _ in range(2):
        DepartmentRoleFactory(
            department=cast.dept_b, person=PersonFactory(municipality=cast.municipality)
        )
    few = count_queries()
    for _ in range(27):
        person = PersonFactory(municipality=cast.municipality)
        DepartmentRoleFactory(department=cast.dept_b, person=person, role="staff")
        DepartmentRoleFactory(department=cast.dept_b, person=person, role="union_rep")
    # The request's own (tests.conftest), then the department, its people, and their roles here;
    # for the login column their open invitations, and their roles and programme roles (who may
    # invite them); the former staff and their roles.
    with django_assert_max_num_queries(REQUEST_QUERIES + 8):
        response = client.get(_list_url(cast.dept_b))
    assert len(response.context["members"]) == 30
    assert count_queries() == few


def test_leader_cannot_rename_someone_who_also_works_in_another_department(client, cast):
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.siri, role="staff")
    client.force_login(cast.users.tore)

    response = client.post(
        _edit_url(cast.dept_a, cast.siri),
        _person_data(full_name="Renamed", email="renamed@example.no", roles=["union_rep"]),
    )

    assert response.status_code == 302
    cast.siri.refresh_from_db()
    assert cast.siri.full_name == "Siri Olsen"
    assert cast.siri.email == "siri.olsen@harstad.kommune.no"
    assert _roles(cast.siri, cast.dept_a) == {"union_rep"}
    assert _roles(cast.siri, cast.dept_b) == {"staff"}


def test_coordinator_can_rename_someone_in_two_departments(client, cast):
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.siri, role="staff")
    client.force_login(cast.users.coordinator)

    client.post(
        _edit_url(cast.dept_a, cast.siri),
        _person_data(full_name="Siri Olsen Berg", email="siri.olsen@harstad.kommune.no"),
    )

    cast.siri.refresh_from_db()
    assert cast.siri.full_name == "Siri Olsen Berg"


def test_leader_edit_form_says_why_details_are_locked(client, cast):
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.siri, role="staff")
    client.force_login(cast.users.tore)

    response = client.get(_edit_url(cast.dept_a, cast.siri))

    assert "only a lean coordinator can change" in response.content.decode()
    assert response.context["form"].fields["email"].disabled
