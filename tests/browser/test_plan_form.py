"""The plan's edit form in a real browser: the error summary takes focus and its links reach the
fields, and a section saved in the background leaves what is typed in the others alone."""

import pytest

from pilots.models import Pilot
from plans.models import ProjectPlan
from tests.browser.conftest import axe_violations, describe, horizontal_overflow, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEPARTMENT = "Omsorg Sør, hjemmetjenesten 2"

ACTIVE = """() => {
  const el = document.activeElement;
  return el ? {id: el.id, role: el.getAttribute("role") || "", name: el.name || ""} : null;
}"""


def _rect(page, selector: str) -> dict:
    """Where an element is on the screen now (Playwright's bounding box may scroll to it)."""
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, scrollY: window.scrollY}; }",
        selector,
    )


def _edit_page(page, demo) -> Pilot:
    pilot = Pilot.objects.get(department__name=DEPARTMENT)
    login(page, demo.url, "tore")
    page.goto(f"{demo.url}/plans/pilots/{pilot.pk}/plan/edit/")
    return pilot


def _break_a_measure(page) -> None:
    """A new measure without a title, and the first measure's hours made nonsense."""
    section = page.locator("#section-measures")
    section.locator("[data-formset-add]").click()
    new_row = section.locator("fieldset[data-formset-row]").last
    new_row.locator("textarea[name$='-description']").fill("Et tiltak uten tittel")
    section.locator("input[name='measures-0-hours_identified_per_week']").fill("mange")


def _assert_summary_focused_and_links_reach_fields(page) -> None:
    summary = page.locator("[data-error-summary] [role=alert]")
    summary.wait_for()
    assert page.evaluate(ACTIVE)["role"] == "alert", "the error summary takes the focus"
    links = summary.locator("a[href^='#']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "#id_measures-0-hours_identified_per_week" in hrefs
    assert any(h.endswith("-title") for h in hrefs), hrefs
    for index, href in enumerate(hrefs):
        links.nth(index).click()
        assert page.evaluate(ACTIVE)["id"] == href[1:], f"the link {href} reaches its field"
        # The field is on screen, not under the sticky save bar.
        box = _rect(page, href)
        bar = _rect(page, "#section-measures .plan-save-bar")
        assert box["top"] >= 0 and box["bottom"] <= bar["top"] + 1, (href, box, bar)


def test_error_summary_after_a_background_save_takes_focus_and_links_reach_the_fields(page, demo):
    _edit_page(page, demo)
    _break_a_measure(page)

    page.locator("#section-measures .plan-save-bar button[type=submit]").first.click()

    _assert_summary_focused_and_links_reach_fields(page)
    # What was typed is still there, and the contents list says the section has errors.
    assert page.locator("textarea[name$='-description']").last.input_value() == (
        "Et tiltak uten tittel"
    )
    status = page.locator("[data-contents-for=measures] [data-section-status]")
    assert "plan-contents__status--error" in status.get_attribute("class")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert horizontal_overflow(page) is None, "the page scrolls sideways at 320 px"


def test_error_summary_on_a_page_load_takes_focus_and_links_reach_the_fields(page, demo):
    _edit_page(page, demo)
    _break_a_measure(page)

    # As without JavaScript: the form posts and the server answers with the whole page.
    with page.expect_navigation():
        page.evaluate(
            "HTMLFormElement.prototype.submit.call(document.querySelector("
            "'#section-measures form'))"
        )

    _assert_summary_focused_and_links_reach_fields(page)


def test_saving_one_section_keeps_the_typing_in_another_and_both_are_saved(page, demo):
    pilot = _edit_page(page, demo)
    version = ProjectPlan.objects.get(pilot=pilot).version
    page.locator("#id_current_state").fill("Ny nåsituasjon fra nettleseren.")
    page.locator("#id_future_state").fill("Ny ønsket situasjon, ikke lagret ennå.")
    long_before = page.locator("#id_future_state").bounding_box()["height"]

    page.locator("#section-current .plan-save-bar button[type=submit]").first.click()
    page.locator("#section-current .plan-save-bar__state--saved").wait_for()

    future = page.locator("#id_future_state")
    assert future.input_value() == "Ny ønsket situasjon, ikke lagret ennå."
    assert page.locator("#section-future input[name=version]").input_value() == str(version + 1)
    status = page.locator("[data-contents-for=future] [data-section-status]")
    assert "plan-contents__status--unsaved" in status.get_attribute("class")

    page.locator("#section-future .plan-save-bar button[type=submit]").first.click()
    page.locator("#section-future .plan-save-bar__state--saved").wait_for()
    plan = ProjectPlan.objects.get(pilot=pilot)
    assert plan.current_state == "Ny nåsituasjon fra nettleseren."
    assert plan.future_state == "Ny ønsket situasjon, ikke lagret ennå."
    assert plan.version == version + 2

    # A long text grows with what is typed.
    page.locator("#id_future_state").fill("Linje\n" * 30)
    assert page.locator("#id_future_state").bounding_box()["height"] > long_before * 2
