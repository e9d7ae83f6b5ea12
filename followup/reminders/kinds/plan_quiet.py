"""A project plan is going quiet during follow-up."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Max
from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.moments import working_moment_after
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link
from pilots.calendar import local_date
from pilots.models import Pilot


class PlanQuiet(ReminderKind):
    """To the department leader, when neither the plan nor its measures have changed for
    `quiet_plan_days` while the pilot is in follow-up; due at the send hour of that day. A plan
    that wakes up and goes quiet again gets a new reminder (the period is the last change). Too
    late `late_after_days` after its moment."""

    kind = Reminder.Kind.PLAN_QUIET

    def due(self, ctx: Context) -> Iterator[Due]:
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
            due_at = working_moment_after(
                since + dt.timedelta(days=policy.quiet_plan_days),
                policy,
                ctx.holidays(programme_id),
            )
            if due_at > ctx.now:
                continue
            for leader in ctx.leaders.get(department_id, []):
                yield Due(
                    self.kind,
                    leader.person_id,
                    f"plan:{pilot_id}",
                    since.isoformat(),
                    pilot_id,
                    due_at,
                    due_at + dt.timedelta(days=policy.late_after_days),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        department = reminder.pilot.department.name
        subject = _("The project plan for %(department)s is going quiet") % {
            "department": department
        }
        since = dt.date.fromisoformat(reminder.period)
        return Email(
            subject,
            {
                "department": department,
                "since": since,
                "days": (ctx.today - since).days,
                "link": link("plans:plan_board", pilot_pk=reminder.pilot_id),
            },
        )
