"""Who is expected at which event: the people a calendar invitation goes to.

The same people the app already tells of an event (`reminders.kinds.event_moved`): at a course
day the department's members today and its facilitators; at an information meeting the
department's members, less whoever chose another session of it; at a planned follow-up meeting
its participants. Subject keys name the events as the outbox does (`courseday:12`,
`meeting:3`, `followup:7`).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from followup.models import FollowUpMeeting
from pilots.models import DepartmentRole
from training.models import CourseDay, SessionChoice

COURSE_DAY = "courseday"
INFORMATION_MEETING = "meeting"
FOLLOW_UP_MEETING = "followup"


def subject_key(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


@dataclass(frozen=True)
class EventRef:
    """An event with what deciding its people needs."""

    kind: str
    pk: int
    pilot_id: int
    department_id: int

    @property
    def key(self) -> str:
        return subject_key(self.kind, self.pk)


def event_people(
    events: list[EventRef], *, today: dt.date, recipient_id: int | None = None
) -> dict[str, set[int]]:
    """The people expected at each event, by subject key: four queries at most, whatever the
    number of events. `recipient_id` narrows the answer to one person."""
    people: dict[str, set[int]] = {event.key: set() for event in events}
    if not events:
        return people
    by_kind: dict[str, list[EventRef]] = defaultdict(list)
    for event in events:
        by_kind[event.kind].append(event)

    trained = by_kind[COURSE_DAY] + by_kind[INFORMATION_MEETING]
    members: dict[int, set[int]] = defaultdict(set)
    if trained:
        roles = DepartmentRole.objects.active(today).filter(
            department_id__in={event.department_id for event in trained}, person__is_active=True
        )
        if recipient_id is not None:
            roles = roles.filter(person_id=recipient_id)
        for department_id, person_id in roles.values_list("department_id", "person_id").order_by():
            members[department_id].add(person_id)

    facilitating: dict[int, set[int]] = defaultdict(set)
    if by_kind[COURSE_DAY]:
        rows = CourseDay.facilitators.through.objects.filter(
            courseday_id__in=[event.pk for event in by_kind[COURSE_DAY]], person__is_active=True
        )
        if recipient_id is not None:
            rows = rows.filter(person_id=recipient_id)
        for course_day_id, person_id in rows.values_list("courseday_id", "person_id"):
            facilitating[course_day_id].add(person_id)
    for event in by_kind[COURSE_DAY]:
        people[event.key] = members[event.department_id] | facilitating[event.pk]

    if by_kind[INFORMATION_MEETING]:
        choices = SessionChoice.objects.filter(
            pilot_id__in={event.pilot_id for event in by_kind[INFORMATION_MEETING]}
        )
        if recipient_id is not None:
            choices = choices.filter(person_id=recipient_id)
        chosen = {
            (pilot_id, person_id): meeting_id
            for pilot_id, person_id, meeting_id in choices.values_list(
                "pilot_id", "person_id", "meeting_id"
            )
        }
        for event in by_kind[INFORMATION_MEETING]:
            # Sessions of one meeting: who chose another session is not coming to this one.
            people[event.key] = {
                person_id
                for person_id in members[event.department_id]
                if chosen.get((event.pilot_id, person_id), event.pk) == event.pk
            }

    if by_kind[FOLLOW_UP_MEETING]:
        rows = FollowUpMeeting.participants.through.objects.filter(
            followupmeeting_id__in=[event.pk for event in by_kind[FOLLOW_UP_MEETING]],
            person__is_active=True,
        )
        if recipient_id is not None:
            rows = rows.filter(person_id=recipient_id)
        for meeting_id, person_id in rows.values_list("followupmeeting_id", "person_id"):
            people[subject_key(FOLLOW_UP_MEETING, meeting_id)].add(person_id)
    return people
