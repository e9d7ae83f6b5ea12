"""An information meeting or a course day is coming."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q
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
from pilots.calendar import (
    at_local,
    local_date,
    local_moment,
    start_of_local_day,
    working_days_before,
)
from training.models import Attendance, CourseDay, InformationMeeting


class EventComing(ReminderKind):
    """To everyone with a role in the department, except who already sent word (absent or
    excused in advance). Due `event_notice_working_days` working days before, at the send hour,
    Norwegian public holidays skipped. Too late once the meeting or course day has started: a
    late reminder is a wrong one."""

    kind = Reminder.Kind.EVENT_COMING

    def due(self, ctx: Context) -> Iterator[Due]:
        horizon = ctx.today + dt.timedelta(
            days=ctx.days(lambda p: p.event_notice_working_days) * CALENDAR_DAYS_PER_WORKING_DAY + 7
        )
        pilots = ctx.pilots()
        events = []  # (subject key, pilot, programme, department, local date, start)
        course_days = list(
            CourseDay.objects.filter(pilot__in=pilots, date__gte=ctx.today, date__lte=horizon)
            .values_list(
                "pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "date", "starts_at"
            )
            .order_by()
        )
        for pk, pilot_id, programme_id, department_id, day, starts_at in course_days:
            start = local_moment(day, starts_at)
            events.append((f"courseday:{pk}", pilot_id, programme_id, department_id, day, start))
        meetings = list(
            InformationMeeting.objects.filter(
                pilot__in=pilots,
                starts_at__gte=start_of_local_day(ctx.today),
                starts_at__lt=start_of_local_day(horizon + dt.timedelta(days=1)),
            )
            .values_list(
                "pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "starts_at"
            )
            .order_by()
        )
        for pk, pilot_id, programme_id, department_id, starts_at in meetings:
            day = local_date(starts_at)
            events.append((f"meeting:{pk}", pilot_id, programme_id, department_id, day, starts_at))
        if not events:
            return

        declined = Attendance.objects.filter(
            Q(course_day__in=[row[0] for row in course_days])
            | Q(information_meeting__in=[row[0] for row in meetings]),
            status__in=(Attendance.Status.ABSENT, Attendance.Status.EXCUSED),
        ).values_list("course_day_id", "information_meeting_id", "person_id")
        not_coming = {
            (f"courseday:{course_day_id}" if course_day_id else f"meeting:{meeting_id}", person_id)
            for course_day_id, meeting_id, person_id in declined
        }

        members = ctx.members({event[3] for event in events})
        for subject_key, pilot_id, programme_id, department_id, day, start in events:
            policy = ctx.policy(programme_id)
            notice_day = working_days_before(day, policy.event_notice_working_days)
            due_at = at_local(notice_day, policy.send_hour)
            if due_at > ctx.now:
                continue
            for member in members.get(department_id, []):
                if (subject_key, member.person_id) in not_coming:
                    continue
                yield Due(
                    self.kind,
                    member.person_id,
                    subject_key,
                    day.isoformat(),
                    pilot_id,
                    due_at,
                    max(start, due_at),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        event = event_details(reminder)
        department = reminder.pilot.department.name
        values = {"number": event.get("number"), "department": department}
        if event["is_course_day"]:
            subject = _("Reminder: course day %(number)s for %(department)s") % values
        else:
            subject = _("Reminder: information meeting for %(department)s") % values
        return Email(
            subject,
            {
                **event,
                "department": department,
                "link": link("programme:pilot_detail", pk=reminder.pilot_id),
            },
        )
