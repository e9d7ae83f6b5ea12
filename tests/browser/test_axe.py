"""The pages before login and an invited person's page, checked with axe (WCAG 2.1 A and AA).

The pages each demo role reaches get the same checks in their per-role crawl
(test_every_page.py). Every page must also have exactly one <h1> and one <main>, a skip link to
it first when anything to tab to comes before it, and fit 320 CSS pixels without scrolling
sideways.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from tests.browser.conftest import (
    axe_violations,
    describe,
    horizontal_overflow,
    structure_problems,
)
from tests.browser.crawl import Crawl, finish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class AxeCrawl(Crawl):
    narrow: bool = True

    def inspect(self, key: str, url: str) -> list[str]:
        problems = structure_problems(self.page)
        violations = axe_violations(self.page)
        if violations:
            problems.append("axe:\n    " + describe(violations).replace("\n", "\n    "))
        if self.narrow and (width := horizontal_overflow(self.page)) is not None:
            problems.append(f"scrolls sideways at 320 px (scrollWidth {width})")
        return problems


def test_every_page_before_login_is_accessible(page, demo):
    crawl = AxeCrawl(page=page, base_url=demo.url)
    crawl.run(f"{demo.url}/accounts/login/", [])

    assert {"login", "password_reset", "accessibility", "privacy"} <= set(crawl.scanned), (
        crawl.scanned
    )
    finish(crawl, "anonymous")


def test_the_invitation_page_is_accessible_with_its_error_states(page, demo):
    """The page an invited person opens from the e-mail, before any login: the form, the form
    sent empty, a link that is not valid (404) and one that was withdrawn (410)."""
    from django.utils import timezone

    from pilots.invitations import invitation_token
    from pilots.models import Invitation

    invitation = Invitation.objects.select_related("person").get()
    token = invitation_token(invitation)
    url = f"{demo.url}{reverse('invitation_accept', kwargs={'token': token})}"
    crawl = AxeCrawl(page=page, base_url=demo.url)

    assert page.goto(url).status == 200
    crawl.check("invitation_accept", url)
    crawl.check_error_state("invitation_accept", url)

    forged = url.rstrip("/")[:-3] + "abc/"
    assert page.goto(forged).status == 404
    crawl.check("invitation_accept (not valid)", forged)

    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    assert page.goto(url).status == 410
    crawl.check("invitation_accept (withdrawn)", url)

    assert len(crawl.scanned) == 4, crawl.scanned
    finish(crawl, "an invited person")


def test_the_second_factor_lock_and_reset_pages_are_accessible(page, demo, settings):
    """Pages no link leads to: enrolling the second factor (the QR code, the form sent empty,
    the backup codes), the code asked for at the next login, the lock after too many wrong
    passwords, and the page after asking for a reset link."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.browser.conftest import login

    settings.TWO_FACTOR_REQUIRED = True
    crawl = AxeCrawl(page=page, base_url=demo.url)

    login(page, demo.url, "koordinator")
    assert reverse("two_factor_setup") in page.url
    crawl.check("two_factor_setup", page.url)
    crawl.check_error_state("two_factor_setup", page.url)
    device = TOTPDevice.objects.get(user__username="koordinator")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.locator("main input[name=code]").fill(str(code).zfill(device.digits))
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    crawl.check("two_factor_backup_codes", page.url)

    page.context.clear_cookies()
    login(page, demo.url, "koordinator")
    assert reverse("two_factor_verify") in page.url
    crawl.check("two_factor_verify", page.url)
    crawl.check_error_state("two_factor_verify", page.url)

    page.context.clear_cookies()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(f"{demo.url}{reverse('login')}")
        page.locator("main input[name=username]").fill("tore")
        page.locator("main input[name=password]").fill("feil")
        with page.expect_navigation():
            page.locator("main form [type=submit]").first.click()
    crawl.check("locked_out", page.url)

    page.goto(f"{demo.url}{reverse('password_reset')}")
    page.locator("main input[name=email]").fill("tore@example.no")
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    assert reverse("password_reset_done") in page.url
    crawl.check("password_reset_done", page.url)

    assert len(crawl.scanned) == 7, crawl.scanned
    finish(crawl, "second factor, lock and reset")
