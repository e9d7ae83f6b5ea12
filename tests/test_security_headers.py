"""Browser defences in the response headers, on every page each demo role reaches, with the
production settings (DEBUG off, HTTPS): the Content-Security-Policy, Permissions-Policy,
Cross-Origin-Opener/Resource-Policy, Referrer-Policy, framing, `Cache-Control: no-store` for the
logged-in, and every cookie's flags. Then a scan of every template and script for what the policy
forbids (inline scripts and styles, event-handler attributes, javascript: URLs, eval).

The pages are found as tests/browser/crawl.py finds them (links from the landing page, then the
views no link leads to), but with the test client: no browser needed for headers.
"""

import io
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import path, reverse

from leanprogram.middleware import DRAFT_SAVED_COOKIE
from pilots.models import Pilot
from tests.browser.crawl import (
    ROLES,
    SKIP_PREFIXES,
    SKIP_VIEWS,
    setup_pages,
    unlinked_pages,
    view_key,
    view_name,
)
from tests.test_settings import _start as start_django

ROOT = Path(settings.BASE_DIR)
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# Enough for every view of every role; a crawl that reaches it is following a generator of pages.
MAX_PAGES = 150


@pytest.fixture
def production(settings):
    """What DEBUG=0 in production turns on (the test run itself uses DEBUG=1)."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    return settings


@pytest.fixture
def demo_loaded(db, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    settings.DEBUG = False


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and "download" not in attrs:
            self.hrefs.append(attrs["href"])


def _links(response) -> list[str]:
    if "text/html" not in response.get("Content-Type", ""):
        return []
    parser = _Links()
    parser.feed(response.content.decode())
    found = []
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, a mailto:, a fragment of this page
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(parts._replace(fragment="").geturl())
    return found


def parse_policy(header: str) -> dict[str, set[str]]:
    """A policy as its directives, each with its set of sources (django-csp's order varies)."""
    directives = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        directives[name] = set(sources)
    return directives


def header_problems(response, *, logged_in: bool) -> list[str]:
    """What is missing or wrong in one response's headers."""
    problems = []

    def expect(name, value):
        if response.get(name) != value:
            problems.append(f"{name}: {response.get(name)!r}, want {value!r}")

    if parse_policy(response.get("Content-Security-Policy", "")) != parse_policy(POLICY):
        problems.append(f"Content-Security-Policy: {response.get('Content-Security-Policy')!r}")
    expect("X-Frame-Options", "DENY")
    expect("X-Content-Type-Options", "nosniff")
    expect("Cross-Origin-Opener-Policy", "same-origin")
    expect("Cross-Origin-Resource-Policy", "same-origin")
    expect("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload")
    # The wall-screen view through a screen link sends no referrer at all.
    if response.get("Referrer-Policy") not in ("same-origin", "no-referrer"):
        problems.append(f"Referrer-Policy: {response.get('Referrer-Policy')!r}")
    permissions = response.get("Permissions-Policy", "")
    for denied in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        if denied not in permissions:
            problems.append(f"Permissions-Policy lacks {denied}: {permissions!r}")
    cache = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    if logged_in and not {"no-store", "private"} <= cache:
        problems.append(f"Cache-Control: {response.get('Cache-Control')!r}, want no-store, private")
    return problems


def cookie_problems(response) -> list[str]:
    problems = []
    for name, morsel in response.cookies.items():
        if not morsel.value and morsel["max-age"] == 0:
            continue  # a deletion
        if not morsel["secure"]:
            problems.append(f"cookie {name} is not Secure")
        if morsel["samesite"] not in ("Lax", "Strict"):
            problems.append(f"cookie {name}: SameSite={morsel['samesite']!r}")
        # drafts.js reads the draft-saved token (a random string, nothing else) to drop a draft.
        if not morsel["httponly"] and name != DRAFT_SAVED_COOKIE:
            problems.append(f"cookie {name} is not HttpOnly")
    return problems


class ClientCrawl:
    """Every page a client reaches from `start`, each view once; the problems found on each."""

    def __init__(self, client: Client, *, logged_in: bool):
        self.client = client
        self.logged_in = logged_in
        self.seen: set[str] = set()
        self.failures: list[str] = []
        self.pages: list[str] = []

    def get(self, url: str):
        return self.client.get(url, secure=True)

    def run(self, start: str, unlinked: list[str] = ()) -> None:
        queue = deque([start, *unlinked])
        while queue and len(self.pages) < MAX_PAGES:
            url = queue.popleft()
            key = view_key(url)
            if key in self.seen or view_name(key) in SKIP_VIEWS:
                continue
            self.seen.add(key)
            response = self.get(url)
            if response.status_code in (301, 302):
                queue.appendleft(response["Location"])
                self.seen.discard(view_key(response["Location"]))
            self.check(f"{url} [{key}] {response.status_code}", response)
            queue.extend(_links(response))
        assert len(self.pages) < MAX_PAGES, "the crawl did not end; is a link generating pages?"

    def check(self, label: str, response) -> None:
        self.pages.append(label)
        problems = header_problems(response, logged_in=self.logged_in)
        problems += cookie_problems(response)
        if problems:
            self.failures.append(f"{label}:\n  " + "\n  ".join(problems))


def test_every_page_of_every_role_sends_the_security_headers(production, demo_loaded):
    failures, counts = [], {}
    users = get_user_model().objects
    for username in ROLES:
        client = Client()
        client.force_login(users.get(username=username))
        crawl = ClientCrawl(client, logged_in=True)
        crawl.run("/", [*unlinked_pages(username), *setup_pages(username)])
        if username == "admin":
            # The admin pages we use: the index, a changelist, and a change form with autocomplete.
            pilot = Pilot.objects.order_by("pk").first()
            crawl.run(reverse("admin:index"))
            crawl.run(reverse("admin:pilots_pilot_changelist"))
            crawl.run(reverse("admin:pilots_pilot_change", args=[pilot.pk]))
        # Error pages are pages too.
        crawl.check("404", crawl.get("/no-such-page/"))
        failures += crawl.failures
        counts[username] = len(crawl.pages)

    # Each role reaches many pages: a crawl that stopped at the first cannot pass.
    assert all(count >= 10 for count in counts.values()), counts
    assert failures == [], "\n".join(failures)


def test_pages_before_login_and_error_pages_send_the_security_headers(production, demo_loaded):
    crawl = ClientCrawl(Client(), logged_in=False)
    crawl.run(reverse("login"))
    assert {"login", "password_reset", "accessibility"} <= crawl.seen, crawl.seen

    crawl.check("404", crawl.get("/no-such-page/"))
    csrf_client = Client(enforce_csrf_checks=True)
    forbidden = csrf_client.post(reverse("login"), {"username": "x"}, secure=True)
    assert forbidden.status_code == 403
    crawl.check("403 (CSRF)", forbidden)
    assert crawl.failures == [], "\n".join(crawl.failures)


def test_a_forbidden_page_sends_the_security_headers(production, demo_loaded):
    client = Client()
    client.force_login(get_user_model().objects.get(username="ingrid"))
    programme = Pilot.objects.order_by("pk").first().programme_id
    response = client.get(reverse("plans:programme_gains", args=[programme]), secure=True)

    assert response.status_code == 403
    assert header_problems(response, logged_in=True) == []


FORM_ACTION_CODE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
)


