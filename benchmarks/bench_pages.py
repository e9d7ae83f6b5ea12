"""The coordinators' dashboard, a pilot page, a plan page and "My tasks" with 500 pilots: time and
queries per request.

Run with `make bench`. The numbers are printed, not asserted; the query counts are asserted (as
constant) by the unit tests in tests/pilots/.
"""

import datetime as dt
import statistics
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.models import Department, DepartmentRole, Person, Pilot, ProgrammeRole
from plans.models import Measure, ProjectPlan
from tests.factories import MunicipalityFactory, ProgrammeFactory
from training.models import CourseDay, InformationMeeting

PILOTS = 500
ROUNDS = 5


def _build():
    municipality = MunicipalityFactory(name="Harstad kommune", slug="harstad")
    programme = ProgrammeFactory(municipality=municipality)
    departments = Department.objects.bulk_create(
        Department(municipality=municipality, name=f"Avdeling {n}") for n in range(PILOTS)
    )
    pilots = Pilot.objects.bulk_create(
        Pilot(
            programme=programme,
            department=d,
            course_year=2027,
            course_week_first=7,
            course_week_last=8,
            phase=Pilot.Phase.COURSE,
        )
        for d in departments
    )
    people = Person.objects.bulk_create(
        Person(municipality=municipality, full_name=f"Person {n}", email=f"p{n}@example.no")
        for n in range(PILOTS * 3)
    )
    DepartmentRole.objects.bulk_create(
        DepartmentRole(
            department=departments[n // 3],
            person=person,
            role="department_leader" if n % 3 == 0 else "staff",
        )
        for n, person in enumerate(people)
    )
    CourseDay.objects.bulk_create(
        CourseDay(
            pilot=pilot,
            number=number,
            date=dt.date.fromisocalendar(2027, 7 + number // 3, number),
            starts_at=dt.time(8, 30),
            ends_at=dt.time(15, 30),
        )
        for pilot in pilots
        for number in range(1, 5)
    )
    InformationMeeting.objects.bulk_create(
        InformationMeeting(
            pilot=pilot,
            starts_at=dt.datetime(2027, 2, 2, 13, tzinfo=dt.UTC),
            ends_at=dt.datetime(2027, 2, 2, 14, tzinfo=dt.UTC),
        )
        for pilot in pilots
    )
    plans = ProjectPlan.objects.bulk_create(ProjectPlan(pilot=pilot) for pilot in pilots)
    Measure.objects.bulk_create(
        Measure(plan=plan, title=f"Tiltak {n}", deadline=dt.date(2027, 4, 1))
        for plan in plans
        for n in range(3)
    )
    coordinator = Person.objects.create(
        municipality=municipality, full_name="Jorunn Ervik", email="jorunn@example.no"
    )
    ProgrammeRole.objects.create(programme=programme, person=coordinator, role="lean_coordinator")
    user = get_user_model().objects.create_user(username="koordinator", password="x")  # noqa: S106
    coordinator.user = user
    coordinator.save()
    return user, pilots[0]


def _measure(client, url):
    timings, queries = [], 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200  # noqa: S101
        queries = len(captured)
    return statistics.median(timings), queries


@pytest.mark.django_db
def test_pages_with_five_hundred_pilots(client):
    user, pilot = _build()
    client.force_login(user)

    for name, url in [
        ("dashboard", reverse("programme:dashboard")),
        ("pilot page", reverse("programme:pilot_detail", args=[pilot.pk])),
        ("plan page", reverse("plans:plan_detail", args=[pilot.pk])),
        ("my tasks", reverse("my_tasks")),
    ]:
        seconds, queries = _measure(client, url)
        print(f"\n{name} with {PILOTS} pilots: {seconds * 1000:.0f} ms median, {queries} queries")
