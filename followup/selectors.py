"""Reads for follow-up pages, every one scoped to what the user may see (`pilots.selectors`)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from followup.models import BoardMeeting, FollowUpItem, FollowUpMeeting, Reminder
from pilots.access import scope_for
from pilots.collation import norwegian
from pilots.models import DepartmentRole, Person, Pilot, ProgrammeRole, active_role
from pilots.selectors import pilots_for_user
from plans.models import Indicator, Measure, Measurement, Suggestion

RECENT_BOARD_MEETINGS = 12


def reminders_for_user(user) -> QuerySet[Reminder]:
    """Reminders to people of the user's municipality; only coordinators see any."""
    scope = scope_for(user)
    reminders = Reminder.objects.select_related(
        "recipient", "pilot__department", "pilot__programme"
    )
    if scope.is_superuser:
        return reminders
    if scope.coordinates:
        # The reminder's own municipality: served by its indexes, no join to the recipients.
        return reminders.filter(municipality_id=scope.municipality_id)
    return reminders.none()


def reminder_get_for_user(user, pk: int) -> Reminder:
    return get_object_or_404(reminders_for_user(user), pk=pk)


def follow_up_meetings_for_user(user) -> QuerySet[FollowUpMeeting]:
    return FollowUpMeeting.objects.filter(pilot__in=pilots_for_user(user)).select_related(
        "pilot__department__municipality", "pilot__programme", "step"
    )


def follow_up_meeting_get_for_user(user, pk: int) -> FollowUpMeeting:
    return get_object_or_404(follow_up_meetings_for_user(user), pk=pk)


def board_meeting_get_for_user(user, pk: int) -> BoardMeeting:
    board_meetings = BoardMeeting.objects.filter(pilot__in=pilots_for_user(user)).select_related(
        "pilot__department__municipality", "pilot__programme"
    )
    return get_object_or_404(board_meetings, pk=pk)


@dataclass
class PilotFollowUp:
    meetings: list[FollowUpMeeting]
    board_meetings: list[BoardMeeting]
    board_meetings_total: int


def pilot_follow_up(pilot: Pilot) -> PilotFollowUp:
    """The pilot's follow-up meetings with their plan and items, and its latest board meetings
    (six queries)."""
    meetings = list(
        FollowUpMeeting.objects.filter(pilot=pilot)
        .select_related("step")
        .prefetch_related(
            Prefetch("attendees", Person.objects.order_by(norwegian("full_name"), "pk")),
            Prefetch("participants", Person.objects.order_by(norwegian("full_name"), "pk")),
            Prefetch("items", FollowUpItem.objects.select_related("measure").order_by("pk")),
        )
        .order_by("due_on", "label")
    )
    board_meetings = BoardMeeting.objects.filter(pilot=pilot).order_by("-held_on")
    return PilotFollowUp(
        meetings=meetings,
        board_meetings=list(
            board_meetings.prefetch_related(
                Prefetch("measures_touched", Measure.objects.order_by("title"))
            )[:RECENT_BOARD_MEETINGS]
        ),
        board_meetings_total=board_meetings.count(),
    )


def follow_up_attendee_choices(
    pilot: Pilot, *, meeting: FollowUpMeeting | None = None
) -> QuerySet[Person]:
    """Who can come to a follow-up meeting: the department's and the programme's people today,
    and whoever is already recorded at `meeting` (so a correction keeps someone who has left)."""
    came = Q(follow_up_meetings=meeting) if meeting is not None and meeting.pk else Q(pk__in=[])
    return (
        Person.objects.filter(
            (
                Q(
                    active_role(prefix="department_roles__"),
                    department_roles__department_id=pilot.department_id,
                )
                | Q(
                    active_role(prefix="programme_roles__"),
                    programme_roles__programme_id=pilot.programme_id,
                )
                | came
            ),
            is_active=True,
        )
        .distinct()
        .order_by(norwegian("full_name"), "pk")
    )


def board_meeting_measure_choices(pilot: Pilot) -> QuerySet[Measure]:
    return Measure.objects.filter(plan__pilot=pilot).order_by("deadline", "title")


