"""Staff on "My tasks" in a real browser: Ingrid, staff in Omsorg Sør, reports on her measure.

She lands on her tasks after login, finds the measure she owns, is told when she saves nothing,
marks it done with a note using the keyboard, and Tore, her leader, reads the note on the board.
Every state passes axe and fits 320 CSS pixels.
"""

import re

import pytest

from leanprogram.demo import HOME_CARE
from plans.models import Measure, MeasureNote
from tests.browser.conftest import (
    axe_violations,
    describe,
    horizontal_overflow,
    login,
    structure_problems,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Kjørelistene er klare kl. 15 hver dag fra nå."


def assert_accessible(page, where: str) -> None:
    problems = structure_problems(page)
    violations = axe_violations(page)
    if violations:
        problems.append(describe(violations))
    if (width := horizontal_overflow(page)) is not None:
        problems.append(f"scrolls sideways at 320 px (scrollWidth {width})")
    assert not problems, f"{where}:\n" + "\n".join(problems)


def test_staff_marks_own_measure_done_with_a_note_and_the_leader_reads_it(page, browser, demo):
    measure = Measure.objects.get(owner__user__username="ingrid")
    assert measure.status == Measure.Status.NOT_STARTED

    login(page, demo.url, "ingrid")

    assert page.url == f"{demo.url}/my/"
    card = page.locator(f"#measure-{measure.pk}")
    assert card.get_by_role("heading", name=measure.title).count() == 1
    assert_accessible(page, "my tasks (ingrid)")

    # Saving without a change or a note is refused, and says so.
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert page.locator("#form-errors[role=alert]").count() == 1
    assert card.locator(".alert-danger").count() == 1
    assert_accessible(page, "my tasks, nothing to save (ingrid)")

    # With the keyboard: the radios of the status, then the note, then the save button.
    card.locator("input[type=radio]").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert card.locator("input[value=done]").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert re.search(rf"/my/#measure-{measure.pk}$", page.url), page.url
    measure.refresh_from_db()
    assert measure.status == Measure.Status.DONE
    assert MeasureNote.objects.get(measure=measure).text == NOTE
    assert NOTE in page.locator(f"#measure-{measure.pk}").inner_text()
    assert_accessible(page, "my tasks after saving (ingrid)")

    # Tore reads her note on the board.
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    try:
        tore = context.new_page()
        login(tore, demo.url, "tore")
        pilot = measure.plan.pilot
        assert pilot.department.name == HOME_CARE.name
        tore.goto(f"{demo.url}/plans/pilots/{pilot.pk}/plan/board/")
        assert NOTE in tore.locator(f"#measure-{measure.pk}").inner_text()
        assert "Ingrid Johansen" in tore.locator(f"#measure-{measure.pk}").inner_text()
    finally:
        context.close()
