"""The pages that run scripts work under the Content-Security-Policy in a real browser.

Every browser test runs under the policy (the live server sends the production headers), but a
blocked script or style shows there only as a missing behaviour, if a test happens to look. This
one uses the scripted parts of the key pages on purpose and fails on any `securitypolicyviolation`
event or CSP (or Permissions-Policy) message on the console (conftest.watch_policy, which the
`page` fixture of every other browser test applies too): the login, my tasks, the plan form's
background save, a card moved on the board (htmx), the wall screen refreshing itself (htmx
polling), the dashboard, an admin change form's autocomplete and the admin's changelist.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from pilots.models import Person, Pilot
from plans.models import Measure
from tests.browser.conftest import login, watch_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEPARTMENT = "Omsorg Sør, hjemmetjenesten 2"


class Watch:
    """A page whose policy violations are collected, each labelled with the step it came in."""

    def __init__(self, browser):
        self.context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
        self.found = watch_policy(self.context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)

    def goto(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, f"{url} was not sent the policy: {policy!r}"
        return response

    def check(self, where: str) -> None:
        # Violations arrive through a binding: let the page's last events reach Python.
        self.page.wait_for_timeout(100)
        for index, violation in enumerate(self.found):
            if not violation.startswith("["):
                self.found[index] = f"[{where}] {violation}"


def test_the_scripted_pages_run_without_a_policy_violation(browser, demo, settings):
    settings.BOARD_REFRESH_SECONDS = 1
    watch = Watch(browser)
    page = watch.page
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
    # A loaded CI machine (two test workers beside the live server) once took longer than the
    # default 15 s here; if it is not saved in 30 s, say what the save bar says instead.
    try:
        page.locator("#section-current .plan-save-bar__state--saved").wait_for(timeout=30_000)
    except PlaywrightTimeoutError as timeout:
        state = page.locator("#section-current [data-save-state]").first.inner_text()
        message = f"the section was not saved: the bar says {state!r} at {page.url}"
        raise AssertionError(message) from timeout
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

    watch.context.close()
    assert watch.found == [], "\n".join(watch.found)
