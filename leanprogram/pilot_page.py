"""Reads for the pilot page: the department's people, schedule, plan and follow-up at a glance.

Each function reads one part of the page with a fixed number of queries.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q

from followup.models import FollowUpMeeting
from followup.phases import AUTOMATIC_REASONS
from pilots.collation import norwegian
from pilots.models import DepartmentRole, Person, PhaseChange, Pilot
from plans.models import Measure, ProjectPlan, Suggestion
from training.models import COURSE_DAYS_PER_PILOT, Attendance, CourseDay, InformationMeeting


@dataclass
class PersonWithRoles:
    person: Person
    roles: list[str] = field(default_factory=list)

    @property
    def is_leader(self) -> bool:
        return DepartmentRole.Role.DEPARTMENT_LEADER in self.roles

    @property
    def roles_display(self) -> str:
        return ", ".join(str(DepartmentRole.Role(role).label) for role in self.roles)


def pilot_people(pilot: Pilot) -> list[PersonWithRoles]:
    """The department's people today, each once, with every role they hold; whoever has left
    (an ended role) is not counted."""
    department_roles = (
        DepartmentRole.objects.active()
        .filter(department_id=pilot.department_id, person__is_active=True)
        .select_related("person")
        .order_by(norwegian("person__full_name"), "person_id")
    )
    people: dict[int, PersonWithRoles] = {}
    for department_role in department_roles:
        people.setdefault(
            department_role.person_id, PersonWithRoles(department_role.person)
        ).roles.append(department_role.role)
    role_order = DepartmentRole.Role.values
    for entry in people.values():
        entry.roles.sort(key=lambda role: role_order.index(role) if role in role_order else 99)
    return list(people.values())


def _attendance_counts(prefix: str) -> dict:
    # Distinct, because a meeting's counts join its session choices too.
    return {
        status: Count(f"{prefix}__pk", filter=Q(**{f"{prefix}__status": status}), distinct=True)
        for status in Attendance.Status.values
    }


def pilot_information_meetings(pilot: Pilot) -> list[InformationMeeting]:
    """The pilot's information meetings (the sessions of its information meeting) with
    `present`, `absent` and `excused` counts and `chosen`, how many chose the session."""
    return list(
        InformationMeeting.objects.filter(pilot=pilot)
        .annotate(
            **_attendance_counts("attendances"),
            chosen=Count("session_choices", distinct=True),
        )
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class InformationMeetingAttendance:
    """Who of the department's people today came to the information meeting, at any session."""

    attended: int
    people: int
    present_ids: frozenset[int]


def pilot_information_meeting_attendance(
    pilot: Pilot, people: list[PersonWithRoles]
) -> InformationMeetingAttendance:
    """Present at any session counts as attending (one query)."""
    present = set(
        Attendance.objects.filter(
            information_meeting__pilot=pilot, status=Attendance.Status.PRESENT
        ).values_list("person_id", flat=True)
    )
    return InformationMeetingAttendance(
        attended=sum(1 for entry in people if entry.person.pk in present),
        people=len(people),
        present_ids=frozenset(present),
    )


@dataclass(frozen=True)
class CourseDaySlot:
    number: int
    day: CourseDay | None


def pilot_course_day_slots(pilot: Pilot) -> list[CourseDaySlot]:
    """Course days 1–4, each with attendance counts, or None where a day is not scheduled yet."""
    days = {
        day.number: day
        for day in CourseDay.objects.filter(pilot=pilot).annotate(
            **_attendance_counts("attendances")
        )
    }
    return [
        CourseDaySlot(number, days.get(number)) for number in range(1, COURSE_DAYS_PER_PILOT + 1)
    ]


def pilot_plan_summary(pilot: Pilot, *, today: dt.date) -> ProjectPlan | None:
    """The pilot's plan with `measures_open`, `measures_overdue` and `measures_<status>` for
    each measure status, or None when it has none."""
    open_measures = Q(measures__status__in=Measure.OPEN_STATUSES)
    by_status = {
        f"measures_{status}": Count("measures", filter=Q(measures__status=status))
        for status in Measure.Status.values
    }
    return (
        ProjectPlan.objects.filter(pilot=pilot)
        .annotate(
            measures_open=Count("measures", filter=open_measures),
            measures_overdue=Count(
                "measures", filter=open_measures & Q(measures__deadline__lt=today)
            ),
            **by_status,
        )
        .order_by("pk")
        .first()
    )


def pilot_follow_up_meetings(pilot: Pilot) -> list[FollowUpMeeting]:
    return list(
        FollowUpMeeting.objects.filter(pilot=pilot)
        .select_related("step")
        .order_by("due_on", "label")
    )


@dataclass(frozen=True)
class PhaseHistoryEntry:
    change: PhaseChange
    why: str
    who: str

    @property
    def from_label(self) -> str:
        return Pilot.Phase(self.change.from_phase).label

    @property
    def to_label(self) -> str:
        return Pilot.Phase(self.change.to_phase).label


def pilot_phase_history(pilot: Pilot) -> list[PhaseHistoryEntry]:
    """Every phase change of the pilot, newest first, with why and who (one query)."""
    entries = []
    for change in PhaseChange.objects.filter(pilot=pilot).select_related("changed_by__person"):
        if change.changed_by is None:
            why, who = str(AUTOMATIC_REASONS.get(change.to_phase, "")), ""
        else:
            person = getattr(change.changed_by, "person", None)
            why = change.reason
            who = person.full_name if person else change.changed_by.get_username()
        entries.append(PhaseHistoryEntry(change, why, who))
    return entries


@dataclass(frozen=True)
class SuggestionCounts:
    new: int
    total: int


def pilot_suggestion_counts(pilot: Pilot) -> SuggestionCounts:
    """How many improvement suggestions the department sent, and how many wait for an answer."""
    counts = Suggestion.objects.filter(pilot=pilot).aggregate(
        total=Count("pk"), new=Count("pk", filter=Q(status=Suggestion.Status.NEW))
    )
    return SuggestionCounts(new=counts["new"], total=counts["total"])


def plan_measures_by_status(plan: ProjectPlan | None) -> dict[str, int]:
    """The counts `pilot_plan_summary` annotated, by measure status (0 without a plan)."""
    return {
        status: getattr(plan, f"measures_{status}", 0) if plan else 0
        for status in Measure.Status.values
    }
