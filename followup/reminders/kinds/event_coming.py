"""An information meeting or a course day is coming."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.moments import LONGEST_DAYS_OFF, working_days_before
from followup.reminders.context import Context, Due, Recipient
from followup.reminders.kinds.base import (
    CALENDAR_DAYS_PER_WORKING_DAY,
    Email,
    ReminderKind,
    event_details,
    link,
    subject_id,
)
from pilots.calendar import (
    OSLO,
    at_local,
    local_date,
    local_moment,
    start_of_local_day,
)
from training.models import Attendance, CourseDay, InformationMeeting, SessionChoice

DECLINED = (Attendance.Status.ABSENT, Attendance.Status.EXCUSED)
# "One of these sessions": the subject of the one reminder about all of a pilot's sessions.
SESSIONS_PREFIX = "meetings:"


def sessions_key(pilot_id: int) -> str:
    return f"{SESSIONS_PREFIX}{pilot_id}"


@dataclass(frozen=True)
class _Session:
    pk: int
    starts_at: dt.datetime

    @property
    def day(self) -> dt.date:
        return local_date(self.starts_at)


@dataclass
class _Pilot:
    """A pilot with an information meeting coming, and all of its sessions."""

    pk: int
    programme_id: int
    department_id: int
    sessions: list[_Session]


class EventComing(ReminderKind):
    """To everyone with a role in the department, except who already sent word (absent or
    excused in advance). Due `event_notice_working_days` working days before, at the send hour,
    Norwegian public holidays skipped. Too late once the meeting or course day has started: a
    late reminder is a wrong one.

    A pilot's information meetings are sessions of one meeting, and each person comes to one.
    With one session, everyone is reminded of it. With more, whoever chose a session (or was
    put on one) is reminded of that session only; whoever has not chosen gets one reminder of
    all the sessions ("come to one of these", with a link to choose), due before the first
    session, under a key of its own (`meetings:<pilot>`, period the first session's date). A
    person who chooses after that reminder went out is not reminded again: their session's
    reminder does not hold while a sent reminder of all sessions exists. Whoever was present at
    any session has attended, and hears nothing more.
    """

    kind = Reminder.Kind.EVENT_COMING

    def due(self, ctx: Context) -> Iterator[Due]:
        horizon = (
            ctx.today
            + dt.timedelta(
                days=ctx.days(lambda p: p.event_notice_working_days) * CALENDAR_DAYS_PER_WORKING_DAY
                + 7
            )
            + LONGEST_DAYS_OFF
        )
        pilots = ctx.pilots()
        course_days = list(
            CourseDay.objects.filter(pilot__in=pilots, date__gte=ctx.today, date__lte=horizon)
            .values_list(
                "pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "date", "starts_at"
            )
            .order_by()
        )
        # Every session of each pilot with an information meeting in the window: the window
        # picks the pilots, and who is reminded of what depends on all of their sessions.
        in_window = InformationMeeting.objects.filter(
            pilot__in=pilots,
            starts_at__gte=start_of_local_day(ctx.today),
            starts_at__lt=start_of_local_day(horizon + dt.timedelta(days=1)),
        ).values("pilot_id")
        meeting_pilots: dict[int, _Pilot] = {}
        for pk, pilot_id, programme_id, department_id, starts_at in (
            InformationMeeting.objects.filter(pilot_id__in=in_window)
            .values_list(
                "pk", "pilot_id", "pilot__programme_id", "pilot__department_id", "starts_at"
            )
            .order_by("starts_at", "pk")
        ):
            meeting_pilots.setdefault(
                pilot_id, _Pilot(pilot_id, programme_id, department_id, [])
            ).sessions.append(_Session(pk, starts_at))
        if not course_days and not meeting_pilots:
            return

        attendance = self._for_recipient(
            ctx,
            Attendance.objects.filter(
                Q(course_day__in=[row[0] for row in course_days], status__in=DECLINED)
                | Q(information_meeting__pilot_id__in=list(meeting_pilots))
            ),
        ).values_list(
            "course_day_id",
            "information_meeting_id",
            "information_meeting__pilot_id",
            "person_id",
            "status",
        )
        not_coming, attended = set(), set()
        for course_day_id, meeting_id, pilot_id, person_id, status in attendance:
            if course_day_id:
                not_coming.add((f"courseday:{course_day_id}", person_id))
            elif status == Attendance.Status.PRESENT:
                attended.add((pilot_id, person_id))
            elif status in DECLINED:
                not_coming.add((f"meeting:{meeting_id}", person_id))

        with_sessions = [pk for pk, pilot in meeting_pilots.items() if len(pilot.sessions) > 1]
        chosen: dict[tuple[int, int], int] = {}
        reminded_of_all: set[tuple[int, str, str]] = set()
        if with_sessions:
            chosen = {
                (pilot_id, person_id): meeting_id
                for pilot_id, person_id, meeting_id in self._for_recipient(
                    ctx, SessionChoice.objects.filter(pilot_id__in=with_sessions)
                ).values_list("pilot_id", "person_id", "meeting_id")
            }
            reminded_of_all = set(
                self._sent(ctx, [sessions_key(pk) for pk in with_sessions]).values_list(
                    "recipient_id", "subject_key", "period"
                )
            )

        members = ctx.members(
            {row[3] for row in course_days}
            | {pilot.department_id for pilot in meeting_pilots.values()}
        )
        for pk, pilot_id, programme_id, department_id, day, starts_at in course_days:
            yield from self._event(
                ctx,
                subject_key=f"courseday:{pk}",
                pilot_id=pilot_id,
                programme_id=programme_id,
                day=day,
                start=local_moment(day, starts_at),
                people=[
                    m.person_id
                    for m in members.get(department_id, [])
                    if (f"courseday:{pk}", m.person_id) not in not_coming
                ],
            )
        for pilot in meeting_pilots.values():
            people = members.get(pilot.department_id, [])
            if len(pilot.sessions) == 1:
                session = pilot.sessions[0]
                yield from self._meeting(ctx, pilot, session, people, not_coming)
            else:
                yield from self._sessions(
                    ctx, pilot, people, not_coming, attended, chosen, reminded_of_all
                )

    def _for_recipient(self, ctx: Context, queryset):
        if ctx.narrow.recipient_id is not None:
            return queryset.filter(person_id=ctx.narrow.recipient_id)
        return queryset

    def _sent(self, ctx: Context, subject_keys: list[str]):
        """Reminders of all sessions that have gone out (or are going out right now)."""
        sent = Reminder.objects.filter(
            kind=self.kind,
            subject_key__in=subject_keys,
            status__in=(Reminder.Status.SENT, Reminder.Status.CLAIMED),
        )
        if ctx.narrow.recipient_id is not None:
            sent = sent.filter(recipient_id=ctx.narrow.recipient_id)
        return sent

    def _notice(self, ctx: Context, programme_id: int, day: dt.date) -> dt.datetime:
        policy = ctx.policy(programme_id)
        # Counted in working days of the municipality, so the notice is itself a working day.
        notice_day = working_days_before(
            day, policy.event_notice_working_days, ctx.holidays(programme_id)
        )
        return at_local(notice_day, policy.send_hour)

    def _event(self, ctx, *, subject_key, pilot_id, programme_id, day, start, people):
        due_at = self._notice(ctx, programme_id, day)
        if due_at > ctx.now:
            return
        for person_id in people:
            yield Due(
                self.kind,
                person_id,
                subject_key,
                day.isoformat(),
                pilot_id,
                due_at,
                max(start, due_at),
            )

    def _meeting(self, ctx, pilot: _Pilot, session: _Session, people: list[Recipient], not_coming):
        subject_key = f"meeting:{session.pk}"
        yield from self._event(
            ctx,
            subject_key=subject_key,
            pilot_id=pilot.pk,
            programme_id=pilot.programme_id,
            day=session.day,
            start=session.starts_at,
            people=[m.person_id for m in people if (subject_key, m.person_id) not in not_coming],
        )

    def _sessions(self, ctx, pilot: _Pilot, people, not_coming, attended, chosen, reminded_of_all):
        by_pk = {session.pk: session for session in pilot.sessions}
        ahead = [session for session in pilot.sessions if session.starts_at > ctx.now]
        first, last = pilot.sessions[0], pilot.sessions[-1]
        key, period = sessions_key(pilot.pk), first.day.isoformat()
        all_due_at = self._notice(ctx, pilot.programme_id, first.day)
        for member in people:
            person_id = member.person_id
            if (pilot.pk, person_id) in attended:
                continue
            session = by_pk.get(chosen.get((pilot.pk, person_id)))
            if session is not None:
                if (person_id, key, period) in reminded_of_all:
                    continue
                yield from self._meeting(ctx, pilot, session, [member], not_coming)
                continue
            if not any((f"meeting:{s.pk}", person_id) not in not_coming for s in ahead):
                continue
            if all_due_at <= ctx.now:
                yield Due(
                    self.kind,
                    person_id,
                    key,
                    period,
                    pilot.pk,
                    all_due_at,
                    max(last.starts_at, all_due_at),
                )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        department = reminder.pilot.department.name
        values = {"department": department}
        choose_link = link("training:information_sessions", pilot_pk=reminder.pilot_id)
        if reminder.subject_key.startswith(SESSIONS_PREFIX):
            sessions = [
                {
                    "date": local_date(meeting.starts_at),
                    "starts_at": meeting.starts_at.astimezone(OSLO),
                    "ends_at": meeting.ends_at.astimezone(OSLO),
                    "place": meeting.place,
                }
                for meeting in InformationMeeting.objects.filter(
                    pilot_id=subject_id(reminder), starts_at__gt=ctx.now
                ).order_by("starts_at", "pk")
            ]
            return Email(
                _("Reminder: information meeting for %(department)s – choose your session")
                % values,
                {
                    "sessions": sessions,
                    "department": department,
                    "choose_link": choose_link,
                    "link": link("programme:pilot_detail", pk=reminder.pilot_id),
                },
            )
        event = event_details(reminder)
        values["number"] = event.get("number")
        has_sessions = False
        if event["is_course_day"]:
            subject = _("Reminder: course day %(number)s for %(department)s") % values
        else:
            subject = _("Reminder: information meeting for %(department)s") % values
            has_sessions = InformationMeeting.objects.filter(pilot_id=reminder.pilot_id).count() > 1
        return Email(
            subject,
            {
                **event,
                "department": department,
                "choose_link": choose_link if has_sessions else "",
                "link": link("programme:pilot_detail", pk=reminder.pilot_id),
            },
        )
