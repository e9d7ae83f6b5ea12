"""Writes a person makes in follow-up: holding a follow-up meeting, logging, correcting and
deleting a board meeting, sending a failed reminder again.

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
    """Record that a follow-up meeting was held: when, what was said, who came.

    It may be held before it was due, never later than today (Oslo's date).
    """
    scope = scope_for(user)
    scope.require(scope.can_record_follow_up(meeting.pilot))
    if held_on > timezone.localdate():
        raise ValidationError(
            {"held_on": _("A meeting cannot be recorded as held on a day still to come.")},
            code="future",
        )
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


def _board_meeting_check(
    *, pilot: Pilot, held_on: dt.date, measures_touched: list[Measure], exclude_pk: int | None
) -> None:
    if any(measure.plan.pilot_id != pilot.pk for measure in measures_touched):
        raise ValidationError({"measures_touched": _("Only the pilot's own measures count.")})
    same_day = BoardMeeting.objects.filter(pilot=pilot, held_on=held_on).exclude(pk=exclude_pk)
    if same_day.exists():
        raise ValidationError(
            {"held_on": _("A board meeting is already logged for this day.")}, code="unique"
        )


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
    _board_meeting_check(
        pilot=pilot, held_on=held_on, measures_touched=measures_touched, exclude_pk=None
    )
    meeting = BoardMeeting(
        pilot=pilot, held_on=held_on, minutes=minutes, present_count=present_count
    )
    meeting.full_clean()
    meeting._history_user = user
    meeting.save()
    meeting.measures_touched.set(measures_touched)
    return meeting


@transaction.atomic
def board_meeting_update(
    *,
    user,
    meeting: BoardMeeting,
    held_on: dt.date,
    minutes: str,
    present_count: int,
    measures_touched: Iterable[Measure],
) -> BoardMeeting:
    """Correct a logged board meeting; its history keeps what it said before, and who changed it."""
    pilot = meeting.pilot
    scope = scope_for(user)
    scope.require(scope.can_log_board_meeting(pilot))
    measures_touched = list(measures_touched)
    _board_meeting_check(
        pilot=pilot, held_on=held_on, measures_touched=measures_touched, exclude_pk=meeting.pk
    )
    meeting.held_on = held_on
    meeting.minutes = minutes
    meeting.present_count = present_count
    meeting.full_clean()
    meeting._history_user = user
    meeting.save(update_fields=["held_on", "minutes", "present_count"])
    meeting.measures_touched.set(measures_touched)
    return meeting


@transaction.atomic
def board_meeting_delete(*, user, meeting: BoardMeeting) -> None:
    """Delete a board meeting logged by mistake; its history keeps it, and who deleted it."""
    scope = scope_for(user)
    scope.require(scope.can_log_board_meeting(meeting.pilot))
    meeting._history_user = user
    meeting.delete()


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
