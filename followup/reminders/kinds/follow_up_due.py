"""A follow-up meeting is due soon."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from followup.models import FollowUpMeeting, FollowUpPolicy, Reminder
from followup.moments import LONGEST_DAYS_OFF, Holidays, working_moment_before
from followup.reminders.context import Context, Due, Recipient
from followup.reminders.kinds.base import Email, ReminderKind, link, subject_id
from pilots.calendar import start_of_local_day


class FollowUpDue(ReminderKind):
    """To the department leader and the programme's lean guides, `follow_up_notice_days` before
    a follow-up meeting not yet held, at the send hour. Stops holding when the meeting is held or
    moves; too late once its day has begun."""

    kind = Reminder.Kind.FOLLOW_UP_DUE

    def window(self, ctx: Context) -> tuple[dt.date, dt.date]:
        """The due dates of the meetings that may have a reminder of this kind now."""
        # Widened: a notice falling on days off comes earlier, so its meeting is further off.
        notice = dt.timedelta(days=ctx.days(lambda p: p.follow_up_notice_days))
        return ctx.today, ctx.today + notice + LONGEST_DAYS_OFF

    def moment(self, policy: FollowUpPolicy, due_on: dt.date, holidays: Holidays) -> dt.datetime:
        # About a meeting coming: a day off moves the notice earlier, never after the meeting.
        notice_on = due_on - dt.timedelta(days=policy.follow_up_notice_days)
        return working_moment_before(notice_on, policy, holidays)

    def too_late(self, policy: FollowUpPolicy, due_on: dt.date, due_at: dt.datetime) -> dt.datetime:
        return max(start_of_local_day(due_on), due_at)

    def recipients(
        self,
        ctx: Context,
        *,
        programme_id: int,
        department_id: int,
        participants: list[Recipient] | None = None,
    ) -> list[Recipient]:
        """The meeting's participants once someone planned it; until then the department leader
        and the programme's lean guides."""
        if participants:
            return participants
        return ctx.leaders.get(department_id, []) + ctx.guides.get(programme_id, [])

    def participants(self, meetings) -> dict[int, list[Recipient]]:
        """The active participants of each of `meetings` (one query, whatever their number).

        Not narrowed to one recipient: whether a meeting has participants at all decides who
        else is reminded."""
        rows = FollowUpMeeting.participants.through.objects.filter(
            followupmeeting_id__in=meetings.values("pk"), person__is_active=True
        ).values_list("followupmeeting_id", "person_id", "person__receives_digests")
        grouped: dict[int, list[Recipient]] = defaultdict(list)
        for meeting_id, person_id, receives_digests in rows:
            grouped[meeting_id].append(Recipient(person_id, receives_digests))
        return grouped

    def due(self, ctx: Context) -> Iterator[Due]:
        earliest, latest = self.window(ctx)
        meetings = FollowUpMeeting.objects.filter(
            pilot__in=ctx.pilots(), held_on__isnull=True, due_on__gte=earliest, due_on__lte=latest
        )
        participants = self.participants(meetings)
        rows = meetings.values_list(
            "pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "due_on"
        )
        for pk, pilot_id, programme_id, department_id, due_on in rows:
            policy = ctx.policy(programme_id)
            due_at = self.moment(policy, due_on, ctx.holidays(programme_id))
            if due_at > ctx.now:
                continue
            people = self.recipients(
                ctx,
                programme_id=programme_id,
                department_id=department_id,
                participants=participants.get(pk),
            )
            narrowed_to = ctx.narrow.recipient_id
            for person in people:
                if narrowed_to is not None and person.person_id != narrowed_to:
                    continue
                yield Due(
                    self.kind,
                    person.person_id,
                    f"followup:{pk}",
                    due_on.isoformat(),
                    pilot_id,
                    due_at,
                    self.too_late(policy, due_on, due_at),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        context = self.meeting_context(reminder)
        subject = _("Follow-up meeting for %(department)s due %(date)s") % {
            "department": context["department"],
            "date": date_format(context["due_on"], "SHORT_DATE_FORMAT"),
        }
        return Email(subject, context)

    def meeting_context(self, reminder: Reminder) -> dict:
        meeting = FollowUpMeeting.objects.select_related("step").get(pk=subject_id(reminder))
        return {
            "department": reminder.pilot.department.name,
            "meeting_label": meeting.display_label(),
            "due_on": meeting.due_on,
            # Once someone planned it: when and where, for the participants' calendars.
            "planned_on": meeting.planned_on,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "place": meeting.place,
            "link": link("followup:pilot_follow_up", pilot_pk=reminder.pilot_id),
        }
