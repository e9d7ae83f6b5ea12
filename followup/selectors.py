"""Reads for follow-up pages, every one scoped to what the user may see (`pilots.selectors`)."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from followup.models import BoardMeeting, FollowUpMeeting, Reminder
from pilots.access import scope_for
from pilots.collation import norwegian
from pilots.models import Person, Pilot, active_role
from pilots.selectors import pilots_for_user
from plans.models import Measure

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
        return reminders.filter(recipient__municipality_id=scope.municipality_id)
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
    """The pilot's follow-up meetings and its latest board meetings (four queries)."""
    meetings = list(
        FollowUpMeeting.objects.filter(pilot=pilot)
        .select_related("step")
        .prefetch_related(Prefetch("attendees", Person.objects.order_by("full_name")))
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
