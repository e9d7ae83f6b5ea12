"""The login page in a real browser: Norwegian by default, axe-clean, usable at 320 px."""

import pytest

from tests.browser.conftest import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _with_identity_provider(settings):
    """The page as it is with login through the identity provider and passwords for
    administrators only (the provider itself is not contacted to show it)."""
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "leanprogram"
    settings.OIDC_PROVIDER_NAME = "Harstad kommune"
    settings.LOCAL_LOGIN = "superusers-only"


def test_login_page_is_norwegian_and_axe_clean(page, demo, settings):
    page.goto(f"{demo.url}/accounts/login/")

    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Logg inn"
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    _with_identity_provider(settings)
    page.goto(f"{demo.url}/accounts/login/")
    assert page.get_by_role("link", name="Harstad kommune").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_login_page_fits_320_px_without_horizontal_scroll(page, demo, settings):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{demo.url}/accounts/login/")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320

    _with_identity_provider(settings)
    page.goto(f"{demo.url}/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_coordinator_logs_in_with_the_keyboard_and_lands_on_my_tasks(page, demo):
    page.goto(f"{demo.url}/accounts/login/")
    # Django's login form puts the focus in the username field, so typing starts at once.
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type("koordinator")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type("lean-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my/")
    page.wait_for_load_state("load")

    assert page.url.endswith("/my/")
    # On the next page the first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"


def test_login_helper_works_for_every_demo_user(page, demo):
    for username in ("admin", "koordinator", "veileder", "tore", "kari", "ingrid", "sofie"):
        page.context.clear_cookies()
        login(page, demo.url, username)
