"""The coordinators' landing page, the pilot page, and moving a pilot along its lifecycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pilots.access import scope_for
from pilots.dashboard import (
    TIMELINE_WEEKS,
    PhaseFilterForm,
    dashboard_page,
    dashboard_pilots_for_user,
    dashboard_rows,
    dashboard_timeline,
    pilot_course_day_slots,
    pilot_follow_up_meetings,
    pilot_information_meetings,
    pilot_people,
    pilot_plan_summary,
)
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from pilots.services import phase_after
from pilots.services import pilot_advance_phase as advance_phase
from training.holidays import pilot_schedule_warnings
from training.models import COURSE_DAYS_PER_PILOT


@login_required
@require_GET
def dashboard(request):
    """Every pilot the user may see at a glance, and what happens in the weeks ahead."""
    scope = scope_for(request.user)
    form = PhaseFilterForm(request.GET or None)
    context = {"form": form, "can_manage": scope.can_manage_programme()}
    if form.is_bound and not form.is_valid():
        return render(request, "pilots/dashboard.html", context, status=400)
    phase = form.cleaned_data["phase"] if form.is_bound else ""
    today = timezone.localdate()
    pilots = dashboard_pilots_for_user(request.user, phase=phase)
    page = dashboard_page(pilots, today=today, page_number=request.GET.get("page"))
    rows = dashboard_rows(page)
    context.update(
        phase=phase,
        phase_label=Pilot.Phase(phase).label if phase else "",
        course_days_total=COURSE_DAYS_PER_PILOT,
        rows=rows,
        today=today,
        page=page,
        timeline=dashboard_timeline([row.pilot.pk for row in rows], today=today),
        timeline_weeks=TIMELINE_WEEKS,
        programmes=list({row.pilot.programme_id: row.pilot.programme for row in rows}.values()),
    )
    return render(request, "pilots/dashboard.html", context)


@login_required
@require_GET
def pilot_detail(request, pk: int):
    pilot = pilot_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    today = timezone.localdate()
    people = pilot_people(pilot)
    next_phase = phase_after(pilot.phase)
    meetings = pilot_information_meetings(pilot)
    course_day_slots = pilot_course_day_slots(pilot)
    context = {
        "pilot": pilot,
        "today": today,
        "people": people,
        "leaders": [entry.person for entry in people if entry.is_leader],
        "meetings": meetings,
        "course_day_slots": course_day_slots,
        "plan": pilot_plan_summary(pilot, today=today),
        "follow_up_meetings": pilot_follow_up_meetings(pilot),
        "schedule_warnings": pilot_schedule_warnings(
            pilot=pilot,
            course_days=[slot.day for slot in course_day_slots if slot.day],
            meetings=meetings,
        ),
        "next_phase_label": Pilot.Phase(next_phase).label if next_phase else "",
        "can_manage": scope.can_manage_programme(),
        "can_lead": scope.can_lead(pilot.department_id),
    }
    return render(request, "pilots/pilot_detail.html", context)


@login_required
@require_POST
def pilot_advance_phase(request, pk: int):
    """Move the pilot to its next phase; refused (error message, no change) when stale or closed."""
    pilot = pilot_get_for_user(request.user, pk)
    if not scope_for(request.user).can_manage_programme():
        raise PermissionDenied
    try:
        pilot = advance_phase(
            pilot=pilot,
            user=request.user,
            expected_phase=request.POST.get("expected_phase") or None,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(department)s moved to the phase “%(phase)s”.")
            % {"department": pilot.department, "phase": pilot.get_phase_display()},
        )
    return redirect("pilots:pilot_detail", pk=pilot.pk)
