"""Only coordinators move people between departments; a department leader adds new people only.

Kari leads NAV (dept_b). Siri and Ola work in Tore's department (dept_a); Jorunn coordinates.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from pilots.models import DepartmentRole, Person
from pilots.staff import person_save
from pilots.staff_import import StaffImportInvalid, staff_import_apply, staff_import_preview
from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


NEUTRAL = "This address cannot be used here. Ask the lean coordinator to add this person."


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Pages and services answer in the active language; these tests read English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _roles(person, department):
    return set(
        DepartmentRole.objects.filter(person=person, department=department).values_list(
            "role", flat=True
        )
    )


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


def _email_error(excinfo) -> tuple[str, list[str]]:
    error = excinfo.value
    [(field, messages)] = error.message_dict.items()
    return field, messages


# --- Adding one person -------------------------------------------------------------------------


def test_leader_cannot_pull_a_person_from_another_department_by_email(cast):
    with pytest.raises(ValidationError) as excinfo:
        _add(
            cast.users.kari,
            cast.dept_b,
            full_name="Siri Olsen",
            email="SIRI.OLSEN@harstad.kommune.no",
        )

    assert _email_error(excinfo) == ("email", [NEUTRAL])
    assert _roles(cast.siri, cast.dept_b) == set()
    assert _roles(cast.siri, cast.dept_a) == {"staff"}


def test_leader_gets_the_same_message_whatever_name_or_kind_of_person_has_the_address(cast):
    """Same name, other name, a coordinator, someone with no roles: one neutral wording."""
    nobody = PersonFactory(municipality=cast.municipality, email="nobody@harstad.kommune.no")
    attempts = [
        ("Siri Olsen", "siri.olsen@harstad.kommune.no"),
        ("Anne Berg", "siri.olsen@harstad.kommune.no"),
        ("Jorunn Ervik", "jorunn.ervik@harstad.kommune.no"),
        (nobody.full_name, nobody.email),
    ]
    for full_name, email in attempts:
        with pytest.raises(ValidationError) as excinfo:
            _add(cast.users.kari, cast.dept_b, full_name=full_name, email=email)
        assert _email_error(excinfo) == ("email", [NEUTRAL]), email

    assert (
        not DepartmentRole.objects.filter(department=cast.dept_b).exclude(person=cast.kari).exists()
    )


def test_coordinator_still_attaches_the_existing_person(cast):
    result = _add(
        cast.users.coordinator,
        cast.dept_b,
        full_name="Siri Olsen",
        email="siri.olsen@harstad.kommune.no",
    )

    assert (result.person, result.created, result.attached_existing) == (cast.siri, False, True)
    assert _roles(cast.siri, cast.dept_b) == {"staff"}
    assert _roles(cast.siri, cast.dept_a) == {"staff"}


def test_leader_may_attach_someone_who_works_only_in_departments_they_lead(cast):
    dept_c = DepartmentFactory(municipality=cast.municipality, name="Omsorg Nord")
    DepartmentRole.objects.create(department=dept_c, person=cast.tore, role="department_leader")
    liv = PersonFactory(
        municipality=cast.municipality, full_name="Liv Lund", email="liv@harstad.no"
    )
    DepartmentRole.objects.create(department=dept_c, person=liv, role="staff")

    result = _add(cast.users.tore, cast.dept_a, full_name="Liv Lund", email="liv@harstad.no")

    assert result.attached_existing
    assert _roles(liv, cast.dept_a) == {"staff"}


def test_leader_cannot_attach_someone_who_also_works_outside_their_departments(cast):
    dept_c = DepartmentFactory(municipality=cast.municipality, name="Omsorg Nord")
    DepartmentRole.objects.create(department=dept_c, person=cast.tore, role="department_leader")
    liv = PersonFactory(
        municipality=cast.municipality, full_name="Liv Lund", email="liv@harstad.no"
    )
    DepartmentRole.objects.create(department=dept_c, person=liv, role="staff")
    DepartmentRole.objects.create(department=cast.dept_b, person=liv, role="staff")

    with pytest.raises(ValidationError) as excinfo:
        _add(cast.users.tore, cast.dept_a, full_name="Liv Lund", email="liv@harstad.no")

    assert _email_error(excinfo) == ("email", [NEUTRAL])
    assert _roles(liv, cast.dept_a) == set()


def test_leader_add_form_shows_the_neutral_message_and_keeps_what_was_typed(client, cast):
    client.force_login(cast.users.kari)

    response = client.post(
        reverse("pilots:staff_add", kwargs={"pk": cast.dept_b.pk}),
        {
            "full_name": "Siri Olsen",
            "email": "siri.olsen@harstad.kommune.no",
            "phone": "+47 911 11 111",
            "language": "nb",
            "roles": ["staff", "safety_rep"],
            "position_percent": "60",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": [NEUTRAL]}
    content = response.content.decode()
    assert "already" not in content
    for typed in ("Siri Olsen", "siri.olsen@harstad.kommune.no", "+47 911 11 111", "60"):
        assert f'value="{typed}"' in content
    assert _roles(cast.siri, cast.dept_b) == set()


# --- Editing: no way round it --------------------------------------------------------------------


def test_leader_cannot_edit_a_persons_email_to_an_address_from_another_department(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(
        reverse("pilots:staff_edit", kwargs={"department_pk": cast.dept_a.pk, "pk": cast.siri.pk}),
        {
            "full_name": "Siri Olsen",
            "email": "kari.hanssen@harstad.kommune.no",
            "phone": "",
            "language": "nb",
            "roles": ["staff"],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": [NEUTRAL]}
    cast.siri.refresh_from_db()
    assert cast.siri.email == "siri.olsen@harstad.kommune.no"
    assert _roles(cast.kari, cast.dept_a) == set()


def test_leader_may_still_change_roles_of_someone_already_in_his_department(cast):
    """Ola also works in NAV; he is already in Tore's department, so this moves nobody."""
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.ola, role="staff")

    person_save(
        user=cast.users.tore,
        department=cast.dept_a,
        person=cast.ola,
        full_name=cast.ola.full_name,
        email=cast.ola.email,
        phone=cast.ola.phone,
        language=cast.ola.language,
        roles=["staff", "safety_rep"],
        position_percent=None,
    )

    assert _roles(cast.ola, cast.dept_a) == {"staff", "safety_rep"}
    assert _roles(cast.ola, cast.dept_b) == {"staff"}


