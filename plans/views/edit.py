"""Editing the plan: its own fields and all its parts on one page, in sections saved one by one.

The department's leader and the programme's coordinator and guide edit it. A GET never writes:
before the plan exists the page shows it empty, and the first save starts it. Each section of the
page is its own form and posts to its own URL, which also answers GET with the page (a POST made
after the session expired lands there after the login). A save made from an older version is
refused with 409 and shows what the others changed, with the user's own typing kept in the
section; a POST claiming more rows than a plan may have is refused with 400 before any row's form
is built. A POST of the whole plan to the page's own URL still saves everything at once.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilots.access import scope_for
from pilots.selectors import pilot_get_for_user
from plans.forms import SECTIONS_BY_KEY, EditSection, PlanEditForms
from plans.models import ProjectPlan
from plans.selectors import plan_changes_since, plan_for_pilot
from plans.services import PlanConflict, plan_update


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pilot_pk: int):
    return _edit(request, pilot_pk, section=None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit_section(request, pilot_pk: int, section: str):
    if section not in SECTIONS_BY_KEY:
        raise Http404
    return _edit(request, pilot_pk, section=SECTIONS_BY_KEY[section])


def _edit(request, pilot_pk: int, *, section: EditSection | None):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    scope.require(scope.can_edit_plan(pilot))
    # Not saved here: an unsaved plan shows the empty form, and `plan_update` starts the plan.
    plan = plan_for_pilot(pilot) or ProjectPlan(pilot=pilot)
    if request.method == "GET":
        return _edit_page(request, pilot, PlanEditForms(plan=plan), current=section)

    if PlanEditForms.too_many_rows(request.POST):
        data = PlanEditForms.trimmed(request.POST)
        forms = PlanEditForms(plan=plan, data=data, section=section).quiet()
        return _edit_page(request, pilot, forms.refuse_too_many_rows(), current=section, status=400)

    prefix = PlanEditForms.row_to_add(request.POST)
    if prefix is not None:
        data = PlanEditForms.with_added_row(request.POST, prefix, plan=plan)
        forms = PlanEditForms(plan=plan, data=data, section=section).quiet()
        return _edit_page(request, pilot, forms, current=section)

    posted_version = _posted_version(request.POST)
    if plan.pk is not None and posted_version not in (None, plan.version):
        return _conflict_page(request, pilot, request.POST, posted_version, section)
    forms = PlanEditForms(plan=plan, data=request.POST, section=section)
    if not forms.is_valid():
        return _edit_page(request, pilot, forms, current=section, status=400)
    try:
        plan_update(
            pilot=pilot,
            user=request.user,
            expected_version=forms.expected_version,
            fields=forms.plan_fields(),
            parts=forms.parts(),
        )
    except PlanConflict as conflict:
        return _conflict_page(request, pilot, request.POST, conflict.expected_version, section)
    except ValidationError as error:
        forms.add_service_errors(error)
        return _edit_page(request, pilot, forms, current=section, status=400)
    if section is None:
        messages.success(request, _("The plan was saved."))
        return redirect("plans:plan_detail", pilot_pk=pilot.pk)
    messages.success(request, _("“%(section)s” was saved.") % {"section": section.heading})
    # Back to the page, at the section: the person goes on writing where they were.
    return redirect(f"{reverse('plans:plan_edit', args=[pilot.pk])}#section-{section.key}")


def _posted_version(data) -> int | None:
    try:
        return int(data.get("version", ""))
    except ValueError:
        return None


def _edit_page(request, pilot, forms, *, current=None, status=200, conflict=None):
    context = {
        "pilot": pilot,
        "plan": forms.plan,
        "forms": forms,
        "current_section": current,
        "error_items": forms.error_items() if forms.has_errors else [],
        "conflict": conflict,
    }
    return render(request, "plans/plan_edit.html", context, status=status)


def _conflict_page(request, pilot, posted, version: int, section):
    """409: what the others changed since `version`, and the user's typing merged onto it."""
    current = plan_for_pilot(pilot)
    changes = plan_changes_since(plan=current, version=version)
    data = PlanEditForms(plan=current).rebased(posted, current=current, base=changes.base)
    forms = PlanEditForms(plan=current, data=data, section=section)
    return _edit_page(request, pilot, forms, current=section, status=409, conflict=changes)
