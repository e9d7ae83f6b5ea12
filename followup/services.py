"""Writes a person makes in follow-up: holding a follow-up meeting, logging a board meeting,
sending a failed reminder again.

Each takes the acting `user` and refuses what `pilots.access` says they may not do, whoever calls
it. Planning the follow-up meetings themselves is `followup.cadence`'s.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup.models import BoardMeeting, FollowUpMeeting, Reminder
from followup.reminders.claims import Claim, reminders_claim
from pilots.access import scope_for
from pilots.models import Person, Pilot
from plans.models import Measure


@transaction.atomic
def follow_up_meeting_hold(
    *,
    user,
    meeting: FollowUpMeeting,
    held_on: dt.date,
    notes: str,
    attendees: Iterable[Person],
) -> FollowUpMeeting:
    """Record that a follow-up meeting was held: when, what was said, who came."""
    scope = scope_for(user)
    scope.require(scope.can_record_follow_up(meeting.pilot))
    attendees = list(attendees)
    municipality_id = meeting.pilot.department.municipality_id
    if any(person.municipality_id != municipality_id for person in attendees):
        raise ValidationError({"attendees": _("Everyone must belong to the pilot's municipality.")})
    meeting.held_on = held_on
    meeting.notes = notes
    meeting.full_clean()
    meeting.save(update_fields=["held_on", "notes"])
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def board_meeting_log(
    *,
    user,
    pilot: Pilot,
    held_on: dt.date,
    minutes: str,
    present_count: int,
    measures_touched: Iterable[Measure],
) -> BoardMeeting:
    """Log one weekly board meeting of the pilot (one per day)."""
    scope = scope_for(user)
    scope.require(scope.can_log_board_meeting(pilot))
    measures_touched = list(measures_touched)
    if any(measure.plan.pilot_id != pilot.pk for measure in measures_touched):
        raise ValidationError({"measures_touched": _("Only the pilot's own measures count.")})
    if BoardMeeting.objects.filter(pilot=pilot, held_on=held_on).exists():
        raise ValidationError(
            {"held_on": _("A board meeting is already logged for this day.")}, code="unique"
        )
    meeting = BoardMeeting(
        pilot=pilot, held_on=held_on, minutes=minutes, present_count=present_count
    )
    meeting.full_clean()
    meeting.save()
    meeting.measures_touched.set(measures_touched)
    return meeting


class ResendRefused(ValidationError):
    """The reminder cannot be sent again (not failed, or its moment has passed)."""


def reminder_resend(*, user, reminder: Reminder, now: dt.datetime | None = None) -> Claim:
    """Give a failed reminder a fresh set of tries and queue it now.

    The send task still checks that it holds, so a plan submitted since is not chased. If the
    broker is down, the reminder stays pending and the next sweep queues it. `now` stands in for
    the clock (tests), for the send task too.
    """
    scope = scope_for(user)
    scope.require(scope.can_resend_reminder(municipality_id=reminder.recipient.municipality_id))
    as_of, now = now, now or timezone.now()
    with transaction.atomic():
        if reminder.expires_at is not None and reminder.expires_at <= now:
            raise ResendRefused(_("Too late: the moment of this reminder has passed."))
        updated = Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.FAILED).update(
            status=Reminder.Status.PENDING,
            attempts=0,
            last_error="",
            next_attempt_at=None,
            claim_token=None,
            claimed_at=None,
        )
        if not updated:
            raise ResendRefused(_("Only a failed reminder can be sent again."))
    return reminders_claim(now=now, only=Q(pk=reminder.pk), as_of=as_of)
