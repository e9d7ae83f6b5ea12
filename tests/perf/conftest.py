"""A few thousand rows in the big tables, written with bulk_create (factory_boy makes one row per
query), then ANALYZE, so that PostgreSQL plans the lists' queries as it would with real data."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from followup.models import FollowUpMeeting, Reminder
from pilots.admin_base import MUNICIPAL_ADMIN_GROUP
from pilots.models import (
    AuditEvent,
    Department,
    DepartmentRole,
    Municipality,
    Person,
    Pilot,
    Programme,
)
from plans.models import Indicator, Measure, Measurement, ProjectPlan, Suggestion
from training.models import Attendance, CourseDay, InformationMeeting

MUNICIPALITIES = 8
PILOTS_PER_MUNICIPALITY = 6
STAFF_PER_PILOT = 25
# People of each municipality in no pilot's department (the other employees).
OTHERS_PER_MUNICIPALITY = 50
BIG_TABLES = {
    Attendance._meta.db_table,
    Person._meta.db_table,
    Reminder._meta.db_table,
    Measure._meta.db_table,
    Measurement._meta.db_table,
    FollowUpMeeting._meta.db_table,
    AuditEvent._meta.db_table,
    Suggestion._meta.db_table,
}

_FIRST = ["Anne", "Bjørn", "Cecilie", "Dag", "Eirik", "Frida", "Åse", "Øystein", "Ola", "Kari"]
_LAST = ["Aasen", "Berg", "Dahl", "Ek", "Fjell", "Hansen", "Lie", "Moe", "Ødegård", "Ås"]


def _name(n: int) -> str:
    return f"{_FIRST[n % 10]} {_LAST[(n // 10) % 10]} {n}"


def _in_municipality(municipality, *, start: int, programme=None):
    """One municipality's programme, departments, pilots, people and everything they record."""
    programme = programme or Programme.objects.create(
        municipality=municipality, name=f"Lean {start}", starts_on=dt.date(2026, 9, 1)
    )
    departments = Department.objects.bulk_create(
        Department(municipality=municipality, name=f"Avdeling {start + i}")
        for i in range(PILOTS_PER_MUNICIPALITY)
    )
    pilots = Pilot.objects.bulk_create(
        Pilot(
            programme=programme,
            department=d,
            course_year=2027,
            course_week_first=7,
            course_week_last=8,
        )
        for d in departments
    )
    count = PILOTS_PER_MUNICIPALITY * STAFF_PER_PILOT + OTHERS_PER_MUNICIPALITY
    people = Person.objects.bulk_create(
        Person(municipality=municipality, full_name=_name(start + i), email=f"p{start + i}@x.no")
        for i in range(count)
    )
    roles, days, meetings, plans = [], [], [], []
    for i, pilot in enumerate(pilots):
        staff = people[i * STAFF_PER_PILOT : (i + 1) * STAFF_PER_PILOT]
        roles += [
            DepartmentRole(department=pilot.department, person=p, role="staff") for p in staff
        ]
        days += [
            CourseDay(
                pilot=pilot,
                number=n,
                date=dt.date.fromisocalendar(2027, 7, n),
                starts_at=dt.time(8, 30),
                ends_at=dt.time(15, 30),
            )
            for n in range(1, 5)
        ]
        meetings.append(
            InformationMeeting(
                pilot=pilot,
                starts_at=dt.datetime(2027, 1, 20, 13, tzinfo=dt.UTC),
                ends_at=dt.datetime(2027, 1, 20, 14, tzinfo=dt.UTC),
            )
        )
        plans.append(ProjectPlan(pilot=pilot))
    DepartmentRole.objects.bulk_create(roles)
    CourseDay.objects.bulk_create(days)
    InformationMeeting.objects.bulk_create(meetings)
    ProjectPlan.objects.bulk_create(plans)
    attendance, measures, indicators, follow_ups, suggestions = [], [], [], [], []
    for i, pilot in enumerate(pilots):
        staff = people[i * STAFF_PER_PILOT : (i + 1) * STAFF_PER_PILOT]
        for p in staff:
            attendance += [
                Attendance(person=p, course_day=d, status="present")
                for d in days[i * 4 : (i + 1) * 4]
            ]
            attendance.append(
                Attendance(person=p, information_meeting=meetings[i], status="present")
            )
        measures += [
            Measure(
                plan=plans[i],
                title=f"Tiltak {n}",
                owner=staff[n % STAFF_PER_PILOT],
                deadline=dt.date(2027, 3, 1) + dt.timedelta(days=n),
            )
            for n in range(20)
        ]
        indicators += [
            Indicator(plan=plans[i], name=f"Indikator {n}", unit="min", baseline=30, target=10)
            for n in range(2)
        ]
        follow_ups += [
            FollowUpMeeting(
                pilot=pilot, label=f"{n} uker", due_on=dt.date(2027, 3, 1) + dt.timedelta(weeks=n)
            )
            for n in range(10)
        ]
        suggestions += [Suggestion(pilot=pilot, text=f"Forslag {n}") for n in range(10)]
    Attendance.objects.bulk_create(attendance)
    Measure.objects.bulk_create(measures)
    Indicator.objects.bulk_create(indicators)
    FollowUpMeeting.objects.bulk_create(follow_ups)
    Suggestion.objects.bulk_create(suggestions)
    Measurement.objects.bulk_create(
        Measurement(
            indicator=indicator, measured_on=dt.date(2027, 1, 1) + dt.timedelta(weeks=w), value=w
        )
        for indicator in indicators
        for w in range(30)
    )
    due = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            kind=Reminder.Kind.PLAN_QUIET,
            recipient=p,
            municipality=municipality,
            subject_key=f"plan:{n}",
            due_at=due - dt.timedelta(hours=start + n),
            status=Reminder.Status.SENT,
        )
        for p in people
        for n in range(4)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            municipality=municipality,
            action=AuditEvent.Action.choices[0][0],
            at=due - dt.timedelta(minutes=n),
            subject_person_id=p.pk,
        )
        for n, p in enumerate(people)
    )
    return pilots


@pytest.fixture
def big(cast):
    """The cast's Harstad, Tromsø and six more municipalities, each with six pilots of 25 staff
    who attended everything, measures, measurements, follow-up meetings, suggestions, reminders
    and audit events: about 1,600 people, 6,000 attendance rows and 6,400 reminders.

    `admin` administers Harstad (the "Kommuneadministrator" group)."""
    municipalities = [cast.municipality, cast.other_municipality] + list(
        Municipality.objects.bulk_create(
            Municipality(name=f"Kommune {n}", slug=f"kommune-{n}")
            for n in range(MUNICIPALITIES - 2)
        )
    )
    pilots = {}
    for n, municipality in enumerate(municipalities):
        pilots[municipality.pk] = _in_municipality(
            municipality,
            start=n * 1000,
            programme=cast.programme if municipality == cast.municipality else None,
        )
    hanne = Person.objects.create(
        municipality=cast.municipality, full_name="Hanne Kommuneadmin", email="hanne@harstad.no"
    )
    admin = cast.users.superuser.__class__.objects.create_user("hanne", password="pw-not-used")
    admin.is_staff = True
    admin.save()
    admin.groups.add(Group.objects.get(name=MUNICIPAL_ADMIN_GROUP))
    hanne.user = admin
    hanne.save(update_fields=["user"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return SimpleNamespace(admin=admin, pilot=pilots[cast.municipality.pk][3])
