"""An improvement suggestion from a phone to the board, in a real browser at 390 CSS pixels.

Marit, who works in Omsorg Sør, opens the demo on her phone, finds "suggest an improvement" on
her department's page and sends an idea. She is thanked and sees it on her own list. Tore, her
department leader, sees it in the board's column of new ideas, opens it and makes it a measure
with the prefilled title; the measure lands in the "not started" column marked as coming from a
suggestion, and Marit's list says what became of her idea. The pages pass axe at this width.

The steps find things by their structure (names, ids, URLs), not their text: the texts are the
catalogs' business and are checked in tests/test_translations.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from leanprogram.demo import DEMO_PASSWORD, HOME_CARE
from pilots.models import Person, Pilot
from plans.models import Measure, Suggestion
from tests.browser.conftest import axe_violations, describe, horizontal_overflow, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
IDEA = (
    "Hanskene går tomme midt på vakta. Kan vi ha en fast eske med hansker i hver bil, "
    "som fylles på hver fredag?"
)


@pytest.fixture
def marit(demo):
    """Marit Olsen, staff in Omsorg Sør, with a login of her own (the demo gives staff none)."""
    person = Person.objects.get(full_name="Marit Olsen")
    user = get_user_model().objects.create_user(
        username="marit", password=DEMO_PASSWORD, email=person.email
    )
    person.user = user
    person.save(update_fields=["user"])
    return person


def phone(browser):
    context = browser.new_context(locale="nb-NO", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def assert_accessible(page, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{what}:\n{describe(violations)}"
    assert horizontal_overflow(page) is None, f"{what} scrolls sideways at 320 px"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide on a 390 px phone"


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()
    page.wait_for_load_state("load")


def test_staff_sends_a_suggestion_from_the_phone_and_the_leader_makes_it_a_measure(
    browser, demo, marit
):
    pilot = Pilot.objects.get(department__name=HOME_CARE.name)
    form_path = reverse("plans:pilot_suggestions", kwargs={"pilot_pk": pilot.pk})
    board_path = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
    staff_context, staff = phone(browser)
    leader_context, leader = phone(browser)
    try:
        # 1. Marit lands on her tasks, goes on to her department's page and follows the
        # invitation to suggest.
        login(staff, demo.url, "marit")
        assert staff.url.endswith(reverse("my_tasks"))
        pilot_path = reverse("programme:pilot_detail", kwargs={"pk": pilot.pk})
        with staff.expect_navigation():
            staff.locator(f'main a[href="{pilot_path}"]').first.click()
        assert staff.url.endswith(pilot_path)
        staff.locator(f'main a[href="{form_path}"]').first.click()
        staff.wait_for_load_state("load")
        assert staff.url.endswith(form_path)
        assert_accessible(staff, "the suggestion form")

        # 2. Sent empty, the form says what is missing, and stays accessible.
        submit(staff, "#suggestion-form button[type=submit]")
        assert staff.locator("#id_text.is-invalid").count() == 1
        assert_accessible(staff, "the suggestion form with its error")

        # 3. She types her idea with her thumb and sends it with her name.
        staff.locator("#id_text").tap()
        staff.locator("#id_text").fill(IDEA)
        assert staff.locator("#id_anonymous").is_checked() is False
        submit(staff, "#suggestion-form button[type=submit]")
        assert staff.url.endswith(form_path)
        assert staff.locator(".alert-success").count() == 1
        suggestion = Suggestion.objects.get(text=IDEA)
        assert suggestion.author == marit
        mine = staff.locator(f"#my-suggestion-{suggestion.pk}")
        assert IDEA in mine.inner_text()
        assert mine.locator(".suggestion-status--new").count() == 1
        assert_accessible(staff, "the suggestion form with her list")

        # 4. Tore sees it in the column of new ideas, with her name, and opens it.
        login(leader, demo.url, "tore")
        leader.goto(f"{demo.url}{board_path}")
        card = leader.locator(f".board-column--ideas #suggestion-{suggestion.pk}")
        assert IDEA in card.inner_text()
        assert "Marit Olsen" in card.inner_text()
        assert_accessible(leader, "the board with new ideas")
        card.locator("a").click()
        leader.wait_for_load_state("load")
        assert leader.url.endswith(f"/suggestions/{suggestion.pk}/")
        assert_accessible(leader, "the page for handling a suggestion")

        # 5. The measure is prefilled from the idea; he makes it a measure as it stands.
        title = leader.locator("#id_title").input_value()
        assert title and IDEA.startswith(title.rstrip("…"))
        assert leader.locator("#id_description").input_value() == IDEA
        assert leader.locator("#id_owner").input_value() == str(marit.pk)
        submit(leader, f'form[action$="/suggestions/{suggestion.pk}/measure/"] [type=submit]')
        assert leader.url.endswith(board_path)

        measure = Measure.objects.get(suggestion__pk=suggestion.pk)
        assert measure.title == title and measure.owner == marit
        card = leader.locator(f".board-column--not_started #measure-{measure.pk}")
        assert card.locator(".board-card__origin").count() == 1
        assert leader.locator(f"#suggestion-{suggestion.pk}").count() == 0
        assert_accessible(leader, "the board after the conversion")

        # 6. Marit's list tells her what became of her idea.
        staff.reload()
        mine = staff.locator(f"#my-suggestion-{suggestion.pk}")
        assert mine.locator(".suggestion-status--measure").count() == 1
        assert measure.title in mine.inner_text()
    finally:
        staff_context.close()
        leader_context.close()
