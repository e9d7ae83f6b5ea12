"""The crawler the browser checks share: every page a demo role can reach, each view once.

A crawl logs in through the login form (see `crawl_as`) and goes breadth-first from the landing
page over the links on each page (same origin; not the admin, logging out, the language switch or
file downloads), opening each view once: pages are told apart by their URL name and the names in
their query string (so the board's wall-screen mode is a page of its own, but only one pilot's
page is opened). GET forms found on the way (the dashboard's phase filter) are submitted too, and
the forms that schedule, edit or add something are submitted empty so that their error state is
checked as well.

Views that are not linked from anywhere yet (a pilot's plan pages, a new course day when all four
exist) are visited as well, from the URLconf, so no view a role may open goes unchecked; they are
listed in a warning. A view that answers 501 (a placeholder still being built) is listed as
pending and does not fail the check.

What is checked on each page is the subclass's: `Crawl.inspect` returns the problems found on the
page open in the browser (axe and the layout at five widths in test_every_page.py).
"""

import warnings
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from pilots.access import scope_for
from pilots.models import Department, Pilot
from pilots.selectors import pilots_for_user, programmes_for_user
from tests.browser.conftest import login

ROLES = ["admin", "koordinator", "veileder", "tore", "kari", "ingrid"]
SKIP_PREFIXES = ("/admin/", "/i18n/", "/static/", "/media/")
# Files to download, not pages: a browser starts a download instead of opening them.
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".pdf", ".ics")
SKIP_VIEWS = {"logout", "set_language"}
# Forms submitted empty, to scan the error messages they show.
EMPTY_SUBMIT_VIEWS = {
    "login",
    "password_change",
    "password_reset",
    "pilots:staff_add",
    "pilots:staff_edit",
    "pilots:staff_import",
    "pilots:staff_end",
    "training:meeting_create",
    "training:meeting_edit",
    "training:course_day_create",
    "training:course_day_edit",
    "plans:pilot_suggestions",
    "plans:suggestion_detail",
    "programme:pilot_setup_start",
    "programme:pilot_setup_department",
    "programme:pilot_setup_leader",
    "programme:pilot_setup_meetings",
    "programme:pilot_setup_course_days",
    "pilots:holiday_period_create",
    "pilots:holiday_period_edit",
    "followup:follow_up_meeting_plan",
    "followup:follow_up_meeting_hold",
    "privacy:person_erase",
}
# Answers to a visit of a view no link leads to that mean "not for this role" or "not a page".
NOT_A_PAGE_FOR_ROLE = {403, 404, 405}
PENDING = 501
MAX_PAGES = 120

LINKS_JS = """() => Array.from(document.querySelectorAll("a[href]"), a => ({
  href: a.href, raw: a.getAttribute("href"), download: a.hasAttribute("download"),
}))"""

# Each GET form as the URL it submits to, with the first real choice in every empty <select>
# so the result is a filtered page and not the page itself again.
GET_FORMS_JS = """() => Array.from(document.querySelectorAll("form"))
  .filter(form => (form.getAttribute("method") || "get").toLowerCase() === "get")
  .map(form => {
    const data = new FormData(form);
    for (const select of form.querySelectorAll("select[name]")) {
      if (!select.value) {
        const option = Array.from(select.options).find(o => o.value);
        if (option) data.set(select.name, option.value);
      }
    }
    const url = new URL(form.action || location.href);
    url.search = new URLSearchParams(data).toString();
    return url.href;
  })"""