# --- Importing ------------------------------------------------------------------------------------

PULLING_FILE = (
    "navn;e-post;rolle\n"
    "Anne Berg;anne.berg@harstad.kommune.no;ansatt\n"
    "Siri Olsen;siri.olsen@harstad.kommune.no;ansatt\n"
    "Siri Feil;siri.olsen@harstad.kommune.no;verneombud\n"
)


def test_leader_import_refuses_rows_for_people_of_other_departments(cast):
    preview = staff_import_preview(user=cast.users.kari, department=cast.dept_b, data=PULLING_FILE)

    assert not preview.is_valid
    # The row with the wrong name gets the same neutral error, not "registered under another name".
    assert [(row.number, e.column, e.message) for row, e in preview.errors] == [
        (3, "email", NEUTRAL),
        (4, "email", NEUTRAL),
    ]
    with pytest.raises(StaffImportInvalid):
        staff_import_apply(user=cast.users.kari, department=cast.dept_b, text=PULLING_FILE)
    assert not Person.objects.filter(email="anne.berg@harstad.kommune.no").exists()
    assert _roles(cast.siri, cast.dept_b) == set()


def test_coordinator_import_gives_the_existing_person_the_role(cast):
    text = PULLING_FILE.rsplit("Siri Feil", 1)[0]

    result = staff_import_apply(user=cast.users.coordinator, department=cast.dept_b, text=text)

    assert (result.people_created, result.roles_added) == (1, 2)
    assert _roles(cast.siri, cast.dept_b) == {"staff"}


def test_leader_import_may_add_roles_to_people_already_in_his_department(cast):
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.ola, role="staff")
    text = "navn;e-post;rolle\nOla Nilsen;ola.nilsen@harstad.kommune.no;verneombud\n"

    result = staff_import_apply(user=cast.users.tore, department=cast.dept_a, text=text)

    assert result.roles_added == 1
    assert _roles(cast.ola, cast.dept_a) == {"staff", "union_rep", "safety_rep"}


def test_leader_import_shows_the_neutral_row_error_on_the_page(client, cast):
    client.force_login(cast.users.kari)

    response = client.post(
        reverse("pilots:staff_import", kwargs={"pk": cast.dept_b.pk}),
        {"file": SimpleUploadedFile("ansatte.csv", PULLING_FILE.encode(), "text/csv")},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert NEUTRAL in content
    assert "under another name" not in content
    assert "Confirm import" not in content
