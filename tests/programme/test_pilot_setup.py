"""Setting up a new pilot: the services, each step's page, and the whole way through."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from followup.models import FollowUpMeeting
from leanprogram.pilot_setup import (
    CourseDayRefused,
    PlannedDay,
    pilot_course_days_confirm,
    pilot_department_update,
    pilot_leader_add,
    pilot_start,
)
from pilots.models import Department, DepartmentRole, HolidayPeriod, Person, Pilot
from pilots.programme_settings import CourseWeeks
from tests.conftest import REQUEST_QUERIES
from tests.factories import (
    CourseDayFactory,
    DepartmentFactory,
    DepartmentRoleFactory,
    InformationMeetingFactory,
    PersonFactory,
    PilotFactory,
)
from training.models import CourseDay, InformationMeeting

pytestmark = pytest.mark.django_db

# Far enough ahead that every proposed day is still to come whenever the tests run.
YEAR = 2030
WEEKS = CourseWeeks(YEAR, 7, 8)
MORNING, AFTERNOON = dt.time(8, 30), dt.time(15, 30)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def programme(cast):
    cast.programme.course_year, cast.programme.course_week_first = YEAR, 7
    cast.programme.course_week_last = 8
    cast.programme.save()
    return cast.programme


def url(name, **kwargs):
    return reverse(f"programme:{name}", kwargs=kwargs)


def day(week: int, weekday: int) -> dt.date:
    return dt.date.fromisocalendar(YEAR, week, weekday)


# --- Services -------------------------------------------------------------------------------------


def test_coordinator_starts_a_pilot_for_a_new_department(cast):
    pilot = pilot_start(
        user=cast.users.coordinator,
        programme=cast.programme,
        name="  Harstad   sykehjem ",
        service_area="Helse og omsorg",
        parent=cast.dept_a,
    )

    assert pilot.phase == Pilot.Phase.PLANNED
    assert (pilot.course_year, pilot.course_week_first, pilot.course_week_last) == (None,) * 3
    department = pilot.department
    assert (department.name, department.service_area, department.parent) == (
        "Harstad sykehjem",
        "Helse og omsorg",
        cast.dept_a,
    )
    assert department.municipality == cast.municipality


def test_a_pilot_can_start_in_an_existing_department_without_one(cast):
    kitchen = DepartmentFactory(municipality=cast.municipality, name="Kjøkkenet")

    pilot = pilot_start(user=cast.users.guide, programme=cast.programme, department=kitchen)

    assert pilot.department == kitchen
    assert Department.objects.filter(municipality=cast.municipality).count() == 3


def test_a_department_name_is_unique_in_the_municipality_whatever_its_case(cast):
    with pytest.raises(ValidationError) as error:
        pilot_start(
            user=cast.users.coordinator,
            programme=cast.programme,
            name="NAV FLYKTNINGETJENESTEN",
        )

    assert list(error.value.message_dict) == ["name"]
    assert Department.objects.filter(municipality=cast.municipality).count() == 2


def test_a_department_that_has_a_pilot_in_the_programme_gets_no_second(cast):
    with pytest.raises(ValidationError) as error:
        pilot_start(user=cast.users.coordinator, programme=cast.programme, department=cast.dept_a)

    assert error.value.message_dict == {
        "department": ["Omsorg Sør, hjemmetjenesten 2 already has a pilot in this programme."]
    }
    assert Pilot.objects.filter(department=cast.dept_a).count() == 1


def test_a_department_of_another_municipality_is_refused(cast):
    with pytest.raises(ValidationError) as error:
        pilot_start(
            user=cast.users.superuser,
            programme=cast.programme,
            department=cast.other_pilot.department,
        )

    assert list(error.value.message_dict) == ["department"]


@pytest.mark.parametrize("role", ["tore", "staff_a", "outsider"])
def test_only_the_programme_s_coordinators_may_set_up_a_pilot(cast, role):
    user = getattr(cast.users, role)
    with pytest.raises(PermissionDenied):
        pilot_start(user=user, programme=cast.programme, name="Harstad sykehjem")
    with pytest.raises(PermissionDenied):
        pilot_department_update(
            user=user, pilot=cast.pilot_a, name="Nytt navn", service_area="", parent=None
        )
    with pytest.raises(PermissionDenied):
        pilot_leader_add(user=user, pilot=cast.pilot_a, person=cast.siri)
    with pytest.raises(PermissionDenied):
        pilot_course_days_confirm(
            user=user,
            pilot=cast.pilot_a,
            weeks=WEEKS,
            days=[PlannedDay(day(7, 2), MORNING, AFTERNOON)],
            facilitators=[],
        )
    assert not Department.objects.filter(name="Harstad sykehjem").exists()
    assert not DepartmentRole.objects.filter(person=cast.siri, role="department_leader").exists()
    assert not CourseDay.objects.exists()


def test_another_municipality_s_coordinator_cannot_start_a_pilot_here(cast):
    with pytest.raises(PermissionDenied):
        pilot_start(user=cast.users.outsider, programme=cast.programme, name="Sykehjemmet")


def test_a_new_leader_is_a_new_person_of_the_municipality_with_the_leader_role(cast):
    added = pilot_leader_add(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        full_name="Hilde  Sørensen",
        email="hilde.sorensen@harstad.kommune.no",
        phone="+47 900 00 001",
        language="nn",
    )

    person = added.person
    assert added.person_created and added.role_added
    assert (person.full_name, person.municipality, person.language) == (
        "Hilde Sørensen",
        cast.municipality,
        "nn",
    )
    assert DepartmentRole.objects.filter(
        person=person, department=cast.dept_a, role="department_leader"
    ).exists()


def test_a_new_leader_s_e_mail_must_be_free_in_the_municipality_whatever_its_case(cast):
    with pytest.raises(ValidationError) as error:
        pilot_leader_add(
            user=cast.users.coordinator,
            pilot=cast.pilot_a,
            full_name="Siri Olsen-Berg",
            email="SIRI.OLSEN@Harstad.Kommune.no",
        )

    assert error.value.message_dict == {
        "email": [
            "Siri Olsen already has this e-mail address in the municipality. Choose them from "
            "the list of people instead."
        ]
    }
    assert Person.objects.filter(email__iexact="siri.olsen@harstad.kommune.no").count() == 1


def test_an_existing_person_keeps_their_other_roles_when_made_leader(cast):
    added = pilot_leader_add(user=cast.users.coordinator, pilot=cast.pilot_a, person=cast.siri)

    assert not added.person_created and added.role_added
    assert set(
        DepartmentRole.objects.filter(person=cast.siri, department=cast.dept_a).values_list(
            "role", flat=True
        )
    ) == {"staff", "department_leader"}
    again = pilot_leader_add(user=cast.users.coordinator, pilot=cast.pilot_a, person=cast.siri)
    assert not again.role_added


def test_an_inactive_person_or_someone_from_elsewhere_cannot_lead(cast):
    cast.ola.is_active = False
    cast.ola.save()
    stranger = PersonFactory(municipality=cast.other_municipality)
    for person in (cast.ola, stranger):
        with pytest.raises(ValidationError) as error:
            pilot_leader_add(user=cast.users.superuser, pilot=cast.pilot_a, person=person)
        assert list(error.value.message_dict) == ["person"]


def test_confirming_course_days_numbers_them_by_date_and_sets_the_course_weeks(cast):
    days = [
        PlannedDay(day(8, 3), MORNING, AFTERNOON, "Kursrommet"),
        PlannedDay(day(7, 2), MORNING, AFTERNOON, "Kursrommet"),
        PlannedDay(day(8, 2), MORNING, AFTERNOON, "Kursrommet"),
        PlannedDay(day(7, 3), MORNING, AFTERNOON, "Kursrommet"),
    ]

    saved = pilot_course_days_confirm(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        weeks=WEEKS,
        days=days,
        facilitators=[cast.monica, cast.jorunn],
    )

    assert [(d.number, d.date) for d in saved] == [
        (1, day(7, 2)),
        (2, day(7, 3)),
        (3, day(8, 2)),
        (4, day(8, 3)),
    ]
    cast.pilot_a.refresh_from_db()
    assert (cast.pilot_a.course_year, cast.pilot_a.course_weeks) == (YEAR, [7, 8])
    assert set(saved[0].facilitators.all()) == {cast.monica, cast.jorunn}
    # The follow-up meetings follow the last course day (followup.signals).
    assert FollowUpMeeting.objects.filter(pilot=cast.pilot_a).exists()


def test_confirming_is_all_or_nothing(cast):
    days = [
        PlannedDay(day(7, 2), MORNING, AFTERNOON),
        PlannedDay(day(7, 3), AFTERNOON, MORNING),
    ]

    with pytest.raises(CourseDayRefused) as refused:
        pilot_course_days_confirm(
            user=cast.users.coordinator,
            pilot=cast.pilot_a,
            weeks=WEEKS,
            days=days,
            facilitators=[],
        )

    assert refused.value.index == 1
    assert "ends_at" in refused.value.message_dict
    assert not CourseDay.objects.filter(pilot=cast.pilot_a).exists()
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.course_year == 2027  # as before


def test_confirming_fills_only_the_free_numbers(cast):
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=day(7, 3))

    with pytest.raises(ValidationError) as error:
        pilot_course_days_confirm(
            user=cast.users.coordinator,
            pilot=cast.pilot_a,
            weeks=WEEKS,
            days=[
                PlannedDay(day(7, 1) + dt.timedelta(days=n), MORNING, AFTERNOON)
                for n in (0, 1, 3, 7)
            ],
            facilitators=[],
        )
    assert error.value.messages == ["The pilot has room for 3 more course days."]

    saved = pilot_course_days_confirm(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        weeks=WEEKS,
        days=[PlannedDay(day(8, 1), MORNING, AFTERNOON), PlannedDay(day(7, 1), MORNING, AFTERNOON)],
        facilitators=[],
    )
    assert [(d.number, d.date) for d in saved] == [(1, day(7, 1)), (3, day(8, 1))]


# --- The pages ------------------------------------------------------------------------------------


def test_the_new_pilot_page_lists_departments_without_a_pilot_in_norwegian_order(client, cast):
    for name in ("Åsen bo", "Øvre Sama", "Zeta", "Andørja", "Ærøy"):
        DepartmentFactory(municipality=cast.municipality, name=name)
    DepartmentFactory(municipality=cast.other_municipality, name="Tromsø sykehjem")
    client.force_login(cast.users.coordinator)

    response = client.get(url("pilot_setup_start", programme_pk=cast.programme.pk))

    assert response.status_code == 200
    choices = [str(d) for d in response.context["form"].fields["department"].queryset]
    assert choices == ["Andørja", "Zeta", "Ærøy", "Øvre Sama", "Åsen bo"]


def test_the_whole_setup_from_nothing_to_the_pilot_page(client, cast, programme):
    client.force_login(cast.users.coordinator)

    # Step 1: a new department.
    response = client.post(
        url("pilot_setup_start", programme_pk=programme.pk),
        {"name": "Harstad sykehjem", "service_area": "Helse og omsorg", "parent": ""},
    )
    pilot = Pilot.objects.get(department__name="Harstad sykehjem")
    checklist = url("pilot_setup", pk=pilot.pk)
    assert response.status_code == 302 and response.url == checklist
    page = client.get(checklist)
    assert page.context["status"].steps_done == {
        "department": True,
        "leader": False,
        "staff": False,
        "meetings": False,
        "course_days": False,
    }
    staff_import = reverse("pilots:staff_import", kwargs={"pk": pilot.department_id})
    assert f"{staff_import}?next=" in page.content.decode()

    # Step 2: a new leader.
    response = client.post(
        url("pilot_setup_leader", pk=pilot.pk),
        {
            "person": "",
            "full_name": "Hilde Sørensen",
            "email": "hilde.sorensen@harstad.kommune.no",
            "phone": "",
            "language": "nb",
        },
    )
    assert response.status_code == 302 and response.url == checklist

    # Step 3: one staff member, from the staff page, which leads back to the checklist.
    add = reverse("pilots:staff_add", kwargs={"pk": pilot.department_id})
    response = client.post(
        add,
        {
            "full_name": "Per Pleier",
            "email": "per.pleier@harstad.kommune.no",
            "phone": "",
            "language": "nb",
            "roles": ["staff"],
            "next": checklist,
        },
    )
    assert response.status_code == 302
    staff_list = client.get(response.url)
    assert f'href="{checklist}"' in staff_list.content.decode()

    # Step 4: an information meeting.
    response = client.post(
        url("pilot_setup_meetings", pk=pilot.pk),
        {
            "date": f"20.01.{YEAR}",
            "starts_at": "13:00",
            "ends_at": "14:30",
            "place": "Kantina",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert InformationMeeting.objects.filter(pilot=pilot).count() == 1

    # Step 5: the four proposed course days, as proposed.
    page = client.get(url("pilot_setup_course_days", pk=pilot.pk))
    proposal = page.context["proposal"]
    assert proposal.is_complete
    assert proposal.dates == [day(7, 2), day(7, 3), day(8, 2), day(8, 3)]
    response = client.post(
        url("pilot_setup_course_days", pk=pilot.pk),
        {
            "action": "confirm",
            "course_year": YEAR,
            "course_week_first": 7,
            "course_week_last": 8,
            "facilitators": [cast.jorunn.pk, cast.monica.pk],
            **rows([(d, "Kursrommet") for d in proposal.dates]),
        },
    )
    assert response.status_code == 302
    assert response.url == url("pilot_detail", pk=pilot.pk)
    days = list(CourseDay.objects.filter(pilot=pilot).order_by("number"))
    assert [d.date for d in days] == proposal.dates
    assert all(d.place == "Kursrommet" for d in days)

    detail = client.get(response.url)
    html = detail.content.decode()
    for d in proposal.dates:
        assert d.strftime("%d.%m.%Y") in html
    assert "4 course days are saved." in [str(m) for m in detail.context["messages"]]
    status = client.get(checklist).context["status"]
    assert status.is_complete


def rows(days, *, starts="08:30", ends="15:30", total=None) -> dict:
    data = {
        "day-TOTAL_FORMS": str(total if total is not None else len(days)),
        "day-INITIAL_FORMS": "0",
        "day-MIN_NUM_FORMS": "0",
        "day-MAX_NUM_FORMS": "4",
    }
    for index, (date, place) in enumerate(days):
        data |= {
            f"day-{index}-date": date.strftime("%d.%m.%Y") if date else "",
            f"day-{index}-starts_at": starts,
            f"day-{index}-ends_at": ends,
            f"day-{index}-place": place,
        }
    return data


def test_a_taken_department_name_is_a_form_error_that_keeps_what_was_typed(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_start", programme_pk=cast.programme.pk),
        {"name": "nav flyktningetjenesten", "service_area": "Arbeid og velferd", "parent": ""},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "already has a department called" in form.errors["name"][0]
    assert 'value="Arbeid og velferd"' in response.content.decode()
    assert Pilot.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "department"),
        ({"service_area": "Helse"}, "name"),
        ({"department": "999999"}, "department"),
    ],
)
def test_step_one_without_a_department_is_a_form_error(client, cast, data, field):
    client.force_login(cast.users.coordinator)

    response = client.post(url("pilot_setup_start", programme_pk=cast.programme.pk), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_choosing_a_department_and_describing_a_new_one_is_refused(client, cast):
    kitchen = DepartmentFactory(municipality=cast.municipality, name="Kjøkkenet")
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_start", programme_pk=cast.programme.pk),
        {"department": kitchen.pk, "name": "Vaskeriet"},
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Pilot.objects.filter(department=kitchen).exists()


def test_the_department_can_be_corrected_but_not_to_a_taken_name(client, cast):
    client.force_login(cast.users.coordinator)
    page = url("pilot_setup_department", pk=cast.pilot_a.pk)

    taken = client.post(page, {"name": "NAV flyktningetjenesten", "service_area": "Omsorg"})
    renamed = client.post(page, {"name": "Omsorg Sør", "service_area": "Helse", "parent": ""})

    assert taken.status_code == 400
    assert 'value="Omsorg"' in taken.content.decode()
    assert renamed.status_code == 302
    cast.dept_a.refresh_from_db()
    assert (cast.dept_a.name, cast.dept_a.service_area) == ("Omsorg Sør", "Helse")


def test_a_bad_new_leader_keeps_what_was_typed(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_leader", pk=cast.pilot_a.pk),
        {
            "full_name": "Hilde Sørensen",
            "email": "Tore.Meltzer@harstad.kommune.no",
            "language": "nb",
        },
    )

    assert response.status_code == 400
    assert (
        "Tore Meltzer already has this e-mail address"
        in response.context["form"].errors["email"][0]
    )
    assert 'value="Hilde Sørensen"' in response.content.decode()
    assert not Person.objects.filter(full_name="Hilde Sørensen").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"language": "nb"}, "person"),
        ({"full_name": "Hilde", "language": "nb"}, "email"),
        ({"email": "hilde@harstad.kommune.no", "language": "nb"}, "full_name"),
        ({"full_name": "Hilde", "email": "not an address", "language": "nb"}, "email"),
        ({"person": "abc", "language": "nb"}, "person"),
    ],
)
def test_leader_step_errors_are_form_errors(client, cast, data, field):
    client.force_login(cast.users.coordinator)

    response = client.post(url("pilot_setup_leader", pk=cast.pilot_a.pk), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_an_existing_person_is_chosen_as_leader(client, cast):
    client.force_login(cast.users.guide)

    response = client.post(
        url("pilot_setup_leader", pk=cast.pilot_a.pk), {"person": cast.siri.pk, "language": "nb"}
    )

    assert response.status_code == 302
    assert DepartmentRole.objects.filter(
        person=cast.siri, department=cast.dept_a, role="department_leader"
    ).exists()


def test_a_bad_information_meeting_keeps_what_was_typed(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_meetings", pk=cast.pilot_a.pk),
        {"date": "31.02.2030", "starts_at": "13:00", "ends_at": "12:00", "place": "Kantina"},
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"date", "ends_at"}
    assert 'value="Kantina"' in response.content.decode()
    assert not InformationMeeting.objects.filter(pilot=cast.pilot_a).exists()


def test_the_proposal_avoids_the_winter_holiday_and_says_when_four_do_not_fit(
    client, cast, programme
):
    HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie (Troms)",
        starts_on=day(8, 1),
        ends_on=day(8, 5),
    )
    busy = CourseDayFactory(pilot=cast.pilot_b, number=1, date=day(7, 1))
    busy.facilitators.set([cast.monica])
    for weekday, number in ((2, 2), (3, 3)):
        other = CourseDayFactory(pilot=cast.pilot_b, number=number, date=day(7, weekday))
        other.facilitators.set([cast.jorunn])
    pilot = PilotFactory(
        programme=programme, course_year=None, course_week_first=None, course_week_last=None
    )
    client.force_login(cast.users.coordinator)

    response = client.get(url("pilot_setup_course_days", pk=pilot.pk))

    proposal = response.context["proposal"]
    assert proposal.dates == [day(7, 4), day(7, 5)]
    html = response.content.decode()
    assert f"Only 2 of 4 course days fit in weeks 7–8 of {YEAR}." in html
    assert "falls in Vinterferie (Troms)" in html
    assert "Monica Lindstrøm facilitates another pilot" in html
    # Two rows carry the proposal; two are left for the coordinator to fill in.
    dates = [form["date"].value() for form in response.context["rows"].forms]
    assert dates == [day(7, 4), day(7, 5), None, None]


def test_proposing_again_for_other_weeks_writes_nothing_and_keeps_the_place(
    client, cast, programme
):
    pilot = PilotFactory(
        programme=programme, course_year=None, course_week_first=None, course_week_last=None
    )
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_course_days", pk=pilot.pk),
        {
            "action": "propose",
            "course_year": YEAR,
            "course_week_first": 10,
            "course_week_last": 11,
            "facilitators": [],
            **rows([(day(7, 2), "Biblioteket")] * 4),
        },
    )

    assert response.status_code == 200, response.context["weeks_form"].errors
    assert response.context["proposal"].dates == [day(10, 2), day(10, 3), day(11, 2), day(11, 3)]
    forms = response.context["rows"].forms
    assert [form["date"].value() for form in forms] == response.context["proposal"].dates
    assert [form["place"].value() for form in forms] == ["Biblioteket"] * 4
    assert not CourseDay.objects.filter(pilot=pilot).exists()
    pilot.refresh_from_db()
    assert pilot.course_year is None


def test_a_bad_course_day_row_keeps_every_row_and_saves_nothing(client, cast, programme):
    pilot = PilotFactory(
        programme=programme, course_year=None, course_week_first=None, course_week_last=None
    )
    client.force_login(cast.users.coordinator)
    data = {
        "action": "confirm",
        "course_year": YEAR,
        "course_week_first": 7,
        "course_week_last": 8,
        "facilitators": [cast.monica.pk],
        **rows([(day(7, 2), "Kursrommet"), (day(7, 3), "Kursrommet"), (None, ""), (None, "")]),
        "day-1-ends_at": "07:00",
    }

    response = client.post(url("pilot_setup_course_days", pk=pilot.pk), data)

    assert response.status_code == 400
    forms = response.context["rows"].forms
    assert forms[1].errors == {"ends_at": ["The course day must end after it starts."]}
    assert [form["date"].value() for form in forms[:2]] == [
        day(7, 2).strftime("%d.%m.%Y"),
        day(7, 3).strftime("%d.%m.%Y"),
    ]
    assert not CourseDay.objects.filter(pilot=pilot).exists()

    # Rows without a date are left for later: two days now is fine.
    data["day-1-ends_at"] = "15:30"
    saved = client.post(url("pilot_setup_course_days", pk=pilot.pk), data)
    assert saved.status_code == 302
    assert CourseDay.objects.filter(pilot=pilot).count() == 2


@pytest.mark.parametrize("action", ["confirm", "propose"])
def test_an_empty_course_days_form_is_a_form_error(client, cast, action):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_course_days", pk=cast.pilot_b.pk), {"action": action, **rows([], total=0)}
    )

    assert response.status_code == 400
    assert "course_year" in response.context["weeks_form"].errors


def test_confirming_no_dates_at_all_is_a_form_error(client, cast, programme):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("pilot_setup_course_days", pk=cast.pilot_b.pk),
        {
            "action": "confirm",
            "course_year": YEAR,
            "course_week_first": 7,
            "course_week_last": 8,
            **rows([(None, "")] * 4),
        },
    )

    assert response.status_code == 400
    assert response.context["rows"].non_form_errors() == [
        "Give the date of at least one course day."
    ]


def test_course_days_page_of_a_pilot_with_all_four_offers_no_form(client, cast):
    for number in range(1, 5):
        CourseDayFactory(pilot=cast.pilot_a, number=number)
    client.force_login(cast.users.coordinator)

    response = client.get(url("pilot_setup_course_days", pk=cast.pilot_a.pk))

    assert response.status_code == 200
    assert "rows" not in response.context
    assert "All four course days are scheduled." in response.content.decode()


def test_the_dashboard_offers_coordinators_a_new_pilot_and_the_settings(client, cast):
    start = url("pilot_setup_start", programme_pk=cast.programme.pk)
    settings_page = reverse("pilots:programme_settings", kwargs={"pk": cast.programme.pk})
    client.force_login(cast.users.coordinator)
    html = client.get(url("dashboard")).content.decode()
    assert start in html and settings_page in html

    client.force_login(cast.users.tore)
    html = client.get(url("dashboard")).content.decode()
    assert start not in html and settings_page not in html


def test_the_pilot_page_links_to_the_checklist_for_coordinators_only(client, cast):
    checklist = url("pilot_setup", pk=cast.pilot_a.pk)
    client.force_login(cast.users.coordinator)
    assert checklist in client.get(url("pilot_detail", pk=cast.pilot_a.pk)).content.decode()
    client.force_login(cast.users.tore)
    assert checklist not in client.get(url("pilot_detail", pk=cast.pilot_a.pk)).content.decode()


# --- Query budgets --------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _more_people(cast, count):
    for _ in range(count):
        DepartmentRoleFactory(
            department=cast.dept_a, person=PersonFactory(municipality=cast.municipality)
        )


def test_step_one_costs_the_same_for_few_and_many_departments(client, cast):
    client.force_login(cast.users.coordinator)
    path = url("pilot_setup_start", programme_pk=cast.programme.pk)
    client.get(path)
    few = _queries(client, path)
    for _ in range(40):
        department = DepartmentFactory(municipality=cast.municipality)
        PilotFactory(programme=cast.programme, department=department, phase="planned")
        DepartmentFactory(municipality=cast.municipality)

    assert _queries(client, path) == few
    # The request's own, the programme, then departments, parent units and unfinished setups.
    assert few <= REQUEST_QUERIES + 4


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        # The pilot, its people, meetings and course days; the leaders' login statuses (their
        # department roles, programme roles and open invitations).
        ("pilot_setup", 7),
        # The pilot, its people (the leaders shown) and the people to choose from.
        ("pilot_setup_leader", 3),
        # The pilot and its meetings.
        ("pilot_setup_meetings", 2),
        # The pilot, its course days, the programme's people, the facilitators to choose from,
        # and the proposal's own: the pilot's course days, the holiday periods and the
        # facilitators' course days with their facilitators.
        ("pilot_setup_course_days", 8),
    ],
)
def test_setup_pages_cost_the_same_with_few_and_many_rows(client, cast, programme, name, budget):
    client.force_login(cast.users.coordinator)
    path = url(name, pk=cast.pilot_a.pk)
    cast.pilot_a.course_year = None
    cast.pilot_a.course_week_first = cast.pilot_a.course_week_last = None
    cast.pilot_a.save()

    def add_rows(count):
        _more_people(cast, count)
        for _ in range(count):
            InformationMeetingFactory(
                pilot=cast.pilot_a,
                starts_at=dt.datetime(YEAR, 1, 20, 8, tzinfo=dt.UTC),
                ends_at=dt.datetime(YEAR, 1, 20, 9, tzinfo=dt.UTC),
            )
            booked = CourseDayFactory(
                pilot=PilotFactory(programme=programme), number=1, date=day(7, 2)
            )
            booked.facilitators.set([cast.monica, cast.jorunn])

    add_rows(1)
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=day(7, 1))
    client.get(path)
    few = _queries(client, path)

    add_rows(20)
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=day(7, 5))

    many = _queries(client, path)
    assert many == few
    assert many <= REQUEST_QUERIES + budget
