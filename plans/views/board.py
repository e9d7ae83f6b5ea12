"""The plan at work: the improvement board, the effort/effect matrix, indicators and gains."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilots.access import scope_for
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user, programmes_for_user
from plans.board import (
    board_columns,
    indicator_get_for_user,
    matrix_effort_levels,
    matrix_rows,
    measure_get_for_user,
    measurement_add,
    plan_for_pilot,
    programme_gains_rows,
)
from plans.board import measure_set_status as set_status
from plans.charts import run_chart_svg
from plans.models import Measure

# Forms


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Measure.Status.choices)


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(
        label=gettext_lazy("Date"),
        help_text=gettext_lazy("As dd.mm.yyyy, e.g. 15.02.2027."),
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"autocomplete": "off"}),
    )
    value = forms.DecimalField(
        label=gettext_lazy("Value"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, unit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if unit:
            self.fields["value"].label = _("Value (%(unit)s)") % {"unit": unit}


# The improvement board


def _board_context(request, pilot: Pilot, *, fullscreen: bool, **extra) -> dict:
    plan = plan_for_pilot(pilot)
    today = timezone.localdate()
    return {
        "pilot": pilot,
        "plan": plan,
        "today": today,
        "columns": board_columns(plan, today=today),
        "statuses": Measure.Status.choices,
        "can_change": scope_for(request.user).can_lead(pilot.department_id),
        "fullscreen": fullscreen,
        # The wall-screen mode leaves out the site's header and footer.
        "base_template": "plans/_base_fullscreen.html" if fullscreen else "base.html",
        **extra,
    }


def _board_url(pilot: Pilot, *, fullscreen: bool) -> str:
    url = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
    return f"{url}?fullscreen=1" if fullscreen else url


@login_required
@require_GET
def plan_board(request, pilot_pk: int):
    """The department's measures in columns by status (forbedringstavle)."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    if not scope_for(request.user).can_read(pilot.department_id):
        raise PermissionDenied
    context = _board_context(request, pilot, fullscreen=request.GET.get("fullscreen") == "1")
    template = "plans/fragment_board.html" if request.htmx else "plans/board.html"
    return render(request, template, context)


@login_required
@require_POST
def measure_set_status(request, pk: int):
    """Move a card in one click: htmx gets the board back, a plain form post a redirect."""
    measure = measure_get_for_user(request.user, pk)
    pilot = measure.plan.pilot
    if not scope_for(request.user).can_lead(pilot.department_id):
        raise PermissionDenied
    fullscreen = request.POST.get("fullscreen") == "1"
    form = MeasureStatusForm(request.POST)
    if not form.is_valid():
        error = _("Choose one of the statuses on the board.")
        if request.htmx:
            context = _board_context(request, pilot, fullscreen=fullscreen, announcement=error)
            return render(request, "plans/fragment_board.html", context, status=400)
        messages.error(request, error)
        context = _board_context(request, pilot, fullscreen=fullscreen)
        return render(request, "plans/board.html", context, status=400)
    set_status(measure=measure, user=request.user, status=form.cleaned_data["status"])
    announcement = _("“%(title)s” moved to “%(status)s”.") % {
        "title": measure.title,
        "status": measure.get_status_display(),
    }
    if request.htmx:
        context = _board_context(
            request,
            pilot,
            fullscreen=fullscreen,
            announcement=announcement,
            focus_id=f"measure-{measure.pk}",
        )
        return render(request, "plans/fragment_board.html", context)
    messages.success(request, announcement)
    return redirect(_board_url(pilot, fullscreen=fullscreen))


# The effort/effect matrix


@login_required
@require_GET
def plan_matrix(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    if not scope_for(request.user).can_read(pilot.department_id):
        raise PermissionDenied
    plan = plan_for_pilot(pilot)
    context = {
        "pilot": pilot,
        "plan": plan,
        "efforts": matrix_effort_levels(),
        "rows": matrix_rows(plan),
    }
    return render(request, "plans/matrix.html", context)


# Indicators and their measurements


@login_required
@require_http_methods(["GET", "POST"])
def indicator_detail(request, pk: int):
    """The indicator's run chart and numbers; leaders and coordinators add measurements here."""
    indicator = indicator_get_for_user(request.user, pk)
    pilot = indicator.plan.pilot
    scope = scope_for(request.user)
    if not scope.can_read(pilot.department_id):
        raise PermissionDenied
    can_add = scope.can_lead(pilot.department_id)
    status = 200
    form = MeasurementForm(unit=indicator.unit) if can_add else None
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = MeasurementForm(request.POST, unit=indicator.unit)
        if form.is_valid():
            try:
                measurement = measurement_add(
                    indicator=indicator, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The measurement of %(date)s has been saved.")
                    % {"date": date_format(measurement.measured_on, "SHORT_DATE_FORMAT")},
                )
                return redirect("plans:indicator_detail", pk=indicator.pk)
        status = 400
    measurements = list(indicator.measurements.order_by("measured_on"))
    chart = run_chart_svg(
        points=[(m.measured_on, m.value) for m in measurements],
        baseline=indicator.baseline,
        target=indicator.target,
        title=_("Run chart: %(indicator)s") % {"indicator": indicator.name},
        unit=indicator.unit,
        chart_id=f"indicator-{indicator.pk}-chart",
    )
    context = {
        "indicator": indicator,
        "pilot": pilot,
        "measurements": measurements,
        "latest": measurements[-1] if measurements else None,
        "chart": chart,
        "form": form,
    }
    return render(request, "plans/indicator.html", context, status=status)


# Gains per programme


@login_required
@require_GET
def programme_gains(request, pk: int):
    """Hours per week identified and realised per pilot, and in full-time equivalents."""
    programme = get_object_or_404(programmes_for_user(request.user), pk=pk)
    if not scope_for(request.user).can_manage_programme():
        raise PermissionDenied
    rows, total = programme_gains_rows(user=request.user, programme=programme)
    context = {"programme": programme, "rows": rows, "total": total}
    return render(request, "plans/gains.html", context)
