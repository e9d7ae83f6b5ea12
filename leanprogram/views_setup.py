"""Setting up a new pilot: a few plain form pages and a checklist of what is done.

Step 1 creates the pilot (phase "planned"); the checklist then links to each later step, and each
step saves as it goes, so going back, a closed tab or a lapsed session loses nothing saved. For
the programme's lean coordinators and guides: others who can see the pilot get 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from leanprogram.forms import (
    DepartmentForm,
    LeaderForm,
    NewPilotForm,
    SetupCourseWeeksForm,
    course_day_rows_formset,
)
from leanprogram.pilot_page import pilot_people
from leanprogram.pilot_setup import (
    CourseDayRefused,
    LeaderAdded,
    PlannedDay,
    departments_without_pilot,
    leader_choices,
    parent_unit_choices,
    pilot_course_days_confirm,
    pilot_department_update,
    pilot_leader_add,
    pilot_setup_status,
    pilot_start,
    pilots_being_set_up,
)
from pilots.access import scope_for
from pilots.invitations import login_statuses
from pilots.library import library_suggestions
from pilots.models import Pilot, Programme, ProgrammeRole
from pilots.programme_settings import CourseWeeks, course_weeks_for
from pilots.selectors import pilot_get_for_user, programme_get_for_user
from training.forms import InformationMeetingForm
from training.models import COURSE_DAYS_PER_PILOT, CourseDay, InformationMeeting
from training.proposal import course_day_proposal
from training.schedule_warnings import pilot_schedule_warnings
from training.selectors import facilitator_choices_for_user
from training.services import information_meeting_schedule, local_datetime

# What a proposed course day is unless the coordinator changes it.
COURSE_DAY_STARTS_AT = "08:30"
COURSE_DAY_ENDS_AT = "15:30"


def _posted(request):
    # An empty POST is still a submission: `request.POST or None` would show a fresh form.
    return request.POST if request.method == "POST" else None


def _programme_to_set_up(request, pk: int) -> Programme:
    programme = programme_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_set_up_pilot(programme))
    return programme


def _pilot_to_set_up(request, pk: int) -> Pilot:
    pilot = pilot_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_set_up_pilot(pilot))
    return pilot


def _render(request, template: str, context: dict, *, invalid: bool = False):
    return render(request, template, context, status=400 if invalid else 200)


def setup_url(pilot: Pilot) -> str:
    return reverse("programme:pilot_setup", kwargs={"pk": pilot.pk})


def staff_page_url(name: str, pilot: Pilot) -> str:
    """A staff page of the pilot's department that leads back to the checklist."""
    url = reverse(f"pilots:{name}", kwargs={"pk": pilot.department_id})
    return f"{url}?{urlencode({'next': setup_url(pilot)})}"


