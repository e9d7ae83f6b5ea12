"""Every reminder kind, in one list, and the check that it agrees with `Reminder.Kind`.

The sweep and the send task know kinds only through `KINDS`. A new kind is a module in
`followup/reminders/kinds/` with its class, its template `followup/email/<kind>.txt`, a line in
the list below and a value in `Reminder.Kind`.

Why `Reminder.Kind` stays the model's choices instead of being derived from this list: the value
is what rows store, and rows outlive the code that wrote them, so the vocabulary belongs to the
model and its migrations, where removing a kind that rows still carry is a visible decision. The
outbox filter and the admin read the labels from there, and the model need not import the kinds
(which import the model). `kinds_check`, a Django system check run by `manage.py check`,
`runserver`, `migrate` and every Celery worker at start-up, fails when the two disagree or a kind
has no template.
"""

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from followup.models import Reminder
from followup.reminders.kinds.absence import Absence
from followup.reminders.kinds.base import ReminderKind
from followup.reminders.kinds.calendar_cancellation import CalendarCancellation
from followup.reminders.kinds.calendar_invitation import CalendarInvitation
from followup.reminders.kinds.coordinator_digest import CoordinatorDigest
from followup.reminders.kinds.event_coming import EventComing
from followup.reminders.kinds.event_moved import EventMoved
from followup.reminders.kinds.follow_up_due import FollowUpDue
from followup.reminders.kinds.follow_up_overdue import FollowUpOverdue
from followup.reminders.kinds.invitation import InvitationMail
from followup.reminders.kinds.measures_overdue import MeasuresOverdue
from followup.reminders.kinds.password_reset import PasswordResetMail
from followup.reminders.kinds.plan_not_submitted import PlanNotSubmitted
from followup.reminders.kinds.plan_not_submitted_escalation import PlanNotSubmittedEscalation
from followup.reminders.kinds.plan_quiet import PlanQuiet
from followup.reminders.kinds.plan_transition import PlanTransitionMail

KINDS: dict[str, ReminderKind] = {
    kind.kind: kind()
    for kind in (
        EventComing,
        Absence,
        PlanNotSubmitted,
        PlanNotSubmittedEscalation,
        FollowUpDue,
        FollowUpOverdue,
        MeasuresOverdue,
        PlanQuiet,
        CoordinatorDigest,
        InvitationMail,
        PlanTransitionMail,
        EventMoved,
        PasswordResetMail,
        CalendarInvitation,
        CalendarCancellation,
    )
}


def kinds_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for value in sorted(set(Reminder.Kind.values) - KINDS.keys()):
        errors.append(
            checks.Error(
                f"Reminder.Kind {value!r} has no reminder kind in KINDS.",
                hint="Add its class to followup/reminders/registry.py.",
                obj=Reminder,
                id="followup.E001",
            )
        )
    for value in sorted(KINDS.keys() - set(Reminder.Kind.values)):
        errors.append(
            checks.Error(
                f"The reminder kind {value!r} is not a value of Reminder.Kind.",
                hint="Add it to Reminder.Kind and make a migration.",
                obj=Reminder,
                id="followup.E002",
            )
        )
    for kind in KINDS.values():
        try:
            get_template(kind.template)
        except TemplateDoesNotExist:
            errors.append(
                checks.Error(
                    f"The reminder kind {kind.kind!r} has no template {kind.template}.",
                    obj=Reminder,
                    id="followup.E003",
                )
            )
    return errors
