"""Real-browser tests: Playwright driving Debian's Chromium against Django's live server.

No browser is downloaded: `.ci/run` installs the `chromium` package and we launch /usr/bin/chromium.
"""

import datetime as dt
import os
import re
import shutil
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}; install Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def demo(live_server, settings, transactional_db):
    """The Harstad demo loaded into the live server's database."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", verbosity=0)
    settings.DEBUG = False
    return live_server


@pytest.fixture
def after_the_demo_course(demo):
    """The clock on 1 March of the demo's course year, so its course days have been held.

    Attendance can only be recorded once a course day has started. The live server runs in a
    thread of this process, so the patched clock is its clock too.
    """
    from pilots.models import Pilot

    course_year = Pilot.objects.values_list("course_year", flat=True).first()
    moment = dt.datetime(course_year, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


# The live server sends the production Content-Security-Policy and Permissions-Policy, so every
# browser test runs under them; but a blocked script or style shows only as a missing behaviour,
# and only if a test looks. `watch_policy` collects the violations a context's pages report, and
# the `page` fixture fails its test on any (tests/browser/test_csp.py uses the scripted parts).
WATCH_POLICY_JS = """
document.addEventListener("securitypolicyviolation", (e) => window.leanPolicyViolation(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber} ${e.sample || ""}`));
"""
# What Chromium writes on the console for a blocked resource, and for a Permissions-Policy
# feature it does not know.
POLICY_CONSOLE = re.compile(
    r"Content.Security.Policy|Refused to|Permissions.Policy|Unrecognized feature", re.I
)


def watch_policy(context) -> list[str]:
    """The policy violations the pages of `context` report from now on, as they come."""
    found: list[str] = []

    def reported(text: str) -> None:
        found.append(text)

    def console(message):
        if POLICY_CONSOLE.search(message.text):
            found.append(f"console: {message.text}")

    # Through a binding and an init script, which the page's policy does not apply to.
    context.expose_function("leanPolicyViolation", reported)
    context.add_init_script(WATCH_POLICY_JS)
    context.on("console", console)
    return found


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    violations = watch_policy(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


DEMO_PASSWORD = "lean-demo"  # noqa: S105 - the published demo password


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(password)
    # A click does not wait for the navigation it starts; wait for the page after the login.
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"login failed for {username}"


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        # Passes and inapplicable rules are not read; leaving them out halves the run time.
        "resultTypes": ["violations"],
    }
    # After a click the heading can be there before the stylesheets are: axe would then judge
    # unstyled text on the navbar's dark background. Wait for the page to finish loading.
    page.wait_for_load_state("load")
    results = Axe().run(page, options=options)
    return results.response["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in violations
    )


# document.activeElement as a test can read it: what it is, what it says, how its focus shows.
ACTIVE_ELEMENT_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    name: el.getAttribute("name") || "",
    value: el.value === undefined ? "" : String(el.value),
    checked: Boolean(el.checked),
    id: el.id,
    className: typeof el.className === "string" ? el.className : "",
    text: (el.textContent || "").replace(/\\s+/g, " ").trim(),
    label: label.replace(/\\s+/g, " ").trim(),
    href: el.getAttribute("href") || "",
    outlineStyle: style.outlineStyle,
    outlineWidth: style.outlineWidth,
    boxShadow: style.boxShadow,
    focusVisible: el.matches(":focus-visible"),
  };
}"""


def active_element(page) -> dict | None:
    return page.evaluate(ACTIVE_ELEMENT_JS)


def focus_is_visible(info: dict) -> bool:
    """A focus indicator is drawn: an outline of some width, or a box shadow."""
    outline = info["outlineStyle"] != "none" and info["outlineWidth"] not in ("0px", "")
    return outline or info["boxShadow"] not in ("none", "")


STRUCTURE_JS = """() => {
  const main = document.querySelectorAll("main");
  const focusable = "a[href], button, input:not([type=hidden]), select, textarea, " +
                    "[tabindex]:not([tabindex='-1'])";
  const first = document.querySelector(focusable);
  const beforeMain = first && main.length &&
    (first.compareDocumentPosition(main[0]) & Node.DOCUMENT_POSITION_FOLLOWING) &&
    !main[0].contains(first);
  // A skip link is needed where something the Tab key stops at comes before <main>.
  let skip = "";
  if (beforeMain) {
    const href = first.getAttribute("href") || "";
    const target = href.startsWith("#") ? document.getElementById(href.slice(1)) : null;
    if (!target || !(target === main[0] || target.contains(main[0]) || main[0].contains(target))) {
      skip = `the first thing to tab to (<${first.tagName.toLowerCase()}> ${href}) ` +
             "is not a link to <main>";
    }
  }
  return {h1: document.querySelectorAll("h1").length, main: main.length, skip};
}"""


def structure_problems(page) -> list[str]:
    """One <h1>, one <main>, and a skip link to it first when anything to tab to comes before it."""
    found = page.evaluate(STRUCTURE_JS)
    problems = []
    if found["h1"] != 1:
        problems.append(f"{found['h1']} <h1> elements (want exactly 1)")
    if found["main"] != 1:
        problems.append(f"{found['main']} <main> elements (want exactly 1)")
    if found["skip"]:
        problems.append(f"no skip link: {found['skip']}")
    return problems


NARROW_WIDTH = 320


def horizontal_overflow(page, width: int = NARROW_WIDTH) -> int | None:
    """The page's scroll width when it is wider than `width` CSS pixels (+1 for rounding)."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 640})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(size)
    return scroll_width if scroll_width > width + 1 else None
