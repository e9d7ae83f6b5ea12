"""Typing keeps a session alive, reading in the background does not, and nothing extends the
absolute session age; the signals drafts.js reads (a saved draft, a login page for htmx)."""

import datetime as dt
from types import SimpleNamespace
from unittest import mock

import pytest
from django.urls import reverse

from leanprogram import middleware
from leanprogram.middleware import DRAFT_SAVED_COOKIE, IdleTimeoutMiddleware
from plans.models import Suggestion

pytestmark = pytest.mark.django_db

KEEPALIVE = "session_keepalive"


@pytest.fixture
def clock(monkeypatch):
    """The wall clock as the session timeouts read it, moved by hand (seconds since the epoch)."""
    clock = SimpleNamespace(now=1_900_000_000.0)
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


def _logged_in(client, response) -> bool:
    return response.wsgi_request.user.is_authenticated


def test_keepalive_moves_the_idle_clock_on(client, cast, settings, clock):
    client.force_login(cast.users.tore)
    clock.now += settings.SESSION_IDLE_TIMEOUT - 1

    response = client.post(reverse(KEEPALIVE))

    assert response.status_code == 204
    assert client.session[IdleTimeoutMiddleware.key] == int(clock.now)
    # Another almost-full timeout later the session is still there: the keepalive counted.
    clock.now += settings.SESSION_IDLE_TIMEOUT - 1
    assert _logged_in(client, client.get(reverse("accessibility")))


def test_without_keepalive_the_same_wait_logs_out(client, cast, settings, clock):
    client.force_login(cast.users.tore)

    clock.now += 2 * (settings.SESSION_IDLE_TIMEOUT - 1)

    assert not _logged_in(client, client.get(reverse("accessibility")))


def test_keepalive_does_not_extend_the_absolute_session_age(client, cast, settings, clock):
    settings.SESSION_COOKIE_AGE = 3 * settings.SESSION_IDLE_TIMEOUT
    client.force_login(cast.users.tore)
    expires = client.session.get_expiry_date()

    statuses = []
    for _ in range(4):
        clock.now += settings.SESSION_IDLE_TIMEOUT - 1
        statuses.append(client.post(reverse(KEEPALIVE)).status_code)
        if statuses[-1] == 204:
            assert client.session.get_expiry_date() == expires

    # Three keepalives fit in the absolute age; the fourth comes after it has run out.
    assert statuses == [204, 204, 204, 403]
    assert not _logged_in(client, client.get(reverse("accessibility")))


def test_a_session_is_given_a_fixed_expiry_date_at_login(client, cast, settings):
    client.force_login(cast.users.tore)

    # A fixed date, stored in the session: Django's default is a sliding age.
    assert client.session.get("_session_expiry") is not None
    assert abs(client.session.get_expiry_age() - settings.SESSION_COOKIE_AGE) <= 5


def test_keepalive_refuses_anonymous_without_a_login_page(client):
    response = client.post(reverse(KEEPALIVE))

    assert response.status_code == 403


def test_keepalive_is_post_only(client, cast):
    client.force_login(cast.users.tore)

    assert client.get(reverse(KEEPALIVE)).status_code == 405


def test_background_requests_do_not_count_as_activity(client, cast, settings, clock):
    client.force_login(cast.users.tore)
    logged_in_at = client.session[IdleTimeoutMiddleware.key]
    board = reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk})

    clock.now += settings.SESSION_IDLE_TIMEOUT - 1
    polled = client.get(board, headers={"HX-Request": "true", "X-Lean-Background": "1"})
    assert polled.status_code == 200
    assert client.session[IdleTimeoutMiddleware.key] == logged_in_at

    clock.now += 2
    response = client.get(board, headers={"HX-Request": "true", "X-Lean-Background": "1"})
    assert not _logged_in(client, response)


def test_an_htmx_request_after_the_timeout_reloads_the_page_into_the_login(
    client, cast, settings, clock
):
    client.force_login(cast.users.tore)
    board = reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk})
    clock.now += settings.SESSION_IDLE_TIMEOUT + 1

    response = client.get(
        board,
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{board}?fullscreen=1"},
    )

    # Not the login page swapped into the board: htmx loads it as the whole page.
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert "next=/plans/" in response["HX-Redirect"]
    assert "fullscreen%3D1" in response["HX-Redirect"]


