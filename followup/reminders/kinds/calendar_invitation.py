"""Calendar invitations: information meetings, course days and planned follow-up meetings land
in the participants' calendars (Outlook, Google, Apple) as real invitations.

One invitation per person, event and version of the event: the period is the event's
`calendar_sequence`, which the services raise when its time or place changes, so a move is a new
row (and a new mail, an update that replaces the old entry by its UID) while running the sweep
again finds the row it stored. An invitation not yet sent when the event moved no longer holds
and is cancelled; the new version goes instead. Taking someone off an event, or cancelling it,
is `calendar_cancellation`'s.

Who is invited: `followup.event_people`. Each mail names its recipient as the one ATTENDEE: an
invitation to a whole department would otherwise hand every colleague's address to everyone.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.mail import EmailMessage, EmailMultiAlternatives
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
from pilots.calendar import OSLO, local_moment, start_of_local_day
from training.models import CourseDay, InformationMeeting

# How far ahead invitations go out: a quarter is enough to plan shifts around, and keeps the
# sweep's work to the events near in time rather than every event ever scheduled.
INVITE_AHEAD = dt.timedelta(days=92)


@dataclass(frozen=True)
class Upcoming:
    ref: EventRef
    start: dt.datetime
    sequence: int


class CalendarMessage(EmailMultiAlternatives):
    """An e-mail with a `text/calendar; method=…` part beside its text and HTML (what Outlook
    and Google show as an invitation with its buttons) and the same calendar as an .ics file."""

    def __init__(self, *args, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.method = method

    def _create_mime_attachment(self, content, mimetype):
        part = super()._create_mime_attachment(content, mimetype)
        if mimetype == "text/calendar":
            part.set_param("method", self.method)
        return part


def calendar_message(
    message: EmailMessage, *, html: str, ics: bytes, method: str
) -> CalendarMessage:
    mail = CalendarMessage(
        subject=message.subject,
        body=message.body,
        to=message.to,
        headers=dict(message.extra_headers),
        method=method,
    )
    mail.attach_alternative(html, "text/html")
    mail.attach_alternative(ics.decode(), "text/calendar")
    # application/ics, not text/calendar: clients that act on a text/calendar part would see
    # the invitation twice.
    mail.attach("invite.ics", ics, "application/ics")
    return mail


def upcoming_events(ctx: Context) -> list[Upcoming]:
    """Events of the pilots in reach that have not begun and begin within INVITE_AHEAD: three
    queries."""
    pilots = ctx.pilots()
    until = ctx.now + INVITE_AHEAD
    found = []
    for pk, pilot_id, department_id, day, starts_at, sequence in CourseDay.objects.filter(
        pilot__in=pilots, date__gte=ctx.today, date__lte=until.date()
    ).values_list(
        "pk", "pilot_id", "pilot__department_id", "date", "starts_at", "calendar_sequence"
    ):
        start = local_moment(day, starts_at)
        found.append(Upcoming(EventRef(COURSE_DAY, pk, pilot_id, department_id), start, sequence))
    for pk, pilot_id, department_id, start, sequence in InformationMeeting.objects.filter(
        pilot__in=pilots, starts_at__gt=ctx.now, starts_at__lte=until
    ).values_list("pk", "pilot_id", "pilot__department_id", "starts_at", "calendar_sequence"):
        ref = EventRef(INFORMATION_MEETING, pk, pilot_id, department_id)
        found.append(Upcoming(ref, start, sequence))
    for pk, pilot_id, department_id, day, starts_at, sequence in FollowUpMeeting.objects.filter(
        pilot__in=pilots,
        planned_on__gte=ctx.today,
        planned_on__lte=until.date(),
        held_on__isnull=True,
    ).values_list(
        "pk", "pilot_id", "pilot__department_id", "planned_on", "starts_at", "calendar_sequence"
    ):
        start = local_moment(day, starts_at or dt.time(0))
        ref = EventRef(FOLLOW_UP_MEETING, pk, pilot_id, department_id)
        found.append(Upcoming(ref, start, sequence))
    return [event for event in found if ctx.now < event.start <= until]


def event_item(subject_key: str) -> ical.Item | None:
    """The event as calendars get it, or None when it no longer exists."""
    kind, pk = subject_key.split(":", 1)
    if kind == COURSE_DAY:
        day = CourseDay.objects.select_related("pilot__department").filter(pk=pk).first()
        return ical.course_day_item(day) if day else None
    if kind == INFORMATION_MEETING:
        meeting = (
            InformationMeeting.objects.select_related("pilot__department").filter(pk=pk).first()
        )
        return ical.information_meeting_item(meeting) if meeting else None
    meeting = (
        FollowUpMeeting.objects.select_related("pilot__department", "step").filter(pk=pk).first()
    )
    return ical.follow_up_meeting_item(meeting) if meeting else None


def when(item: ical.Item) -> dict:
    """The event's time for the mail's text, in Norway's time."""
    if isinstance(item.start, dt.datetime):
        return {
            "date": item.start.astimezone(OSLO).date(),
            "starts_at": item.start.astimezone(OSLO),
            "ends_at": item.end.astimezone(OSLO) if item.end else None,
        }
    return {"date": item.start, "starts_at": None, "ends_at": None}


class CalendarInvitation(ReminderKind):
    """To each person expected at an event that has not begun, from the first working moment
    after it is set (or, for an event set far ahead, once it is INVITE_AHEAD away), like the
    programme's other mail: an invitation is no news that cannot wait for the morning. An update
    after a move waits the same way; the people in a course day or information meeting are told
    of the move at once by `event_moved`. Too late once the event begins."""

    kind = Reminder.Kind.CALENDAR_INVITATION

    def due(self, ctx: Context) -> Iterator[Due]:
        events = upcoming_events(ctx)
        people = event_people(
            [event.ref for event in events], today=ctx.today, recipient_id=ctx.narrow.recipient_id
        )
        # A fixed moment within the day, so that the row the sweep stored and the one worked
        # out again later carry the same due_at.
        due_at = start_of_local_day(ctx.today)
        for event in events:
            for person_id in sorted(people[event.ref.key]):
                yield Due(
                    self.kind,
                    person_id,
                    event.ref.key,
                    str(event.sequence),
                    event.ref.pilot_id,
                    due_at,
                    event.start,
                )

    def item(self, reminder: Reminder) -> ical.Item:
        item = event_item(reminder.subject_key)
        recipient = reminder.recipient
        item.attendees = [ical.Attendee(recipient.email, recipient.full_name)]
        return item

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        item = self.item(reminder)
        updated = int(reminder.period) > 0
        if updated:
            subject = _("Updated invitation: %(event)s") % {"event": item.summary}
        else:
            subject = _("Invitation: %(event)s") % {"event": item.summary}
        return Email(
            subject,
            {
                "summary": item.summary,
                "updated": updated,
                "place": item.location,
                **when(item),
                "link": link("programme:pilot_detail", pk=reminder.pilot_id),
                "ics": ical.calendar_build([item], method=ical.Method.REQUEST, now=ctx.now),
            },
        )

    def complete(self, message: EmailMessage, *, reminder: Reminder, context: dict):
        html = render_to_string(self.template.replace(".txt", ".html"), context)
        return calendar_message(message, html=html, ics=context["ics"], method=ical.Method.REQUEST)
