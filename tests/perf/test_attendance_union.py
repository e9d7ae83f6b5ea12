"""The attendance lists read their rows through a UNION per foreign key (issue 14); these tests
keep the OR-shaped queries they replaced as the reference and check both find the same rows, in
the same order, on data with every kind of person the lists show."""

import datetime as dt

import pytest
from django.db.models import Q

from pilots.calendar import local_today
from pilots.collation import norwegian
from pilots.models import DepartmentRole, Person
from tests.factories import CourseDayFactory, InformationMeetingFactory, PersonFactory
from training.models import Attendance
from training.selectors import (
    attendance_for_pilot,
    attendance_for_target,
    attendance_people,
    attendance_summary_for_pilot,
    department_people_today,
)

pytestmark = pytest.mark.django_db

PRESENT, ABSENT, EXCUSED = (
    Attendance.Status.PRESENT,
    Attendance.Status.ABSENT,
    Attendance.Status.EXCUSED,
)


def _old_attendance_for_pilot(pilot):
    return Attendance.objects.filter(
        Q(course_day__pilot=pilot) | Q(information_meeting__pilot=pilot)
    )


def _old_attendance_people_ids(*, pilot, recorded):
    members = (
        DepartmentRole.objects.active(local_today())
        .filter(department_id=pilot.department_id, person__is_active=True)
        .values("person_id")
    )
    return list(
        Person.objects.filter(Q(pk__in=members) | Q(pk__in=recorded.values("person_id")))
        .order_by(norwegian("full_name"), "pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def varied(cast):
    """Pilot A's two course days and two information sessions, with attendance from its staff,
    from a former member, from an inactive member, from someone of department B who stood in;
    and pilot B's own events and attendance, which must stay out of pilot A's lists."""
    day1 = CourseDayFactory(pilot=cast.pilot_a, number=1)
    day2 = CourseDayFactory(pilot=cast.pilot_a, number=2)
    session1 = InformationMeetingFactory(pilot=cast.pilot_a)
    session2 = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=dt.datetime(2027, 1, 21, 13, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 1, 21, 14, tzinfo=dt.UTC),
    )
    other_day = CourseDayFactory(pilot=cast.pilot_b, number=1)
    other_session = InformationMeetingFactory(pilot=cast.pilot_b)

    def person(name, **kw):
        return PersonFactory(municipality=cast.municipality, full_name=name, **kw)

    former = person("Åse Aasen")
    DepartmentRole.objects.create(
        department=cast.dept_a,
        person=former,
        role="staff",
        ends_on=local_today() - dt.timedelta(days=30),
    )
    inactive = person("Øystein Ek", is_active=False)
    DepartmentRole.objects.create(department=cast.dept_a, person=inactive, role="staff")
    # Still a member, never recorded: on the lists without a status.
    person_without_records = person("Anne Berg")
    DepartmentRole.objects.create(
        department=cast.dept_a, person=person_without_records, role="staff"
    )
    stand_in = person("Bjørn Dahl")
    DepartmentRole.objects.create(department=cast.dept_b, person=stand_in, role="staff")
    only_other_pilot = person("Cecilie Fjell")
    DepartmentRole.objects.create(department=cast.dept_b, person=only_other_pilot, role="staff")

    rows = [
        (cast.tore, day1, None, PRESENT),
        (cast.tore, day2, None, ABSENT),
        (cast.tore, None, session1, PRESENT),
        (cast.siri, day1, None, EXCUSED),
        (cast.siri, None, session2, PRESENT),
        (cast.ola, None, session1, ABSENT),
        (former, day1, None, PRESENT),
        (former, None, session2, PRESENT),
        (inactive, day2, None, PRESENT),
        (stand_in, day2, None, PRESENT),
        (stand_in, other_day, None, PRESENT),
        (only_other_pilot, other_day, None, PRESENT),
        (only_other_pilot, None, other_session, PRESENT),
        (cast.kari, None, other_session, ABSENT),
    ]
    Attendance.objects.bulk_create(
        Attendance(person=p, course_day=day, information_meeting=meeting, status=status)
        for p, day, meeting, status in rows
    )
    return {"days": [day1, day2, other_day], "sessions": [session1, session2, other_session]}


def _ids(queryset):
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("pilot_name", ["pilot_a", "pilot_b", "other_pilot"])
def test_union_finds_the_same_attendance_as_the_or_query(cast, varied, pilot_name):
    pilot = getattr(cast, pilot_name)
    expected = _ids(_old_attendance_for_pilot(pilot))
    assert _ids(attendance_for_pilot(pilot)) == expected
    if pilot_name == "pilot_a":
        # Both kinds of event, and nobody else's: a test that cannot fail would prove nothing.
        assert len(expected) == 10


@pytest.mark.parametrize("pilot_name", ["pilot_a", "pilot_b", "other_pilot"])
def test_union_finds_the_same_people_as_the_or_query(cast, varied, pilot_name):
    pilot = getattr(cast, pilot_name)
    recorded = attendance_for_pilot(pilot)
    expected = _old_attendance_people_ids(pilot=pilot, recorded=_old_attendance_for_pilot(pilot))
    assert [p.pk for p in attendance_people(pilot=pilot, recorded=recorded)] == expected


def test_the_people_include_former_inactive_and_stand_ins_with_records(cast, varied):
    names = [
        p.full_name
        for p in attendance_people(pilot=cast.pilot_a, recorded=attendance_for_pilot(cast.pilot_a))
    ]
    assert names == [
        "Anne Berg",
        "Bjørn Dahl",
        "Ola Nilsen",
        "Siri Olsen",
        "Tore Meltzer",
        "Øystein Ek",
        "Åse Aasen",
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_one_event_s_people_are_the_same_as_with_the_or_query(cast, varied, index):
    for target in (varied["days"][index], varied["sessions"][index]):
        recorded = attendance_for_target(target)
        expected = _old_attendance_people_ids(pilot=target.pilot, recorded=recorded)
        assert [p.pk for p in attendance_people(pilot=target.pilot, recorded=recorded)] == expected


def test_today_s_people_without_records_are_the_same_as_with_the_or_query(cast, varied):
    expected = _old_attendance_people_ids(pilot=cast.pilot_a, recorded=Attendance.objects.none())
    assert [p.pk for p in department_people_today(cast.pilot_a)] == expected
    assert len(expected) == 4


def test_the_summary_shows_every_recorded_status(cast, varied):
    summary = attendance_summary_for_pilot(pilot=cast.pilot_a)
    recorded = {
        (
            a.person_id,
            ("course_day", a.course_day_id)
            if a.course_day_id
            else ("meeting", a.information_meeting_id),
            a.status,
        )
        for a in _old_attendance_for_pilot(cast.pilot_a)
    }
    shown = {
        (row.person.pk, event.key, status)
        for row in summary.rows
        for event, status in zip(row.events, row.statuses, strict=True)
        if status
    }
    assert shown == recorded
