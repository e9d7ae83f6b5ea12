"""The database itself refuses rows that break the programme's rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from followup.models import Reminder
from pilots.models import DepartmentRole, Person, Pilot, Programme, ProgrammeRole
from plans.models import Measure, ProjectPlan
from tests.factories import (
    CourseDayFactory,
    DepartmentFactory,
    DepartmentRoleFactory,
    InformationMeetingFactory,
    MeasureFactory,
    MunicipalityFactory,
    PersonFactory,
    PilotFactory,
    ProgrammeFactory,
    ProjectPlanFactory,
)
from training.models import Attendance, CourseDay

pytestmark = pytest.mark.django_db


def _rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_course_day_number_must_be_1_to_4():
    pilot = PilotFactory()

    _rejected(lambda: CourseDayFactory(pilot=pilot, number=5, date=dt.date(2027, 2, 19)))
    _rejected(lambda: CourseDayFactory(pilot=pilot, number=0, date=dt.date(2027, 2, 19)))


def test_course_day_number_is_unique_per_pilot():
    day = CourseDayFactory(number=1)

    _rejected(lambda: CourseDayFactory(pilot=day.pilot, number=1))


def test_course_day_must_end_after_it_starts():
    _rejected(lambda: CourseDayFactory(starts_at=dt.time(15), ends_at=dt.time(9)))


def test_information_meeting_must_end_after_it_starts():
    start = dt.datetime(2027, 1, 20, 13, tzinfo=dt.UTC)

    _rejected(lambda: InformationMeetingFactory(starts_at=start, ends_at=start))


def test_only_one_plan_per_pilot():
    plan = ProjectPlanFactory()

    _rejected(lambda: ProjectPlan.objects.create(pilot=plan.pilot))


def test_only_one_pilot_per_department_and_programme():
    pilot = PilotFactory()

    _rejected(lambda: Pilot.objects.create(programme=pilot.programme, department=pilot.department))


@pytest.mark.parametrize(
    ("year", "first", "last"),
    [(2027, 8, 7), (2027, 0, 8), (2027, 7, 54), (1999, 7, 8), (2027, None, 8)],
)
def test_pilot_course_weeks_must_be_a_valid_range(year, first, last):
    _rejected(
        lambda: PilotFactory(course_year=year, course_week_first=first, course_week_last=last)
    )


def test_pilot_department_must_be_in_programmes_municipality():
    programme = ProgrammeFactory()
    elsewhere = DepartmentFactory(municipality=MunicipalityFactory())
    pilot = Pilot(programme=programme, department=elsewhere)

    with pytest.raises(ValidationError) as error:
        pilot.full_clean()

    assert "department" in error.value.message_dict


def test_pilot_week_53_only_in_long_iso_years():
    programme = ProgrammeFactory()
    department = DepartmentFactory(municipality=programme.municipality)
    ok = Pilot(
        programme=programme,
        department=department,
        course_year=2026,
        course_week_first=52,
        course_week_last=53,
    )
    bad = Pilot(
        programme=programme,
        department=department,
        course_year=2027,
        course_week_first=52,
        course_week_last=53,
    )

    ok.full_clean()
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "course_week_last" in error.value.message_dict


def test_programme_cannot_end_before_it_starts():
    _rejected(lambda: ProgrammeFactory(starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2026, 1, 1)))


def test_role_position_percent_is_1_to_100():
    programme = ProgrammeFactory()
    person = PersonFactory(municipality=programme.municipality)

    _rejected(
        lambda: ProgrammeRole.objects.create(
            programme=programme, person=person, role="lean_guide", position_percent=150
        )
    )


def test_same_role_twice_is_rejected_but_several_roles_are_allowed():
    role = DepartmentRoleFactory(role=DepartmentRole.Role.UNION_REP)
    DepartmentRole.objects.create(
        department=role.department, person=role.person, role=DepartmentRole.Role.STAFF
    )

    _rejected(
        lambda: DepartmentRole.objects.create(
            department=role.department, person=role.person, role=DepartmentRole.Role.UNION_REP
        )
    )


def test_person_email_is_unique_per_municipality_ignoring_case():
    person = PersonFactory(email="tore.meltzer@harstad.kommune.no")
    PersonFactory(email="tore.meltzer@harstad.kommune.no")  # another municipality: fine

    _rejected(
        lambda: Person.objects.create(
            municipality=person.municipality,
            full_name="Tore M.",
            email="Tore.Meltzer@Harstad.Kommune.no",
        )
    )


def test_role_person_must_be_in_the_same_municipality():
    programme = ProgrammeFactory()
    stranger = PersonFactory(municipality=MunicipalityFactory())
    role = ProgrammeRole(programme=programme, person=stranger, role="lean_guide")

    with pytest.raises(ValidationError) as error:
        role.full_clean()

    assert "person" in error.value.message_dict


def test_attendance_is_for_exactly_one_meeting_or_course_day():
    day = CourseDayFactory()
    meeting = InformationMeetingFactory(pilot=day.pilot)
    person = PersonFactory(municipality=day.pilot.programme.municipality)

    _rejected(lambda: Attendance.objects.create(person=person, status="present"))
    _rejected(
        lambda: Attendance.objects.create(
            person=person, course_day=day, information_meeting=meeting, status="present"
        )
    )


def test_attendance_is_recorded_once_per_person_and_day():
    day = CourseDayFactory()
    person = PersonFactory(municipality=day.pilot.programme.municipality)
    Attendance.objects.create(person=person, course_day=day, status="present")

    _rejected(lambda: Attendance.objects.create(person=person, course_day=day, status="absent"))


def test_measure_hours_cannot_be_negative():
    _rejected(lambda: MeasureFactory(hours_identified_per_week=-1))


def test_measure_owner_must_be_in_the_department():
    measure = MeasureFactory()
    outsider = PersonFactory(municipality=measure.plan.pilot.programme.municipality)
    measure.owner = outsider

    with pytest.raises(ValidationError) as error:
        measure.full_clean()

    assert "owner" in error.value.message_dict


def test_measure_deadline_cannot_be_before_plan_starts():
    plan = ProjectPlanFactory(starts_on=dt.date(2027, 2, 15))
    measure = Measure(plan=plan, title="Tavle", deadline=dt.date(2027, 1, 1))

    with pytest.raises(ValidationError) as error:
        measure.full_clean()

    assert "deadline" in error.value.message_dict


def test_reminder_key_makes_a_duplicate_impossible():
    person = PersonFactory()
    due = dt.datetime(2027, 3, 1, 7, tzinfo=dt.UTC)
    key = {"kind": "plan_quiet", "recipient": person, "subject_key": "plan:1", "period": "2027-W09"}
    Reminder.objects.create(due_at=due, **key)

    _rejected(lambda: Reminder.objects.create(due_at=due, **key))


def test_programme_deletion_is_protected_while_it_has_pilots():
    pilot = PilotFactory()

    with pytest.raises(Exception, match="protected"):
        Programme.objects.filter(pk=pilot.programme_id).delete()


def test_course_day_clean_reports_the_end_time_field():
    day = CourseDay(number=1, date=dt.date(2027, 2, 16), starts_at=dt.time(15), ends_at=dt.time(8))

    with pytest.raises(ValidationError) as error:
        day.clean()

    assert "ends_at" in error.value.message_dict
