"""A follow-up meeting is overdue: the escalation of `FollowUpDue`."""

import datetime as dt

from django.utils.translation import gettext as _

from followup.models import FollowUpPolicy, Reminder
from followup.moments import LONGEST_DAYS_OFF, Holidays, working_moment_after
from followup.reminders.context import Context, Recipient
from followup.reminders.kinds.base import Email
from followup.reminders.kinds.follow_up_due import FollowUpDue


class FollowUpOverdue(FollowUpDue):
    """The same meetings, `follow_up_overdue_days` after their due date, to the programme's lean
    coordinators, if not recorded as held by then. Too late `late_after_days` after its moment."""

    kind = Reminder.Kind.FOLLOW_UP_OVERDUE

    def window(self, ctx: Context) -> tuple[dt.date, dt.date]:
        return (
            ctx.today
            - dt.timedelta(days=ctx.days(lambda p: p.follow_up_overdue_days + p.late_after_days))
            # Widened: an overdue notice falling on days off goes out later.
            - LONGEST_DAYS_OFF,
            ctx.today - dt.timedelta(days=ctx.days(lambda p: p.follow_up_overdue_days, min)),
        )

    def moment(self, policy: FollowUpPolicy, due_on: dt.date, holidays: Holidays) -> dt.datetime:
        overdue_on = due_on + dt.timedelta(days=policy.follow_up_overdue_days)
        return working_moment_after(overdue_on, policy, holidays)

    def too_late(self, policy: FollowUpPolicy, due_on: dt.date, due_at: dt.datetime) -> dt.datetime:
        return due_at + dt.timedelta(days=policy.late_after_days)

    def recipients(
        self, ctx: Context, *, programme_id: int, department_id: int, participants=None
    ) -> list[Recipient]:
        return ctx.coordinators.get(programme_id, [])

    def participants(self, meetings) -> dict[int, list[Recipient]]:
        # The coordinators are told whoever was to take part: no need to read the participants.
        return {}

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        context = self.meeting_context(reminder)
        subject = _("Overdue follow-up meeting: %(department)s") % {
            "department": context["department"]
        }
        return Email(subject, context)