def test_an_htmx_redirect_never_leads_off_the_site(client, cast, settings, clock):
    client.force_login(cast.users.tore)
    clock.now += settings.SESSION_IDLE_TIMEOUT + 1

    response = client.get(
        reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk}),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"},
    )

    assert "evil" not in response["HX-Redirect"]


def _suggest(client, pilot, text, **extra):
    url = reverse("plans:pilot_suggestions", kwargs={"pilot_pk": pilot.pk})
    return client.post(url, {"text": text, **extra})


def test_a_saved_form_hands_its_draft_token_back(client, cast):
    client.force_login(cast.users.staff_a)

    response = _suggest(client, cast.pilot_a, "Fast plass for nøklene", _draft="a1b2c3")

    assert response.status_code == 302
    assert Suggestion.objects.filter(text="Fast plass for nøklene").exists()
    cookie = response.cookies[DRAFT_SAVED_COOKIE]
    assert cookie.value == "a1b2c3"
    assert cookie["max-age"] == 300


def test_a_form_with_errors_keeps_the_draft(client, cast):
    client.force_login(cast.users.staff_a)

    response = _suggest(client, cast.pilot_a, "", _draft="a1b2c3")

    assert response.status_code == 400
    assert DRAFT_SAVED_COOKIE not in response.cookies


def test_a_post_after_the_timeout_keeps_the_draft_and_leads_back_to_the_form(
    client, cast, settings, clock
):
    client.force_login(cast.users.staff_a)
    clock.now += settings.SESSION_IDLE_TIMEOUT + 1
    url = reverse("plans:pilot_suggestions", kwargs={"pilot_pk": cast.pilot_a.pk})

    response = _suggest(client, cast.pilot_a, "Fast plass for nøklene", _draft="a1b2c3")

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"
    assert DRAFT_SAVED_COOKIE not in response.cookies
    assert not Suggestion.objects.exists()


def test_a_draft_token_that_is_not_a_plain_token_is_ignored(client, cast):
    client.force_login(cast.users.staff_a)

    response = _suggest(client, cast.pilot_a, "Fast plass", _draft="a; Path=/; x=1")

    assert DRAFT_SAVED_COOKIE not in response.cookies


def test_the_pages_tell_drafts_js_who_is_typing_and_the_timeout(client, cast, settings):
    settings.SESSION_IDLE_TIMEOUT = 120
    client.force_login(cast.users.tore)

    html = client.get(reverse("accessibility")).content.decode()

    assert f'data-user-id="{cast.users.tore.pk}"' in html
    assert 'data-idle-timeout="120"' in html
    assert f'data-keepalive-url="{reverse(KEEPALIVE)}"' in html
    assert "js/drafts.js" in html


def test_anonymous_pages_load_no_drafts(client, cast):
    html = client.get(reverse("accessibility")).content.decode()

    assert "data-user-id" not in html
    assert "js/drafts.js" not in html


@pytest.mark.parametrize("name", ["plans:suggestion_answer", "plans:suggestion_measure"])
def test_a_suggestion_forms_post_address_answers_get_with_its_page(client, cast, name):
    """After a POST that found the session expired, the login's `next` is the POST address."""
    suggestion = Suggestion.objects.create(pilot=cast.pilot_a, author=cast.siri, text="Nøkler")
    client.force_login(cast.users.tore)

    response = client.get(reverse(name, kwargs={"pk": suggestion.pk}), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(
        "plans:suggestion_detail", kwargs={"pk": suggestion.pk}
    )
    assert f'data-draft="suggestion-{suggestion.pk}-' in response.content.decode()


def test_the_fixed_expiry_follows_djangos_clock(client, cast):
    """The session store compares the expiry with django.utils.timezone.now(): a clock moved
    there (as the demo's tests move it to the course year) must not expire a fresh login."""
    later = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(cast.users.tore)

        assert _logged_in(client, client.get(reverse("accessibility")))
