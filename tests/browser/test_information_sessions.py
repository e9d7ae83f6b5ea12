"""Choosing a session of the information meeting on a phone, with the keyboard, and the pages
checked with axe: the demo holds one information meeting per pilot, so the crawl in
test_every_page.py sees these pages without a choice to make; here Omsorg Sør gets an evening
session too."""

import datetime as dt

import pytest

from leanprogram.demo import HOME_CARE
from tests.browser.conftest import (
    active_element,
    axe_violations,
    describe,
    focus_is_visible,
    horizontal_overflow,
    login,
    structure_problems,
)
from training.models import InformationMeeting, SessionChoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evening_session(demo):
    day = InformationMeeting.objects.get(pilot__department__name=HOME_CARE.name)
    return InformationMeeting.objects.create(
        pilot=day.pilot,
        starts_at=day.starts_at + dt.timedelta(hours=5),
        ends_at=day.ends_at + dt.timedelta(hours=5),
        place=day.place,
    )


def _check(page) -> list[str]:
    problems = structure_problems(page)
    if violations := axe_violations(page):
        problems.append(describe(violations))
    if (width := horizontal_overflow(page)) is not None:
        problems.append(f"scrolls sideways at 320 px (scrollWidth {width})")
    return problems


def test_tore_chooses_the_evening_session_with_the_keyboard(page, demo, evening_session):
    login(page, demo.url, "tore")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{demo.url}/training/pilots/{evening_session.pilot_id}/information-meeting/")
    assert _check(page) == []

    radios = page.locator("main input[type=radio]")
    assert radios.count() == 2
    radios.first.focus()
    page.keyboard.press("ArrowDown")  # to the evening session, which selects it
    assert active_element(page)["value"] == str(evening_session.pk)
    page.keyboard.press("Tab")
    button = active_element(page)
    assert button["tag"] == "button" and focus_is_visible(button)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    choice = SessionChoice.objects.get(person__full_name="Tore Meltzer")
    assert choice.meeting == evening_session
    assert page.locator("main [role=status]").count() >= 1
    assert _check(page) == []


def test_the_assign_page_reads_at_320_px(page, demo, evening_session):
    login(page, demo.url, "koordinator")
    page.goto(
        f"{demo.url}/training/pilots/{evening_session.pilot_id}/information-meeting/sessions/"
    )
    assert _check(page) == []

    first = page.locator("main select").first
    first.select_option(str(evening_session.pk))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    assert SessionChoice.objects.filter(meeting=evening_session).count() == 1
    assert _check(page) == []
