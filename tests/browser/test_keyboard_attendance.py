"""Recording attendance with the keyboard alone, from the login page to the saved list.

No mouse and no Playwright shortcuts that skip the keyboard: every step is Tab, Shift+Tab, Enter,
Space, an arrow key or typed text, and every link and button the coordinator tabs through must
show where the focus is.
"""

import pytest

from leanprogram.demo import DEMO_PASSWORD, HOME_CARE
from tests.browser.conftest import active_element, focus_is_visible
from training.models import Attendance, CourseDay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120
STATUS_ORDER = [Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED]


class Keyboard:
    """Moves through a page with Tab and records every link or button without visible focus."""

    def __init__(self, page):
        self.page = page
        self.invisible_focus: list[str] = []

    def press(self, key: str) -> dict | None:
        self.page.keyboard.press(key)
        info = active_element(self.page)
        if info and info["tag"] in ("a", "button") and not focus_is_visible(info):
            self.invisible_focus.append(f"{self.page.url}: <{info['tag']}> {info['text']!r}")
        return info

    def tab_to(self, matches, *, key: str = "Tab", what: str) -> dict:
        passed = []
        for _ in range(MAX_TABS):
            info = self.press(key)
            if info and matches(info):
                return info
            passed.append(info and f"{info['tag']} {info['text'] or info['label']!r}")
        pytest.fail(f"{what} not reached with {key} on {self.page.url}; passed: {passed}")

    def follow(self, matches, *, what: str) -> None:
        """Tab to a link and press Enter; wait for the next page."""
        self.tab_to(matches, what=what)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def link_named(text: str):
    return lambda info: info["tag"] == "a" and info["text"] == text


def link_to(href: str):
    return lambda info: info["tag"] == "a" and info["href"] == href


def test_coordinator_records_attendance_with_the_keyboard_alone(page, demo, after_the_demo_course):
    course_day = CourseDay.objects.get(pilot__department__name=HOME_CARE.name, number=1)
    keys = Keyboard(page)

    # Log in: the username field has the focus when the page opens.
    page.goto(f"{demo.url}/accounts/login/")
    assert active_element(page)["name"] == "username"
    page.keyboard.type("koordinator")
    assert keys.press("Tab")["name"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/my/")

    # The skip link comes first, shows its focus, and moves the focus into <main>.
    skip = keys.press("Tab")
    assert skip["className"] == "skip-link", skip
    assert focus_is_visible(skip)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # My tasks → the programme dashboard: the first thing in <main> to tab to.
    keys.follow(link_to("/programme/"), what="the link to the programme dashboard")
    assert page.url.endswith("/programme/")

    # Dashboard → pilot page → attendance for course day 1, by Tab and Enter.
    keys.follow(link_named(HOME_CARE.name), what="the link to the pilot")
    assert page.get_by_role("heading", level=1).inner_text() == HOME_CARE.name
    keys.follow(link_named("Oppmøte kursdag 1"), what="the attendance link for course day 1")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Oppmøte: kursdag 1")

    # One radio group per person: Space marks "present", each arrow key the next status.
    names = [
        legend.split(" (")[0].strip()
        for legend in page.get_by_role("group").locator("legend").all_inner_texts()
    ]
    assert len(names) >= 3, names
    wanted = {}
    for index, name in enumerate(names):
        status = STATUS_ORDER[index] if index < len(STATUS_ORDER) else STATUS_ORDER[0]
        radio = keys.tab_to(lambda info: info["type"] == "radio", what=f"the radios of {name}")
        assert radio["value"] == Attendance.Status.PRESENT, "focus must enter at the first radio"
        page.keyboard.press("Space")
        for _ in range(STATUS_ORDER.index(status)):
            page.keyboard.press("ArrowRight")
        chosen = active_element(page)
        assert chosen["checked"] and chosen["value"] == status, (name, chosen)
        wanted[name] = status

    # Shift+Tab goes back to the last person's radios and Tab returns without changing them.
    back = keys.press("Shift+Tab")
    assert back["type"] == "radio" and back["value"] == wanted[names[-2]], back
    keys.tab_to(lambda info: info["type"] == "radio", what="the last person's radios")

    keys.tab_to(
        lambda info: info["tag"] == "button" and info["text"] == "Lagre oppmøte",
        what="the save button",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("status").inner_text() == f"Oppmøtet er lagret ({len(names)} endret)."
    saved = dict(
        Attendance.objects.filter(course_day=course_day).values_list("person__full_name", "status")
    )
    assert saved == wanted
    assert keys.invisible_focus == [], "focus not visible on:\n" + "\n".join(keys.invisible_focus)


def test_focus_is_visible_on_every_link_and_button_of_the_pilot_page(page, demo):
    page.goto(f"{demo.url}/accounts/login/")
    page.keyboard.type("koordinator")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys = Keyboard(page)
    keys.follow(link_to("/programme/"), what="the link to the programme dashboard")
    keys.follow(link_named(HOME_CARE.name), what="the link to the pilot")

    reached = 0
    first = None
    for _ in range(MAX_TABS):
        info = keys.press("Tab")
        if info is None:
            break
        key = (info["tag"], info["id"], info["href"], info["text"], info["name"], info["value"])
        # Round the page and back at the start. (Not "any key seen before": the breadcrumb's
        # "Programme" is the same link as the menu's, and the walk must go on past it.)
        if key == first:
            break
        first = first or key
        reached += info["tag"] in ("a", "button")

    assert reached >= 10, f"only {reached} links and buttons reached with Tab"
    assert keys.invisible_focus == [], "focus not visible on:\n" + "\n".join(keys.invisible_focus)
