"""The plan page, editing the plan, and the plan's change history.

Everyone who can read the department reads the plan; its leader and the programme's coordinator
and guide edit it. A save made from an older version of the plan is refused with 409 and shows
what the others changed, with the user's own typing kept in the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pilots.access import Scope, scope_for
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from plans.forms import PlanEditForms
from plans.models import ProjectPlan
from plans.selectors import (
    plan_changes_since,
    plan_for_pilot,
    plan_history_page,
    plan_page_for_pilot,
)
from plans.services import PlanConflict, plan_ensure, plan_update

SUBMITTABLE = (ProjectPlan.Status.DRAFT, ProjectPlan.Status.RETURNED)


def _pilot_for_reader(user, pilot_pk: int) -> tuple[Pilot, Scope]:
    pilot = pilot_get_for_user(user, pilot_pk)
    scope = scope_for(user)
    if not scope.can_read(pilot.department_id):
        raise Http404
    return pilot, scope


@login_required
@require_GET
def plan_detail(request, pilot_pk: int):
    pilot, scope = _pilot_for_reader(request.user, pilot_pk)
    can_edit = scope.can_lead(pilot.department_id)
    if can_edit:
        plan_ensure(pilot=pilot, user=request.user)
    page = plan_page_for_pilot(pilot, today=timezone.localdate())
    status = page.plan.status if page else None
    context = {
        "pilot": pilot,
        "page": page,
        "plan": page.plan if page else None,
        "can_edit": can_edit,
        "can_submit": can_edit and status in SUBMITTABLE,
        "can_review": scope.can_manage_programme() and status == ProjectPlan.Status.SUBMITTED,
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    if not scope_for(request.user).can_lead(pilot.department_id):
        raise PermissionDenied
    plan = plan_ensure(pilot=pilot, user=request.user)
    if request.method == "GET":
        return _edit_page(request, pilot, PlanEditForms(plan=plan))

    prefix = PlanEditForms.row_to_add(request.POST)
    if prefix is not None:
        data = PlanEditForms.with_added_row(request.POST, prefix, plan=plan)
        forms = PlanEditForms(plan=plan, data=data).quiet()
        return _edit_page(request, pilot, forms, unsaved=True)

    posted_version = _posted_version(request.POST)
    if posted_version not in (None, plan.version):
        return _conflict_page(request, pilot, request.POST, posted_version)
    forms = PlanEditForms(plan=plan, data=request.POST)
    if not forms.is_valid():
        return _edit_page(request, pilot, forms, unsaved=True, status=400)
    try:
        plan_update(
            plan=plan,
            expected_version=forms.expected_version,
            fields=forms.plan_fields(),
            formsets=forms.formsets.values(),
            user=request.user,
        )
    except PlanConflict as conflict:
        return _conflict_page(request, pilot, request.POST, conflict.expected_version)
    messages.success(request, _("The plan was saved."))
    return redirect("plans:plan_detail", pilot_pk=pilot.pk)


def _posted_version(data) -> int | None:
    try:
        return int(data.get("version", ""))
    except ValueError:
        return None


def _edit_page(request, pilot, forms, *, unsaved=False, status=200, conflict=None):
    context = {
        "pilot": pilot,
        "plan": forms.plan,
        "forms": forms,
        "unsaved": unsaved,
        "conflict": conflict,
    }
    return render(request, "plans/plan_edit.html", context, status=status)


def _conflict_page(request, pilot, posted, version: int):
    """409: what the others changed since `version`, and the user's typing merged onto it."""
    current = plan_for_pilot(pilot)
    changes = plan_changes_since(plan=current, version=version)
    data = PlanEditForms(plan=current).rebased(posted, current=current, base=changes.base)
    forms = PlanEditForms(plan=current, data=data)
    return _edit_page(request, pilot, forms, unsaved=True, status=409, conflict=changes)


@login_required
@require_GET
def plan_history(request, pilot_pk: int):
    pilot, _scope = _pilot_for_reader(request.user, pilot_pk)
    plan = plan_for_pilot(pilot)
    page, entries = (None, [])
    if plan is not None:
        page, entries = plan_history_page(plan, request.GET.get("page"))
    context = {"pilot": pilot, "plan": plan, "page": page, "entries": entries}
    return render(request, "plans/plan_history.html", context)
