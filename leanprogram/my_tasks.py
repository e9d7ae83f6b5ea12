"""Reads for "My tasks", the page every person lands on: what is theirs to do or to attend.

Everything starts from the logged-in person and the pilots they may see
(`pilots.selectors.pilots_for_user`), so nothing of another municipality or another department
shows. Each part is one query (or none when the person has nothing of that kind), whatever the
number of measures, meetings or pilots, and each list is capped so the page stays short on a
phone.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import FollowUpMeeting
from pilots.access import Scope, scope_for
from pilots.calendar import local_moment
from pilots.collation import norwegian, norwegian_sort_key
from pilots.models import DepartmentRole, Pilot, ProgrammeRole
from pilots.selectors import pilots_for_user
from plans.models import Measure, ProjectPlan
from plans.selectors import with_latest_note
from training.models import CourseDay, InformationMeeting

# Enough to plan the weeks ahead; the pilot page has the whole schedule.
EVENTS_SHOWN = 8
# Finished and dropped measures shown under the open ones, newest first; the board has them all.
CLOSED_MEASURES_SHOWN = 5
FOLLOW_UPS_SHOWN = 8
# A follow-up meeting further ahead than this is not a task yet; the pilot's page lists them all.
FOLLOW_UP_WEEKS_AHEAD = 8


@dataclass(frozen=True)
class MyEvent:
    """An information meeting or a course day, in Norwegian time."""

    what: str
    pilot: Pilot
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    topic: str = ""
    facilitating: bool = False


@dataclass
class MyTasks:
    events: list[MyEvent] = field(default_factory=list)
    # More events are planned than `events` shows.
    more_events: bool = False
    open_measures: list[Measure] = field(default_factory=list)
    closed_measures: list[Measure] = field(default_factory=list)
    boards: list[Pilot] = field(default_factory=list)
    plans_to_review: list[ProjectPlan] = field(default_factory=list)
    follow_ups: list[FollowUpMeeting] = field(default_factory=list)

    @property
    def has_measures(self) -> bool:
        return bool(self.open_measures or self.closed_measures)


def my_tasks(user, *, today: dt.date, now: dt.datetime) -> MyTasks:
    """Everything "My tasks" shows for `user`; empty parts for a login without a person."""
    scope = scope_for(user)
    if scope.person_id is None:
        return MyTasks()
    pilots = pilots_for_user(user).exclude(phase=Pilot.Phase.CLOSED)
    events, more_events = my_events(scope, pilots=pilots, today=today, now=now)
    open_measures, closed_measures = my_measures(scope, user=user, today=today)
    tasks = MyTasks(
        events=events,
        more_events=more_events,
        open_measures=open_measures,
        closed_measures=closed_measures,
        boards=my_boards(scope, pilots=pilots, today=today),
        follow_ups=my_follow_ups(scope, pilots=pilots, today=today),
    )
    if scope.can_manage_programme():
        tasks.plans_to_review = plans_to_review(pilots)
    return tasks


def _my_pilots(scope: Scope, pilots):
    """The pilots of the departments where the person holds a role (any role)."""
    return pilots.filter(department_id__in=scope.member_department_ids)


def my_events(
    scope: Scope, *, pilots, today: dt.date, now: dt.datetime
) -> tuple[list[MyEvent], bool]:
    """The next information meetings and course days of my departments' pilots, and the course
    days I facilitate; at most `EVENTS_SHOWN`, and whether there are more (two queries)."""
    facilitates = CourseDay.facilitators.through.objects.filter(person_id=scope.person_id)
    events: list[MyEvent] = []
    if scope.member_department_ids:
        meetings = (
            InformationMeeting.objects.filter(pilot__in=_my_pilots(scope, pilots), ends_at__gt=now)
            .select_related("pilot__department")
            .order_by("starts_at", "pk")[: EVENTS_SHOWN + 1]
        )
        for meeting in meetings:
            events.append(
                MyEvent(
                    what=_("Information meeting"),
                    pilot=meeting.pilot,
                    starts_at=timezone.localtime(meeting.starts_at),
                    ends_at=timezone.localtime(meeting.ends_at),
                    place=meeting.place,
                )
            )
    course_days = (
        CourseDay.objects.filter(pilot__in=pilots, date__gte=today)
        .filter(
            Q(pilot__department_id__in=scope.member_department_ids)
            | Q(pk__in=facilitates.values("courseday_id"))
        )
        .annotate(facilitating=Exists(facilitates.filter(courseday_id=OuterRef("pk"))))
        .select_related("pilot__department")
        .order_by("date", "starts_at", "pk")[: EVENTS_SHOWN + 1]
    )
    for day in course_days:
        ends_at = local_moment(day.date, day.ends_at)
        if ends_at <= now:
            continue
        events.append(
            MyEvent(
                what=_("Course day %(number)s") % {"number": day.number},
                pilot=day.pilot,
                starts_at=day.start_moment,
                ends_at=ends_at,
                place=day.place,
                topic=day.topic,
                facilitating=day.facilitating,
            )
        )
    events.sort(
        key=lambda event: (event.starts_at, norwegian_sort_key(event.pilot.department.name))
    )
    return events[:EVENTS_SHOWN], len(events) > EVENTS_SHOWN


def _assignment(person_id: int) -> dict:
    """When the measure became the person's, and who made it so, from the measure's history.

    The first record of the last run of records with the person as owner: the record after
    which nobody else owned it. None where the history does not say (a measure made in a shell
    or by the demo has no author).
    """
    history = Measure.history.model.objects
    someone_else_later = history.filter(
        id=OuterRef("id"), history_date__gt=OuterRef("history_date")
    ).exclude(owner_id=person_id)
    became_mine = (
        history.filter(id=OuterRef("pk"), owner_id=person_id)
        .exclude(Exists(someone_else_later))
        .order_by("history_date", "history_id")
    )
    return {
        "assigned_at": Subquery(became_mine.values("history_date")[:1]),
        "assigned_by": Subquery(became_mine.values("history_user__person__full_name")[:1]),
    }


def my_measures(scope: Scope, *, user, today: dt.date) -> tuple[list[Measure], list[Measure]]:
    """The measures I own: the open ones by deadline (overdue first), then the latest closed.

    Each has `overdue`, its latest progress note (`plans.selectors.with_latest_note`),
    `assigned_at` and `assigned_by` (see `_assignment`), and `leaders`: the department's leaders,
    who stand behind the plan when the history does not name who gave the measure. Only measures
    in a department where I hold a role: who has left a department no longer acts on its plan.
    """
    if not scope.member_department_ids:
        return [], []
    measures = with_latest_note(
        Measure.objects.filter(
            owner_id=scope.person_id,
            plan__pilot__in=pilots_for_user(user),
            plan__pilot__department_id__in=scope.member_department_ids,
        )
        .select_related("plan__pilot__department", "plan__pilot__programme")
        .annotate(**_assignment(scope.person_id))
    )
    open_measures = list(
        measures.open().order_by(F("deadline").asc(nulls_last=True), "title", "pk")
    )
    closed_measures = list(
        measures.exclude(status__in=Measure.OPEN_STATUSES).order_by("-updated_at", "pk")[
            :CLOSED_MEASURES_SHOWN
        ]
    )
    everything = open_measures + closed_measures
    leaders: dict[int, list[str]] = {}
    if any(measure.assigned_by is None for measure in everything):
        rows = (
            DepartmentRole.objects.filter(
                department_id__in={m.plan.pilot.department_id for m in everything},
                role=DepartmentRole.Role.DEPARTMENT_LEADER,
                person__is_active=True,
            )
            .order_by(norwegian("person__full_name"), "pk")
            .values_list("department_id", "person__full_name")
        )
        for department_id, name in rows:
            leaders.setdefault(department_id, []).append(name)
    for measure in everything:
        measure.overdue = measure.is_overdue(today)
        measure.leaders = leaders.get(measure.plan.pilot.department_id, [])
    return open_measures, closed_measures


def my_boards(scope: Scope, *, pilots, today: dt.date) -> list[Pilot]:
    """My departments' pilots with their measures counted by where they stand (one query)."""
    if not scope.member_department_ids:
        return []
    open_measures = Q(plan__measures__status__in=Measure.OPEN_STATUSES)
    return list(
        _my_pilots(scope, pilots)
        .annotate(
            has_plan=Count("plan"),
            measures_open=Count("plan__measures", filter=open_measures),
            measures_overdue=Count(
                "plan__measures", filter=open_measures & Q(plan__measures__deadline__lt=today)
            ),
            measures_done=Count(
                "plan__measures", filter=Q(plan__measures__status=Measure.Status.DONE)
            ),
            measures_mine=Count(
                "plan__measures",
                filter=open_measures & Q(plan__measures__owner_id=scope.person_id),
            ),
        )
        .order_by(norwegian("department__name"), norwegian("programme__name"), "pk")
    )


