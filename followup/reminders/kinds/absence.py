"""Recorded absent from an information meeting or a course day."""

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import (
    CALENDAR_DAYS_PER_WORKING_DAY,
    Email,
    ReminderKind,
    event_details,
    link,
)
from pilots.calendar import at_local, local_date, start_of_local_day, working_days_after
from training.models import Attendance


class Absence(ReminderKind):
    """To the person recorded absent, on how to catch up. Due `absence_notice_working_days`
    working days after the meeting or course day, at the send hour. Stops holding when the
    attendance is corrected; too late `late_after_days` after its moment."""

    kind = Reminder.Kind.ABSENCE

    def due(self, ctx: Context) -> Iterator[Due]:
        lookback = dt.timedelta(
            days=ctx.days(
                lambda p: (
                    p.absence_notice_working_days * CALENDAR_DAYS_PER_WORKING_DAY
                    + p.late_after_days
                )
            )
            + 7
        )
        since = ctx.today - lookback
        absent = Attendance.objects.filter(status=Attendance.Status.ABSENT, person__is_active=True)
        if ctx.narrow.recipient_id is not None:
            absent = absent.filter(person_id=ctx.narrow.recipient_id)
        pilots = ctx.pilots()
        rows = []
        for pk, pilot_id, programme_id, day, person_id in absent.filter(
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
                working_days_after(day, policy.absence_notice_working_days), policy.send_hour
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
