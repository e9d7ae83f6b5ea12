"""The pages that compose every app: home, the programme dashboard and the pilot page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leanprogram import design
from leanprogram.attention import needs_attention
from leanprogram.charts import attendance_per_pilot_chart
from leanprogram.dashboard import (
    TIMELINE_WEEKS,
    dashboard_information_attendance,
    dashboard_measure_months,
    dashboard_page,
    dashboard_pilots_for_user,
    dashboard_rows,
    dashboard_timeline,
)
from leanprogram.exports.views import pilot_export_links, programme_export_links
from leanprogram.forms import PhaseFilterForm
from leanprogram.journey import board_meetings_per_week, pilot_journey
from leanprogram.pilot_page import (
    pilot_course_day_slots,
    pilot_follow_up_meetings,
    pilot_information_meeting_attendance,
    pilot_information_meetings,
    pilot_people,
    pilot_phase_history,
    pilot_plan_summary,
    pilot_suggestion_counts,
    plan_measures_by_status,
)
from pilots.access import scope_for
from pilots.admin_base import may_use_admin
from pilots.collation import norwegian
from pilots.library import lessons_due, library_suggestions, pilot_lessons_of
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user, programmes_for_user
from pilots.services import phase_after
from plans.charts_bars import measures_by_status_chart
from training.models import COURSE_DAYS_PER_PILOT
from training.schedule_warnings import pilot_schedule_warnings
from training.selectors import session_chosen_by


@require_GET
@login_required
def home(request):
    """Every person lands on "My tasks"; an administrator without a person on the dashboard."""
    scope = scope_for(request.user)
    if scope.person_id is not None:
        return redirect("my_tasks")
    if scope.can_manage_programme():
        return redirect("programme:dashboard")
    if may_use_admin(request.user):
        return redirect("admin:index")
    return render(request, "no_access.html")


@require_GET
def accessibility(request):
    return render(request, "accessibility.html")


@require_GET
def privacy(request):
    """The privacy statement: public, like the accessibility statement, because someone asking
    what is done with their data may not have a login. A reader we know is told which
    municipality is responsible; anyone else reads it in general terms."""
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    municipality = person.municipality if person is not None else None
    return render(request, "privacy.html", {"municipality": municipality})


@require_GET
def style_guide(request):
    """The design system at a glance (docs/design.md has the rules): public, like the statement."""
    return render(request, "style_guide.html", {"pairs": design.PAIRS})


@login_required
@require_GET
def dashboard(request):
    """Every pilot the user may see at a glance, and what happens in the weeks ahead."""
    scope = scope_for(request.user)
    form = PhaseFilterForm(request.GET or None)
    # One query: the downloads of each programme, and where a coordinator starts a new pilot
    # and keeps the settings.
    programmes = list(programmes_for_user(request.user).order_by(norwegian("name"), "pk"))
    context = {
        "form": form,
        "can_manage": scope.can_manage_programme(),
        "downloads": [
            (programme, programme_export_links(request.user, programme)) for programme in programmes
        ],
    }
    if scope.can_manage_programme():
        context["managed_programmes"] = [
            programme for programme in programmes if scope.can_set_up_pilot(programme)
        ]
    if form.is_bound and not form.is_valid():
        return render(request, "programme/dashboard.html", context, status=400)
    phase = form.cleaned_data["phase"] if form.is_bound else ""
    today = timezone.localdate()
    pilots = dashboard_pilots_for_user(request.user, phase=phase)
    page = dashboard_page(pilots, today=today, page_number=request.GET.get("page"))
    rows = dashboard_rows(page, today=today)
    context.update(
        phase=phase,
        phase_label=Pilot.Phase(phase).label if phase else "",
        course_days_total=COURSE_DAYS_PER_PILOT,
        rows=rows,
        today=today,
        page=page,
        attention=needs_attention(
            [row.pilot for row in rows], today=today, can_manage=scope.can_manage_programme()
        ),
        timeline=dashboard_timeline([row.pilot.pk for row in rows], today=today),
        timeline_weeks=TIMELINE_WEEKS,
        programmes=list({row.pilot.programme_id: row.pilot.programme for row in rows}.values()),
    )
    if rows:
        context.update(
            attendance_chart=attendance_per_pilot_chart(
                rows, dashboard_information_attendance([row.pilot.pk for row in rows])
            ),
            measures_chart=measures_by_status_chart(
                dashboard_measure_months(pilots, today=today), chart_id="dashboard-measures-chart"
            ),
        )
    return render(request, "programme/dashboard.html", context)


@login_required
@require_GET
def pilot_detail(request, pk: int):
    """One department's run through the model: people, schedule, plan and follow-up."""
    pilot = pilot_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    today = timezone.localdate()
    people = pilot_people(pilot)
    next_phase = phase_after(pilot.phase)
    meetings = pilot_information_meetings(pilot)
    course_day_slots = pilot_course_day_slots(pilot)
    information_attendance = pilot_information_meeting_attendance(pilot, people)
    can_choose_session = scope.can_choose_information_session(pilot)
    my_session = None
    if can_choose_session:
        chosen_id = session_chosen_by(pilot=pilot, person_id=scope.person_id)
        my_session = next((m for m in meetings if m.pk == chosen_id), None)
    plan = pilot_plan_summary(pilot, today=today)
    follow_up_meetings = pilot_follow_up_meetings(pilot)
    lessons = pilot_lessons_of(pilot)
    context = {
        "pilot": pilot,
        "today": today,
        "people": people,
        "leaders": [entry.person for entry in people if entry.is_leader],
        "meetings": meetings,
        "has_sessions": len(meetings) > 1,
        "information_attendance": information_attendance,
        "my_session": my_session,
        "i_attended": scope.person_id in information_attendance.present_ids,
        "sessions_ahead": any(not m.has_started for m in meetings),
        "can_choose_session": can_choose_session,
        "can_assign_sessions": scope.can_assign_information_sessions(pilot),
        "course_day_slots": course_day_slots,
        # The course days' fold opens while a day is still to schedule or to take attendance for.
        "course_days_need_work": any(
            slot.day is None
            or (
                slot.day.has_started and not (slot.day.present + slot.day.absent + slot.day.excused)
            )
            for slot in course_day_slots
        ),
        "plan": plan,
        "journey": pilot_journey(
            phase=pilot.phase,
            course_days_held=[
                slot.number for slot in course_day_slots if slot.day and slot.day.has_started
            ],
            measures_by_status=plan_measures_by_status(plan),
            board_meetings=board_meetings_per_week(pilot, today=today),
            today=today,
        ),
        "follow_up_meetings": follow_up_meetings,
        # The summary card's "next follow-up": the first one not held, read from the list above.
        "next_follow_up": next((m for m in follow_up_meetings if not m.held_on), None),
        "suggestion_counts": pilot_suggestion_counts(pilot),
        "schedule_warnings": pilot_schedule_warnings(
            pilot=pilot,
            course_days=[slot.day for slot in course_day_slots if slot.day],
            meetings=meetings,
        ),
        "next_phase_label": Pilot.Phase(next_phase).label if next_phase else "",
        "phase_history": pilot_phase_history(pilot),
        "can_advance_phase": scope.can_advance_phase(pilot),
        "can_set_up": scope.can_set_up_pilot(pilot),
        "can_schedule": scope.can_schedule(pilot),
        "can_take_attendance": scope.can_take_attendance(pilot),
        "can_edit_plan": scope.can_edit_plan(pilot),
        "can_manage_staff": scope.can_manage_staff(pilot.department),
        "can_log_board_meeting": scope.can_log_board_meeting(pilot),
        "can_record_follow_up": scope.can_record_follow_up(pilot),
        "can_suggest": scope.can_suggest(pilot),
        "downloads": pilot_export_links(request.user, pilot),
        "lessons": lessons,
        "lessons_due": lessons_due(pilot, lessons),
        "can_write_lessons": scope.can_write_lessons(pilot),
        "library_suggestions": library_suggestions(request.user, pilot=pilot),
    }
    return render(request, "programme/pilot_detail.html", context)
