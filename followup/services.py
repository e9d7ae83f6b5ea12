"""Writes a person makes in follow-up: planning and holding a follow-up meeting (its decisions,
its actions as measures of the plan, its open items), logging, correcting and deleting a board
meeting, sending a failed reminder again or cancelling one.

Each takes the acting `user` and refuses what `pilots.access` says they may not do, whoever calls
it. Planning the follow-up meetings themselves is `followup.cadence`'s.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from followup.models import BoardMeeting, FollowUpItem, FollowUpMeeting, Reminder
from followup.reminders.claims import Claim, reminders_claim
from followup.reminders.kinds import password_reset
from pilots.access import scope_for
from pilots.invitations import reminders_sweep_request
from pilots.models import Person, Pilot
from plans.models import Measure
from plans.services import plan_lock_or_start


def _same_municipality(pilot: Pilot, people: list[Person], field: str) -> None:
    municipality_id = pilot.department.municipality_id
    if any(person.municipality_id != municipality_id for person in people):
        raise ValidationError({field: _("Everyone must belong to the pilot's municipality.")})


@transaction.atomic
def follow_up_meeting_plan(
    *,
    user,
    meeting: FollowUpMeeting,
    planned_on: dt.date,
    starts_at: dt.time | None,
    ends_at: dt.time | None,
    place: str,
    participants: Iterable[Person],
) -> FollowUpMeeting:
    """Plan a follow-up meeting: the day, the time, the place and who takes part.

    The participants are the ones its reminder goes to from then on.
    """
    scope = scope_for(user)
    scope.require(scope.can_record_follow_up(meeting.pilot))
    participants = list(participants)
    _same_municipality(meeting.pilot, participants, "participants")
    place = (place or "").strip()
    was = (
        FollowUpMeeting.objects.filter(pk=meeting.pk)
        .values_list("planned_on", "starts_at", "ends_at", "place")
        .first()
    )
    # A planned meeting whose day, time or place changes: calendars replace the invitation.
    if was and was[0] is not None and was != (planned_on, starts_at, ends_at, place):
        meeting.calendar_sequence += 1
    meeting.planned_on = planned_on
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.place = place
    meeting.full_clean(exclude=["pilot", "step"])
    meeting.save(update_fields=["planned_on", "starts_at", "ends_at", "place", "calendar_sequence"])
    meeting.participants.set(participants)
    return meeting


@dataclass(frozen=True)
class ActionInput:
    """An action agreed at a follow-up meeting: it becomes a measure of the plan."""

    text: str
    owner: Person | None = None
    deadline: dt.date | None = None


def follow_up_meeting_hold(
    *,
    user,
    meeting: FollowUpMeeting,
    held_on: dt.date,
    notes: str,
    attendees: Iterable[Person],
    decisions: Sequence[str] = (),
    actions: Sequence[ActionInput] = (),
    open_items: Sequence[str] = (),
    done_items: Iterable[FollowUpItem] = (),
) -> FollowUpMeeting:
    """Record that a follow-up meeting was held: when, what was said, who came, what was
    decided, what is to be done and what stays open.

    It may be held before it was due, never later than today (Oslo's date). Each action becomes
    a measure of the pilot's plan (started if it has none), linked to its item; `done_items` are
    earlier items (or this meeting's) now done. Recording again adds items; it never removes
    those recorded before.
    """
    pilot = meeting.pilot
    scope = scope_for(user)
    scope.require(scope.can_record_follow_up(pilot))
    if actions:
        scope.require(scope.can_edit_plan(pilot))
    if held_on > timezone.localdate():
        raise ValidationError(
            {"held_on": _("A meeting cannot be recorded as held on a day still to come.")},
            code="future",
        )
    attendees = list(attendees)
    _same_municipality(pilot, attendees, "attendees")
    done_items = list(done_items)
    if any(item.meeting.pilot_id != pilot.pk for item in done_items):
        raise ValidationError({"done_items": _("Only the pilot's own items can be marked done.")})
    texts = [(FollowUpItem.Kind.DECISION, t) for t in decisions] + [
        (FollowUpItem.Kind.OPEN, t) for t in open_items
    ]
    with transaction.atomic():
        # The plan row first, as every plan write, then the meeting and its items.
        plan = plan_lock_or_start(pilot=pilot, user=user)[0] if actions else None
        FollowUpMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
        meeting.held_on = held_on
        meeting.notes = notes
        meeting.full_clean()
        meeting.save(update_fields=["held_on", "notes"])
        meeting.attendees.set(attendees)
        items = [
            FollowUpItem(meeting=meeting, kind=kind, text=text.strip())
            for kind, text in texts
            if text.strip()
        ]
        for item in items:
            item.full_clean(exclude=["meeting", "measure", "done_at_meeting"])
        if actions:
            items += _actions_to_measures(user=user, plan=plan, meeting=meeting, actions=actions)
        FollowUpItem.objects.bulk_create(items)
        for item in done_items:
            item.done = True
            item.done_at_meeting = None if item.meeting_id == meeting.pk else meeting
        FollowUpItem.objects.bulk_update(done_items, ["done", "done_at_meeting"])
    return meeting


def _actions_to_measures(*, user, plan, meeting: FollowUpMeeting, actions) -> list[FollowUpItem]:
    description = gettext("Agreed at the follow-up meeting %(meeting)s, %(date)s.") % {
        "meeting": meeting.display_label(),
        "date": date_format(meeting.held_on, "SHORT_DATE_FORMAT"),
    }
    items = []
    for action in actions:
        measure = Measure(
            plan=plan,
            title=action.text.strip(),
            description=description,
            owner=action.owner,
            deadline=action.deadline,
        )
        try:
            measure.full_clean(exclude=["plan"], validate_constraints=False)
        except ValidationError as exc:
            raise ValidationError(
                [
                    gettext("Action “%(action)s”: %(error)s")
                    % {"action": action.text.strip(), "error": message}
                    for message in exc.messages
                ],
                code="action",
            ) from exc
        measure._history_user = user
        measure.save()
        item = FollowUpItem(
            meeting=meeting, kind=FollowUpItem.Kind.ACTION, text=measure.title, measure=measure
        )
        item.full_clean(exclude=["meeting", "measure", "done_at_meeting"])
        items.append(item)
    # A plan edit form opened before sees a conflict, as after a suggestion became a measure.
    plan.version += 1
    plan._history_user = user
    plan.save(update_fields=["version", "updated_at"])
    return items


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


def password_reset_mail_request(*, email: str, now: dt.datetime | None = None) -> None:
    """Queue a reset mail (`kinds.password_reset`) to every active login whose person has this
    address; nobody's action is checked, since whoever has the mailbox may ask.

    The same few queries whether or not there is one, and the sweep is asked for in both cases,
    so neither the time taken nor the broker traffic tells an address with a login from one
    without. A login without a person (an administrator made with createsuperuser) has nobody
    to mail through the outbox: it sets its password with `manage.py changepassword`.
    """
    now = now or timezone.now()
    people = Person.objects.filter(
        email__iexact=email.strip(), is_active=True, user__is_active=True
    ).exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
    window = now.replace(
        minute=now.minute - now.minute % password_reset.WINDOW_MINUTES, second=0, microsecond=0
    )
    with transaction.atomic():
        # ignore_conflicts: a second request in the same window is the same row, not a new mail.
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=Reminder.Kind.PASSWORD_RESET,
                    recipient_id=person_id,
                    municipality_id=municipality_id,
                    subject_key=f"user:{user_id}",
                    period=window.strftime("%Y%m%d%H%M"),
                    due_at=now,
                    expires_at=now + password_reset.SEND_WITHIN,
                )
                for person_id, municipality_id, user_id in people.values_list(
                    "pk", "municipality_id", "user_id"
                )
            ],
            ignore_conflicts=True,
        )
        transaction.on_commit(reminders_sweep_request)


def reminder_cancel(*, user, reminder: Reminder) -> bool:
    """Cancel a reminder that has not gone out (pending, or failed): it is never sent.

    A conditional update, so a reminder a sweep has just claimed or sent stays as it is; returns
    whether this call cancelled it.
    """
    scope = scope_for(user)
    scope.require(scope.can_resend_reminder(municipality_id=reminder.recipient.municipality_id))
    return bool(
        Reminder.objects.filter(
            pk=reminder.pk, status__in=[Reminder.Status.PENDING, Reminder.Status.FAILED]
        ).update(
            status=Reminder.Status.CANCELLED,
            cancel_reason=Reminder.CancelReason.BY_HAND,
            claim_token=None,
            next_attempt_at=None,
        )
    )
