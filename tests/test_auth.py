"""Login, logout, password reset, throttling and session timeouts."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from leanprogram import middleware
from leanprogram.middleware import IdleTimeoutMiddleware

pytestmark = pytest.mark.django_db


def _login(client, username, password="lean-demo", ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.parametrize("username", ["koordinator", "veileder", "tore", "kari", "siri"])
def test_every_person_lands_on_my_tasks_after_login(client, cast, username):
    response = _login(client, username)
    assert response.status_code == 302

    response = client.get(response.url)

    assert response.status_code == 302
    assert response.url == reverse("my_tasks")
    assert client.get(response.url).status_code == 200


def test_an_administrator_without_a_person_lands_on_the_dashboard(client, cast):
    response = _login(client, "admin")

    response = client.get(response.url)

    assert response.url == reverse("programme:dashboard")


def test_wrong_password_shows_a_norwegian_message_and_keeps_the_username(client, cast):
    response = _login(client, "tore", password="feil")

    assert response.status_code == 200
    assert 'value="tore"' in response.content.decode()
    assert response.context["form"].errors


def test_repeated_failures_lock_only_that_username_from_that_address(client, cast, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "tore", password="feil", ip="10.0.0.9")

    locked = _login(client, "tore", ip="10.0.0.9")
    from_elsewhere = _login(client, "tore", ip="10.0.0.10")

    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    assert from_elsewhere.status_code == 302


def test_logout_is_post_only(client, cast):
    client.force_login(cast.users.tore)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.fixture
def clock(monkeypatch):
    """The wall clock as the idle timeout reads it, moved by hand (seconds since the epoch)."""
    clock = SimpleNamespace(now=1_900_000_000.0)
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


def test_idle_session_is_logged_out(client, cast, settings, clock):
    client.force_login(cast.users.tore)
    clock.now += settings.SESSION_IDLE_TIMEOUT + 1

    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_session_used_within_the_timeout_stays_logged_in(client, cast, settings, clock):
    client.force_login(cast.users.tore)

    # Each request comes just inside the timeout after the one before: the clock must move on.
    for _ in range(3):
        clock.now += settings.SESSION_IDLE_TIMEOUT - 1
        response = client.get(reverse("accessibility"))

    assert response.wsgi_request.user.is_authenticated


def test_absolute_session_lifetime_is_set(settings):
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 3600
    assert settings.SESSION_IDLE_TIMEOUT < settings.SESSION_COOKIE_AGE


def test_user_without_any_role_sees_a_helpful_page(client, django_user_model):
    user = django_user_model.objects.create_user(username="ny", password="x")
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "no_access.html" in [template.name for template in response.templates]


def test_session_is_written_at_most_once_a_minute(client, cast, clock, django_assert_num_queries):
    client.force_login(cast.users.tore)
    logged_in_at = int(clock.now)

    clock.now += 59
    # The session, the user with their person, and the menu's access scope (the person, their
    # department roles, their programme roles); no session write.
    with django_assert_num_queries(5):
        client.get(reverse("accessibility"))
    assert client.session[IdleTimeoutMiddleware.key] == logged_in_at

    clock.now += 1
    # The same five, then the session written with the new time: savepoint, UPDATE, release.
    with django_assert_num_queries(8):
        client.get(reverse("accessibility"))
    assert client.session[IdleTimeoutMiddleware.key] == logged_in_at + 60


def test_not_found_page_is_norwegian_and_uses_the_site_layout(client, cast):
    client.force_login(cast.users.kari)
    client.cookies["django_language"] = "nb"

    response = client.get(reverse("programme:pilot_detail", args=[cast.pilot_a.pk]))

    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="nb">' in html
    assert 'class="skip-link"' in html
    assert "<h1>" in html


def test_forbidden_page_uses_the_site_layout(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.get(reverse("pilots:staff_list", args=[cast.dept_a.pk]))

    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_overlong_username_is_a_form_error_not_a_server_error(client, cast, url):
    # django-axes stores the username in a 255-character column (its issue #1381).
    client.cookies["django_language"] = "en"

    response = client.post(url, {"username": "a" * 300, "password": "x"}, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "Ensure this value has at most 150 characters (it has 300)."
    ]
