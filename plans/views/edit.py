"""Editing the plan: its own fields and all its parts on one page.

The department's leader and the programme's coordinator and guide edit it. A GET never writes:
before the plan exists the page shows it empty, and the first save starts it. A save made from an
older version is refused with 409 and shows what the others changed, with the user's own typing
kept in the form; a POST claiming more rows than a plan may have is refused with 400 before any
row's form is built.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilots.access import scope_for
from pilots.selectors import pilot_get_for_user
from plans.forms import PlanEditForms
from plans.models import ProjectPlan
from plans.selectors import plan_changes_since, plan_for_pilot
from plans.services import PlanConflict, plan_update


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    scope.require(scope.can_edit_plan(pilot))
    # Not saved here: an unsaved plan shows the empty form, and `plan_update` starts the plan.
    plan = plan_for_pilot(pilot) or ProjectPlan(pilot=pilot)
    if request.method == "GET":
        return _edit_page(request, pilot, PlanEditForms(plan=plan))

    if PlanEditForms.too_many_rows(request.POST):
        data = PlanEditForms.trimmed(request.POST)
        forms = PlanEditForms(plan=plan, data=data).quiet().refuse_too_many_rows()
        return _edit_page(request, pilot, forms, unsaved=True, status=400)

    prefix = PlanEditForms.row_to_add(request.POST)
    if prefix is not None:
        data = PlanEditForms.with_added_row(request.POST, prefix, plan=plan)
        forms = PlanEditForms(plan=plan, data=data).quiet()
        return _edit_page(request, pilot, forms, unsaved=True)

    posted_version = _posted_version(request.POST)
    if plan.pk is not None and posted_version not in (None, plan.version):
        return _conflict_page(request, pilot, request.POST, posted_version)
    forms = PlanEditForms(plan=plan, data=request.POST)
    if not forms.is_valid():
        return _edit_page(request, pilot, forms, unsaved=True, status=400)
    try:
        plan_update(
            pilot=pilot,
            user=request.user,
            expected_version=forms.expected_version,
            fields=forms.plan_fields(),
            parts=forms.parts(),
        )
    except PlanConflict as conflict:
        return _conflict_page(request, pilot, request.POST, conflict.expected_version)
    except ValidationError as error:
        forms.add_service_errors(error)
        return _edit_page(request, pilot, forms, unsaved=True, status=400)
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