# --- Step 1 and the checklist ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pilot_setup_start(request, programme_pk: int):
    """Step 1: the department, an existing one or a new one; saving creates the pilot."""
    programme = _programme_to_set_up(request, programme_pk)
    form = NewPilotForm(
        _posted(request),
        department_choices=departments_without_pilot(request.user, programme=programme),
        parent_choices=parent_unit_choices(request.user, programme=programme),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pilot = pilot_start(
                user=request.user,
                programme=programme,
                department=data["department"],
                name=data["name"],
                service_area=data["service_area"],
                parent=data["parent"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("The pilot for %(department)s is created. Next: its leader, staff and dates.")
                % {"department": pilot.department.name},
            )
            return redirect("programme:pilot_setup", pk=pilot.pk)
    return _render(
        request,
        "programme/setup/start.html",
        {
            "programme": programme,
            "form": form,
            "unfinished": list(pilots_being_set_up(request.user, programme=programme)),
        },
        invalid=form.is_bound and bool(form.errors),
    )


@login_required
@require_GET
def pilot_setup(request, pk: int):
    """The checklist: what is done for the new pilot and where to do the rest."""
    pilot = _pilot_to_set_up(request, pk)
    status = pilot_setup_status(pilot)
    logins = login_statuses(user=request.user, people=status.leaders)
    return render(
        request,
        "programme/setup/checklist.html",
        {
            "pilot": pilot,
            "status": status,
            "leaders": [(leader, logins[leader.pk]) for leader in status.leaders],
            "staff_list_url": staff_page_url("staff_list", pilot),
            "staff_add_url": staff_page_url("staff_add", pilot),
            "staff_import_url": staff_page_url("staff_import", pilot),
            "library_suggestions": library_suggestions(request.user, pilot=pilot),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pilot_setup_department(request, pk: int):
    """Correct the department's name, service area or parent unit."""
    pilot = _pilot_to_set_up(request, pk)
    department = pilot.department
    form = DepartmentForm(
        _posted(request),
        initial={
            "name": department.name,
            "service_area": department.service_area,
            "parent": department.parent_id,
        },
        parent_choices=parent_unit_choices(request.user, programme=pilot.programme).exclude(
            pk=department.pk
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            pilot_department_update(user=request.user, pilot=pilot, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The department is saved."))
            return redirect("programme:pilot_setup", pk=pilot.pk)
    return _render(
        request,
        "programme/setup/department.html",
        {"pilot": pilot, "form": form},
        invalid=form.is_bound and bool(form.errors),
    )


# --- Step 2: the leader ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pilot_setup_leader(request, pk: int):
    pilot = _pilot_to_set_up(request, pk)
    form = LeaderForm(_posted(request), person_choices=leader_choices(request.user, pilot=pilot))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = pilot_leader_add(
                user=request.user,
                pilot=pilot,
                person=data["person"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                language=data["language"],
                invite=data["invite"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            _leader_added_messages(request, added, pilot=pilot, invite=data["invite"])
            return redirect("programme:pilot_setup", pk=pilot.pk)
    return _render(
        request,
        "programme/setup/leader.html",
        {
            "pilot": pilot,
            "form": form,
            "leaders": [entry.person for entry in pilot_people(pilot) if entry.is_leader],
            "staff_list_url": staff_page_url("staff_list", pilot),
        },
        invalid=form.is_bound and bool(form.errors),
    )


def _leader_added_messages(request, added: LeaderAdded, *, pilot: Pilot, invite: bool) -> None:
    person = added.person
    if added.role_added:
        text = _("%(name)s now leads %(department)s.")
    else:
        text = _("%(name)s already led %(department)s.")
    messages.success(request, text % {"name": person.full_name, "department": pilot.department})
    if added.invitation is not None:
        messages.success(
            request,
            _("An invitation is on its way to %(name)s at %(email)s.")
            % {"name": person.full_name, "email": person.email},
        )
    elif invite and person.user_id is not None:
        messages.info(request, _("%(name)s already has a login.") % {"name": person.full_name})


# --- Step 4: information meetings -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pilot_setup_meetings(request, pk: int):
    """The pilot's information meetings so far, and a form to add one more."""
    pilot = _pilot_to_set_up(request, pk)
    form = InformationMeetingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting, warnings = information_meeting_schedule(
                user=request.user,
                pilot=pilot,
                starts_at=local_datetime(data["date"], data["starts_at"]),
                ends_at=local_datetime(data["date"], data["ends_at"]),
                place=data["place"],
                notes=data["notes"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The information meeting is saved."))
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("programme:pilot_setup_meetings", pk=pilot.pk)
    meetings = list(InformationMeeting.objects.filter(pilot=pilot).order_by("starts_at", "pk"))
    return _render(
        request,
        "programme/setup/meetings.html",
        {"pilot": pilot, "form": form, "meetings": meetings},
        invalid=form.is_bound and bool(form.errors),
    )


def _add_errors(form, error: ValidationError) -> None:
    errors = (
        error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    )
    for name, field_messages in errors.items():
        form.add_error(name if name in form.fields else None, field_messages)


# --- Step 5: the course days ----------------------------------------------------------------------

PROPOSE, CONFIRM = "propose", "confirm"


def _programme_people_ids(pilot: Pilot) -> list[int]:
    return list(
        ProgrammeRole.objects.filter(programme_id=pilot.programme_id, person__is_active=True)
        .order_by()
        .values_list("person_id", flat=True)
        .distinct()
    )


def _row_initial(proposal, *, count: int, typed=None) -> list[dict]:
    """One row per course day still to schedule: the proposed date, or empty where none fits.

    `typed` are the rows as posted; what the coordinator typed in them besides the date stays.
    """
    rows = []
    for index in range(count):
        row = {
            "date": proposal.dates[index] if index < len(proposal.dates) else None,
            "starts_at": COURSE_DAY_STARTS_AT,
            "ends_at": COURSE_DAY_ENDS_AT,
            "place": "",
        }
        if typed is not None and index < len(typed.forms):
            for name in ("starts_at", "ends_at", "place"):
                value = typed.forms[index][name].value()
                if value not in (None, ""):
                    row[name] = value
        rows.append(row)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def pilot_setup_course_days(request, pk: int):
    """Propose the remaining course days in the course weeks; the coordinator edits, confirms.

    "Propose again" (the form's first button, so also Enter) recomputes the dates for changed
    weeks or facilitators and writes nothing; "Confirm" schedules the days.
    """
    pilot = _pilot_to_set_up(request, pk)
    today = timezone.localdate()
    existing = list(CourseDay.objects.filter(pilot=pilot).order_by("number"))
    count = COURSE_DAYS_PER_PILOT - len(existing)
    context = {"pilot": pilot, "existing": existing, "count": count}
    if count <= 0:
        return _render(request, "programme/setup/course_days.html", context)

    choices = facilitator_choices_for_user(request.user, pilot=pilot)
    RowFormSet = course_day_rows_formset(count=count)
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", PROPOSE) if posted is not None else None
    weeks = course_weeks_for(programme=pilot.programme, pilot=pilot, today=today)
    weeks_form = SetupCourseWeeksForm(
        posted,
        facilitator_choices=choices,
        initial={
            "course_year": weeks.year,
            "course_week_first": weeks.first,
            "course_week_last": weeks.last,
            "facilitators": _programme_people_ids(pilot),
        },
    )
    rows = RowFormSet(posted, prefix="day") if posted is not None else None
    proposal = None

    if posted is None or weeks_form.is_valid():
        if posted is None:
            facilitator_ids = weeks_form.initial["facilitators"]
        else:
            data = weeks_form.cleaned_data
            weeks = CourseWeeks(
                data["course_year"], data["course_week_first"], data["course_week_last"]
            )
            facilitator_ids = [person.pk for person in data["facilitators"]]
        proposal = course_day_proposal(
            pilot=pilot, weeks=weeks, facilitator_ids=facilitator_ids, today=today
        )
        if action == CONFIRM and rows.is_valid():
            response = _confirm(request, pilot=pilot, weeks=weeks, form=weeks_form, rows=rows)
            if response is not None:
                return response
        elif action != CONFIRM:
            # A fresh proposal: new dates, the rest of what was typed kept.
            rows = RowFormSet(initial=_row_initial(proposal, count=count, typed=rows), prefix="day")
    invalid = posted is not None and (
        bool(weeks_form.errors) or (rows.is_bound and not rows.is_valid())
    )
    taken = {day.number for day in existing}
    numbers = [n for n in range(1, COURSE_DAYS_PER_PILOT + 1) if n not in taken]
    context.update(
        weeks_form=weeks_form,
        rows=rows,
        numbered_rows=list(zip(numbers, rows.forms, strict=False)),
        proposal=proposal,
    )
    return _render(request, "programme/setup/course_days.html", context, invalid=invalid)


def _confirm(request, *, pilot: Pilot, weeks: CourseWeeks, form, rows):
    given = [row for row in rows.forms if row.is_given]
    days = [
        PlannedDay(
            date=row.cleaned_data["date"],
            starts_at=row.cleaned_data["starts_at"],
            ends_at=row.cleaned_data["ends_at"],
            place=row.cleaned_data["place"],
        )
        for row in given
    ]
    try:
        saved = pilot_course_days_confirm(
            user=request.user,
            pilot=pilot,
            weeks=weeks,
            days=days,
            facilitators=form.cleaned_data["facilitators"],
        )
    except CourseDayRefused as refused:
        _add_errors(given[refused.index], refused)
        return None
    except ValidationError as error:
        _add_errors(form, error)
        return None
    messages.success(
        request,
        ngettext("%(count)s course day is saved.", "%(count)s course days are saved.", len(saved))
        % {"count": len(saved)},
    )
    all_days = list(CourseDay.objects.filter(pilot=pilot).prefetch_related("facilitators"))
    for warning in pilot_schedule_warnings(pilot=pilot, course_days=all_days, meetings=[]):
        messages.warning(request, warning)
    return redirect("programme:pilot_detail", pk=pilot.pk)
