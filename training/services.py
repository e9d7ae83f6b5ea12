"""Writes for information meetings, course days and attendance.

Every service takes the acting `user` and refuses (PermissionDenied) what `pilots.access` says
they may not do, whether a view, the admin, a shell or a task calls it.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pilots.access import scope_for
from pilots.calendar import OSLO
from pilots.invitations import reminders_sweep_request
from pilots.models import Person, Pilot
from training.models import (
    Attendance,
    CourseDay,
    EventChange,
    InformationMeeting,
    SessionChoice,
)
from training.schedule_warnings import (
    course_day_plan_warnings,
    date_warnings,
    double_booking_warnings,
)
from training.selectors import (
    attendance_for_target,
    attendance_people,
    department_people_today,
)


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    """An aware datetime for a date and clock time in Norway."""
    return timezone.make_aware(dt.datetime.combine(day, time), OSLO)


@transaction.atomic
def information_meeting_schedule(
    *,
    user,
    pilot: Pilot,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    notes: str,
    meeting: InformationMeeting | None = None,
) -> tuple[InformationMeeting, list[str]]:
    """Create or change an information meeting; return it and warnings about its date and room."""
    scope = scope_for(user)
    scope.require(scope.can_schedule(pilot))
    if meeting is None:
        meeting = InformationMeeting(pilot=pilot)
    elif meeting.pilot_id != pilot.pk:
        raise ValueError("The meeting belongs to another pilot.")
    was = _meeting_as_stored(meeting)
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.place = place
    meeting.notes = notes
    if _moved(was, (starts_at, ends_at, place)):
        meeting.calendar_sequence += 1
    meeting.full_clean()
    meeting.save()
    _event_change_record(
        pilot=pilot,
        kind=EventChange.EventKind.INFORMATION_MEETING,
        event_id=meeting.pk,
        was=was,
        now=(meeting.starts_at, meeting.ends_at, meeting.place),
    )
    warnings = date_warnings(
        day=timezone.localtime(starts_at, OSLO).date(),
        municipality=pilot.department.municipality_id,
    )
    warnings += double_booking_warnings(
        municipality_id=pilot.department.municipality_id, meetings=[meeting]
    )
    return meeting, warnings


@transaction.atomic
def information_meeting_delete(*, meeting: InformationMeeting, user) -> None:
    scope = scope_for(user)
    scope.require(scope.can_schedule(meeting.pilot))
    was = _meeting_as_stored(meeting)
    event_id = meeting.pk
    meeting.delete()
    _event_change_record(
        pilot=meeting.pilot,
        kind=EventChange.EventKind.INFORMATION_MEETING,
        event_id=event_id,
        was=was,
        now=None,
    )


# When, until when and where an event was: (starts_at, ends_at, place).
Moment = tuple[dt.datetime, dt.datetime, str]


def _moved(was: Moment | None, now: Moment) -> bool:
    """Whether a stored event's time or place changes: calendars then need an update
    (`calendar_sequence`, read by `followup.ical`)."""
    return was is not None and tuple(was) != tuple(now)


def _meeting_as_stored(meeting: InformationMeeting) -> Moment | None:
    # Read again: a form has already written the new values onto the instance it was given.
    if meeting.pk is None:
        return None
    return (
        InformationMeeting.objects.filter(pk=meeting.pk)
        .values_list("starts_at", "ends_at", "place")
        .first()
    )


def _course_day_as_stored(course_day: CourseDay) -> Moment | None:
    if course_day.pk is None:
        return None
    row = (
        CourseDay.objects.filter(pk=course_day.pk)
        .values_list("date", "starts_at", "ends_at", "place")
        .first()
    )
    if row is None:
        return None
    day, starts_at, ends_at, place = row
    return local_datetime(day, starts_at), local_datetime(day, ends_at), place


def _event_change_record(
    *,
    pilot: Pilot,
    kind: str,
    event_id: int,
    was: Moment | None,
    now: Moment | None,
    number: int | None = None,
) -> None:
    """Record that an event moved (`now` its new time and place) or was cancelled (`now` None),
    so the people in it are told; a new event, or a change of anything else, is not a move."""
    if was is None or was == now:
        return
    new_starts_at, new_ends_at, new_place = now or (None, None, "")
    EventChange.objects.create(
        pilot=pilot,
        event_kind=kind,
        event_id=event_id,
        number=number,
        old_starts_at=was[0],
        old_ends_at=was[1],
        old_place=was[2],
        new_starts_at=new_starts_at,
        new_ends_at=new_ends_at,
        new_place=new_place,
        cancelled=now is None,
    )
    transaction.on_commit(reminders_sweep_request)


def _number_taken_error() -> ValidationError:
    return ValidationError(
        {"number": _("This pilot already has a course day with that number.")}, code="unique"
    )


@transaction.atomic
def course_day_schedule(
    *,
    user,
    pilot: Pilot,
    number: int,
    date: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    place: str,
    topic: str,
    facilitators: Iterable[Person],
    course_day: CourseDay | None = None,
) -> tuple[CourseDay, list[str]]:
    """Create or change one of the pilot's course days.

    Returns the day and the warnings a coordinator should see: its date is a holiday or a weekend,
    the pilot's course days as a whole are incomplete, out of order or outside the course weeks,
    or a facilitator or the room is booked elsewhere at the same time.
    Saving a course day also moves the pilot's follow-up meetings (`followup.signals`).
    """
    scope = scope_for(user)
    scope.require(scope.can_schedule(pilot))
    if course_day is None:
        course_day = CourseDay(pilot=pilot)
    elif course_day.pilot_id != pilot.pk:
        raise ValueError("The course day belongs to another pilot.")
    facilitators = list(facilitators)
    municipality_id = pilot.department.municipality_id
    if any(person.municipality_id != municipality_id for person in facilitators):
        raise ValidationError(
            {"facilitators": _("Facilitators must belong to the pilot's municipality.")}
        )
    if CourseDay.objects.filter(pilot=pilot, number=number).exclude(pk=course_day.pk).exists():
        raise _number_taken_error()
    was = _course_day_as_stored(course_day)

    course_day.number = number
    course_day.date = date
    course_day.starts_at = starts_at
    course_day.ends_at = ends_at
    course_day.place = place
    course_day.topic = topic
    if _moved(was, (local_datetime(date, starts_at), local_datetime(date, ends_at), place)):
        course_day.calendar_sequence += 1
    course_day.full_clean()
    try:
        # Two coordinators saving the same number at once: the constraint decides, and the loser
        # sees the same field error as above instead of a server error.
        with transaction.atomic():
            course_day.save()
    except IntegrityError as exc:
        raise _number_taken_error() from exc
    course_day.facilitators.set(facilitators)
    _event_change_record(
        pilot=pilot,
        kind=EventChange.EventKind.COURSE_DAY,
        event_id=course_day.pk,
        number=number,
        was=was,
        now=(local_datetime(date, starts_at), local_datetime(date, ends_at), place),
    )

    warnings = date_warnings(day=date, municipality=municipality_id)
    warnings += course_day_plan_warnings(pilot=pilot)
    warnings += double_booking_warnings(municipality_id=municipality_id, course_days=[course_day])
    return course_day, warnings


class UnknownPeopleError(ValidationError):
    """Attendance was sent for people who are not in the department."""


@transaction.atomic
def attendance_record(
    *,
    target: InformationMeeting | CourseDay,
    statuses: Mapping[int, str],
    user,
) -> int:
    """Save everyone's attendance at one meeting or course day at once; return how many changed.

    Only people of the pilot's department (or who already have attendance here) may be recorded;
    any other id raises UnknownPeopleError and nothing is saved. Nobody can have come to what has
    not started yet: attendance before the start raises ValidationError.
    """
    scope = scope_for(user)
    scope.require(scope.can_take_attendance(target.pilot))
    # Lock the meeting or course day so that two people saving the same list wait for each other
    # instead of both inserting the same person's row.
    list(type(target).objects.select_for_update().filter(pk=target.pk).order_by().values("pk"))
    if not target.has_started:
        raise ValidationError(
            _("This has not started yet. Attendance can be recorded from %(start)s."),
            params={
                "start": date_format(target.start_moment.astimezone(OSLO), "SHORT_DATETIME_FORMAT")
            },
            code="not_started",
        )

    valid_statuses = set(Attendance.Status.values)
    if bad := {status for status in statuses.values() if status not in valid_statuses}:
        raise ValidationError(
            _("Unknown attendance status: %(statuses)s"),
            params={"statuses": ", ".join(sorted(map(str, bad)))},
            code="invalid_status",
        )
    recorded = attendance_for_target(target)
    allowed = {person.pk for person in attendance_people(pilot=target.pilot, recorded=recorded)}
    if unknown := set(statuses) - allowed:
        raise UnknownPeopleError(
            _("Attendance was sent for unknown people (ids %(ids)s)."),
            params={"ids": ", ".join(str(pk) for pk in sorted(unknown))},
            code="unknown_people",
        )

    existing = {a.person_id: a for a in recorded.filter(person_id__in=statuses).order_by()}
    now = timezone.now()
    target_field = "course_day" if isinstance(target, CourseDay) else "information_meeting"
    to_create, to_update = [], []
    for person_id, status in statuses.items():
        attendance = existing.get(person_id)
        if attendance is None:
            to_create.append(
                Attendance(
                    person_id=person_id, status=status, recorded_by=user, **{target_field: target}
                )
            )
        elif attendance.status != status:
            attendance.status = status
            attendance.recorded_by = user
            attendance.recorded_at = now
            to_update.append(attendance)
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["status", "recorded_by", "recorded_at"])
    return len(to_create) + len(to_update)


# --- Sessions of the information meeting ----------------------------------------------------------


def _session_of_pilot(*, pilot: Pilot, meeting: InformationMeeting) -> None:
    if meeting.pilot_id != pilot.pk:
        raise ValidationError({"session": _("Choose one of this pilot's sessions.")}, code="pilot")


@transaction.atomic
def session_choose(*, user, pilot: Pilot, meeting: InformationMeeting) -> SessionChoice:
    """The user chooses the session of the pilot's information meeting they will come to.

    Only a session that has not started can be chosen; choosing again changes the choice.
    """
    scope = scope_for(user)
    scope.require(scope.can_choose_information_session(pilot))
    _session_of_pilot(pilot=pilot, meeting=meeting)
    if meeting.has_started:
        raise ValidationError(
            {"session": _("This session has already started. Choose a later one.")},
            code="started",
        )
    choice, _created = SessionChoice.objects.update_or_create(
        person_id=scope.person_id,
        pilot=pilot,
        defaults={"meeting": meeting, "chosen_by": user},
    )
    return choice


@transaction.atomic
def session_choices_assign(*, user, pilot: Pilot, choices: Mapping[int, int | None]) -> int:
    """Put the department's people on sessions (person id → session id, or None for no session
    chosen); return how many changed.

    The leader and the coordinators may put someone on a session that has already been held (to
    record how things were); anyone not in the department today, or a session of another pilot,
    raises ValidationError and nothing is saved.
    """
    scope = scope_for(user)
    scope.require(scope.can_assign_information_sessions(pilot))
    # One writer at a time per pilot, so two lists saved at once do not both insert a choice.
    list(Pilot.objects.select_for_update().filter(pk=pilot.pk).order_by().values("pk"))
    sessions = set(InformationMeeting.objects.filter(pilot=pilot).values_list("pk", flat=True))
    if bad := {meeting_id for meeting_id in choices.values() if meeting_id is not None} - sessions:
        raise ValidationError(
            _("Unknown sessions: %(ids)s"),
            params={"ids": ", ".join(str(pk) for pk in sorted(bad))},
            code="unknown_sessions",
        )
    allowed = {person.pk for person in department_people_today(pilot)}
    if unknown := set(choices) - allowed:
        raise UnknownPeopleError(
            _("Sessions were sent for unknown people (ids %(ids)s)."),
            params={"ids": ", ".join(str(pk) for pk in sorted(unknown))},
            code="unknown_people",
        )
    existing = {
        choice.person_id: choice
        for choice in SessionChoice.objects.filter(pilot=pilot, person_id__in=list(choices))
    }
    now = timezone.now()
    to_create, to_update, to_delete = [], [], []
    for person_id, meeting_id in choices.items():
        choice = existing.get(person_id)
        if meeting_id is None:
            if choice is not None:
                to_delete.append(choice.pk)
        elif choice is None:
            to_create.append(
                SessionChoice(
                    person_id=person_id, pilot=pilot, meeting_id=meeting_id, chosen_by=user
                )
            )
        elif choice.meeting_id != meeting_id:
            choice.meeting_id = meeting_id
            choice.chosen_by = user
            choice.chosen_at = now
            to_update.append(choice)
    SessionChoice.objects.bulk_create(to_create)
    SessionChoice.objects.bulk_update(to_update, ["meeting", "chosen_by", "chosen_at"])
    SessionChoice.objects.filter(pk__in=to_delete).delete()
    return len(to_create) + len(to_update) + len(to_delete)
