"""Calendar cancellations: an invitation that went out is taken back (METHOD:CANCEL) when its
event is cancelled or the person is no longer expected at it (they left the department, chose
another session, were taken off a follow-up meeting).

Derived from the invitations sent, so nothing needs to be kept when an event is deleted: the
UID comes from the subject key, the SEQUENCE is one above the highest the person was sent (and
above the event's own), and the time comes from the event if it still exists, else from the
change the training app recorded when it was cancelled (`training.EventChange`), else from the
last invitation's expiry, which is when the event began. One cancellation per person, event and
version; too late once the event has begun.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from followup import ical
from followup.event_people import (
    COURSE_DAY,
    FOLLOW_UP_MEETING,
    INFORMATION_MEETING,
    EventRef,
    event_people,
)
from followup.models import FollowUpMeeting, Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link
from followup.reminders.kinds.calendar_invitation import calendar_message, event_item, when
from pilots.calendar import local_moment, start_of_local_day
from training.models import CourseDay, EventChange, InformationMeeting


@dataclass
class _Sent:
    """The newest invitation one person was sent of one event."""

    sequence: int
    pilot_id: int | None
    expires_at: dt.datetime


class CalendarCancellation(ReminderKind):
    kind = Reminder.Kind.CALENDAR_CANCELLATION
    # Whoever has the event in their calendar must have it taken out before it happens, whatever
    # the day (as `event_moved`).
    on_working_days = False

    def due(self, ctx: Context) -> Iterator[Due]:
        sent = self._sent(ctx)
        if not sent:
            return
        events = self._events({key for _person, key in sent})
        people = event_people(
            [ref for ref, _start, _seq in events.values()],
            today=ctx.today,
            recipient_id=ctx.narrow.recipient_id,
        )
        due_at = start_of_local_day(ctx.today)
        for (person_id, key), invitation in sent.items():
            event = events.get(key)
            if event is None:
                start, sequence = invitation.expires_at, invitation.sequence
            else:
                _ref, start, event_sequence = event
                if person_id in people[key]:
                    continue  # still expected: the invitation stands
                sequence = max(invitation.sequence, event_sequence)
            if start <= ctx.now:
                continue
            yield Due(
                self.kind, person_id, key, str(sequence + 1), invitation.pilot_id, due_at, start
            )

    def _sent(self, ctx: Context) -> dict[tuple[int, str], _Sent]:
        """Invitations sent of events still to come, the newest per person and event."""
        rows = Reminder.objects.filter(
            kind=Reminder.Kind.CALENDAR_INVITATION,
            status=Reminder.Status.SENT,
            expires_at__gt=ctx.now,
        )
        if ctx.narrow.recipient_id is not None:
            rows = rows.filter(recipient_id=ctx.narrow.recipient_id)
        if ctx.narrow.pilot_id is not None:
            rows = rows.filter(pilot_id=ctx.narrow.pilot_id)
        sent: dict[tuple[int, str], _Sent] = {}
        for person_id, key, period, pilot_id, expires_at in rows.values_list(
            "recipient_id", "subject_key", "period", "pilot_id", "expires_at"
        ).order_by():
            newest = sent.get((person_id, key))
            if newest is None or int(period) > newest.sequence:
                sent[(person_id, key)] = _Sent(int(period), pilot_id, expires_at)
        return sent

    def _events(self, keys: set[str]) -> dict[str, tuple[EventRef, dt.datetime, int]]:
        """The events that still exist, with their start and sequence: three queries."""
        ids: dict[str, list[int]] = {COURSE_DAY: [], INFORMATION_MEETING: [], FOLLOW_UP_MEETING: []}
        for key in keys:
            kind, pk = key.split(":", 1)
            ids[kind].append(int(pk))
        found = {}
        for pk, pilot_id, department_id, day, starts_at, sequence in CourseDay.objects.filter(
            pk__in=ids[COURSE_DAY]
        ).values_list(
            "pk", "pilot_id", "pilot__department_id", "date", "starts_at", "calendar_sequence"
        ):
            ref = EventRef(COURSE_DAY, pk, pilot_id, department_id)
            found[ref.key] = (ref, local_moment(day, starts_at), sequence)
        for pk, pilot_id, department_id, start, sequence in InformationMeeting.objects.filter(
            pk__in=ids[INFORMATION_MEETING]
        ).values_list("pk", "pilot_id", "pilot__department_id", "starts_at", "calendar_sequence"):
            ref = EventRef(INFORMATION_MEETING, pk, pilot_id, department_id)
            found[ref.key] = (ref, start, sequence)
        for row in FollowUpMeeting.objects.filter(pk__in=ids[FOLLOW_UP_MEETING]).values_list(
            "pk",
            "pilot_id",
            "pilot__department_id",
            "planned_on",
            "starts_at",
            "held_on",
            "calendar_sequence",
        ):
            pk, pilot_id, department_id, day, starts_at, held_on, sequence = row
            if day is None or held_on is not None:
                continue  # no longer planned, or already held: nothing to take back
            ref = EventRef(FOLLOW_UP_MEETING, pk, pilot_id, department_id)
            found[ref.key] = (ref, local_moment(day, starts_at or dt.time(0)), sequence)
        return found

    def item(self, reminder: Reminder) -> tuple[ical.Item, bool]:
        """The cancelled entry, and whether the event itself is gone (rather than the person
        taken off it)."""
        item = event_item(reminder.subject_key)
        gone = item is None
        if gone:
            item = _gone_item(reminder)
        item.sequence = int(reminder.period)
        item.cancelled = True
        recipient = reminder.recipient
        item.attendees = [ical.Attendee(recipient.email, recipient.full_name)]
        return item, gone

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        item, gone = self.item(reminder)
        return Email(
            _("Cancelled: %(event)s") % {"event": item.summary},
            {
                "summary": item.summary,
                "gone": gone,
                "place": item.location,
                **when(item),
                "link": link("programme:pilot_detail", pk=reminder.pilot_id)
                if reminder.pilot_id
                else "",
                "ics": ical.calendar_build([item], method=ical.Method.CANCEL, now=ctx.now),
            },
        )

    def complete(self, message: EmailMessage, *, reminder: Reminder, context: dict):
        html = render_to_string(self.template.replace(".txt", ".html"), context)
        return calendar_message(message, html=html, ics=context["ics"], method=ical.Method.CANCEL)


def _gone_item(reminder: Reminder) -> ical.Item:
    """A deleted event as it was: from the change recorded when it was cancelled, or else from
    the last invitation (whose expiry was the event's start)."""
    kind, pk = reminder.subject_key.split(":", 1)
    department = reminder.pilot.department.name if reminder.pilot_id else ""
    change = (
        EventChange.objects.filter(event_kind=kind, event_id=pk, cancelled=True).last()
        if kind in (COURSE_DAY, INFORMATION_MEETING)
        else None
    )
    if change is not None:
        start, end, place = change.old_starts_at, change.old_ends_at, change.old_place
    else:
        start = (
            Reminder.objects.filter(
                kind=Reminder.Kind.CALENDAR_INVITATION,
                recipient_id=reminder.recipient_id,
                subject_key=reminder.subject_key,
            )
            .order_by("-expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        end, place = start + dt.timedelta(hours=1), ""
    if kind == COURSE_DAY:
        summary = _("Course day %(number)s: %(department)s") % {
            "number": change.number if change else "",
            "department": department,
        }
    elif kind == INFORMATION_MEETING:
        summary = _("Information meeting: %(department)s") % {"department": department}
    else:
        summary = _("Follow-up meeting: %(department)s") % {"department": department}
    return ical.Item(
        uid=ical.event_uid(reminder.subject_key),
        summary=summary,
        start=start,
        end=end,
        location=place,
    )
