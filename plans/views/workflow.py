"""Submitting a plan for review, and the review itself (approve, or return with a comment).

Both are POSTs from the plan page. A refusal (wrong state, missing comment) answers 400 and a stale
page 409, on a page that says what happened and leads back to the plan.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilots.access import scope_for
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from plans import workflow
from plans.models import ProjectPlan

APPROVE, RETURN = "approve", "return"


class PlanSubmitForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class PlanReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (APPROVE, gettext_lazy("Approve the plan")),
            (RETURN, gettext_lazy("Return the plan to the department with a comment")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment to the department"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Required when you return the plan: say what to improve."),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Write a comment telling the department what to improve."))
        return cleaned


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
    if not scope_for(request.user).can_lead(pilot.department_id):
        raise PermissionDenied
    plan = _plan_for(pilot)
    form = PlanSubmitForm(request.POST)
    # A missing or garbled version cannot match the plan's: the page is stale, as for a wrong one.
    expected_version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        workflow.plan_submit(plan=plan, user=request.user, expected_version=expected_version)
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
    if not scope_for(request.user).can_manage_programme():
        raise PermissionDenied
    plan = _plan_for(pilot)
    form = PlanReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, pilot=pilot, plan=plan, errors=[], review_form=form, status=400)
    data = form.cleaned_data
    try:
        if data["decision"] == APPROVE:
            workflow.plan_approve(plan=plan, user=request.user, expected_version=data["version"])
            success = _("The plan has been approved. The department leader is told by e-mail.")
        else:
            workflow.plan_return(
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
