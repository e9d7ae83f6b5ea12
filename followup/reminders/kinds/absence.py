"""Recorded absent from an information meeting or a course day."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.moments import LONGEST_DAYS_OFF, working_days_after
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import (
    CALENDAR_DAYS_PER_WORKING_DAY,
    Email,
    ReminderKind,
    event_details,
    link,
)
from pilots.calendar import at_local, local_date, start_of_local_day
from pilots.models import DepartmentRole
from training.models import Attendance, InformationMeeting, SessionChoice


def _still_in(ctx: Context, department: str) -> Exists:
    """The person still has a role in the department: whoever has left hears nothing more."""
    return Exists(
        DepartmentRole.objects.active(ctx.today).filter(
            person=OuterRef("person"), department=OuterRef(department)
        )
    )


def _concerns_their_session() -> Q:
    """An absence from a session of the information meeting that is the person's to miss.

    With one session, any absence. With several, only from the session they chose; without a
    choice, only from the last session (they missed them all); never when they were present at
    another session.
    """
    meeting = OuterRef("information_meeting")
    pilot = OuterRef("information_meeting__pilot")
    other_sessions = InformationMeeting.objects.filter(pilot=pilot).exclude(pk=meeting)
    chosen = SessionChoice.objects.filter(pilot=pilot, person=OuterRef("person"))
    present_elsewhere = Attendance.objects.filter(
        person=OuterRef("person"),
        information_meeting__pilot=pilot,
        status=Attendance.Status.PRESENT,
    )
    later_session = other_sessions.filter(starts_at__gt=OuterRef("information_meeting__starts_at"))
    return ~Exists(other_sessions) | (
        ~Exists(present_elsewhere)
        & (Exists(chosen.filter(meeting=meeting)) | (~Exists(chosen) & ~Exists(later_session)))
    )


class Absence(ReminderKind):
    """To the person recorded absent, on how to catch up. Due `absence_notice_working_days`
    working days after the meeting or course day, at the send hour. Stops holding when the
    attendance is corrected; too late `late_after_days` after its moment. Of an information
    meeting held in several sessions, only the absence from the person's own session counts
    (see `_concerns_their_session`)."""

    kind = Reminder.Kind.ABSENCE

    def due(self, ctx: Context) -> Iterator[Due]:
        lookback = (
            dt.timedelta(
                days=ctx.days(
                    lambda p: (
                        p.absence_notice_working_days * CALENDAR_DAYS_PER_WORKING_DAY
                        + p.late_after_days
                    )
                )
                + 7
            )
            + LONGEST_DAYS_OFF
        )
        since = ctx.today - lookback
        absent = Attendance.objects.filter(status=Attendance.Status.ABSENT, person__is_active=True)
        if ctx.narrow.recipient_id is not None:
            absent = absent.filter(person_id=ctx.narrow.recipient_id)
        pilots = ctx.pilots()
        rows = []
        for pk, pilot_id, programme_id, day, person_id in absent.filter(
            _still_in(ctx, "course_day__pilot__department"),
            course_day__pilot__in=pilots,
            course_day__date__gte=since,
            course_day__date__lte=ctx.today,
        ).values_list(
            "course_day_id",
            "course_day__pilot_id",
            "course_day__pilot__programme_id",
            "course_day__date",
            "person_id",
        ):
            rows.append((f"courseday:{pk}", pilot_id, programme_id, day, person_id))
        for pk, pilot_id, programme_id, starts_at, person_id in absent.filter(
            _concerns_their_session(),
            _still_in(ctx, "information_meeting__pilot__department"),
            information_meeting__pilot__in=pilots,
            information_meeting__starts_at__gte=start_of_local_day(since),
            information_meeting__starts_at__lt=start_of_local_day(ctx.today + dt.timedelta(days=1)),
        ).values_list(
            "information_meeting_id",
            "information_meeting__pilot_id",
            "information_meeting__pilot__programme_id",
            "information_meeting__starts_at",
            "person_id",
        ):
            rows.append((f"meeting:{pk}", pilot_id, programme_id, local_date(starts_at), person_id))
        for subject_key, pilot_id, programme_id, day, person_id in rows:
            policy = ctx.policy(programme_id)
            due_at = at_local(
                working_days_after(
                    day, policy.absence_notice_working_days, ctx.holidays(programme_id)
                ),
                policy.send_hour,
            )
            if due_at <= ctx.now:
                yield Due(
                    self.kind,
                    person_id,
                    subject_key,
                    day.isoformat(),
                    pilot_id,
                    due_at,
                    due_at + dt.timedelta(days=policy.late_after_days),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        event = event_details(reminder)
        if event["is_course_day"]:
            subject = _("We missed you at course day %(number)s") % {"number": event["number"]}
        else:
            subject = _("We missed you at the information meeting")
        return Email(
            subject,
            {
                **event,
                "department": reminder.pilot.department.name,
                "link": link("programme:pilot_detail", pk=reminder.pilot_id),
            },
        )
