"""The improvement board: the department's measures in columns by status, moved in one click."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pilots.access import scope_for
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from plans import services
from plans.board import board_columns, board_new_ideas
from plans.forms import MeasureStatusForm
from plans.models import Measure
from plans.selectors import measure_get_for_user, plan_for_pilot


def _board_context(request, pilot: Pilot, *, fullscreen: bool, **extra) -> dict:
    plan = plan_for_pilot(pilot)
    today = timezone.localdate()
    scope = scope_for(request.user)
    columns = board_columns(plan, today=today)
    labels = dict(Measure.Status.choices)
    for column in columns:
        for measure in column.measures:
            # Leaders move every card; staff the cards they own (no query: the scope is cached).
            measure.moves = [
                (status, labels[status])
                for status in services.measure_status_choices(user=request.user, measure=measure)
                if status != measure.status
            ]
    return {
        "pilot": pilot,
        "plan": plan,
        "today": today,
        "columns": columns,
        "new_ideas": board_new_ideas(pilot),
        # Never on the wall screen: the whole room reads it, whoever is logged in.
        "show_authors": scope.can_see_suggestion_authors(pilot) and not fullscreen,
        "person_id": scope.person_id,
        "can_suggest": scope.can_suggest(pilot),
        "statuses": Measure.Status.choices,
        "can_change": scope.can_edit_plan(pilot),
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
    context = _board_context(request, pilot, fullscreen=request.GET.get("fullscreen") == "1")
    template = "plans/fragment_board.html" if request.htmx else "plans/board.html"
    return render(request, template, context)


@login_required
@require_POST
def measure_set_status(request, pk: int):
    """Move a card in one click: htmx gets the board back, a plain form post a redirect."""
    measure = measure_get_for_user(request.user, pk)
    pilot = measure.plan.pilot
    scope = scope_for(request.user)
    # Asked before the form, so that staff learn they may not, not that the form was empty.
    scope.require(scope.can_update_measure(pilot, owner_id=measure.owner_id))
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
    services.measure_set_status(
        measure=measure, user=request.user, status=form.cleaned_data["status"]
    )
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
