"""A course day or information meeting moved or was cancelled: one notice to the people in it."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link
from pilots.calendar import OSLO
from training.models import CourseDay, EventChange, SessionChoice

EventKind = EventChange.EventKind

# A notice not sent within this time after the change is not sent at all: whoever was not told
# in a week has long seen the new time in the programme.
LATE_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class Notice:
    """What one person is told of one event: the time they last heard (`first`'s old one) and
    the newest (`latest`'s new one, or that it is cancelled)."""

    first: EventChange
    latest: EventChange


class EventMoved(ReminderKind):
    """To the people in a course day (the department's members today and its facilitators) or
    an information meeting (the department's members, less those who chose another of its
    sessions), at once, whatever the hour or day: they may already have planned their shift
    around the old time.

    The subject is the event, the period the newest change told: a change before the notice
    went out replaces the pending notice (which then no longer holds) with one from the time the
    person last heard to the newest, instead of adding a second; a change after it went out is a
    new notice from the time in the first. Changes to events that had already begun are ignored,
    and a notice is too late `LATE_AFTER` after its change or once the event's time has passed.
    """

    kind = Reminder.Kind.EVENT_MOVED
    follows_programme_policy = False
    # A moved meeting must be told before it happens, whatever the day: not held to working days.
    on_working_days = False

    def due(self, ctx: Context) -> Iterator[Due]:
        for (person_id, subject_key), notice in self.notices(ctx).items():
            latest = notice.latest
            last_moment = max(
                notice.first.old_starts_at, latest.new_starts_at or notice.first.old_starts_at
            )
            yield Due(
                self.kind,
                person_id,
                subject_key,
                str(latest.pk),
                latest.pilot_id,
                latest.at,
                min(latest.at + LATE_AFTER, last_moment),
            )

    def notices(self, ctx: Context) -> dict[tuple[int, str], Notice]:
        """Each person's notice by (person, event): six queries whatever the number of events."""
        changes = EventChange.objects.filter(
            at__gt=ctx.now - LATE_AFTER, at__lte=ctx.now
        ).select_related("pilot")
        if ctx.narrow.pilot_id is not None:
            changes = changes.filter(pilot_id=ctx.narrow.pilot_id)
        by_event: dict[str, list[EventChange]] = defaultdict(list)
        for change in changes.order_by("at", "pk"):
            # An event that had begun when it changed is being corrected, not moved.
            if change.old_starts_at > change.at:
                by_event[_subject_key(change)].append(change)
        if not by_event:
            return {}
        told = self._told(ctx, list(by_event))
        people = self._people(ctx, by_event)
        found = {}
        for subject_key, event_changes in by_event.items():
            for person_id in people[subject_key]:
                last_told = told.get((person_id, subject_key), 0)
                unsent = [change for change in event_changes if change.pk > last_told]
                if unsent:
                    found[(person_id, subject_key)] = Notice(unsent[0], unsent[-1])
        return found

    def _told(self, ctx: Context, subject_keys: list[str]) -> dict[tuple[int, str], int]:
        """The newest change each person was sent a notice of, by (person, event). A notice
        being sent right now does not count: it is the one whose sending asks this."""
        sent = Reminder.objects.filter(
            kind=self.kind, subject_key__in=subject_keys, status=Reminder.Status.SENT
        )
        if ctx.narrow.recipient_id is not None:
            sent = sent.filter(recipient_id=ctx.narrow.recipient_id)
        told: dict[tuple[int, str], int] = {}
        for person_id, subject_key, period in sent.values_list(
            "recipient_id", "subject_key", "period"
        ):
            key = (person_id, subject_key)
            told[key] = max(told.get(key, 0), int(period))
        return told

    def _people(self, ctx: Context, by_event: dict[str, list[EventChange]]) -> dict[str, set[int]]:
        changes = [event_changes[0] for event_changes in by_event.values()]
        members = ctx.members({change.pilot.department_id for change in changes})
        facilitators = CourseDay.facilitators.through.objects.filter(
            courseday_id__in=[c.event_id for c in changes if c.event_kind == EventKind.COURSE_DAY],
            person__is_active=True,
        )
        choices = SessionChoice.objects.filter(pilot_id__in={c.pilot_id for c in changes})
        if ctx.narrow.recipient_id is not None:
            facilitators = facilitators.filter(person_id=ctx.narrow.recipient_id)
            choices = choices.filter(person_id=ctx.narrow.recipient_id)
        facilitating = defaultdict(set)
        for course_day_id, person_id in facilitators.values_list("courseday_id", "person_id"):
            facilitating[course_day_id].add(person_id)
        chosen = {
            (pilot_id, person_id): meeting_id
            for pilot_id, person_id, meeting_id in choices.values_list(
                "pilot_id", "person_id", "meeting_id"
            )
        }
        people: dict[str, set[int]] = {}
        for change in changes:
            in_department = {m.person_id for m in members.get(change.pilot.department_id, [])}
            if change.event_kind == EventKind.COURSE_DAY:
                people[_subject_key(change)] = in_department | facilitating[change.event_id]
            else:
                # Sessions of one meeting: who chose another session is not coming to this one.
                people[_subject_key(change)] = {
                    person_id
                    for person_id in in_department
                    if chosen.get((change.pilot_id, person_id), change.event_id) == change.event_id
                }
        return people

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        notice = self.notices(ctx)[(reminder.recipient_id, reminder.subject_key)]
        first, latest = notice.first, notice.latest
        department = reminder.pilot.department.name
        is_course_day = latest.event_kind == EventKind.COURSE_DAY
        if is_course_day and latest.cancelled:
            subject = _("Course day %(number)s for %(department)s is cancelled")
        elif is_course_day:
            subject = _("Course day %(number)s for %(department)s has moved")
        elif latest.cancelled:
            subject = _("The information meeting for %(department)s is cancelled")
        else:
            subject = _("The information meeting for %(department)s has moved")
        return Email(
            subject % {"number": latest.number, "department": department},
            {
                "department": department,
                "is_course_day": is_course_day,
                "number": latest.number,
                "cancelled": latest.cancelled,
                "was": _moment(first.old_starts_at, first.old_ends_at, first.old_place),
                "now": None
                if latest.cancelled
                else _moment(latest.new_starts_at, latest.new_ends_at, latest.new_place),
                "link": link("programme:pilot_detail", pk=reminder.pilot_id),
            },
        )


def _subject_key(change: EventChange) -> str:
    return f"{change.event_kind}:{change.event_id}"


def _moment(starts_at: dt.datetime, ends_at: dt.datetime, place: str) -> dict:
    return {
        "date": starts_at.astimezone(OSLO).date(),
        "starts_at": starts_at.astimezone(OSLO),
        "ends_at": ends_at.astimezone(OSLO),
        "place": place,
    }
