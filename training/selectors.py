"""Reads the training views share, all scoped to the pilots the user may see."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from pilots.calendar import OSLO, local_today
from pilots.collation import norwegian, norwegian_sort_key
from pilots.models import DepartmentRole, Person, Pilot, ProgrammeRole
from pilots.selectors import people_for_user, pilots_for_user
from training.models import (
    COURSE_DAYS_PER_PILOT,
    Attendance,
    CourseDay,
    InformationMeeting,
    SessionChoice,
)

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
        ProgrammeRole.objects.active().filter(
            programme_id=pilot.programme_id, person=OuterRef("pk")
        )
    )
    # A leader sees only their department's people, but plans follow-up meetings with the
    # programme's guides: the programme's own people are always among the choices.
    programme_people = ProgrammeRole.objects.active().filter(programme_id=pilot.programme_id)
    return (
        Person.objects.filter(
            Q(pk__in=people_for_user(user).values("pk"))
            | Q(pk__in=programme_people.values("person_id")),
            municipality_id=pilot.department.municipality_id,
            is_active=True,
        )
        .annotate(in_programme=in_programme)
        .order_by(F("in_programme").desc(), norwegian("full_name"), "pk")
    )


def attendance_people(*, pilot: Pilot, recorded: QuerySet[Attendance]) -> list[Person]:
    """The pilot's department's people today, plus anyone with attendance in `recorded`.

    The second part keeps a record visible after a person has left the department (their role
    has ended, or they are inactive). Each person carries `pilot_roles`, their roles in the
    department (today's, or the ones they had for whoever has left), `has_left`, and
    `roles_text` for display.
    """
    department_id = pilot.department_id
    today = local_today()
    members = (
        DepartmentRole.objects.active(today)
        .filter(department_id=department_id, person__is_active=True)
        .order_by()
        .values("person_id")
    )
    # One set of ids, a UNION of two index lookups: an OR of the two `IN`s would make
    # PostgreSQL read every person of every municipality (issue 14).
    people = list(
        Person.objects.filter(pk__in=members.union(recorded.order_by().values("person_id")))
        .prefetch_related(
            Prefetch(
                "department_roles",
                queryset=DepartmentRole.objects.filter(department_id=department_id),
                to_attr="pilot_roles",
            )
        )
        .order_by(norwegian("full_name"), "pk")
    )
    for person in people:
        current = [role for role in person.pilot_roles if role.is_active_on(today)]
        person.has_left = not current or not person.is_active
        person.pilot_roles = current or person.pilot_roles
        person.roles_text = ", ".join(str(role.get_role_display()) for role in person.pilot_roles)
    return people


def attendance_for_target(target: InformationMeeting | CourseDay) -> QuerySet[Attendance]:
    if isinstance(target, CourseDay):
        return Attendance.objects.filter(course_day=target)
    return Attendance.objects.filter(information_meeting=target)


def attendance_for_pilot(pilot: Pilot) -> QuerySet[Attendance]:
    """The attendance at the pilot's course days and information meetings.

    The rows' ids are a UNION of one lookup per foreign key, each through its own index. An OR
    across the two joins cannot use either index, and PostgreSQL reads all of the country's
    attendance for every pilot (issue 14: 522 ms against 0.09 ms). Still a plain queryset of
    attendance, so callers filter, order and pick columns as before.
    """
    ids = (
        Attendance.objects.filter(course_day__pilot=pilot)
        .order_by()
        .values("pk")
        .union(Attendance.objects.filter(information_meeting__pilot=pilot).order_by().values("pk"))
    )
    return Attendance.objects.filter(pk__in=ids)


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
    # The column's event, which labels the cell where a phone shows each person as a card.
    event: Event


@dataclass
class SummaryRow:
    person: Person
    statuses: list[str | None]
    events: list[Event]
    course_days_present: int = 0
    # Present at any session of the information meeting.
    information_meeting_attended: bool = False

    @property
    def cells(self) -> list[Cell]:
        return [
            Cell(status, Attendance.Status(status).label if status else "", event)
            for status, event in zip(self.statuses, self.events, strict=True)
        ]


@dataclass
class AttendanceSummary:
    pilot: Pilot
    events: list[Event]
    rows: list[SummaryRow]
    present_per_event: list[int] = field(default_factory=list)
    course_days_total: int = COURSE_DAYS_PER_PILOT
    information_sessions: int = 0
    information_meeting_attended: int = 0

    @property
    def present_counts(self) -> list[tuple[Event, int]]:
        """How many were present at each event, with the event that labels the count."""
        return list(zip(self.events, self.present_per_event, strict=True))


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
        attended = any(
            status == Attendance.Status.PRESENT
            for event, status in zip(events, statuses, strict=True)
            if event.course_day_number is None
        )
        rows.append(
            SummaryRow(
                person=person,
                statuses=statuses,
                events=events,
                course_days_present=present,
                information_meeting_attended=attended,
            )
        )
    present_per_event = [
        sum(1 for row in rows if row.statuses[i] == Attendance.Status.PRESENT)
        for i in range(len(events))
    ]
    return AttendanceSummary(
        pilot=pilot,
        events=events,
        rows=rows,
        present_per_event=present_per_event,
        information_sessions=len(meetings),
        information_meeting_attended=sum(1 for row in rows if row.information_meeting_attended),
    )


# --- Sessions of the information meeting ----------------------------------------------------------
#
# A pilot's information meetings are sessions of one meeting: everyone in the department comes to
# one of them. With one meeting there is nothing to choose; with two or more, each person chooses
# (or is put on) one, and whoever was present at any of them has attended the information meeting.


@dataclass
class InformationSessions:
    """One pilot's sessions as one person sees them."""

    pilot: Pilot
    sessions: list[InformationMeeting]
    chosen: InformationMeeting | None = None
    attended: InformationMeeting | None = None

    @property
    def has_choice(self) -> bool:
        """More than one session: the person is to attend one of them."""
        return len(self.sessions) > 1

    @property
    def upcoming(self) -> list[InformationMeeting]:
        return [session for session in self.sessions if not session.has_started]

    @property
    def needs_choice(self) -> bool:
        """Sessions to choose between are still ahead, and the person has neither chosen one
        nor attended one."""
        return (
            self.has_choice
            and self.chosen is None
            and self.attended is None
            and len(self.upcoming) > 0
        )


def _sessions_by_pilot(meetings) -> dict[int, list[InformationMeeting]]:
    by_pilot: dict[int, list[InformationMeeting]] = {}
    for meeting in meetings:
        by_pilot.setdefault(meeting.pilot_id, []).append(meeting)
    return by_pilot


def information_sessions_for_person(person: Person) -> list[InformationSessions]:
    """The information meetings of every open pilot of the person's departments (roles held
    today), with the session they chose and the one they attended, in three queries.

    For "my tasks": a person with `needs_choice` has a session to choose.
    """
    departments = DepartmentRole.objects.active().filter(person=person).values("department_id")
    meetings = list(
        InformationMeeting.objects.filter(pilot__department_id__in=departments)
        .exclude(pilot__phase=Pilot.Phase.CLOSED)
        .select_related("pilot__department")
        .order_by("starts_at", "pk")
    )
    if not meetings:
        return []
    pilot_ids = {meeting.pilot_id for meeting in meetings}
    chosen = dict(
        SessionChoice.objects.filter(person=person, pilot_id__in=pilot_ids).values_list(
            "pilot_id", "meeting_id"
        )
    )
    present: dict[int, int] = {}
    for pilot_id, meeting_id in (
        Attendance.objects.filter(
            person=person,
            information_meeting__pilot_id__in=pilot_ids,
            status=Attendance.Status.PRESENT,
        )
        .order_by("information_meeting__starts_at")
        .values_list("information_meeting__pilot_id", "information_meeting_id")
    ):
        present.setdefault(pilot_id, meeting_id)
    result = []
    for sessions in _sessions_by_pilot(meetings).values():
        by_pk = {session.pk: session for session in sessions}
        pilot = sessions[0].pilot
        result.append(
            InformationSessions(
                pilot=pilot,
                sessions=sessions,
                chosen=by_pk.get(chosen.get(pilot.pk)),
                attended=by_pk.get(present.get(pilot.pk)),
            )
        )
    return sorted(result, key=lambda entry: (entry.sessions[0].starts_at, entry.pilot.pk))


def information_sessions_of_pilot(*, pilot: Pilot, person_id: int | None) -> InformationSessions:
    """The pilot's sessions, each with `chosen_count`, and what `person_id` chose and attended
    (three queries; one without a person)."""
    sessions = list(
        InformationMeeting.objects.filter(pilot=pilot)
        .annotate(chosen_count=Count("session_choices"))
        .order_by("starts_at", "pk")
    )
    entry = InformationSessions(pilot=pilot, sessions=sessions)
    if person_id is None:
        return entry
    by_pk = {session.pk: session for session in sessions}
    chosen_id = session_chosen_by(pilot=pilot, person_id=person_id)
    attended_id = (
        Attendance.objects.filter(
            person_id=person_id,
            information_meeting__pilot=pilot,
            status=Attendance.Status.PRESENT,
        )
        .order_by("information_meeting__starts_at")
        .values_list("information_meeting_id", flat=True)
        .first()
    )
    entry.chosen = by_pk.get(chosen_id)
    entry.attended = by_pk.get(attended_id)
    return entry


def session_chosen_by(*, pilot: Pilot, person_id: int) -> int | None:
    """The id of the session the person chose, or None."""
    return (
        SessionChoice.objects.filter(pilot=pilot, person_id=person_id)
        .values_list("meeting_id", flat=True)
        .first()
    )


def session_choices_of_pilot(pilot: Pilot) -> dict[int, int]:
    """Person id → the id of the session they chose, for everyone who chose one."""
    return dict(SessionChoice.objects.filter(pilot=pilot).values_list("person_id", "meeting_id"))


def information_meeting_attendees(pilot: Pilot) -> dict[int, int]:
    """Person id → the first session they were present at, for everyone who attended one."""
    present: dict[int, int] = {}
    for person_id, meeting_id in (
        Attendance.objects.filter(
            information_meeting__pilot=pilot, status=Attendance.Status.PRESENT
        )
        .order_by("information_meeting__starts_at", "information_meeting_id")
        .values_list("person_id", "information_meeting_id")
    ):
        present.setdefault(person_id, meeting_id)
    return present


def department_people_today(pilot: Pilot) -> list[Person]:
    """The department's people today (as on the attendance lists, without who has left)."""
    return attendance_people(pilot=pilot, recorded=Attendance.objects.none())


# --- Attendance across pilots ---------------------------------------------------------------------
#
# The programme's attendance export: every pilot's information meetings and course days against
# the people on its attendance lists, as `attendance_summary_for_pilot` has them for one pilot.


@dataclass(frozen=True)
class AttendanceLine:
    pilot: Pilot
    event: Event
    person_id: int
    person_name: str
    # The person's roles in the department, as the attendance summary shows them.
    roles_text: str
    status: str | None


def attendance_lines_for_pilots(pilots: list[Pilot]) -> Iterator[AttendanceLine]:
    """Per pilot, in the order given: each event × the department's people today and whoever has
    attendance recorded for the pilot, in Norwegian order, with the status recorded (None: not
    recorded). Seven queries for all the pilots given, whatever their number: a caller with many
    pilots hands them over in batches, so that memory is bounded by a batch."""
    if not pilots:
        return
    today = local_today()
    pilot_ids = [pilot.pk for pilot in pilots]
    department_ids = {pilot.department_id for pilot in pilots}
    events: dict[int, list[Event]] = defaultdict(list)
    meeting_pilot: dict[int, int] = {}
    for meeting in (
        InformationMeeting.objects.filter(pilot_id__in=pilot_ids)
        .order_by("starts_at", "pk")
        .only("pk", "pilot_id", "starts_at", "ends_at")
    ):
        events[meeting.pilot_id].append(_meeting_event(meeting))
        meeting_pilot[meeting.pk] = meeting.pilot_id
    day_pilot: dict[int, int] = {}
    for day in (
        CourseDay.objects.filter(pilot_id__in=pilot_ids)
        .order_by("number", "pk")
        .only("pk", "pilot_id", "number", "date", "starts_at", "ends_at")
    ):
        events[day.pilot_id].append(_course_day_event(day))
        day_pilot[day.pk] = day.pilot_id

    status_of: dict[tuple[int, tuple[str, int]], str] = {}
    people_of: dict[int, set[int]] = defaultdict(set)
    for person_id, day_id, status in Attendance.objects.filter(
        course_day_id__in=list(day_pilot)
    ).values_list("person_id", "course_day_id", "status"):
        status_of[person_id, ("course_day", day_id)] = status
        people_of[day_pilot[day_id]].add(person_id)
    for person_id, meeting_id, status in Attendance.objects.filter(
        information_meeting_id__in=list(meeting_pilot)
    ).values_list("person_id", "information_meeting_id", "status"):
        status_of[person_id, ("meeting", meeting_id)] = status
        people_of[meeting_pilot[meeting_id]].add(person_id)

    members: dict[int, set[int]] = defaultdict(set)
    for department_id, person_id in (
        DepartmentRole.objects.active(today)
        .filter(department_id__in=department_ids, person__is_active=True)
        .values_list("department_id", "person_id")
    ):
        members[department_id].add(person_id)
    for pilot in pilots:
        people_of[pilot.pk] |= members[pilot.department_id]
    everyone = set().union(*people_of.values())
    roles: dict[tuple[int, int], list[tuple[str, bool]]] = defaultdict(list)
    for person_id, department_id, role, ends_on in (
        DepartmentRole.objects.filter(department_id__in=department_ids, person_id__in=everyone)
        .order_by("department_id", "role")
        .values_list("person_id", "department_id", "role", "ends_on")
    ):
        roles[person_id, department_id].append((role, ends_on is None or ends_on > today))
    names = dict(Person.objects.filter(pk__in=everyone).values_list("pk", "full_name"))

    for pilot in pilots:
        people = sorted(people_of[pilot.pk], key=lambda pk: (norwegian_sort_key(names[pk]), pk))
        roles_text = {}
        for person_id in people:
            held = roles[person_id, pilot.department_id]
            current = [role for role, active in held if active]
            shown = current or [role for role, _active in held]
            roles_text[person_id] = ", ".join(
                str(DepartmentRole.Role(role).label) for role in shown
            )
        for event in events[pilot.pk]:
            for person_id in people:
                yield AttendanceLine(
                    pilot=pilot,
                    event=event,
                    person_id=person_id,
                    person_name=names[person_id],
                    roles_text=roles_text[person_id],
                    status=status_of.get((person_id, event.key)),
                )
