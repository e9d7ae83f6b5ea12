"""Every page reads well at every width, from a small phone to a wall.

The per-role crawl (test_every_page.py, tests/browser/crawl.py) opens every page once per role
and checks it with `layout_check` (tests/browser/layout_checks.py); this module checks the pages
before login and the error pages the same way, and checks the check itself. Each page is resized
through five widths (320 and 390 px phones, a 768 px tablet, a 1280 px laptop and a
1920 px screen), and at each:

- no word is split across lines. Each visible word's DOM Range is measured: a word whose client
  rects lie on more than one line was broken inside. A line may end after a hyphen, an en or em
  dash or a slash (that is where the browser may break a compound like "Sted/tema" or
  "2026–2027"), and e-mail addresses, URLs and anything inside an element with the class
  `breakable` (a long address) may break anywhere;
- the page does not scroll sideways, and any element that scrolls sideways itself is a named,
  focusable region (role="region", aria-label, tabindex), which static/js/scroll_regions.js makes
  of a .table-responsive (or .scroll-x) box whose content is wider than the screen;
- at 390 px, the pilot page's first table (or the stacked list standing in for it on a phone)
  starts within about three screens of the top.

All problems of a role are listed in one assertion message, page by page.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from pilots.models import Programme
from tests.browser.conftest import login
from tests.browser.crawl import Crawl, finish
from tests.browser.layout_checks import LAYOUT_JS, MAX_WORDS, layout_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class LayoutCrawl(Crawl):
    def inspect(self, key: str, url: str) -> list[str]:
        return layout_check(self.page, key)


def check_pages(crawl: LayoutCrawl, base_url: str, pages: dict[str, tuple[str, int]]) -> None:
    """Open each of `pages` (a key for the report: its path and the status it answers with)."""
    for key, (path, status) in pages.items():
        url = f"{base_url}{path}"
        response = crawl.page.goto(url)
        assert response.status == status, f"{url}: HTTP {response.status}, not {status}"
        crawl.check(key, url)


def test_every_page_before_login_and_the_error_pages_read_well_at_every_width(page, demo):
    crawl = LayoutCrawl(page=page, base_url=demo.url)
    crawl.run(f"{demo.url}/accounts/login/", [])
    check_pages(crawl, demo.url, {"404 (not found)": ("/this-page-does-not-exist/", 404)})
    # A leader's answer for another's page: the programme's gains are the coordinator's.
    login(page, demo.url, "tore")
    programme = Programme.objects.get()
    gains = reverse("plans:programme_gains", kwargs={"pk": programme.pk})
    check_pages(crawl, demo.url, {"403 (forbidden)": (gains, 403)})

    assert {"login", "password_reset", "accessibility", "privacy"} <= set(crawl.scanned), (
        crawl.scanned
    )
    finish(crawl, "anonymous, and the error pages")


# A page made to break every rule the check knows, and to keep every exception it allows.
CHECK_THE_CHECK_HTML = """<!DOCTYPE html><html lang="nb"><body><main>
<p id="narrow" style="width: 4rem; overflow-wrap: anywhere">Prosjektplan</p>
<p style="width: 4rem">Sted/tema-og-innhold kari.nordmann@harstad.kommune.no</p>
<p class="breakable" style="width: 4rem">Storgata 1, Harstad</p>
<span style="position: absolute; width: 1px; overflow: hidden; clip: rect(0 0 0 0)"
      class="visually-hidden">Skjermleserteksten</span>
<div id="sideways" style="width: 8rem; overflow-x: auto"><div style="width: 40rem">Bred</div></div>
<div role="region" aria-label="Tabell" tabindex="0" style="width: 8rem; overflow-x: auto">
  <div style="width: 40rem">Bred, men navngitt</div></div>
<div style="width: 200vw">For bred</div>
</main></body></html>"""


def test_the_check_finds_split_words_and_sideways_scrolling_and_allows_the_exceptions(browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.set_content(CHECK_THE_CHECK_HTML)
        found = page.evaluate(LAYOUT_JS, MAX_WORDS)
    finally:
        context.close()

    assert [(w["word"], w["path"]) for w in found["split"]] == [("Prosjektplan", "p#narrow")]
    assert found["unnamedScrolls"] == ["div#sideways"]
    assert found["pageOverflow"] > 320
    assert found["firstTableTop"] is None
