"""The programme's settings page: default course weeks, phase targets and holiday periods.

For the programme's lean coordinators and guides. Others who can see the programme (its
department leaders and staff) get 403; another municipality's people 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilots.access import scope_for
from pilots.forms import CourseWeeksForm, HolidayPeriodForm, PhaseTargetsForm, RetentionForm
from pilots.models import HolidayPeriod, Pilot, Programme
from pilots.programme_settings import (
    DEFAULT_COURSE_WEEK_FIRST,
    DEFAULT_COURSE_WEEK_LAST,
    holiday_period_delete,
    holiday_period_save,
    next_course_year,
    phase_targets_by_phase,
    phase_targets_save,
    programme_course_weeks_set,
    programme_retention_set,
)
from pilots.selectors import holiday_periods_for_user, programme_get_for_user
from pilots.services import PHASE_ORDER


def _posted(request):
    # An empty POST is still a submission: `request.POST or None` would show a fresh form.
    return request.POST if request.method == "POST" else None


def _programme_to_edit(request, pk: int) -> Programme:
    programme = programme_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_edit_programme_settings(programme))
    return programme


def _holiday_period_to_edit(request, programme: Programme, pk: int) -> HolidayPeriod:
    period = get_object_or_404(
        holiday_periods_for_user(request.user).filter(municipality_id=programme.municipality_id),
        pk=pk,
    )
    scope = scope_for(request.user)
    scope.require(scope.can_manage_holiday_periods(municipality_id=period.municipality_id))
    return period


def _add_service_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _phases() -> list[tuple[str, str]]:
    return [(phase, Pilot.Phase(phase).label) for phase in PHASE_ORDER]


def _form_page(request, template: str, context: dict):
    form = context["form"]
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


@login_required
@require_GET
def programme_settings(request, pk: int):
    programme = _programme_to_edit(request, pk)
    targets = phase_targets_by_phase(programme)
    periods = (
        holiday_periods_for_user(request.user)
        .filter(municipality_id=programme.municipality_id)
        .order_by("starts_on", "pk")
    )
    context = {
        "programme": programme,
        "default_weeks": {
            "first": DEFAULT_COURSE_WEEK_FIRST,
            "last": DEFAULT_COURSE_WEEK_LAST,
            "year": next_course_year(today=timezone.localdate()),
        },
        "target_rows": [(label, targets.get(phase)) for phase, label in _phases()],
        "holiday_periods": list(periods),
    }
    return render(request, "pilots/programme_settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_retention(request, pk: int):
    """How long the programme keeps personal data: the retention policy's numbers."""
    programme = _programme_to_edit(request, pk)
    form = RetentionForm(_posted(request), instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            programme_retention_set(user=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The retention periods are saved."))
            return redirect("pilots:programme_settings", pk=programme.pk)
    return _form_page(
        request, "pilots/programme_retention.html", {"programme": programme, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_course_weeks(request, pk: int):
    programme = _programme_to_edit(request, pk)
    form = CourseWeeksForm(
        _posted(request),
        initial={
            "course_year": programme.course_year,
            "course_week_first": programme.course_week_first,
            "course_week_last": programme.course_week_last,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme_course_weeks_set(user=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The course weeks are saved."))
            return redirect("pilots:programme_settings", pk=programme.pk)
    return _form_page(
        request, "pilots/programme_course_weeks.html", {"programme": programme, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_phase_targets(request, pk: int):
    programme = _programme_to_edit(request, pk)
    initial = {}
    for phase, target in phase_targets_by_phase(programme).items():
        initial[f"{phase}_reached_by"] = target.reached_by
        initial[f"{phase}_note"] = target.note
    form = PhaseTargetsForm(_posted(request), initial=initial, phases=_phases())
    if request.method == "POST" and form.is_valid():
        try:
            phase_targets_save(user=request.user, programme=programme, targets=form.targets())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The phase targets are saved."))
            return redirect("pilots:programme_settings", pk=programme.pk)
    return _form_page(
        request, "pilots/programme_phase_targets.html", {"programme": programme, "form": form}
    )


def _holiday_period_page(request, *, programme: Programme, period: HolidayPeriod | None):
    initial = {}
    if period is not None:
        initial = {"name": period.name, "starts_on": period.starts_on, "ends_on": period.ends_on}
    form = HolidayPeriodForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = holiday_period_save(
                user=request.user,
                municipality_id=programme.municipality_id,
                period=period,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The holiday period “%(name)s” (%(starts)s–%(ends)s) is saved.")
                % {
                    "name": saved.name,
                    "starts": date_format(saved.starts_on, "SHORT_DATE_FORMAT"),
                    "ends": date_format(saved.ends_on, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("pilots:programme_settings", pk=programme.pk)
    return _form_page(
        request,
        "pilots/holiday_period_form.html",
        {"programme": programme, "period": period, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def holiday_period_create(request, programme_pk: int):
    programme = _programme_to_edit(request, programme_pk)
    scope = scope_for(request.user)
    scope.require(scope.can_manage_holiday_periods(municipality_id=programme.municipality_id))
    return _holiday_period_page(request, programme=programme, period=None)


@login_required
@require_http_methods(["GET", "POST"])
def holiday_period_edit(request, programme_pk: int, pk: int):
    programme = _programme_to_edit(request, programme_pk)
    period = _holiday_period_to_edit(request, programme, pk)
    return _holiday_period_page(request, programme=programme, period=period)


@login_required
@require_POST
def holiday_period_remove(request, programme_pk: int, pk: int):
    programme = _programme_to_edit(request, programme_pk)
    period = _holiday_period_to_edit(request, programme, pk)
    holiday_period_delete(user=request.user, period=period)
    messages.success(
        request, _("The holiday period “%(name)s” is deleted.") % {"name": period.name}
    )
    return redirect("pilots:programme_settings", pk=programme.pk)
