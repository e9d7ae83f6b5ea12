"""Reads the training views share, all scoped to the pilots the user may see."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from pilots.calendar import OSLO
from pilots.collation import norwegian
from pilots.models import DepartmentRole, Person, Pilot, ProgrammeRole
from pilots.selectors import people_for_user, pilots_for_user
from training.models import COURSE_DAYS_PER_PILOT, Attendance, CourseDay, InformationMeeting

# What a page needs to name a meeting's or course day's pilot and check the user's rights on it.
_PILOT_RELATED = ("pilot__department__municipality", "pilot__programme__municipality")


def meetings_for_user(user) -> QuerySet[InformationMeeting]:
    return InformationMeeting.objects.filter(pilot__in=pilots_for_user(user)).select_related(
        *_PILOT_RELATED
    )


def meeting_get_for_user(user, pk: int) -> InformationMeeting:
    return get_object_or_404(meetings_for_user(user), pk=pk)


def course_days_for_user(user) -> QuerySet[CourseDay]:
    return CourseDay.objects.filter(pilot__in=pilots_for_user(user)).select_related(*_PILOT_RELATED)


def course_day_get_for_user(user, pk: int) -> CourseDay:
    return get_object_or_404(course_days_for_user(user), pk=pk)


def course_day_numbers_taken(*, pilot: Pilot, exclude_pk: int | None = None) -> set[int]:
    days = CourseDay.objects.filter(pilot=pilot)
    if exclude_pk is not None:
        days = days.exclude(pk=exclude_pk)
    return set(days.order_by().values_list("number", flat=True))


def facilitator_choices_for_user(user, *, pilot: Pilot) -> QuerySet[Person]:
    """Active people of the pilot's municipality whom the user may see, in one query.

    The programme's lean coordinators and guides come first (`in_programme` is true for them),
    then everyone else; each part in Norwegian alphabetical order.
    """
    in_programme = Exists(
        ProgrammeRole.objects.filter(programme_id=pilot.programme_id, person=OuterRef("pk"))
    )
    return (
        people_for_user(user)
        .filter(municipality_id=pilot.department.municipality_id, is_active=True)
        .annotate(in_programme=in_programme)
        .order_by(F("in_programme").desc(), norwegian("full_name"), "pk")
    )


def attendance_people(*, pilot: Pilot, recorded: QuerySet[Attendance]) -> list[Person]:
    """The pilot's department's active people, plus anyone with attendance in `recorded`.

    The second part keeps a record visible after a person has left the department. Each person
    carries `pilot_roles`, their roles in the department, and `roles_text` for display.
    """
    department_id = pilot.department_id
    members = DepartmentRole.objects.filter(
        department_id=department_id, person__is_active=True
    ).values("person_id")
    people = list(
        Person.objects.filter(Q(pk__in=members) | Q(pk__in=recorded.values("person_id")))
        .prefetch_related(
            Prefetch(
                "department_roles",
                queryset=DepartmentRole.objects.filter(department_id=department_id),
                to_attr="pilot_roles",
            )
        )
        .order_by("full_name", "pk")
    )
    for person in people:
        person.roles_text = ", ".join(str(role.get_role_display()) for role in person.pilot_roles)
    return people


def attendance_for_target(target: InformationMeeting | CourseDay) -> QuerySet[Attendance]:
    if isinstance(target, CourseDay):
        return Attendance.objects.filter(course_day=target)
    return Attendance.objects.filter(information_meeting=target)


def attendance_for_pilot(pilot: Pilot) -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        Q(course_day__pilot=pilot) | Q(information_meeting__pilot=pilot)
    )


@dataclass(frozen=True)
class Event:
    """An information meeting or a course day, as a column of the summary and rows of the export."""

    key: tuple[str, int]
    label: str
    date: dt.date
    starts: dt.time
    ends: dt.time
    minutes: int
    course_day_number: int | None = None


@dataclass(frozen=True)
class Cell:
    status: str | None
    label: str


@dataclass
class SummaryRow:
    person: Person
    statuses: list[str | None]
    course_days_present: int = 0

    @property
    def cells(self) -> list[Cell]:
        return [
            Cell(status, Attendance.Status(status).label if status else "")
            for status in self.statuses
        ]


@dataclass
class AttendanceSummary:
    pilot: Pilot
    events: list[Event]
    rows: list[SummaryRow]
    present_per_event: list[int] = field(default_factory=list)
    course_days_total: int = COURSE_DAYS_PER_PILOT


def _meeting_event(meeting: InformationMeeting) -> Event:
    starts = timezone.localtime(meeting.starts_at, OSLO)
    ends = timezone.localtime(meeting.ends_at, OSLO)
    return Event(
        key=("meeting", meeting.pk),
        label=gettext("Information meeting"),
        date=starts.date(),
        starts=starts.time(),
        ends=ends.time(),
        minutes=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
    )


def _course_day_event(day: CourseDay) -> Event:
    starts = dt.datetime.combine(day.date, day.starts_at)
    ends = dt.datetime.combine(day.date, day.ends_at)
    return Event(
        key=("course_day", day.pk),
        label=gettext("Course day %(number)s") % {"number": day.number},
        date=day.date,
        starts=day.starts_at,
        ends=day.ends_at,
        minutes=int((ends - starts).total_seconds() // 60),
        course_day_number=day.number,
    )


def attendance_summary_for_pilot(*, pilot: Pilot) -> AttendanceSummary:
    """Everyone of the pilot's department against its meetings and course days (five queries)."""
    meetings = [_meeting_event(m) for m in pilot.information_meetings.order_by("starts_at", "pk")]
    days = [_course_day_event(d) for d in pilot.course_days.order_by("number")]
    events = meetings + days

    recorded = attendance_for_pilot(pilot)
    status_of = {
        (
            a.person_id,
            ("course_day", a.course_day_id)
            if a.course_day_id
            else ("meeting", a.information_meeting_id),
        ): a.status
        for a in recorded.order_by().only(
            "person_id", "course_day_id", "information_meeting_id", "status"
        )
    }
    rows = []
    for person in attendance_people(pilot=pilot, recorded=recorded):
        statuses = [status_of.get((person.pk, event.key)) for event in events]
        present = sum(
            1
            for event, status in zip(events, statuses, strict=True)
            if event.course_day_number is not None and status == Attendance.Status.PRESENT
        )
        rows.append(SummaryRow(person=person, statuses=statuses, course_days_present=present))
    present_per_event = [
        sum(1 for row in rows if row.statuses[i] == Attendance.Status.PRESENT)
        for i in range(len(events))
    ]
    return AttendanceSummary(
        pilot=pilot, events=events, rows=rows, present_per_event=present_per_event
    )
