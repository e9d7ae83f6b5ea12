"""The project plan is not submitted some days after the last course day."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from followup.models import FollowUpPolicy, Reminder
from followup.reminders.context import Context, Due, Recipient
from followup.reminders.kinds.base import Email, ReminderKind, link
from pilots.calendar import at_local
from pilots.models import DepartmentRole, Person, active_role
from plans.models import ProjectPlan


class PlanNotSubmitted(ReminderKind):
    """To the department leader, `plan_submit_days` after the pilot's last course day, at the
    send hour, while the plan is missing or a draft. Stops holding once the plan is submitted
    (or the last course day moves); too late `late_after_days` after its moment."""

    kind = Reminder.Kind.PLAN_NOT_SUBMITTED

    def days_after_last_course_day(self, policy: FollowUpPolicy) -> int:
        return policy.plan_submit_days

    def recipients(self, ctx: Context, *, programme_id: int, department_id: int) -> list[Recipient]:
        return ctx.leaders.get(department_id, [])

    def due(self, ctx: Context) -> Iterator[Due]:
        days_after = self.days_after_last_course_day
        earliest = ctx.today - dt.timedelta(
            days=ctx.days(lambda p: days_after(p) + p.late_after_days)
        )
        latest = ctx.today - dt.timedelta(days=ctx.days(days_after, min))
        rows = (
            ctx.pilots()
            .filter(Q(plan__isnull=True) | Q(plan__status=ProjectPlan.Status.DRAFT))
            .annotate(last_course_day=Max("course_days__date"))
            .filter(last_course_day__gte=earliest, last_course_day__lte=latest)
            .values_list("pk", "programme_id", "department_id", "last_course_day")
        )
        for pilot_id, programme_id, department_id, last_course_day in rows:
            policy = ctx.policy(programme_id)
            due_at = at_local(
                last_course_day + dt.timedelta(days=days_after(policy)), policy.send_hour
            )
            if due_at > ctx.now:
                continue
            people = self.recipients(ctx, programme_id=programme_id, department_id=department_id)
            for person in people:
                yield Due(
                    self.kind,
                    person.person_id,
                    f"plan:{pilot_id}",
                    last_course_day.isoformat(),
                    pilot_id,
                    due_at,
                    due_at + dt.timedelta(days=policy.late_after_days),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        subject = _("The project plan for %(department)s is not submitted yet") % {
            "department": reminder.pilot.department.name
        }
        return Email(subject, self.plan_context(reminder, ctx))

    def plan_context(self, reminder: Reminder, ctx: Context) -> dict:
        policy = ctx.policy(reminder.pilot.programme_id)
        last_course_day = dt.date.fromisoformat(reminder.period)
        due_on = last_course_day + dt.timedelta(days=policy.plan_submit_days)
        leaders = Person.objects.filter(
            active_role(ctx.today, prefix="department_roles__"),
            department_roles__department_id=reminder.pilot.department_id,
            department_roles__role=DepartmentRole.Role.DEPARTMENT_LEADER,
        ).order_by("full_name")
        return {
            "department": reminder.pilot.department.name,
            "last_course_day": last_course_day,
            "due_on": due_on,
            "days_late": (ctx.today - due_on).days,
            "leaders": [leader.full_name for leader in leaders],
            "link": link("plans:plan_detail", pilot_pk=reminder.pilot_id),
        }