def my_follow_ups(scope: Scope, *, pilots, today: dt.date) -> list[FollowUpMeeting]:
    """Follow-up meetings not yet held that I take part in: as a participant someone planned, as
    the department's leader or as a lean guide of the programme. Those overdue and those due in
    the next `FOLLOW_UP_WEEKS_AHEAD` weeks (one query)."""
    guided = ProgrammeRole.objects.filter(
        person_id=scope.person_id, role=ProgrammeRole.Role.LEAN_GUIDE
    ).values("programme_id")
    participates = FollowUpMeeting.participants.through.objects.filter(
        followupmeeting_id=OuterRef("pk"), person_id=scope.person_id
    )
    return list(
        FollowUpMeeting.objects.filter(
            pilot__in=pilots,
            held_on__isnull=True,
            due_on__lte=today + dt.timedelta(weeks=FOLLOW_UP_WEEKS_AHEAD),
        )
        .filter(
            Q(Exists(participates))
            | Q(pilot__department_id__in=scope.led_department_ids)
            | Q(pilot__programme_id__in=guided)
        )
        .select_related("pilot__department", "step")
        .order_by("due_on", norwegian("pilot__department__name"), "pk")[:FOLLOW_UPS_SHOWN]
    )


def plans_to_review(pilots) -> list[ProjectPlan]:
    """Submitted plans waiting for the lean coordinator or guide, the longest waiting first."""
    return list(
        ProjectPlan.objects.filter(pilot__in=pilots, status=ProjectPlan.Status.SUBMITTED)
        .select_related("pilot__department")
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")
    )
