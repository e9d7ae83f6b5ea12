"""Every page each demo role can reach reads well at every width, from a small phone to a wall.

The crawl of test_axe.py (tests/browser/crawl.py) opens every page once per role; each page is
then resized through five widths (320 and 390 px phones, a 768 px tablet, a 1280 px laptop and a
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

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse

from pilots.models import Programme
from plans.models import Indicator, Measurement
from tests.browser.conftest import login
from tests.browser.crawl import EXPECTED_VIEWS, ROLES, Crawl, crawl_as, finish, view_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 768, 1280, 1920)
HEIGHTS = {320: 640, 390: 844, 768: 1024, 1280: 900, 1920: 1080}
# The crawl opens pages at the page fixture's laptop size, so that what it clicks on is visible
# as it was before the resizing.
CRAWL_VIEWPORT = {"width": 1280, "height": 900}
PHONE = 390
PILOT_PAGE = "programme:pilot_detail"
SCREENS_ABOVE_FIRST_TABLE = 3
# Words reported per page and width: enough to see the pattern, not a wall of text.
MAX_WORDS = 8

# One evaluation per page and width: wait for the layout after the resize (and for
# scroll_regions.js, which listens to `resize`), then measure everything in one go.
LAYOUT_JS = """async (maxWords) => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));

  const cssPath = (el) => {
    const parts = [];
    for (let node = el; node && parts.length < 5; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { parts.unshift(part + "#" + node.id); break; }
      const classes = Array.from(node.classList).slice(0, 2);
      if (classes.length) part += "." + classes.join(".");
      const parent = node.parentElement;
      if (parent) {
        const same = Array.from(parent.children).filter(c => c.tagName === node.tagName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
    }
    return parts.join(" > ");
  };

  // A word may break after a hyphen, a dash, a slash or a soft hyphen; the parts between
  // those must each stay on one line.
  const PIECE = /[^\\s\\-\\u2010-\\u2014\\/\\u00ad]+[\\-\\u2010-\\u2014\\/\\u00ad]*/g;
  const MAY_BREAK = /@|:\\/\\/|^www\\./;
  const SKIP = "script, style, noscript, template, svg, textarea, select, option, " +
               ".visually-hidden, .visually-hidden-focusable:not(:focus), .breakable";
  const split = [];
  let splitCount = 0;
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => {
      if (!/\\S/.test(node.data)) return NodeFilter.FILTER_REJECT;
      const parent = node.parentElement;
      if (!parent || parent.closest(SKIP)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const words = node.data.matchAll(/\\S+/g);
    for (const word of words) {
      if (MAY_BREAK.test(word[0])) continue;
      for (const piece of word[0].matchAll(PIECE)) {
        if (piece[0].length < 2) continue;
        const start = word.index + piece.index;
        range.setStart(node, start);
        range.setEnd(node, start + piece[0].length);
        const rects = Array.from(range.getClientRects()).filter(r => r.width > 0.5);
        if (rects.length < 2) continue;
        const tops = rects.map(r => r.top);
        const lowest = Math.min(...rects.map(r => r.height));
        if (Math.max(...tops) - Math.min(...tops) < lowest / 2) continue;
        splitCount += 1;
        if (split.length < maxWords) {
          const path = cssPath(node.parentElement);
          split.push({word: word[0], piece: piece[0], lines: rects.length, path});
        }
      }
    }
  }

  const root = document.documentElement;
  const pageOverflow = root.scrollWidth > root.clientWidth ? root.scrollWidth : 0;
  // What sticks out: the innermost elements past the right edge, so a report says where to look.
  const sticksOut = [];
  if (pageOverflow) {
    // What a scrolling or clipping box holds does not widen the page.
    const clipped = (el) => {
      for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== "visible") return true;
      }
      return false;
    };
    // Its box ends past the edge, or its text does (a word wider than a box that stays put).
    const out = (el) => !clipped(el) && (el.getBoundingClientRect().right > root.clientWidth + 1 ||
      (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible" &&
       el.getBoundingClientRect().left + el.scrollWidth > root.clientWidth + 1));
    for (const el of document.body.querySelectorAll("*")) {
      if (sticksOut.length >= 3) break;
      if (out(el) && !Array.from(el.children).some(out)) sticksOut.push(cssPath(el));
    }
  }
  const unnamedScrolls = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    const overflowX = getComputedStyle(el).overflowX;
    if (overflowX !== "auto" && overflowX !== "scroll") continue;
    const named = el.getAttribute("role") === "region" &&
      (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) &&
      el.tabIndex >= 0;
    if (!named) unnamedScrolls.push(cssPath(el));
  }

  const visible = (el) => el.getClientRects().length > 0;
  const first = Array.from(document.querySelectorAll("main table, main .table-stack"))
    .find(visible);
  const firstTableTop = first ? first.getBoundingClientRect().top + window.scrollY : null;

  return {split, splitCount, pageOverflow, sticksOut, clientWidth: root.clientWidth, unnamedScrolls,
          firstTableTop};
}"""


@dataclass
class LayoutCrawl(Crawl):
    def inspect(self, key: str, url: str) -> list[str]:
        problems = []
        self.page.wait_for_load_state("load")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
            found = self.page.evaluate(LAYOUT_JS, MAX_WORDS)
            problems += layout_problems(width, found)
            if width == PHONE and view_name(key) == PILOT_PAGE:
                problems += pilot_page_problems(found)
        self.page.set_viewport_size(CRAWL_VIEWPORT)
        return problems


def layout_problems(width: int, found: dict) -> list[str]:
    problems = []
    if found["splitCount"]:
        words = "; ".join(
            f"«{w['word']}»"
            + (f" (at «{w['piece']}»)" if w["piece"] != w["word"] else "")
            + f" on {w['lines']} lines in {w['path']}"
            for w in found["split"]
        )
        more = found["splitCount"] - len(found["split"])
        problems.append(
            f"{width} px: {found['splitCount']} word(s) split: {words}"
            + (f" (and {more} more)" if more > 0 else "")
        )
    if found["pageOverflow"]:
        problems.append(
            f"{width} px: the page scrolls sideways "
            f"(scrollWidth {found['pageOverflow']} > {found['clientWidth']}): "
            + "; ".join(found["sticksOut"])
        )
    if found["unnamedScrolls"]:
        problems.append(
            f"{width} px: scrolls sideways without being a named, focusable region: "
            + "; ".join(found["unnamedScrolls"][:MAX_WORDS])
        )
    return problems


def pilot_page_problems(found: dict) -> list[str]:
    limit = SCREENS_ABOVE_FIRST_TABLE * HEIGHTS[PHONE]
    top = found["firstTableTop"]
    if top is None:
        return [f"{PHONE} px: no table (nor .table-stack list) on the pilot page"]
    if top > limit:
        return [
            f"{PHONE} px: the first table starts {top:.0f} px down "
            f"(more than {SCREENS_ABOVE_FIRST_TABLE} screens of {HEIGHTS[PHONE]} px)"
        ]
    return []


def check_pages(crawl: LayoutCrawl, base_url: str, pages: dict[str, tuple[str, int]]) -> None:
    """Open each of `pages` (a key for the report: its path and the status it answers with)."""
    for key, (path, status) in pages.items():
        url = f"{base_url}{path}"
        response = crawl.page.goto(url)
        assert response.status == status, f"{url}: HTTP {response.status}, not {status}"
        crawl.check(key, url)


@pytest.fixture
def measured(demo):
    """The demo's indicators with a few measurements, so that their tables and charts are laid out
    with numbers and notes in them, and not only their empty state."""
    for indicator in Indicator.objects.all():
        for weeks, value in enumerate((indicator.baseline, indicator.target)):
            Measurement.objects.create(
                indicator=indicator,
                measured_on=dt.date(2027, 3, 1) + dt.timedelta(weeks=weeks),
                value=value,
                note="Målt i uke 9 av fagkoordinator, etter tavlemøtet",
            )
    return demo


@pytest.mark.parametrize("username", ROLES)
def test_every_page_the_role_reaches_reads_well_at_every_width(page, measured, username):
    demo = measured
    crawl = crawl_as(page, demo.url, username, LayoutCrawl(page=page, base_url=demo.url))

    missing = EXPECTED_VIEWS[username] - set(crawl.scanned)
    assert not missing, f"not reached: {sorted(missing)}\n{crawl.report(username)}"
    finish(crawl, username)


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
