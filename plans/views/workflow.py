"""Submitting a plan for review, and the review itself (approve, or return with a comment).

Both are POSTs from the plan page. A refusal (wrong state, missing comment) answers 400 and a stale
page 409, on a page that says what happened and leads back to the plan.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilots.access import scope_for
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from plans import services
from plans.forms import APPROVE, PlanReviewForm, PlanSubmitForm
from plans.models import ProjectPlan


def _plan_for(pilot: Pilot) -> ProjectPlan:
    # The pilot came through the user's scope; its plan is reached only through it.
    plan = get_object_or_404(ProjectPlan, pilot=pilot)
    plan.pilot = pilot
    return plan


def _refused(request, *, pilot: Pilot, plan: ProjectPlan, errors: list[str], status: int, **extra):
    context = {"pilot": pilot, "plan": plan, "errors": errors, **extra}
    return render(request, "plans/plan_workflow.html", context, status=status)


def _refusal_status(error: ValidationError) -> int:
    return 409 if getattr(error, "code", None) == "stale_version" else 400


@login_required
@require_POST
def plan_submit(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    plan = _plan_for(pilot)
    form = PlanSubmitForm(request.POST)
    # A missing or garbled version cannot match the plan's: the page is stale, as for a wrong one.
    expected_version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        # The service refuses (403) whoever may not submit, before it looks at the version.
        services.plan_submit(plan=plan, user=request.user, expected_version=expected_version)
    except ValidationError as error:
        return _refused(
            request, pilot=pilot, plan=plan, errors=error.messages, status=_refusal_status(error)
        )
    messages.success(
        request,
        _(
            "The plan has been submitted for review. The lean coordinator and guide are told "
            "by e-mail."
        ),
    )
    return redirect("plans:plan_detail", pilot_pk=pilot.pk)


@login_required
@require_POST
def plan_review(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    # Asked before the form, so that a leader or staff member learns they may not, not why not.
    scope.require(scope.can_review_plan(pilot))
    plan = _plan_for(pilot)
    form = PlanReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, pilot=pilot, plan=plan, errors=[], review_form=form, status=400)
    data = form.cleaned_data
    try:
        if data["decision"] == APPROVE:
            services.plan_approve(
                plan=plan,
                user=request.user,
                expected_version=data["version"],
                comment=data["comment"],
            )
            success = _("The plan has been approved. The department leader is told by e-mail.")
        else:
            services.plan_return(
                plan=plan,
                user=request.user,
                expected_version=data["version"],
                comment=data["comment"],
            )
            success = _(
                "The plan has been returned with your comment. The department leader is told "
                "by e-mail."
            )
    except ValidationError as error:
        return _refused(
            request,
            pilot=pilot,
            plan=plan,
            errors=error.messages,
            status=_refusal_status(error),
            # Shown so that a long comment written against a stale page is not lost.
            typed_comment=data["comment"],
        )
    messages.success(request, success)
    return redirect("plans:plan_detail", pilot_pk=pilot.pk)
