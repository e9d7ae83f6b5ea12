"""The project plan is not submitted some days after the last course day, or not resubmitted
some days after it was returned."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from followup.models import FollowUpPolicy, Reminder
from followup.moments import (
    LONGEST_DAYS_OFF,
    Holidays,
    working_day_on_or_after,
    working_moment_after,
)
from followup.reminders.context import Context, Due, Recipient
from followup.reminders.kinds.base import Email, ReminderKind, link
from pilots.calendar import local_date, start_of_local_day
from pilots.collation import norwegian
from pilots.models import DepartmentRole, Person, active_role
from plans.models import ProjectPlan

Status = ProjectPlan.Status
RETURNED_PREFIX = "returned:"


def plan_due_on(
    policy: FollowUpPolicy,
    *,
    last_course_day: dt.date,
    returned_on: dt.date | None,
    holidays: Holidays,
) -> dt.date:
    """The day the plan is due: `plan_submit_days` after the last course day, on a working day.

    A plan returned after that day is due `plan_submit_days` after its return instead, so the
    leader always has the programme's time to fix it; one returned earlier keeps the original
    day, which already left that much room or more.
    """
    due_on = working_day_on_or_after(
        last_course_day + dt.timedelta(days=policy.plan_submit_days), holidays
    )
    if returned_on is not None and returned_on > due_on:
        due_on = working_day_on_or_after(
            returned_on + dt.timedelta(days=policy.plan_submit_days), holidays
        )
    return due_on


class PlanNotSubmitted(ReminderKind):
    """To the department leader on the day the plan is due (`plan_due_on`), at the send hour,
    while the plan is missing, a draft or returned. Stops holding once the plan is submitted (or
    the last course day moves); too late `late_after_days` after its moment. A returned plan is
    chased afresh for each return (the period names the day it was returned)."""

    kind = Reminder.Kind.PLAN_NOT_SUBMITTED

    def moment(self, policy: FollowUpPolicy, due_on: dt.date, holidays: Holidays) -> dt.datetime:
        return working_moment_after(due_on, policy, holidays)

    def recipients(self, ctx: Context, *, programme_id: int, department_id: int) -> list[Recipient]:
        return ctx.leaders.get(department_id, [])

    def due(self, ctx: Context) -> Iterator[Due]:
        # Generous bounds for the query; each plan's own moment is worked out below.
        reach = ctx.days(lambda p: p.plan_submit_days + p.plan_escalation_days + p.late_after_days)
        earliest = ctx.today - dt.timedelta(days=reach) - LONGEST_DAYS_OFF
        latest = ctx.today - dt.timedelta(days=ctx.days(lambda p: p.plan_submit_days, min))
        returned_since = start_of_local_day(earliest)
        rows = (
            ctx.pilots()
            .filter(Q(plan__isnull=True) | Q(plan__status__in=(Status.DRAFT, Status.RETURNED)))
            .annotate(last_course_day=Max("course_days__date"))
            .filter(
                Q(last_course_day__gte=earliest)
                | Q(plan__status=Status.RETURNED, plan__returned_at__gte=returned_since),
                last_course_day__lte=latest,
            )
            .values_list(
                "pk",
                "programme_id",
                "department_id",
                "last_course_day",
                "plan__status",
                "plan__returned_at",
            )
        )
        for pilot_id, programme_id, department_id, last_course_day, status, returned_at in rows:
            policy = ctx.policy(programme_id)
            holidays = ctx.holidays(programme_id)
            returned_on = (
                local_date(returned_at) if status == Status.RETURNED and returned_at else None
            )
            due_on = plan_due_on(
                policy, last_course_day=last_course_day, returned_on=returned_on, holidays=holidays
            )
            due_at = self.moment(policy, due_on, holidays)
            if due_at > ctx.now:
                continue
            period = (
                f"{RETURNED_PREFIX}{returned_on.isoformat()}"
                if returned_on
                else last_course_day.isoformat()
            )
            people = self.recipients(ctx, programme_id=programme_id, department_id=department_id)
            for person in people:
                yield Due(
                    self.kind,
                    person.person_id,
                    f"plan:{pilot_id}",
                    period,
                    pilot_id,
                    due_at,
                    due_at + dt.timedelta(days=policy.late_after_days),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        context = self.plan_context(reminder, ctx)
        if context["returned_on"]:
            subject = _("The returned project plan for %(department)s is not resubmitted yet")
        else:
            subject = _("The project plan for %(department)s is not submitted yet")
        return Email(subject % {"department": context["department"]}, context)

    def plan_context(self, reminder: Reminder, ctx: Context) -> dict:
        pilot = reminder.pilot
        policy = ctx.policy(pilot.programme_id)
        last_course_day = pilot.course_days.aggregate(last=Max("date"))["last"]
        returned_on = None
        if reminder.period.startswith(RETURNED_PREFIX):
            returned_on = dt.date.fromisoformat(reminder.period.removeprefix(RETURNED_PREFIX))
        due_on = plan_due_on(
            policy,
            last_course_day=last_course_day,
            returned_on=returned_on,
            holidays=ctx.holidays(pilot.programme_id),
        )
        leaders = Person.objects.filter(
            active_role(ctx.today, prefix="department_roles__"),
            department_roles__department_id=pilot.department_id,
            department_roles__role=DepartmentRole.Role.DEPARTMENT_LEADER,
        ).order_by(norwegian("full_name"), "pk")
        return {
            "department": pilot.department.name,
            "last_course_day": last_course_day,
            "returned_on": returned_on,
            "due_on": due_on,
            "days_late": (ctx.today - due_on).days,
            "leaders": [leader.full_name for leader in leaders],
            "link": link("plans:plan_detail", pilot_pk=pilot.pk),
        }
