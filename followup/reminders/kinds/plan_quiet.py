"""A project plan is going quiet during follow-up."""

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext as _

from followup.activity import activity_annotate, last_activity
from followup.models import Reminder
from followup.moments import working_moment_after
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link
from pilots.models import Pilot


class PlanQuiet(ReminderKind):
    """To the department leader, when the pilot has had no activity (`followup.activity`) for
    `quiet_plan_days` while the pilot is in follow-up; due at the send hour of that day. A plan
    that wakes up and goes quiet again gets a new reminder (the period is the last change). Too
    late `late_after_days` after its moment."""

    kind = Reminder.Kind.PLAN_QUIET

    def due(self, ctx: Context) -> Iterator[Due]:
        pilots = activity_annotate(
            ctx.pilots().filter(phase=Pilot.Phase.FOLLOW_UP, plan__isnull=False)
        ).only("pk", "programme_id", "department_id")
        for pilot in pilots:
            policy = ctx.policy(pilot.programme_id)
            pilot_id, department_id = pilot.pk, pilot.department_id
            # What counts as a change is `followup.activity`'s one definition (a board meeting
            # or a measurement counts, not only an edit of the plan's text).
            activity = last_activity(pilot, today=ctx.today)
            if activity is None:
                continue
            since = activity.on
            due_at = working_moment_after(
                since + dt.timedelta(days=policy.quiet_plan_days),
                policy,
                ctx.holidays(pilot.programme_id),
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