def follow_up_participant_defaults(pilot: Pilot) -> list[int]:
    """Who is asked to a follow-up meeting unless the planner chooses otherwise: the department's
    leader and the programme's lean guides, the people its reminder went to before (one query)."""
    leaders = DepartmentRole.objects.active().filter(
        department_id=pilot.department_id, role=DepartmentRole.Role.DEPARTMENT_LEADER
    )
    guides = ProgrammeRole.objects.active().filter(
        programme_id=pilot.programme_id, role=ProgrammeRole.Role.LEAN_GUIDE
    )
    return list(
        Person.objects.filter(
            Q(pk__in=leaders.values("person_id")) | Q(pk__in=guides.values("person_id")),
            is_active=True,
        ).values_list("pk", flat=True)
    )


def follow_up_owner_choices(pilot: Pilot) -> QuerySet[Person]:
    """Who may own an action of a follow-up meeting: the people of the department today, as a
    measure's owner must be."""
    return (
        Person.objects.filter(
            active_role(prefix="department_roles__"),
            department_roles__department_id=pilot.department_id,
            is_active=True,
        )
        .distinct()
        .order_by(norwegian("full_name"), "pk")
    )


def follow_up_carried_items(meeting: FollowUpMeeting) -> QuerySet[FollowUpItem]:
    """Items of the pilot's earlier meetings still to be followed up at `meeting`, and those
    already marked done at it (so a correction shows them ticked)."""
    earlier = Q(meeting__held_on__isnull=False)
    if meeting.held_on:
        earlier &= Q(meeting__held_on__lte=meeting.held_on)
    still_open = Q(kind__in=FollowUpItem.CARRIED_KINDS, done=False) & ~Q(
        measure__status__in=[Measure.Status.DONE, Measure.Status.DROPPED]
    )
    return (
        FollowUpItem.objects.filter(meeting__pilot_id=meeting.pilot_id)
        .exclude(meeting=meeting)
        .filter((earlier & still_open) | Q(done_at_meeting=meeting))
        .select_related("meeting__step", "measure__owner")
        .order_by("meeting__held_on", "pk")
    )


@dataclass
class Agenda:
    indicators: list[Indicator]
    overdue_measures: list[Measure]
    open_measures: list[Measure]
    new_suggestions: list[Suggestion]
    items: list[FollowUpItem]


def follow_up_agenda(meeting: FollowUpMeeting, *, today: dt.date) -> Agenda:
    """What a follow-up meeting goes through, built from the plan as it stands (four queries):
    each indicator's latest measurement against its target, the open measures (overdue first),
    the suggestions nobody has answered, and this meeting's own items so far. The items carried
    from earlier meetings are the form's (`follow_up_carried_items`)."""
    pilot_id = meeting.pilot_id
    latest = Measurement.objects.filter(indicator=OuterRef("pk")).order_by("-measured_on")
    indicators = list(
        Indicator.objects.filter(plan__pilot_id=pilot_id)
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_on=Subquery(latest.values("measured_on")[:1]),
        )
        .order_by(norwegian("name"), "pk")
    )
    for indicator in indicators:
        indicator.target_reached = _target_reached(indicator)
    measures = list(
        Measure.objects.filter(plan__pilot_id=pilot_id)
        .open()
        .select_related("owner")
        .order_by("deadline", "title", "pk")
    )
    return Agenda(
        indicators=indicators,
        overdue_measures=[m for m in measures if m.is_overdue(today)],
        open_measures=[m for m in measures if not m.is_overdue(today)],
        new_suggestions=list(
            Suggestion.objects.filter(pilot_id=pilot_id, status=Suggestion.Status.NEW).order_by(
                "created_at", "pk"
            )
        ),
        items=list(meeting.items.select_related("measure__owner").order_by("kind", "pk")),
    )


def _target_reached(indicator: Indicator) -> bool | None:
    """Whether the latest measurement reaches the target, in the direction from the baseline
    (a target below the baseline is reached from above); None before the first measurement."""
    if indicator.latest_value is None:
        return None
    if indicator.target >= indicator.baseline:
        return indicator.latest_value >= indicator.target
    return indicator.latest_value <= indicator.target
