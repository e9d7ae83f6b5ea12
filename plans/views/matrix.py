"""The effort/effect matrix of the plan's measures."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pilots.selectors import pilot_get_for_user
from plans.matrix import matrix_effort_levels, matrix_rows
from plans.selectors import plan_for_pilot


@login_required
@require_GET
def plan_matrix(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    plan = plan_for_pilot(pilot)
    context = {
        "pilot": pilot,
        "plan": plan,
        "efforts": matrix_effort_levels(),
        "rows": matrix_rows(plan),
    }
    return render(request, "plans/matrix.html", context)
