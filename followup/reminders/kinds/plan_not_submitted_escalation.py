"""Still no project plan: the escalation of `PlanNotSubmitted`."""

import datetime as dt

from django.utils.translation import gettext as _

from followup.models import FollowUpPolicy, Reminder
from followup.moments import Holidays, working_moment_after
from followup.reminders.context import Context, Recipient
from followup.reminders.kinds.base import Email
from followup.reminders.kinds.plan_not_submitted import PlanNotSubmitted


class PlanNotSubmittedEscalation(PlanNotSubmitted):
    """The same rule as the leader's reminder, `plan_escalation_days` after the day the plan was
    due (on a working day), to the programme's lean coordinators; for draft and returned plans
    alike. Escalations ignore the digest opt-out: nobody may opt out of being told."""

    kind = Reminder.Kind.PLAN_NOT_SUBMITTED_ESCALATION

    def moment(self, policy: FollowUpPolicy, due_on: dt.date, holidays: Holidays) -> dt.datetime:
        return working_moment_after(
            due_on + dt.timedelta(days=policy.plan_escalation_days), policy, holidays
        )

    def recipients(self, ctx: Context, *, programme_id: int, department_id: int) -> list[Recipient]:
        return ctx.coordinators.get(programme_id, [])

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        context = self.plan_context(reminder, ctx)
        if context["returned_on"]:
            subject = _("Still no resubmitted project plan from %(department)s")
        else:
            subject = _("Still no project plan from %(department)s")
        return Email(subject % {"department": context["department"]}, context)
