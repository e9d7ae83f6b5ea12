"""Never lose a word, in a real browser: the plan's text survives the idle timeout and a closed
tab, typing keeps the session alive, and the wall-screen board stays current by itself.

The live server runs in this process, so the `settings` fixture shortens its timeouts.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from leanprogram.demo import HOME_CARE
from pilots.models import Pilot
from plans.models import BoardScreen, Measure
from plans.screens import board_screen_token
from tests.browser.conftest import (
    DEMO_PASSWORD,
    axe_violations,
    describe,
    horizontal_overflow,
    login,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Morgenrapporten tar 40 minutter. Nøklene har ingen fast plass, og vi leter hver dag."
IDLE_SECONDS = 3
# The restore message names when the text was typed: dd.mm.yyyy and hh:mm.
WHEN = re.compile(r"\d\d\.\d\d\.\d{4}.*\d\d:\d\d")


@pytest.fixture
def pilot(demo):
    return Pilot.objects.select_related("plan").get(department__name=HOME_CARE.name)


def _edit_url(base, pilot):
    return f"{base}/plans/pilots/{pilot.pk}/plan/edit/"


def _save(page, *, navigates=False):
    """Press the save button of the plan's section that holds the current state.

    With JavaScript a section is saved in the background and the page stays; when the session
    has ended, the form falls back to an ordinary submit, which leads to the login page.
    """
    button = page.locator(
        "form[data-draft^='plan-']:has(textarea[name=current_state]) "
        "button[type=submit]:not([name])"
    )
    if navigates:
        with page.expect_navigation():
            button.click()
        page.wait_for_load_state("load")
    else:
        button.click()
        expect(page.locator("#plan-save-status")).not_to_be_empty()


def _log_in_here(page, username="tore"):
    """Log in on the login page the timeout led to, keeping its ?next=."""
    assert "/accounts/login/" in page.url
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")


def _wait_for_the_draft(page, key):
    page.wait_for_function(
        "(key) => Object.keys(localStorage).some((k) => k.endsWith(':' + key))", arg=key
    )


def test_plan_text_survives_the_idle_timeout_and_a_closed_tab(page, demo, pilot, settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE_SECONDS
    login(page, demo.url, "tore")
    page.goto(_edit_url(demo.url, pilot))
    current_state = page.locator("textarea[name=current_state]")

    current_state.fill(TEXT)
    _wait_for_the_draft(page, f"plan-{pilot.pk}-current")
    # Reading, not typing: no keepalive goes out, and the session times out.
    time.sleep(IDLE_SECONDS + 2)
    _save(page, navigates=True)

    # Logged out, and not saved; logging in again leads back to the form with the text.
    assert "/accounts/login/" in page.url
    pilot.plan.refresh_from_db()
    assert pilot.plan.current_state != TEXT
    # The rest takes longer than the short timeout (axe alone takes seconds): an ordinary one.
    settings.SESSION_IDLE_TIMEOUT = 3600
    _log_in_here(page)
    assert f"/plans/pilots/{pilot.pk}/plan/edit/" in page.url, page.url
    expect(page.locator("textarea[name=current_state]")).to_have_value(TEXT)
    notice = page.locator(".draft-notice[role=status]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(WHEN)
    expect(notice.locator("[data-draft-discard]")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe(violations)

    # The tab is closed and the form opened again in a new one: still there.
    context = page.context
    page.close()
    page = context.new_page()
    page.goto(_edit_url(demo.url, pilot))
    expect(page.locator("textarea[name=current_state]")).to_have_value(TEXT)
    expect(page.locator(".draft-notice[role=status]")).to_be_visible()

    # Saved now; opening the form again shows the saved text and no restore message.
    _save(page)
    pilot.plan.refresh_from_db()
    assert pilot.plan.current_state == TEXT
    page.goto(_edit_url(demo.url, pilot))
    expect(page.locator("textarea[name=current_state]")).to_have_value(TEXT)
    expect(page.locator(".draft-notice")).to_have_count(0)
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('lean-draft:')).length"
        )
        == 0
    )


def test_discard_puts_the_saved_text_back(page, demo, pilot):
    login(page, demo.url, "tore")
    page.goto(_edit_url(demo.url, pilot))
    saved = page.locator("textarea[name=current_state]").input_value()
    page.locator("textarea[name=current_state]").fill(TEXT)
    _wait_for_the_draft(page, f"plan-{pilot.pk}-current")

    page.goto(_edit_url(demo.url, pilot))
    page.locator("[data-draft-discard]").click()

    expect(page.locator("textarea[name=current_state]")).to_have_value(saved)
    expect(page.locator(".draft-notice")).to_have_count(0)
    page.reload()
    expect(page.locator(".draft-notice")).to_have_count(0)


def test_typing_keeps_the_session_alive(page, demo, pilot, settings):
    # Longer than the others: a keepalive goes out every quarter of it (here 1.5 s), and the
    # margin must hold on a busy machine.
    idle = 6
    settings.SESSION_IDLE_TIMEOUT = idle
    login(page, demo.url, "tore")
    page.goto(_edit_url(demo.url, pilot))
    field = page.locator("textarea[name=current_state]")
    field.fill("")

    # Twice the idle timeout of steady typing, with no page load in between.
    deadline = time.monotonic() + 2 * idle
    field.click()
    while time.monotonic() < deadline:
        field.press_sequentially("ord ", delay=50)
        time.sleep(0.3)
    _save(page)

    assert "/accounts/login/" not in page.url, page.url
    pilot.plan.refresh_from_db()
    assert pilot.plan.current_state.startswith("ord ord")


def test_a_suggestion_sent_leaves_no_draft_behind(page, demo, pilot):
    login(page, demo.url, "tore")
    url = f"{demo.url}/plans/pilots/{pilot.pk}/suggestions/"
    page.goto(url)
    page.locator("form[data-draft] textarea[name=text]").fill("Fast plass for bilnøklene")
    _wait_for_the_draft(page, f"suggestion-new-{pilot.pk}")

    with page.expect_navigation():
        page.locator("form[data-draft] button[type=submit]").click()

    expect(page.locator("form[data-draft] textarea[name=text]")).to_have_value("")
    expect(page.locator(".draft-notice")).to_have_count(0)
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('lean-draft:')).length"
        )
        == 0
    )


def _card_in(page, column, title):
    return page.locator(f".board-column--{column} .board-card__title", has_text=title)


def test_a_card_moves_in_one_click_without_a_page_load(page, demo, pilot):
    measure = pilot.plan.measures.exclude(status=Measure.Status.DONE).first()
    login(page, demo.url, "tore")
    page.goto(f"{demo.url}/plans/pilots/{pilot.pk}/plan/board/")
    page.evaluate("() => { window.notReloaded = true; }")

    card = page.locator(f"#measure-{measure.pk}")
    card.locator(".board-card__move", has_text=re.compile("Ferdig|Done")).click()

    expect(_card_in(page, "done", measure.title)).to_be_visible()
    assert page.evaluate("() => window.notReloaded === true"), "the page was loaded again"
    measure.refresh_from_db()
    assert measure.status == Measure.Status.DONE


def test_the_wall_screen_follows_the_board_and_stops_when_withdrawn(browser, demo, pilot, settings):
    settings.BOARD_REFRESH_SECONDS = 1
    measure = pilot.plan.measures.exclude(status=Measure.Status.DONE).first()
    screen = BoardScreen.objects.create(pilot=pilot, label="Vaktrommet")
    # A screen nobody is logged in at: a context of its own.
    context = browser.new_context(locale="nb-NO", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{demo.url}/screen/{board_screen_token(screen)}/")
        page.evaluate("() => { window.notReloaded = true; }")
        expect(_card_in(page, measure.status, measure.title)).to_be_visible()
        assert page.evaluate("() => document.querySelectorAll('main a, main form').length") == 0
        violations = axe_violations(page)
        assert not violations, describe(violations)

        Measure.objects.filter(pk=measure.pk).update(status=Measure.Status.DONE)

        expect(_card_in(page, "done", measure.title)).to_be_visible(timeout=10_000)
        assert page.evaluate("() => window.notReloaded === true"), "the page was loaded again"

        BoardScreen.objects.filter(pk=screen.pk).update(revoked_at=screen.created_at)
        expect(page.locator(".board-gone[role=alert]")).to_be_visible(timeout=10_000)
        expect(page.locator("#board-live")).to_have_count(0)
        # No more requests after the 404: the polling element is gone.
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.wait_for_timeout(2500)
        assert [url for url in requests if "/screen/" in url] == []
    finally:
        context.close()


def test_the_leader_makes_copies_and_withdraws_a_screen_link(page, demo, pilot):
    login(page, demo.url, "tore")
    page.goto(f"{demo.url}/plans/pilots/{pilot.pk}/plan/board/")

    page.locator("#screens input[name=label]").fill("Veggen ved vaktrommet")
    with page.expect_navigation():
        page.locator("#screens form.board-screens__new button[type=submit]").click()

    screen = BoardScreen.objects.get(pilot=pilot)
    link = page.locator(f"#screen-url-{screen.pk}")
    expect(link).to_have_value(re.compile(r"/screen/" + re.escape(board_screen_token(screen))))
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert horizontal_overflow(page) is None

    with page.expect_navigation():
        page.locator(f"form[action$='/board-screens/{screen.pk}/withdraw/'] button").click()
    expect(page.locator(f"#screen-url-{screen.pk}")).to_have_count(0)
    screen.refresh_from_db()
    assert screen.revoked_at is not None


def test_a_row_added_in_the_browser_comes_back_with_its_text(page, demo, pilot):
    login(page, demo.url, "tore")
    page.goto(_edit_url(demo.url, pilot))
    rows = page.locator("[data-formset=measures] [data-formset-row]")
    before = rows.count()
    page.locator("#section-measures [data-formset-add]").click()
    title = rows.nth(before).locator("[name$='-title']")
    title.fill("Merket kasse i hver bil")
    _wait_for_the_draft(page, f"plan-{pilot.pk}-measures")

    page.goto(_edit_url(demo.url, pilot))

    expect(rows).to_have_count(before + 1)
    expect(rows.nth(before).locator("[name$='-title']")).to_have_value("Merket kasse i hver bil")
    assert "/edit/" in page.url, "restoring the row must not submit the form"
    page.locator("[data-draft-discard]").click()
    expect(rows).to_have_count(before)


def test_typing_after_the_session_ended_says_the_text_is_kept(page, demo, pilot, settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE_SECONDS
    login(page, demo.url, "tore")
    page.goto(_edit_url(demo.url, pilot))
    time.sleep(IDLE_SECONDS + 2)

    page.locator("textarea[name=current_state]").press_sequentially("Mer tekst", delay=50)

    expect(page.locator(".draft-notice[role=status]")).to_be_visible(timeout=10_000)
    expect(page.locator(".draft-notice [data-draft-discard]")).to_have_count(0)


def test_a_forgotten_logged_in_wall_screen_still_times_out(page, demo, pilot, settings):
    settings.BOARD_REFRESH_SECONDS = 1
    login(page, demo.url, "tore")
    settings.SESSION_IDLE_TIMEOUT = IDLE_SECONDS
    polls = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.headers)
            if request.headers.get("hx-request") and "fullscreen=1" in request.url
            else None
        ),
    )
    page.goto(f"{demo.url}/plans/pilots/{pilot.pk}/plan/board/?fullscreen=1")

    # It refreshes itself, each time marked as the page asking, not a person.
    page.wait_for_url(re.compile(r"/accounts/login/"), timeout=(IDLE_SECONDS + 10) * 1000)
    assert polls, "the board never refreshed"
    assert all(headers.get("x-lean-background") == "1" for headers in polls)
    # The login page in place of the board, leading back to the wall-screen view.
    assert "next=" in page.url and "fullscreen" in page.url
    expect(page.locator("#board")).to_have_count(0)