def test_the_identity_providers_origin_is_allowed_as_a_form_action():
    # Logging out after an OIDC login answers the logout form's POST with a redirect to the
    # provider, and form-action covers redirects after a form's POST too.
    result = start_django(
        FORM_ACTION_CODE,
        DEBUG="0",
        OIDC_ISSUER="https://login.kommune.no/tenant/v2.0",
        OIDC_CLIENT_ID="leanprogram",
        OIDC_CLIENT_SECRET="s3cret",  # noqa: S106 - a made-up registration
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[\"'self'\", 'https://login.kommune.no']"


def test_more_form_action_origins_can_be_configured():
    result = start_django(
        FORM_ACTION_CODE, DEBUG="0", CSP_EXTRA_FORM_ACTION="https://a.kommune.no,https://b.no:8443"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[\"'self'\", 'https://a.kommune.no', 'https://b.no:8443']"


@pytest.mark.parametrize("bad", ["login.kommune.no", "http://login.kommune.no", "https://*.no"])
def test_a_bad_form_action_origin_stops_start_up_naming_the_variable(bad):
    result = start_django(DEBUG="0", CSP_EXTRA_FORM_ACTION=bad)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CSP_EXTRA_FORM_ACTION" in result.stderr


def _boom(request):
    raise RuntimeError("a bug")


# For the test of the 500 page below: a view that fails.
urlpatterns = [path("boom/", _boom)]


@pytest.mark.urls("tests.test_security_headers")
def test_the_server_error_page_sends_the_security_headers(production, db):
    response = Client(raise_request_exception=False).get("/boom/", secure=True)

    assert response.status_code == 500
    assert header_problems(response, logged_in=False) == []
    assert b"build/app.css" in response.content


def test_every_cookie_is_secure_httponly_and_samesite(production, demo_loaded, client):
    login_page = client.get(reverse("login"), secure=True)
    login = client.post(
        reverse("login"), {"username": "tore", "password": "lean-demo"}, secure=True
    )
    assert login.status_code == 302
    language = client.post(reverse("set_language"), {"language": "en", "next": "/"}, secure=True)
    responses = [login_page, login, language]
    names = {name for response in responses for name in response.cookies}
    assert {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME} <= names, names
    assert settings.LANGUAGE_COOKIE_NAME in names, names
    assert [problem for response in responses for problem in cookie_problems(response)] == []


def test_the_draft_saved_cookie_is_secure_and_samesite_but_readable_by_drafts_js(
    production, cast, client
):
    client.force_login(cast.users.coordinator)
    url = reverse("pilots:holiday_period_create", args=[cast.programme.pk])
    response = client.post(
        url,
        {
            "name": "Vinterferie",
            "starts_on": "2027-02-22",
            "ends_on": "2027-02-26",
            "_draft": "abc123",
        },
        secure=True,
    )
    assert response.status_code == 302, response.content.decode()[:500]
    morsel = response.cookies[DRAFT_SAVED_COOKIE]
    assert morsel.value == "abc123"
    assert morsel["secure"] and morsel["samesite"] == "Lax"
    assert not morsel["httponly"]


def test_static_files_keep_their_cache_lifetime_for_the_logged_in(production, cast):
    # WhiteNoise answers before authentication: a stylesheet is not a page about anyone.
    production.WHITENOISE_USE_FINDERS = True
    client = Client()
    client.force_login(cast.users.tore)
    page = client.get(reverse("my_tasks"), secure=True)
    stylesheet = client.get("/static/css/app.css", secure=True)

    assert "no-store" in page["Cache-Control"]
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.get("Cache-Control", "")
    assert "max-age" in stylesheet["Cache-Control"]


# --- What the policy forbids, found in the source ---------------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
# A {# #} comment ends at the end of its line (Django's rule); {% comment %} spans lines.
_DJANGO_COMMENT = re.compile(r"\{#[^\n]*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)
_DJANGO_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_DATA_SCRIPT = re.compile(r"""type\s*=\s*["']application/(ld\+)?json["']""", re.I)


def template_problems(text: str) -> list[str]:
    """Inline scripts with code, <style> elements, style="" and on*="" attributes, javascript:
    URLs in one template's text."""
    text = _DJANGO_COMMENT.sub("", text)
    # Template tags inside a tag ({% if %} around an attribute) become a neutral word.
    text = _DJANGO_TAG.sub(" x ", text)
    problems = []
    for attrs, body in _SCRIPT.findall(text):
        if body.strip() and not _DATA_SCRIPT.search(attrs):
            problems.append(f"inline <script>: {body.strip()[:60]!r}")
    if re.search(r"<style\b", text, re.I):
        problems.append("a <style> element")
    for tag in _TAG.findall(text):
        if re.search(r"\sstyle\s*=", tag, re.I):
            problems.append(f"style attribute: {tag[:80]}")
        if re.search(r"\son[a-z]+\s*=", tag, re.I):
            problems.append(f"event-handler attribute: {tag[:80]}")
    if re.search(r"javascript\s*:", text, re.I):
        problems.append("a javascript: URL")
    return problems


def script_problems(text: str) -> list[str]:
    """What a script of ours must not do under the policy: eval, strings run as code, inline
    styles written as markup or attributes (setting element.style properties is allowed)."""
    problems = []
    patterns = {
        "eval": r"\beval\s*\(",
        "new Function": r"\bnew\s+Function\s*\(",
        "a string timer": r"\bset(Timeout|Interval)\s*\(\s*[\"'`]",
        "a style attribute in markup": r"style\s*=\s*\\?[\"']",
        "setAttribute('style')": r"setAttribute\s*\(\s*[\"']style[\"']",
        "an event-handler attribute in markup": r"<[a-z][^>]*\son[a-z]+\s*=",
        "a javascript: URL": r"javascript\s*:",
    }
    for name, pattern in patterns.items():
        if re.search(pattern, text, re.I):
            problems.append(name)
    return problems


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        '<p style="color: red">x</p>',
        '<button onclick="go()">x</button>',
        '<a href="javascript:go()">x</a>',
        '<p {% if a %}style="x"{% endif %}>x</p>',
        "<style>p{}</style>",
        # Django's {# #} ends at the line's end: this one is no comment, and the page shows it.
        "{# no\n<p style='x'> #}",
    ],
)
def test_the_template_scan_finds_what_the_policy_forbids(bad):
    assert template_problems(bad)


def test_the_template_scan_passes_what_the_policy_allows():
    allowed = (
        "{% load static %}<script src=\"{% static 'js/x.js' %}\" defer></script>"
        '<script type="application/json" id="d">{"a": 1}</script>'
        '{# an onclick="x" in a comment #}<p data-on-x="1" class="monospace">on=</p>'
    )
    assert template_problems(allowed) == []


def test_no_template_has_inline_scripts_styles_or_handlers():
    problems = {}
    scanned = 0
    for folder in TEMPLATE_DIRS:
        for file in sorted(folder.rglob("*")):
            if file.suffix not in {".html", ".svg", ".txt"}:
                continue
            scanned += 1
            if found := template_problems(file.read_text()):
                problems[str(file.relative_to(ROOT))] = found
    assert scanned > 50, scanned
    assert problems == {}


def test_no_script_of_ours_needs_eval_or_inline_styles():
    problems = {}
    scripts = sorted((ROOT / "static/js").glob("*.js"))
    assert scripts
    for file in scripts:
        if found := script_problems(file.read_text()):
            problems[file.name] = found
    assert script_problems("el.innerHTML = '<b style=\"x\">';")
    assert problems == {}
