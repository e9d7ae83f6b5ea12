"""Still no project plan: the escalation of `PlanNotSubmitted`."""

from django.utils.translation import gettext as _

from followup.models import FollowUpPolicy, Reminder
from followup.reminders.context import Context, Recipient
from followup.reminders.kinds.base import Email
from followup.reminders.kinds.plan_not_submitted import PlanNotSubmitted


class PlanNotSubmittedEscalation(PlanNotSubmitted):
    """The same rule as the leader's reminder, `plan_escalation_days` later, to the programme's
    lean coordinators. Escalations ignore the digest opt-out: nobody may opt out of being told."""

    kind = Reminder.Kind.PLAN_NOT_SUBMITTED_ESCALATION

    def days_after_last_course_day(self, policy: FollowUpPolicy) -> int:
        return policy.plan_submit_days + policy.plan_escalation_days

    def recipients(self, ctx: Context, *, programme_id: int, department_id: int) -> list[Recipient]:
        return ctx.coordinators.get(programme_id, [])

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        subject = _("Still no project plan from %(department)s") % {
            "department": reminder.pilot.department.name
        }
        return Email(subject, self.plan_context(reminder, ctx))
