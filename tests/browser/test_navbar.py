"""The menu button on a phone: static/js/navbar.js stands in for Bootstrap's collapse script."""

import pytest

pytestmark = pytest.mark.browser


def test_menu_button_opens_and_closes_the_menu_on_a_phone(browser, live_server, transactional_db):
    context = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("load")
    button = page.locator(".navbar-toggler")
    menu = page.locator("#main-nav")
    assert menu.is_hidden()
    assert button.get_attribute("aria-expanded") == "false"

    button.click()

    assert menu.is_visible()
    assert button.get_attribute("aria-expanded") == "true"
    page.get_by_label("Språk").select_option("nn")

    button.click()

    assert menu.is_hidden()
    assert button.get_attribute("aria-expanded") == "false"
    context.close()
