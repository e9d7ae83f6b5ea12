"""A plan submitted, returned or approved: the e-mail to whoever must act on it or know."""

import datetime as dt
from collections.abc import Iterator

from followup.models import Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link, subject_id
from plans.models import PlanTransition
from plans.notifications import plan_transition_recipients, plan_transition_subject

# How long a step's e-mail may still go out: enough for a mail server or broker that is down
# over a long weekend, short enough that nobody is told of a step long overtaken by the next.
LATE_AFTER = dt.timedelta(days=4)


class PlanTransitionMail(ReminderKind):
    """To the programme's lean coordinators and guides when a plan is submitted, to the
    department's leaders when it is returned or approved, leaving out whoever made the step; at
    once, whatever the hour or day, and while the programme's reminders are off, since it answers
    that person's step. One e-mail per step and person, written from the step's own record (its
    actor and comment), so a later step does not change what an earlier e-mail says. Only steps
    recorded since the outbox sends them exist, and none older than `LATE_AFTER` is sent."""

    kind = Reminder.Kind.PLAN_TRANSITION
    follows_programme_policy = False
    # The answer to a step someone just took: sent at once, not held to working days.
    on_working_days = False

    def due(self, ctx: Context) -> Iterator[Due]:
        transitions = PlanTransition.objects.filter(
            at__gt=ctx.now - LATE_AFTER, at__lte=ctx.now
        ).select_related("plan__pilot")
        if ctx.narrow.pilot_id is not None:
            transitions = transitions.filter(plan__pilot_id=ctx.narrow.pilot_id)
        transitions = list(transitions.order_by("at", "pk"))
        if not transitions:
            return
        people = plan_transition_recipients(
            transitions=transitions, today=ctx.today, person_id=ctx.narrow.recipient_id
        )
        for transition in transitions:
            for person_id in people[transition.pk]:
                yield Due(
                    self.kind,
                    person_id,
                    f"plantransition:{transition.pk}",
                    "",
                    transition.plan.pilot_id,
                    transition.at,
                    transition.at + LATE_AFTER,
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        transition = PlanTransition.objects.select_related(
            "plan__pilot__department", "actor__person"
        ).get(pk=subject_id(reminder))
        department = transition.plan.pilot.department.name
        return Email(
            plan_transition_subject(transition.transition, department),
            {
                "transition_template": f"followup/email/plan_{transition.transition}.txt",
                "department": department,
                "actor_name": _actor_name(transition.actor),
                "comment": transition.comment,
                "link": link("plans:plan_detail", pilot_pk=transition.plan.pilot_id),
            },
        )


def _actor_name(user) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.full_name if person is not None else user.get_username()