@dataclass
class Crawl:
    page: object
    base_url: str
    failures: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def run(self, start: str, unlinked: list[str]) -> None:
        """Follow the links from `start`; then visit the `unlinked` views no link reached."""
        self.queue: deque[tuple[str, str, bool]] = deque([(start, view_key(start), True)])
        self.queued = {view_key(start)}
        self.drain()
        for url in unlinked:
            if (key := view_key(url)) not in self.seen:
                self.queue.append((url, key, False))
                self.queued.add(key)
                self.drain()
        if len(self.scanned) >= MAX_PAGES:
            self.failures.append(f"stopped after {MAX_PAGES} pages; is a link generating pages?")

    def drain(self) -> None:
        while self.queue and len(self.scanned) < MAX_PAGES:
            url, key, linked = self.queue.popleft()
            if key in self.seen or not self.visit(url, key, linked=linked):
                continue
            if not linked:
                self.unlinked.append(key)
            found = [(u, view_key(u)) for u in self.links()]
            found += [(u, view_key(u)) for u in self.get_forms()]
            for next_url, next_key in found:
                if next_key not in self.queued:
                    self.queued.add(next_key)
                    self.queue.append((next_url, next_key, True))

    def visit(self, url: str, key: str, *, linked: bool) -> bool:
        """Open a page and check it; True when it is a page whose links are worth following."""
        self.seen.add(key)
        if not linked:
            # Chromium will not show an empty error answer (a 405 from a POST-only view): ask first.
            status = self.page.request.get(url).status
            if status in NOT_A_PAGE_FOR_ROLE:
                return False
        try:
            response = self.page.goto(url)
        except PlaywrightError as error:
            self.failures.append(f"{url} [{key}]: {error.message.splitlines()[0]}")
            return False
        status = response.status if response else 0
        # A redirect (the home page, a page for the logged-in) lands on another view.
        landed = view_key(self.page.url, query="?" in key)
        if landed != key:
            if landed in self.seen:
                return False
            self.seen.add(landed)
            key = landed
        if status == PENDING:
            self.pending.append(f"{key} ({url})")
            return False
        if status > 400:  # 400 is a form's error state, a page like any other
            self.failures.append(f"{url} [{key}]: HTTP {status}")
            return False
        self.check(key, url)
        if view_name(key) in EMPTY_SUBMIT_VIEWS:
            self.check_error_state(key, url)
        return True

    def check(self, key: str, url: str) -> None:
        """Inspect the page open in the browser, which shows the view `key`."""
        self.scanned.append(key)
        if problems := self.inspect(key, url):
            self.failures.append(f"{url} [{key}]:\n  " + "\n  ".join(problems))

    def inspect(self, key: str, url: str) -> list[str]:
        """The problems on the page open in the browser; what a check looks for is a subclass's."""
        raise NotImplementedError

    def check_error_state(self, key: str, url: str) -> None:
        """Submit the page's form with every field emptied, and check the page that answers."""
        form = self.page.locator("main form[method=post]").first
        if form.count() == 0:
            self.failures.append(f"{url} [{key}]: no form to submit empty")
            return
        for field_ in form.locator(
            "input:visible:not([type=hidden]):not([type=checkbox]):not([type=radio])"
            ":not([type=file]):not([type=submit]), textarea:visible"
        ).all():
            field_.fill("")
        for select in form.locator("select[multiple]:visible").all():
            select.select_option([])
        with self.page.expect_navigation():
            form.locator("[type=submit]").first.click()
        error_key = f"{key} (submitted empty)"
        errors = self.page.locator(".is-invalid, .invalid-feedback, .errorlist, .alert-danger")
        if errors.count() == 0:
            self.failures.append(f"{url} [{error_key}]: an empty form showed no error")
            return
        self.check(error_key, url)

    def links(self) -> list[str]:
        found = []
        for link in self.page.evaluate(LINKS_JS):
            raw = (link["raw"] or "").strip()
            if not raw or raw.startswith("#") or link["download"]:
                continue
            parts = urlsplit(link["href"])
            if f"{parts.scheme}://{parts.netloc}" != self.base_url:
                continue
            if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(DOWNLOAD_SUFFIXES):
                continue
            name = view_name(view_key(link["href"]))
            if name in SKIP_VIEWS:
                continue
            if name == "?":
                self.failures.append(f"{self.page.url}: link to an unknown URL {raw}")
                continue
            found.append(parts._replace(fragment="").geturl())
        return found

    def get_forms(self) -> list[str]:
        return [
            url
            for url in self.page.evaluate(GET_FORMS_JS)
            if urlsplit(url).path.startswith("/") and view_name(view_key(url)) not in SKIP_VIEWS
        ]

    def report(self, who: str) -> str:
        lines = [f"{len(self.failures)} problem(s) for {who}:", *self.failures]
        lines.append(f"scanned: {', '.join(self.scanned)}")
        return "\n".join(lines)


def view_key(url: str, *, query: bool = True) -> str:
    """The Django view a URL shows (its URL name), plus the names in its query string.

    A query can change what a view shows (a filter, the board's wall-screen mode); the names,
    not their values, make it a state of its own.
    """
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        name = "?"
    if query and parts.query:
        names = sorted({pair.split("=")[0] for pair in parts.query.split("&")})
        return f"{name}?{'&'.join(names)}"
    return name


def view_name(key: str) -> str:
    return key.split("?")[0].split(" (")[0]


def unlinked_pages(username: str) -> list[str]:
    """Every view that takes a pilot, for the user's first pilot; and their programme's gains.

    Found in the URLconf rather than listed here, so that views added later are checked too.
    """
    user = get_user_model().objects.get(username=username)
    pilot = pilots_for_user(user).order_by("pk").first()
    if pilot is None:
        return []
    urls = [
        reverse(name, kwargs={"pilot_pk": pilot.pk})
        for name, params in url_names_and_params()
        if params == {"pilot_pk"}
    ]
    urls = [url for url in urls if not url.endswith(DOWNLOAD_SUFFIXES)]
    urls.append(reverse("plans:programme_gains", kwargs={"pk": pilot.programme_id}))
    return urls


