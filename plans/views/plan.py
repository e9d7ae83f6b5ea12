"""The plan page and the plan's change history: read by everyone in the department's scope."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots.access import scope_for
from pilots.selectors import pilot_get_for_user
from plans.models import ProjectPlan
from plans.selectors import plan_for_pilot, plan_history_page, plan_page_for_pilot
from plans.services import SUBMITTABLE


@login_required
@require_GET
def plan_detail(request, pilot_pk: int):
    """The plan as it stands. Before it has one, its editors are invited to start it."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    page = plan_page_for_pilot(pilot, today=timezone.localdate())
    status = page.plan.status if page else None
    can_edit = scope.can_edit_plan(pilot)
    context = {
        "pilot": pilot,
        "page": page,
        "plan": page.plan if page else None,
        "can_edit": can_edit,
        "can_submit": can_edit and status in SUBMITTABLE,
        "can_review": scope.can_review_plan(pilot) and status == ProjectPlan.Status.SUBMITTED,
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
@require_GET
def plan_history(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    plan = plan_for_pilot(pilot)
    page, entries = (None, [])
    if plan is not None:
        page, entries = plan_history_page(plan, request.GET.get("page"))
    context = {"pilot": pilot, "plan": plan, "page": page, "entries": entries}
    return render(request, "plans/plan_history.html", context)
