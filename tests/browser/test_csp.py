"""The pages that run scripts work under the Content-Security-Policy in a real browser.

Every browser test runs under the policy (the live server sends the production headers), but a
blocked script or style shows there only as a missing behaviour, if a test happens to look. This
one fails on any `securitypolicyviolation` event or CSP (or Permissions-Policy) message on the
console while the scripted
parts of the key pages are used: the login, my tasks, the plan form's background save, a card
moved on the board (htmx) and the wall screen refreshing itself (htmx polling), the dashboard, an
admin change form's autocomplete and the admin's changelist.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pilots.models import Person, Pilot
from plans.models import Measure
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEPARTMENT = "Omsorg Sør, hjemmetjenesten 2"

# Runs before any script of the page (Playwright injects it outside the policy's reach).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber} ${e.sample || ""}`);
});
"""
# And the Permissions-Policy: a feature Chromium does not know is a warning on every page.
CSP_CONSOLE = re.compile(
    r"Content.Security.Policy|Refused to|Permissions.Policy|Unrecognized feature", re.I
)


class Watch:
    """The policy violations a page reports, from the page itself and from its console."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        if CSP_CONSOLE.search(message.text):
            self.found.append(f"console: {message.text}")

    def goto(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, f"{url} was not sent the policy: {policy!r}"
        return response

    def check(self, where: str) -> None:
        found = self.page.evaluate("() => window.__csp || []")
        self.found += [f"{where}: {violation}" for violation in found]
        self.page.evaluate("() => { window.__csp = []; }")


def test_the_scripted_pages_run_without_a_policy_violation(page, demo, settings):
    settings.BOARD_REFRESH_SECONDS = 1
    watch = Watch(page)
    pilot = Pilot.objects.get(department__name=DEPARTMENT)

    watch.goto(f"{demo.url}{reverse('login')}")
    watch.check("login")
    login(page, demo.url, "tore")
    watch.check("after the login")

    watch.goto(f"{demo.url}{reverse('my_tasks')}")
    page.locator("h1").wait_for()
    watch.check("my tasks")

    # The plan form: a section saved in the background (fetch), the textarea growing as typed.
    watch.goto(f"{demo.url}{reverse('plans:plan_edit', args=[pilot.pk])}")
    page.locator("#id_current_state").fill("Skrevet under en streng innholdspolicy.\n" * 3)
    page.locator("#section-current .plan-save-bar button[type=submit]").first.click()
    page.locator("#section-current .plan-save-bar__state--saved").wait_for()
    watch.check("plan form")

    # The board: a card moved with htmx, and the wall screen fetching itself every second.
    measure = pilot.plan.measures.exclude(status=Measure.Status.DONE).first()
    watch.goto(f"{demo.url}{reverse('plans:plan_board', args=[pilot.pk])}")
    card = page.locator(f"#measure-{measure.pk}")
    card.locator(".board-card__move", has_text=re.compile("Ferdig|Done")).click()
    expect(
        page.locator(".board-column--done .board-card__title", has_text=measure.title)
    ).to_be_visible()
    watch.check("board")
    watch.goto(f"{demo.url}{reverse('plans:plan_board', args=[pilot.pk])}?fullscreen=1")
    with page.expect_response(lambda r: "fullscreen=1" in r.url and r.request.method == "GET"):
        pass
    page.wait_for_function("() => document.querySelector('#board-live').isConnected")
    watch.check("wall screen")

    # The administrator: the dashboard, and the admin. (One test: the demo loads once.)
    page.context.clear_cookies()
    login(page, demo.url, "admin")

    watch.goto(f"{demo.url}{reverse('programme:dashboard')}")
    watch.check("dashboard")

    watch.goto(f"{demo.url}{reverse('admin:pilots_pilot_changelist')}")
    watch.check("admin changelist")

    # A change form with autocomplete (select2, jQuery) in an inline: open it and search.
    person = Person.objects.filter(department_roles__isnull=False).order_by("pk").first()
    watch.goto(f"{demo.url}{reverse('admin:pilots_person_change', args=[person.pk])}")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("a")
    page.locator(".select2-results__option").first.wait_for()
    watch.check("admin change form")

    assert watch.found == [], "\n".join(watch.found)
