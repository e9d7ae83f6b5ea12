"""The pages the outside checkers look at (Nu HTML checker, Lighthouse, the README's screenshots),
each with the demo login that opens it. Needs a database with the demo loaded (`load_demo`)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.urls import reverse

from pilots.models import Pilot
from pilots.selectors import pilots_for_user


@dataclass(frozen=True)
class KeyPage:
    name: str
    username: str | None  # None: opened without logging in
    url: str


def _leaders_pilot(username: str) -> Pilot:
    user = get_user_model().objects.get(username=username)
    return pilots_for_user(user).filter(plan__isnull=False).order_by("pk").first()


def key_pages() -> list[KeyPage]:
    """Login, my tasks, the dashboard, a pilot page, its plan and its board."""
    pilot = _leaders_pilot("tore")
    return [
        KeyPage("login", None, reverse("login")),
        KeyPage("my tasks", "kari", reverse("my_tasks")),
        KeyPage("dashboard", "koordinator", reverse("programme:dashboard")),
        KeyPage("pilot page", "tore", reverse("programme:pilot_detail", args=[pilot.pk])),
        KeyPage("plan", "tore", reverse("plans:plan_detail", args=[pilot.pk])),
        KeyPage("board", "tore", reverse("plans:plan_board", args=[pilot.pk])),
    ]


def more_pages() -> list[KeyPage]:
    """Forms and lists beside the key pages, for the HTML checker."""
    pilot = _leaders_pilot("tore")
    department = pilot.department.pk
    return [
        KeyPage("staff list", "tore", reverse("pilots:staff_list", args=[department])),
        KeyPage("add a person (form)", "tore", reverse("pilots:staff_add", args=[department])),
        KeyPage("plan form", "tore", reverse("plans:plan_edit", args=[pilot.pk])),
        KeyPage(
            "wall-screen board",
            "tore",
            reverse("plans:plan_board", args=[pilot.pk]) + "?fullscreen=1",
        ),
        KeyPage("my tasks (leader)", "tore", reverse("my_tasks")),
        KeyPage("dashboard (guide)", "veileder", reverse("programme:dashboard")),
        KeyPage("privacy statement", "kari", reverse("privacy")),
    ]
