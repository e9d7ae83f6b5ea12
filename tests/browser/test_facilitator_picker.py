"""The facilitator checkboxes' name filter, in a real browser with the keyboard."""

import pytest
from django.urls import reverse

from leanprogram.demo import HOME_CARE
from tests.browser.conftest import axe_violations, describe, login
from training.models import CourseDay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_in_the_filter_hides_others_but_keeps_the_ticked_and_saves_them(page, demo):
    course_day = CourseDay.objects.get(pilot__department__name=HOME_CARE.name, number=1)
    login(page, demo.url, "koordinator")
    page.goto(demo.url + reverse("training:course_day_edit", kwargs={"pk": course_day.pk}))

    picker = page.locator("[data-facilitator-picker]")
    ticked = picker.locator("input:checked + label").all_inner_texts()
    assert sorted(ticked) == ["Jorunn Ervik", "Monica Lindstrøm"]
    people = picker.locator("[data-facilitator]")
    total = people.count()
    assert total > 3
    wanted = HOME_CARE.leader.full_name

    search = page.get_by_role("searchbox")
    search.focus()
    page.keyboard.type(wanted.split()[0].lower())
    page.keyboard.press("Enter")  # must not submit the form

    # The ticked stay in sight.
    visible = sorted(
        people.evaluate_all("els => els.filter(e => !e.hidden).map(e => e.textContent.trim())")
    )
    assert visible == sorted([*ticked, wanted])
    shown = picker.locator("[data-facilitator-shown]").inner_text()
    assert "3" in shown and str(total) in shown, shown
    assert page.url.endswith("/edit/"), "Enter in the filter submitted the form"
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_label(wanted, exact=True).check()
    page.get_by_role("button", name="Lagre kursdag").click()
    page.wait_for_url("**" + reverse("programme:pilot_detail", kwargs={"pk": course_day.pilot_id}))
    names = set(course_day.facilitators.values_list("full_name", flat=True))
    assert names == {*ticked, wanted}
