"""An indicator: its run chart and its measurements, which the plan's editors add, correct and
delete here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pilots.access import scope_for
from plans import services
from plans.charts import run_chart
from plans.forms import MeasurementForm
from plans.selectors import indicator_get_for_user, measurement_get_for_user


@login_required
@require_http_methods(["GET", "POST"])
def indicator_detail(request, pk: int):
    """The indicator's run chart and numbers; leaders and coordinators add measurements here."""
    indicator = indicator_get_for_user(request.user, pk)
    pilot = indicator.plan.pilot
    scope = scope_for(request.user)
    can_add = scope.can_edit_plan(pilot)
    status = 200
    form = MeasurementForm(unit=indicator.unit) if can_add else None
    if request.method == "POST":
        scope.require(can_add)
        form = MeasurementForm(request.POST, unit=indicator.unit)
        if form.is_valid():
            try:
                measurement = services.measurement_add(
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
    chart = run_chart(
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
        "can_edit": can_add,
    }
    return render(request, "plans/indicator.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def measurement_edit(request, pk: int):
    """Correct one measurement; deleting it is offered on the same page."""
    measurement = measurement_get_for_user(request.user, pk)
    indicator = measurement.indicator
    pilot = indicator.plan.pilot
    scope = scope_for(request.user)
    scope.require(scope.can_edit_plan(pilot))
    initial = {
        "measured_on": measurement.measured_on,
        "value": measurement.value,
        "note": measurement.note,
    }
    form = MeasurementForm(request.POST or None, initial=initial, unit=indicator.unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.measurement_update(
                measurement=measurement, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The measurement of %(date)s has been corrected.")
                % {"date": date_format(measurement.measured_on, "SHORT_DATE_FORMAT")},
            )
            return redirect("plans:indicator_detail", pk=indicator.pk)
    context = {"measurement": measurement, "indicator": indicator, "pilot": pilot, "form": form}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "plans/measurement_form.html", context, status=status)


@login_required
@require_POST
def measurement_delete(request, pk: int):
    measurement = measurement_get_for_user(request.user, pk)
    indicator = measurement.indicator
    measured_on = measurement.measured_on
    services.measurement_delete(measurement=measurement, user=request.user)
    messages.success(
        request,
        _("The measurement of %(date)s has been deleted.")
        % {"date": date_format(measured_on, "SHORT_DATE_FORMAT")},
    )
    return redirect("plans:indicator_detail", pk=indicator.pk)
