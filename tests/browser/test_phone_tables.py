"""Wide tables on a phone, on the pages whose tables are widest: a table either becomes one card
per row (.table-stack) or scrolls sideways inside its wrapper, and a keyboard reaches that scroll
(axe's scrollable-region-focusable)."""

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


def test_wide_tables_stack_or_scroll_where_a_keyboard_reaches_on_a_phone(browser, demo):
    pilot = Pilot.objects.order_by("department__name").first()
    context = browser.new_context(locale="nb-NO", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, demo.url, "koordinator")
        stacked = 0
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
            stacked += page.evaluate(
                """() => [...document.querySelectorAll('table.table-stack')]
                    .filter(t => getComputedStyle(t).display === 'block').length"""
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        # The staff list, the follow-up and the attendance are cards on a phone, not a table.
        assert stacked > 0
    finally:
        context.close()