def setup_pages(username: str) -> list[str]:
    """The setup steps of a pilot just started (no course days yet) in the user's programme.

    The demo's pilots have all four course days, so their checklists do not lead to the course
    days step; a pilot still being set up does.
    """
    user = get_user_model().objects.get(username=username)
    programme = programmes_for_user(user).order_by("pk").first()
    if programme is None or not scope_for(user).can_set_up_pilot(programme):
        return []
    department, _ = Department.objects.get_or_create(
        municipality=programme.municipality, name="Harstad sykehjem"
    )
    pilot, _ = Pilot.objects.get_or_create(programme=programme, department=department)
    return [
        reverse(name, kwargs={"pk": pilot.pk})
        for name, params in url_names_and_params()
        if name.startswith("programme:pilot_setup") and params == {"pk"}
    ]


def url_names_and_params():
    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", set(entry.pattern.converters)

    yield from walk(get_resolver().url_patterns)


def crawl_as(page, base_url: str, username: str, crawl: Crawl) -> Crawl:
    """Log in as `username` and run `crawl` over every page they reach."""
    login(page, base_url, username)
    crawl.run(f"{base_url}/", [f"{base_url}{path}" for path in unlinked_pages(username)])
    # Then a pilot still being set up, created only now so that the crawl above opens a demo
    # pilot's pages, which have meetings and course days to link to.
    if setup := setup_pages(username):
        crawl.run(f"{base_url}{setup[0]}", [f"{base_url}{path}" for path in setup[1:]])
    return crawl


def finish(crawl: Crawl, who: str) -> None:
    print(crawl.report(who))  # what was scanned, for `pytest -rP`
    if crawl.pending:
        warnings.warn(
            f"{who}: placeholder views (HTTP 501) not checked yet: {', '.join(crawl.pending)}",
            stacklevel=2,
        )
    if crawl.unlinked:
        warnings.warn(
            f"{who}: views no link leads to (checked anyway): {', '.join(crawl.unlinked)}",
            stacklevel=2,
        )
    assert crawl.failures == [], crawl.report(who)


# What each crawl must at least have scanned, so that a crawl that stops early cannot pass.
STAFF_VIEWS = {
    "my_tasks",
    "programme:pilot_detail",
    "plans:plan_board",
    "password_change (submitted empty)",
    "accessibility",
    "privacy",
    # Innsyn, linked from "My tasks".
    "privacy:my_data",
}
LEADER_VIEWS = STAFF_VIEWS | {
    "pilots:staff_list",
    "pilots:staff_add (submitted empty)",
    "training:course_day_attendance",
    "training:meeting_attendance",
    "training:attendance_summary",
    "training:information_sessions_assign",
    "pilots:staff_end",
    "pilots:staff_end (submitted empty)",
    # The demo's board has new ideas, and each a page for answering it or making it a measure.
    "plans:suggestion_detail (submitted empty)",
    # The demo's pilots have follow-up meetings after their course days: plan one, record one.
    "followup:pilot_follow_up",
    "followup:follow_up_meeting_plan (submitted empty)",
    "followup:follow_up_meeting_hold (submitted empty)",
}
MANAGER_VIEWS = LEADER_VIEWS | {
    "programme:dashboard",
    "pilots:invitation_list",
    "programme:dashboard?phase",
    "programme:pilot_setup_start (submitted empty)",
    "programme:pilot_setup",
    "programme:pilot_setup_department (submitted empty)",
    "programme:pilot_setup_leader (submitted empty)",
    "programme:pilot_setup_meetings (submitted empty)",
    "programme:pilot_setup_course_days (submitted empty)",
    "pilots:programme_settings",
    "pilots:programme_course_weeks",
    "pilots:programme_phase_targets",
    "pilots:programme_retention",
    # A person's data and their erasure, from the person's page (staff_edit).
    "privacy:person_data",
    "privacy:person_erase (submitted empty)",
    "pilots:holiday_period_create (submitted empty)",
    "pilots:holiday_period_edit (submitted empty)",
    "training:meeting_create (submitted empty)",
    "training:course_day_create (submitted empty)",
    "training:course_day_edit (submitted empty)",
}
EXPECTED_VIEWS = {
    # The administrator has no person, so no tasks of their own: they land on the dashboard.
    "admin": MANAGER_VIEWS - {"my_tasks", "privacy:my_data"},
    "koordinator": MANAGER_VIEWS,
    "veileder": MANAGER_VIEWS,
    # Only those who work in the department send suggestions and choose their own session.
    "tore": LEADER_VIEWS
    | {"plans:pilot_suggestions (submitted empty)", "training:information_sessions"},
    "kari": LEADER_VIEWS
    | {"plans:pilot_suggestions (submitted empty)", "training:information_sessions"},
    "ingrid": STAFF_VIEWS
    | {"plans:pilot_suggestions (submitted empty)", "training:information_sessions"},
}
