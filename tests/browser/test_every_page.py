"""Every page each demo role can reach, in one crawl per role, passes every page check.

One crawl per role (tests/browser/crawl.py says how) opens each page once and checks it for:
- accessibility: axe (WCAG 2.1 A and AA), exactly one <h1> and one <main>, and a skip link to it
  first when anything to tab to comes before it (test_axe.py has the same checks for the pages
  before login);
- layout at five widths, from a 320 px phone to a 1920 px wall screen: no split words, no sideways
  scrolling, named scroll regions, the pilot page's first table high enough on a phone
  (tests/browser/layout_checks.py, test_layout.py).

Opening every page once for both checks, rather than once per check, halves what the browser
suite spends on navigation and on loading the demo.
"""

import datetime as dt
from dataclasses import dataclass

import pytest

from plans.models import Indicator, Measurement
from tests.browser.conftest import axe_violations, describe, structure_problems
from tests.browser.crawl import EXPECTED_VIEWS, ROLES, Crawl, crawl_as, finish
from tests.browser.layout_checks import layout_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class PageCrawl(Crawl):
    def inspect(self, key: str, url: str) -> list[str]:
        problems = structure_problems(self.page)
        violations = axe_violations(self.page)
        if violations:
            problems.append("axe:\n    " + describe(violations).replace("\n", "\n    "))
        return problems + layout_check(self.page, key)


@pytest.fixture
def measured(demo):
    """The demo's indicators with a few measurements, so that their tables and charts are laid out
    (and scanned) with numbers and notes in them, and not only their empty state."""
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
def test_every_page_the_role_reaches_is_accessible_and_reads_well_at_every_width(
    page, measured, username
):
    crawl = crawl_as(page, measured.url, username, PageCrawl(page=page, base_url=measured.url))

    missing = EXPECTED_VIEWS[username] - set(crawl.scanned)
    assert not missing, f"not reached: {sorted(missing)}\n{crawl.report(username)}"
    finish(crawl, username)
