"""Gains per programme: hours per week freed by each pilot's measures, and in FTE."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots.access import scope_for
from pilots.selectors import programmes_for_user
from plans.charts_bars import gains_over_time_chart
from plans.gains import programme_gains_months, programme_gains_rows


@login_required
@require_GET
def programme_gains(request, pk: int):
    """Hours per week identified and realised per pilot, and in full-time equivalents."""
    programme = get_object_or_404(programmes_for_user(request.user), pk=pk)
    scope = scope_for(request.user)
    scope.require(scope.can_view_programme(programme))
    rows, total = programme_gains_rows(user=request.user, programme=programme)
    months = programme_gains_months(
        user=request.user, programme=programme, today=timezone.localdate()
    )
    chart = gains_over_time_chart(
        months,
        hours_per_fte_week=programme.hours_per_fte_week,
        chart_id=f"programme-{programme.pk}-gains-chart",
    )
    context = {"programme": programme, "rows": rows, "total": total, "chart": chart}
    return render(request, "plans/gains.html", context)
