"""What is due: every reminder kind as a function of the database and a moment.

Each function yields the reminders that are due at `now` (their moment has come) and still
hold; the sweep stores the ones that are not too late, and the send task asks the same function
again, narrowed to one pilot or one person, before it sends. One computation for both is what
makes "the plan was submitted in the meantime" and "she was marked present" cancel a reminder
instead of sending a wrong one.

Every function reads with a fixed number of queries, whatever the number of pilots.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Max, Q, QuerySet

from followup.models import FollowUpMeeting, FollowUpPolicy, Reminder
from pilots.calendar import (
    at_local,
    end_of_week,
    iso_week_key,
    local_date,
    local_moment,
    start_of_local_day,
    week_day,
    working_days_after,
    working_days_before,
)
from pilots.models import DepartmentRole, Pilot, ProgrammeRole
from plans.models import Measure, ProjectPlan
from training.models import Attendance, CourseDay, InformationMeeting

Kind = Reminder.Kind
OPEN_MEASURE_STATUSES = (Measure.Status.NOT_STARTED, Measure.Status.IN_PROGRESS)
# Generous enough for any run of weekends and public holidays around the notice days.
CALENDAR_DAYS_PER_WORKING_DAY = 3


@dataclass(frozen=True)
class Due:
    kind: str
    recipient_id: int
    subject_key: str
    period: str
    pilot_id: int | None
    due_at: dt.datetime
    expires_at: dt.datetime

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.kind, self.recipient_id, self.subject_key, self.period)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    receives_digests: bool


@dataclass(frozen=True)
class Narrow:
    """Limits a computation to one pilot and/or one person (the send task's re-check)."""

    pilot_id: int | None = None
    recipient_id: int | None = None


class Context:
    """The moment, the policies and the people, read once and shared by every kind."""

    def __init__(
        self, *, now: dt.datetime, policies: dict[int, FollowUpPolicy], narrow: Narrow = Narrow()
    ):
        self.now = now
        self.today = local_date(now)
        self.narrow = narrow
        self.policies = {pid: p for pid, p in policies.items() if p.reminders_enabled}

    def policy(self, programme_id: int) -> FollowUpPolicy:
        return self.policies[programme_id]

    def pilots(self) -> QuerySet[Pilot]:
        """Pilots whose reminders are on: their programme sends reminders, they are not closed."""
        pilots = Pilot.objects.filter(programme_id__in=list(self.policies)).exclude(
            phase=Pilot.Phase.CLOSED
        )
        if self.narrow.pilot_id is not None:
            pilots = pilots.filter(pk=self.narrow.pilot_id)
        return pilots

    def days(self, of: Callable[[FollowUpPolicy], int], pick: Callable = max) -> int:
        """The longest (or shortest) of a number over all policies, to bound a query's window."""
        return pick((of(policy) for policy in self.policies.values()), default=0)

    def _for_recipient(self, queryset: QuerySet) -> QuerySet:
        # Whoever is not the narrowed-to person is filtered out later anyway; do it in SQL.
        if self.narrow.recipient_id is not None:
            return queryset.filter(person_id=self.narrow.recipient_id)
        return queryset

    @cached_property
    def leaders(self) -> dict[int, list[Recipient]]:
        """Department leaders by department, for every department of a pilot in reach."""
        rows = self._for_recipient(
            DepartmentRole.objects.filter(
                role=DepartmentRole.Role.DEPARTMENT_LEADER,
                department_id__in=self.pilots().values("department_id"),
                person__is_active=True,
            )
        ).values_list("department_id", "person_id", "person__receives_digests")
        return _grouped(rows)

    def _programme_people(self, role: str) -> dict[int, list[Recipient]]:
        rows = self._for_recipient(
            ProgrammeRole.objects.filter(
                role=role, programme_id__in=list(self.policies), person__is_active=True
            )
        ).values_list("programme_id", "person_id", "person__receives_digests")
        return _grouped(rows)

    @cached_property
    def coordinators(self) -> dict[int, list[Recipient]]:
        return self._programme_people(ProgrammeRole.Role.LEAN_COORDINATOR)

    @cached_property
    def guides(self) -> dict[int, list[Recipient]]:
        return self._programme_people(ProgrammeRole.Role.LEAN_GUIDE)

    def members(self, department_ids: set[int]) -> dict[int, list[Recipient]]:
        """Everyone with a role in each department: the staff, their representatives, leaders."""
        rows = (
            self._for_recipient(
                DepartmentRole.objects.filter(
                    department_id__in=department_ids, person__is_active=True
                )
            )
            .values_list("department_id", "person_id", "person__receives_digests")
            .distinct()
            .order_by()
        )
        return _grouped(rows)


def _grouped(rows) -> dict[int, list[Recipient]]:
    grouped: dict[int, list[Recipient]] = defaultdict(list)
    for group_id, person_id, receives_digests in rows:
        recipient = Recipient(person_id, receives_digests)
        if recipient not in grouped[group_id]:
            grouped[group_id].append(recipient)
    return grouped


# --- 1. An information meeting or a course day is coming: the department's staff. -------------


def events_coming(ctx: Context) -> Iterator[Due]:
    horizon = ctx.today + dt.timedelta(
        days=ctx.days(lambda p: p.event_notice_working_days) * CALENDAR_DAYS_PER_WORKING_DAY + 7
    )
    pilots = ctx.pilots()
    events = []  # (subject key, pilot, programme, department, local date, start)
    course_days = list(
        CourseDay.objects.filter(pilot__in=pilots, date__gte=ctx.today, date__lte=horizon)
        .values_list(
            "pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "date", "starts_at"
        )
        .order_by()
    )
    for pk, pilot_id, programme_id, department_id, day, starts_at in course_days:
        start = local_moment(day, starts_at)
        events.append((f"courseday:{pk}", pilot_id, programme_id, department_id, day, start))
    meetings = list(
        InformationMeeting.objects.filter(
            pilot__in=pilots,
            starts_at__gte=start_of_local_day(ctx.today),
            starts_at__lt=start_of_local_day(horizon + dt.timedelta(days=1)),
        )
        .values_list("pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "starts_at")
        .order_by()
    )
    for pk, pilot_id, programme_id, department_id, starts_at in meetings:
        day = local_date(starts_at)
        events.append((f"meeting:{pk}", pilot_id, programme_id, department_id, day, starts_at))
    if not events:
        return

    # Someone who already said they will not come (absent or excused in advance) is not reminded.
    declined = Attendance.objects.filter(
        Q(course_day__in=[row[0] for row in course_days])
        | Q(information_meeting__in=[row[0] for row in meetings]),
        status__in=(Attendance.Status.ABSENT, Attendance.Status.EXCUSED),
    ).values_list("course_day_id", "information_meeting_id", "person_id")
    not_coming = {
        (f"courseday:{course_day_id}" if course_day_id else f"meeting:{meeting_id}", person_id)
        for course_day_id, meeting_id, person_id in declined
    }

    members = ctx.members({event[3] for event in events})
    for subject_key, pilot_id, programme_id, department_id, day, start in events:
        policy = ctx.policy(programme_id)
        notice_day = working_days_before(day, policy.event_notice_working_days)
        due_at = at_local(notice_day, policy.send_hour)
        if due_at > ctx.now:
            continue
        for member in members.get(department_id, []):
            if (subject_key, member.person_id) in not_coming:
                continue
            yield Due(
                Kind.EVENT_COMING,
                member.person_id,
                subject_key,
                day.isoformat(),
                pilot_id,
                due_at,
                # Not sent once the meeting has started: a late reminder is a wrong one.
                max(start, due_at),
            )


# --- 1b. Recorded absent from a meeting or course day: the person, on how to catch up. ---------


def absences(ctx: Context) -> Iterator[Due]:
    lookback = dt.timedelta(
        days=ctx.days(
            lambda p: (
                p.absence_notice_working_days * CALENDAR_DAYS_PER_WORKING_DAY + p.late_after_days
            )
        )
        + 7
    )
    since = ctx.today - lookback
    absent = Attendance.objects.filter(status=Attendance.Status.ABSENT, person__is_active=True)
    if ctx.narrow.recipient_id is not None:
        absent = absent.filter(person_id=ctx.narrow.recipient_id)
    pilots = ctx.pilots()
    rows = []
    for pk, pilot_id, programme_id, day, person_id in absent.filter(
        course_day__pilot__in=pilots, course_day__date__gte=since, course_day__date__lte=ctx.today
    ).values_list(
        "course_day_id",
        "course_day__pilot_id",
        "course_day__pilot__programme_id",
        "course_day__date",
        "person_id",
    ):
        rows.append((f"courseday:{pk}", pilot_id, programme_id, day, person_id))
    for pk, pilot_id, programme_id, starts_at, person_id in absent.filter(
        information_meeting__pilot__in=pilots,
        information_meeting__starts_at__gte=start_of_local_day(since),
        information_meeting__starts_at__lt=start_of_local_day(ctx.today + dt.timedelta(days=1)),
    ).values_list(
        "information_meeting_id",
        "information_meeting__pilot_id",
        "information_meeting__pilot__programme_id",
        "information_meeting__starts_at",
        "person_id",
    ):
        rows.append((f"meeting:{pk}", pilot_id, programme_id, local_date(starts_at), person_id))
    for subject_key, pilot_id, programme_id, day, person_id in rows:
        policy = ctx.policy(programme_id)
        due_at = at_local(
            working_days_after(day, policy.absence_notice_working_days), policy.send_hour
        )
        if due_at <= ctx.now:
            yield Due(
                Kind.ABSENCE,
                person_id,
                subject_key,
                day.isoformat(),
                pilot_id,
                due_at,
                due_at + dt.timedelta(days=policy.late_after_days),
            )


# --- 2. The plan is not submitted N days after the last course day; M days later, escalate. ----


def plans_not_submitted(ctx: Context) -> Iterator[Due]:
    earliest = ctx.today - dt.timedelta(
        days=ctx.days(lambda p: p.plan_submit_days + p.plan_escalation_days + p.late_after_days)
    )
    latest = ctx.today - dt.timedelta(days=ctx.days(lambda p: p.plan_submit_days, min))
    rows = (
        ctx.pilots()
        .filter(Q(plan__isnull=True) | Q(plan__status=ProjectPlan.Status.DRAFT))
        .annotate(last_course_day=Max("course_days__date"))
        .filter(last_course_day__gte=earliest, last_course_day__lte=latest)
        .values_list("pk", "programme_id", "department_id", "last_course_day")
    )
    for pilot_id, programme_id, department_id, last_course_day in rows:
        policy = ctx.policy(programme_id)
        late = dt.timedelta(days=policy.late_after_days)
        remind_on = last_course_day + dt.timedelta(days=policy.plan_submit_days)
        escalate_on = remind_on + dt.timedelta(days=policy.plan_escalation_days)
        subject_key, period = f"plan:{pilot_id}", last_course_day.isoformat()
        due_at = at_local(remind_on, policy.send_hour)
        if due_at <= ctx.now:
            for leader in ctx.leaders.get(department_id, []):
                yield Due(
                    Kind.PLAN_NOT_SUBMITTED,
                    leader.person_id,
                    subject_key,
                    period,
                    pilot_id,
                    due_at,
                    due_at + late,
                )
        due_at = at_local(escalate_on, policy.send_hour)
        if due_at <= ctx.now:
            # Escalations ignore the digest opt-out: nobody may opt out of being told.
            for coordinator in ctx.coordinators.get(programme_id, []):
                yield Due(
                    Kind.PLAN_NOT_SUBMITTED_ESCALATION,
                    coordinator.person_id,
                    subject_key,
                    period,
                    pilot_id,
                    due_at,
                    due_at + late,
                )


# --- 3. A follow-up meeting is due in 7 days (leader, guide); overdue (coordinator). -----------


def follow_up_meetings(ctx: Context) -> Iterator[Due]:
    earliest = ctx.today - dt.timedelta(
        days=ctx.days(lambda p: p.follow_up_overdue_days + p.late_after_days)
    )
    latest = ctx.today + dt.timedelta(days=ctx.days(lambda p: p.follow_up_notice_days))
    meetings = FollowUpMeeting.objects.filter(
        pilot__in=ctx.pilots(), held_on__isnull=True, due_on__gte=earliest, due_on__lte=latest
    ).values_list("pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "due_on")
    for pk, pilot_id, programme_id, department_id, due_on in meetings:
        policy = ctx.policy(programme_id)
        subject_key, period = f"followup:{pk}", due_on.isoformat()
        notice_at = at_local(
            due_on - dt.timedelta(days=policy.follow_up_notice_days), policy.send_hour
        )
        if notice_at <= ctx.now:
            people = ctx.leaders.get(department_id, []) + ctx.guides.get(programme_id, [])
            for person in people:
                yield Due(
                    Kind.FOLLOW_UP_DUE,
                    person.person_id,
                    subject_key,
                    period,
                    pilot_id,
                    notice_at,
                    max(start_of_local_day(due_on), notice_at),
                )
        overdue_at = at_local(
            due_on + dt.timedelta(days=policy.follow_up_overdue_days), policy.send_hour
        )
        if overdue_at <= ctx.now:
            for coordinator in ctx.coordinators.get(programme_id, []):
                yield Due(
                    Kind.FOLLOW_UP_OVERDUE,
                    coordinator.person_id,
                    subject_key,
                    period,
                    pilot_id,
                    overdue_at,
                    overdue_at + dt.timedelta(days=policy.late_after_days),
                )


# --- 4. Measures past their deadline: one weekly digest per owner, copied to the leader. -------


def measures_overdue(ctx: Context) -> Iterator[Due]:
    measures = Measure.objects.filter(
        plan__pilot__in=ctx.pilots(), status__in=OPEN_MEASURE_STATUSES, deadline__lt=ctx.today
    )
    if ctx.narrow.recipient_id is not None:
        led = DepartmentRole.objects.filter(
            person_id=ctx.narrow.recipient_id, role=DepartmentRole.Role.DEPARTMENT_LEADER
        ).values("department_id")
        measures = measures.filter(
            Q(owner_id=ctx.narrow.recipient_id) | Q(plan__pilot__department_id__in=led)
        )
    rows = (
        measures.values_list(
            "owner_id",
            "owner__is_active",
            "owner__receives_digests",
            "plan__pilot__programme_id",
            "plan__pilot__department_id",
        )
        .distinct()
        .order_by()
    )
    programmes_of: dict[int, set[int]] = defaultdict(set)
    for owner_id, active, receives_digests, programme_id, department_id in rows:
        if owner_id is not None and active and receives_digests:
            programmes_of[owner_id].add(programme_id)
        for leader in ctx.leaders.get(department_id, []):
            if leader.receives_digests:
                programmes_of[leader.person_id].add(programme_id)
    yield from _weekly(ctx, Kind.MEASURES_OVERDUE, "measures", programmes_of)


def _weekly(
    ctx: Context, kind: str, subject_key: str, programmes_of: dict[int, set[int]]
) -> Iterator[Due]:
    """One digest per person this ISO week, due on the earliest digest day of their programmes."""
    week, expires_at = iso_week_key(ctx.today), end_of_week(ctx.today)
    for person_id, programme_ids in programmes_of.items():
        due_at = min(
            at_local(week_day(ctx.today, ctx.policy(pid).digest_weekday), ctx.policy(pid).send_hour)
            for pid in programme_ids
        )
        if due_at <= ctx.now:
            yield Due(kind, person_id, subject_key, week, None, due_at, expires_at)


# --- 5. A plan not updated for 30 days during follow-up: the department leader. ----------------


def plans_going_quiet(ctx: Context) -> Iterator[Due]:
    quiet_since = ctx.now - dt.timedelta(days=ctx.days(lambda p: p.quiet_plan_days, min))
    rows = (
        ctx.pilots()
        .filter(phase=Pilot.Phase.FOLLOW_UP, plan__updated_at__lte=quiet_since)
        .annotate(measures_changed_at=Max("plan__measures__updated_at"))
        .values_list(
            "pk", "programme_id", "department_id", "plan__updated_at", "measures_changed_at"
        )
    )
    for pilot_id, programme_id, department_id, plan_changed_at, measures_changed_at in rows:
        policy = ctx.policy(programme_id)
        last_change = max(plan_changed_at, measures_changed_at or plan_changed_at)
        since = local_date(last_change)
        due_at = at_local(since + dt.timedelta(days=policy.quiet_plan_days), policy.send_hour)
        if due_at > ctx.now:
            continue
        for leader in ctx.leaders.get(department_id, []):
            yield Due(
                Kind.PLAN_QUIET,
                leader.person_id,
                f"plan:{pilot_id}",
                # A plan that wakes up and goes quiet again gets a new reminder.
                since.isoformat(),
                pilot_id,
                due_at,
                due_at + dt.timedelta(days=policy.late_after_days),
            )


# --- 6. The weekly digest for lean coordinators. ------------------------------------------------


def coordinator_digests(ctx: Context) -> Iterator[Due]:
    # Programmes under way: at least one pilot has its course days scheduled.
    programme_ids = set(
        ctx.pilots()
        .filter(course_days__isnull=False)
        .values_list("programme_id", flat=True)
        .distinct()
        .order_by()
    )
    for programme_id in programme_ids:
        coordinators = [c for c in ctx.coordinators.get(programme_id, []) if c.receives_digests]
        yield from _weekly(
            ctx,
            Kind.COORDINATOR_DIGEST,
            f"programme:{programme_id}",
            {c.person_id: {programme_id} for c in coordinators},
        )


# Which function decides which kinds.
SOURCES: dict[Callable[[Context], Iterator[Due]], tuple[str, ...]] = {
    events_coming: (Kind.EVENT_COMING,),
    absences: (Kind.ABSENCE,),
    plans_not_submitted: (Kind.PLAN_NOT_SUBMITTED, Kind.PLAN_NOT_SUBMITTED_ESCALATION),
    follow_up_meetings: (Kind.FOLLOW_UP_DUE, Kind.FOLLOW_UP_OVERDUE),
    measures_overdue: (Kind.MEASURES_OVERDUE,),
    plans_going_quiet: (Kind.PLAN_QUIET,),
    coordinator_digests: (Kind.COORDINATOR_DIGEST,),
}


def due_reminders(ctx: Context, *, kinds: set[str] | None = None) -> dict[tuple, Due]:
    """Every reminder due at ctx.now, by unique key (a person who is both leader and guide
    is reminded once)."""
    found: dict[tuple, Due] = {}
    if not ctx.policies:
        return found
    for source, source_kinds in SOURCES.items():
        if kinds is not None and not kinds.intersection(source_kinds):
            continue
        for due in source(ctx):
            if ctx.narrow.recipient_id is not None and due.recipient_id != ctx.narrow.recipient_id:
                continue
            found.setdefault(due.key, due)
    return found
