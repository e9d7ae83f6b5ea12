"""Scheduling information meetings and course days, and recording who attended them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilots.access import scope_for
from pilots.calendar import OSLO
from pilots.cells import CSV_CONTENT_TYPE, ascii_slug, csv_lines
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from training.charts import attendance_summary_chart
from training.forms import (
    AttendanceForm,
    CourseDayForm,
    InformationMeetingForm,
    SessionAssignForm,
    SessionChoiceForm,
    session_label,
)
from training.models import Attendance, CourseDay, InformationMeeting
from training.selectors import (
    attendance_for_target,
    attendance_people,
    attendance_summary_for_pilot,
    course_day_get_for_user,
    course_day_numbers_taken,
    department_people_today,
    facilitator_choices_for_user,
    information_meeting_attendees,
    information_sessions_of_pilot,
    meeting_get_for_user,
    session_choices_of_pilot,
)
from training.services import (
    attendance_record,
    course_day_schedule,
    information_meeting_delete,
    information_meeting_schedule,
    local_datetime,
    session_choices_assign,
    session_choose,
)

# --- access ---------------------------------------------------------------------------------------


def _require_scheduling(user, pilot: Pilot) -> None:
    """Scheduling is for the programme's people; others who can see the pilot get 403."""
    scope = scope_for(user)
    scope.require(scope.can_schedule(pilot))


def _require_attendance(user, pilot: Pilot) -> None:
    """Attendance is for the programme's people and the leader of the pilot's department."""
    scope = scope_for(user)
    scope.require(scope.can_take_attendance(pilot))


def _scheduled_pilot(user, pilot_pk: int) -> Pilot:
    pilot = pilot_get_for_user(user, pilot_pk)
    _require_scheduling(user, pilot)
    return pilot


# --- helpers --------------------------------------------------------------------------------------


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form's fields where the form has them."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for name, field_messages in errors.items():
        form.add_error(name if name in form.fields else None, field_messages)


def _render_form(request, template: str, context: dict):
    form = context["form"]
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def _saved(request, pilot: Pilot, text: str, warnings: list[str]):
    messages.success(request, text)
    for warning in warnings:
        messages.warning(request, warning)
    return redirect("programme:pilot_detail", pk=pilot.pk)


def _posted(request):
    return request.POST if request.method == "POST" else None


# --- information meetings -------------------------------------------------------------------------


