"""Wide tables on a phone: they scroll sideways inside their wrapper, and a keyboard reaches that
scroll (axe's scrollable-region-focusable), on the pages whose tables are widest."""

import pytest
from django.urls import reverse

from pilots.models import Pilot
from tests.browser.conftest import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _pages(pilot: Pilot) -> list[str]:
    return [
        reverse("programme:dashboard"),
        reverse("programme:pilot_detail", kwargs={"pk": pilot.pk}),
        reverse("pilots:staff_list", kwargs={"pk": pilot.department_id}),
        reverse("pilots:invitation_list"),
        reverse("followup:pilot_follow_up", kwargs={"pilot_pk": pilot.pk}),
        reverse("followup:outbox"),
        reverse("training:attendance_summary", kwargs={"pk": pilot.pk}),
        reverse("plans:plan_detail", kwargs={"pilot_pk": pilot.pk}),
    ]


def test_wide_tables_scroll_and_can_be_reached_by_keyboard_on_a_phone(browser, demo):
    pilot = Pilot.objects.order_by("department__name").first()
    context = browser.new_context(locale="nb-NO", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, demo.url, "koordinator")
        scrolling = 0
        for path in _pages(pilot):
            page.goto(f"{demo.url}{path}")
            page.wait_for_load_state("load")
            violations = axe_violations(page)
            assert violations == [], f"{path}:\n{describe(violations)}"
            unreachable = page.evaluate(
                """() => [...document.querySelectorAll('.table-responsive')]
                    .filter(w => w.scrollWidth > w.clientWidth + 1)
                    .filter(w => w.tabIndex < 0 || !w.getAttribute('aria-label')
                                 && !w.getAttribute('aria-labelledby')).length"""
            )
            assert unreachable == 0, f"{path}: a table scrolls but no keyboard reaches it"
            scrolling += page.evaluate(
                """() => [...document.querySelectorAll('.table-responsive')]
                    .filter(w => w.scrollWidth > w.clientWidth + 1).length"""
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        # The check above is only worth something if some tables really are wider than a phone.
        assert scrolling > 0
    finally:
        context.close()
