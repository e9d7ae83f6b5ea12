"""The layout check at five widths, shared by the per-role crawl (test_every_page.py) and the
checks of the pages before login (test_layout.py): test_layout.py says what it measures."""

from tests.browser.crawl import view_name

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


def layout_check(page, key: str) -> list[str]:
    """Resize the open page through every width and measure it at each; back to the crawl's size."""
    problems = []
    page.wait_for_load_state("load")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        found = page.evaluate(LAYOUT_JS, MAX_WORDS)
        problems += layout_problems(width, found)
        if width == PHONE and view_name(key) == PILOT_PAGE:
            problems += pilot_page_problems(found)
    page.set_viewport_size(CRAWL_VIEWPORT)
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