def _meeting_form_page(request, *, pilot: Pilot, meeting: InformationMeeting | None):
    initial = {}
    if meeting is not None:
        starts = timezone.localtime(meeting.starts_at, OSLO)
        ends = timezone.localtime(meeting.ends_at, OSLO)
        initial = {
            "date": starts.date(),
            "starts_at": starts.time(),
            "ends_at": ends.time(),
            "place": meeting.place,
            "notes": meeting.notes,
        }
    form = InformationMeetingForm(_posted(request), initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            meeting, warnings = information_meeting_schedule(
                user=request.user,
                pilot=pilot,
                starts_at=local_datetime(data["date"], data["starts_at"]),
                ends_at=local_datetime(data["date"], data["ends_at"]),
                place=data["place"],
                notes=data["notes"],
                meeting=meeting,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _saved(request, pilot, _("The information meeting is saved."), warnings)
    return _render_form(
        request, "training/meeting_form.html", {"form": form, "pilot": pilot, "meeting": meeting}
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, pilot_pk: int):
    pilot = _scheduled_pilot(request.user, pilot_pk)
    return _meeting_form_page(request, pilot=pilot, meeting=None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = meeting_get_for_user(request.user, pk)
    _require_scheduling(request.user, meeting.pilot)
    return _meeting_form_page(request, pilot=meeting.pilot, meeting=meeting)


@login_required
@require_POST
def meeting_delete(request, pk: int):
    meeting = meeting_get_for_user(request.user, pk)
    _require_scheduling(request.user, meeting.pilot)
    pilot = meeting.pilot
    information_meeting_delete(meeting=meeting, user=request.user)
    messages.success(request, _("The information meeting is deleted."))
    return redirect("programme:pilot_detail", pk=pilot.pk)


# --- course days ----------------------------------------------------------------------------------


def _course_day_form_page(request, *, pilot: Pilot, course_day: CourseDay | None):
    initial = {"number": request.GET.get("number")}
    # The service changes the instance before it validates; show what is stored, not what failed.
    saved_date = course_day.date if course_day else None
    if course_day is not None:
        initial = {
            "number": course_day.number,
            "date": course_day.date,
            "starts_at": course_day.starts_at,
            "ends_at": course_day.ends_at,
            "place": course_day.place,
            "topic": course_day.topic,
            "facilitators": [p.pk for p in course_day.facilitators.all()],
        }
    form = CourseDayForm(
        _posted(request),
        initial=initial,
        facilitator_choices=facilitator_choices_for_user(request.user, pilot=pilot),
        numbers_taken=course_day_numbers_taken(
            pilot=pilot, exclude_pk=course_day.pk if course_day else None
        ),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            course_day, warnings = course_day_schedule(
                user=request.user,
                pilot=pilot,
                number=data["number"],
                date=data["day"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                topic=data["topic"],
                facilitators=data["facilitators"],
                course_day=course_day,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            text = _("Course day %(number)s is saved for %(date)s.") % {
                "number": course_day.number,
                "date": date_format(course_day.date, "SHORT_DATE_FORMAT"),
            }
            return _saved(request, pilot, text, warnings)
    return _render_form(
        request,
        "training/course_day_form.html",
        {"form": form, "pilot": pilot, "course_day": course_day, "saved_date": saved_date},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_day_create(request, pilot_pk: int):
    pilot = _scheduled_pilot(request.user, pilot_pk)
    return _course_day_form_page(request, pilot=pilot, course_day=None)


@login_required
@require_http_methods(["GET", "POST"])
def course_day_edit(request, pk: int):
    course_day = course_day_get_for_user(request.user, pk)
    _require_scheduling(request.user, course_day.pilot)
    return _course_day_form_page(request, pilot=course_day.pilot, course_day=course_day)


# --- attendance -----------------------------------------------------------------------------------


def _attendance_page(request, *, target: InformationMeeting | CourseDay, title: str):
    pilot = target.pilot
    _require_attendance(request.user, pilot)
    recorded = attendance_for_target(target)
    people = attendance_people(pilot=pilot, recorded=recorded)
    initial = {
        f"status_{person_id}": status
        for person_id, status in recorded.order_by().values_list("person_id", "status")
    }
    not_expected: set[int] = set()
    if isinstance(target, InformationMeeting):
        # At one session of several, who chose another one is expected there, not here.
        sessions = {m.pk: m for m in InformationMeeting.objects.filter(pilot=pilot)}
        if len(sessions) > 1:
            chosen = session_choices_of_pilot(pilot)
            for person in people:
                other = sessions.get(chosen.get(person.pk))
                if other is not None and other.pk != target.pk:
                    person.other_session = other
                    not_expected.add(person.pk)
    form = AttendanceForm(
        _posted(request), initial=initial, people=people, not_expected=not_expected
    )
    if form.is_valid():
        try:
            changed = attendance_record(target=target, statuses=form.statuses(), user=request.user)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Attendance is saved (%(count)s changed).") % {"count": changed},
            )
            return redirect(request.path)
    return _render_form(
        request,
        "training/attendance_form.html",
        {"form": form, "pilot": pilot, "target": target, "title": title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, pk: int):
    meeting = meeting_get_for_user(request.user, pk)
    starts = timezone.localtime(meeting.starts_at, OSLO)
    title = _("Attendance: information meeting %(date)s") % {
        "date": date_format(starts.date(), "SHORT_DATE_FORMAT")
    }
    return _attendance_page(request, target=meeting, title=title)


@login_required
@require_http_methods(["GET", "POST"])
def course_day_attendance(request, pk: int):
    course_day = course_day_get_for_user(request.user, pk)
    title = _("Attendance: course day %(number)s, %(date)s") % {
        "number": course_day.number,
        "date": date_format(course_day.date, "SHORT_DATE_FORMAT"),
    }
    return _attendance_page(request, target=course_day, title=title)


@login_required
@require_GET
def attendance_summary(request, pk: int):
    pilot = pilot_get_for_user(request.user, pk)
    _require_attendance(request.user, pilot)
    summary = attendance_summary_for_pilot(pilot=pilot)
    return render(
        request,
        "training/attendance_summary.html",
        {"pilot": pilot, "summary": summary, "chart": attendance_summary_chart(summary)},
    )


# --- sessions of the information meeting ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def information_sessions(request, pilot_pk: int):
    """A person of the department chooses the session of the information meeting they come to."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    scope.require(scope.can_choose_information_session(pilot))
    entry = information_sessions_of_pilot(pilot=pilot, person_id=scope.person_id)
    upcoming = entry.upcoming
    form = SessionChoiceForm(
        _posted(request),
        sessions=upcoming,
        initial={"session": entry.chosen.pk if entry.chosen else None},
    )
    if form.is_valid():
        meeting = next(s for s in upcoming if s.pk == form.cleaned_data["session"])
        try:
            session_choose(user=request.user, pilot=pilot, meeting=meeting)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your session is saved: %(session)s.") % {"session": session_label(meeting)},
            )
            return redirect("training:information_sessions", pilot_pk=pilot.pk)
    return _render_form(
        request,
        "training/information_sessions.html",
        {
            "form": form,
            "pilot": pilot,
            "entry": entry,
            "session_rows": list(zip(form["session"], upcoming, strict=True)),
            "can_assign": scope.can_assign_information_sessions(pilot),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def information_sessions_assign(request, pilot_pk: int):
    """The leader or a coordinator puts the department's people on sessions."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    scope.require(scope.can_assign_information_sessions(pilot))
    sessions = information_sessions_of_pilot(pilot=pilot, person_id=None).sessions
    people = department_people_today(pilot)
    chosen = session_choices_of_pilot(pilot)
    form = SessionAssignForm(
        _posted(request),
        people=people,
        sessions=sessions,
        initial={f"session_{person_id}": meeting_id for person_id, meeting_id in chosen.items()},
    )
    if form.is_valid():
        try:
            changed = session_choices_assign(user=request.user, pilot=pilot, choices=form.choices())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The sessions are saved (%(count)s changed).") % {"count": changed}
            )
            return redirect(request.path)
    attended = information_meeting_attendees(pilot)
    by_pk = {session.pk: session for session in sessions}
    return _render_form(
        request,
        "training/information_sessions_assign.html",
        {
            "form": form,
            "pilot": pilot,
            "sessions": sessions,
            "not_chosen": sum(1 for person in people if person.pk not in chosen),
            "rows": [
                (person, field, by_pk.get(attended.get(person.pk))) for person, field in form.rows
            ],
        },
    )


def _attendance_csv_rows(summary):
    yield [
        _("Date"),
        _("Start"),
        _("End"),
        _("Duration (hours:minutes)"),
        _("Person"),
        _("Role"),
        _("Status"),
        _("Event"),
    ]
    for index, event in enumerate(summary.events):
        hours, minutes = divmod(event.minutes, 60)
        for row in summary.rows:
            status = row.statuses[index]
            yield (
                event.date,
                event.starts,
                event.ends,
                f"{hours}:{minutes:02d}",
                row.person.full_name,
                capfirst(row.person.roles_text),
                capfirst(Attendance.Status(status).label if status else _("not recorded")),
                event.label,
            )


@login_required
@require_GET
def attendance_export(request, pk: int):
    """Attendance at the pilot's meetings and course days: one row per person and event."""
    pilot = pilot_get_for_user(request.user, pk)
    _require_attendance(request.user, pilot)
    summary = attendance_summary_for_pilot(pilot=pilot)

    department = ascii_slug(pilot.department.name) or str(pilot.department_id)
    filename = f"{ascii_slug(_('attendance'))}-{department}.csv"
    # Through the one CSV rule (pilots.cells): BOM, ";", and names that cannot run as formulas.
    response = HttpResponse(csv_lines(_attendance_csv_rows(summary)), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
