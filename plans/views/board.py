"""The improvement board: the department's measures in columns by status, moved in one click."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pilots.access import scope_for
from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user
from plans import screens, services
from plans.board import board_columns, board_new_ideas
from plans.forms import BoardScreenForm, MeasureStatusForm
from plans.models import Measure
from plans.selectors import measure_get_for_user, plan_for_pilot


def _read_only_board_context(pilot: Pilot) -> dict:
    """What a board shows to anyone who may see it: the measures and the new ideas, without
    a way to change them and without the names of those who sent the ideas (the wall screen)."""
    plan = plan_for_pilot(pilot)
    today = timezone.localdate()
    return {
        "pilot": pilot,
        "plan": plan,
        "today": today,
        "now": timezone.localtime(),
        "columns": board_columns(plan, today=today),
        "new_ideas": board_new_ideas(pilot),
        "show_authors": False,
        "person_id": None,
        "can_suggest": False,
        "can_change": False,
        "fullscreen": True,
        "refresh_seconds": settings.BOARD_REFRESH_SECONDS,
        "base_template": "plans/_base_fullscreen.html",
    }


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
        "now": timezone.localtime(),
        "refresh_seconds": settings.BOARD_REFRESH_SECONDS,
        # The wall-screen mode leaves out the site's header and footer.
        "base_template": "plans/_base_fullscreen.html" if fullscreen else "base.html",
        **extra,
    }


def _screens_context(request, pilot: Pilot, *, form=None) -> dict:
    """The wall-screen links of the board, for those who make and withdraw them."""
    scope = scope_for(request.user)
    if not screens.may_manage_screens(scope, pilot):
        return {"may_manage_screens": False}
    links = list(screens.board_screens_open(pilot))
    for screen in links:
        screen.url = settings.SITE_URL + screens.board_screen_path(screen)
    return {
        "may_manage_screens": True,
        "screens": links,
        "screen_form": form or BoardScreenForm(),
    }


def _board_url(pilot: Pilot, *, fullscreen: bool) -> str:
    url = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
    return f"{url}?fullscreen=1" if fullscreen else url


@login_required
@require_GET
def plan_board(request, pilot_pk: int):
    """The department's measures in columns by status (forbedringstavle)."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    fullscreen = request.GET.get("fullscreen") == "1"
    context = _board_context(request, pilot, fullscreen=fullscreen)
    if request.htmx:
        # The wall-screen view asks for its live part every BOARD_REFRESH_SECONDS.
        template = "plans/fragment_board_live.html" if fullscreen else "plans/fragment_board.html"
        return render(request, template, context)
    if not fullscreen:
        context.update(_screens_context(request, pilot))
    return render(request, "plans/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def measure_set_status(request, pk: int):
    """Move a card in one click: htmx gets the board back, a plain form post a redirect.

    A GET leads to the board: a move posted after the session expired is sent to the login
    page with this address as `next`, and must land somewhere useful after logging in.
    """
    measure = measure_get_for_user(request.user, pk)
    pilot = measure.plan.pilot
    if request.method == "GET":
        return redirect(_board_url(pilot, fullscreen=False))
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


@login_required
@require_http_methods(["GET", "POST"])
def board_screen_create(request, pilot_pk: int):
    """Make a wall-screen link; the board page lists it to copy."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    scope.require(screens.may_manage_screens(scope, pilot))
    if request.method == "GET":
        return redirect(_screens_url(pilot))
    form = BoardScreenForm(request.POST)
    if form.is_valid():
        try:
            screen = screens.board_screen_create(
                user=request.user, pilot=pilot, label=form.cleaned_data["label"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The screen link “%(label)s” is made. Copy it and open it on the screen.")
                % {"label": screen.label},
            )
            return redirect(_screens_url(pilot))
    context = _board_context(request, pilot, fullscreen=False)
    context.update(_screens_context(request, pilot, form=form))
    return render(request, "plans/board.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def board_screen_revoke(request, pk: int):
    screen = screens.board_screen_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(screens.may_manage_screens(scope, screen.pilot))
    if request.method == "POST":
        screens.board_screen_revoke(user=request.user, screen=screen)
        messages.success(
            request,
            _("The screen link “%(label)s” is withdrawn. The screen stops showing the board.")
            % {"label": screen.label},
        )
    return redirect(_screens_url(screen.pilot))


def _screens_url(pilot: Pilot) -> str:
    return reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk}) + "#screens"


# Public: the link is all a wall screen has. Nothing on the page leads anywhere, and the
# token must not travel on in a Referer or end up in a search engine.
@require_GET
def board_screen(request, token: str):
    """The board of one pilot, read-only, for a screen nobody logs in at (`plans.screens`)."""
    screen = screens.board_screen_from_token(token)
    if screen is None:
        raise Http404
    screens.board_screen_seen(screen)
    context = _read_only_board_context(screen.pilot)
    context.update(poll_url=request.path, screen_link=True)
    template = "plans/fragment_board_live.html" if request.htmx else "plans/board.html"
    response = render(request, template, context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
