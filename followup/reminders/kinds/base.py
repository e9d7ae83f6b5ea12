"""What every reminder kind is, and the few things more than one kind writes the same way."""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from followup.models import Reminder
from followup.moments import weekly_digest_day
from followup.reminders.context import Context, Due
from pilots.calendar import (
    OSLO,
    at_local,
    iso_week_key,
    local_date,
    local_moment,
    start_of_local_day,
)
from pilots.invitations import invitation_for_mail, invitation_links_redact, invitation_url
from pilots.models import Invitation, Person
from training.models import CourseDay, InformationMeeting

# Generous enough for any run of weekends and public holidays around the notice days.
CALENDAR_DAYS_PER_WORKING_DAY = 3


@dataclass
class Email:
    """A reminder's subject and its template's context, written in the recipient's language."""

    subject: str
    context: dict


class ReminderKind(ABC):
    """One kind of reminder, whole.

    `due()` says who gets it, from when (`due_at`) and until when it may still go out
    (`expires_at`); the sweep stores what it yields, and the send task asks it again, narrowed to
    the one reminder, right before sending, so a reminder that stopped holding in the meantime
    is cancelled instead of sent. `write()` gives the e-mail's subject and the context of its
    template, `followup/email/<kind>.txt`, and runs in the recipient's language.

    `due()` must read with a fixed number of queries whatever the number of pilots.
    """

    kind: ClassVar[str]
    # A reminder of a programme obeys its follow-up policy: none are due while the programme's
    # reminders are off. A direct answer to someone's action (an invitation) does not.
    follows_programme_policy: ClassVar[bool] = True
    # Mail goes out on the municipality's working days from the send hour (`moments`); the sweep
    # holds back what falls due outside them. An answer to someone's action is exempt.
    on_working_days: ClassVar[bool] = True

    @property
    def template(self) -> str:
        return f"followup/email/{self.kind}.txt"

    @abstractmethod
    def due(self, ctx: Context) -> Iterator[Due]:
        """Every reminder of this kind whose moment has come at `ctx.now` and that still holds."""

    @abstractmethod
    def write(self, reminder: Reminder, ctx: Context) -> Email:
        """The e-mail's subject and template context, in the active language."""

    def holds(self, reminder: Reminder, ctx: Context) -> bool:
        """Whether the reminder would still be due now: the same computation the sweep made."""
        return any(due.key == reminder.key for due in self.due(ctx))

    def redact(self, body: str) -> str:
        """The mail as the outbox keeps it, for coordinators to read: no link in it may open
        anyone's login."""
        return invitation_links_redact(body)

    def invitation_for(self, recipient: Person, ctx: Context) -> Invitation | None:
        """The invitation whose link stands in for every link of the mail (see `link`)."""
        return invitation_for_mail(person=recipient, now=ctx.now)

    def message(self, reminder: Reminder, ctx: Context) -> EmailMessage:
        """The reminder's e-mail in the recipient's language (Content-Language says which)."""
        recipient = reminder.recipient
        invitation = _mail_invitation.set(self.invitation_for(recipient, ctx))
        try:
            with translation.override(recipient.language):
                email = self.write(reminder, ctx)
                context = {"recipient": recipient, "reminder": reminder, **email.context}
                message = EmailMessage(
                    subject=email.subject,
                    body=render_to_string(self.template, context),
                    to=[recipient.email],
                    headers={
                        "Content-Language": translation.get_language(),
                        # RFC 3834: out-of-office replies should not answer a machine.
                        "Auto-Submitted": "auto-generated",
                    },
                )
                return self.complete(message, reminder=reminder, context=context)
        finally:
            _mail_invitation.reset(invitation)

    def complete(self, message: EmailMessage, *, reminder: Reminder, context: dict) -> EmailMessage:
        """The message as sent: a kind that sends more than text (a calendar invitation's
        parts and attachment) returns its own, made from this one. Runs in the recipient's
        language, with the template's `context`."""
        return message


# The invitation of the recipient of the mail being written, set by `ReminderKind.message`.
# A context variable rather than an argument: every kind calls `link` deep inside its own
# `write`, and "a link in a mail works for whoever gets it" is one rule that should not need
# each kind (and each kind added later) to remember to pass the recipient along.
_mail_invitation: ContextVar[Invitation | None] = ContextVar("mail_invitation", default=None)


def link(name: str, **kwargs) -> str:
    """The address of a page, for a mail: for a recipient without a login, their invitation,
    which leads on to the page once they have made one."""
    path = reverse(name, kwargs=kwargs)
    invitation = _mail_invitation.get()
    if invitation is not None:
        return invitation_url(invitation, next_path=path)
    return settings.SITE_URL + path


def subject_id(reminder: Reminder) -> int:
    """The id in a subject key such as `courseday:12`."""
    return int(reminder.subject_key.split(":", 1)[1])


def event_details(reminder: Reminder) -> dict:
    """The course day or information meeting a reminder is about, as both event kinds show it."""
    if reminder.subject_key.startswith("courseday:"):
        day = CourseDay.objects.get(pk=subject_id(reminder))
        return {
            "is_course_day": True,
            "number": day.number,
            "date": day.date,
            "starts_at": local_moment(day.date, day.starts_at),
            "ends_at": local_moment(day.date, day.ends_at),
            "place": day.place,
            "topic": day.topic,
        }
    meeting = InformationMeeting.objects.get(pk=subject_id(reminder))
    return {
        "is_course_day": False,
        "date": local_date(meeting.starts_at),
        "starts_at": meeting.starts_at.astimezone(OSLO),
        "ends_at": meeting.ends_at.astimezone(OSLO),
        "place": meeting.place,
        "topic": "",
    }


def weekly(
    ctx: Context, kind: str, subject_key: str, programmes_of: dict[int, set[int]]
) -> Iterator[Due]:
    """One digest per person this ISO week, due on the earliest digest day of their programmes
    (`moments.weekly_digest_day`: the policy's weekday or the next working day) at the send
    hour, and too late once that day is over. A digest is of its day: one that did not go out
    then (nothing to tell yet, or no sweep ran) waits for next week's rather than arriving on
    some other day of the week."""
    week = iso_week_key(ctx.today)
    moments: dict[int, dt.datetime | None] = {}
    for pid in {pid for programme_ids in programmes_of.values() for pid in programme_ids}:
        policy = ctx.policy(pid)
        day = weekly_digest_day(ctx.today, policy.digest_weekday, ctx.holidays(pid))
        moments[pid] = None if day is None else at_local(day, policy.send_hour)
    for person_id, programme_ids in programmes_of.items():
        candidates = [moments[pid] for pid in programme_ids if moments[pid] is not None]
        if not candidates:
            continue
        due_at = min(candidates)
        if due_at <= ctx.now and local_date(due_at) == ctx.today:
            expires_at = start_of_local_day(ctx.today + dt.timedelta(days=1))
            yield Due(kind, person_id, subject_key, week, None, due_at, expires_at)
