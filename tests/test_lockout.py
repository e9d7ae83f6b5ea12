"""Login lockout: by username and client address behind proxies, on the app's and the admin's
login, lifted by a new password, and the lock page telling the configured numbers."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from leanprogram.login import client_ip_address
from tests.test_settings import _start

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


def _login(client, username, password="lean-demo", *, url=None, forwarded=None, ip=PROXY):
    extra = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, **extra
    )


def _fail_until_locked(client, settings, username, **kwargs):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, username, "feil", **kwargs)


def test_behind_a_trusted_proxy_an_attacker_elsewhere_cannot_lock_the_victim_out(
    client, cast, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    # Everyone reaches the site through the proxy: REMOTE_ADDR is the proxy for all of them.
    _fail_until_locked(client, settings, "kari", forwarded="198.51.100.7")

    attacker = _login(client, "kari", forwarded="198.51.100.7")
    victim = _login(client, "kari", forwarded="203.0.113.20")

    assert attacker.status_code == 429
    assert victim.status_code == 302


def test_behind_a_trusted_proxy_what_the_client_writes_into_the_header_is_ignored(
    client, cast, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the address it saw; a made-up address further left changes nothing.
    for fake in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "kari", "feil", forwarded=f"192.0.2.{fake}, 198.51.100.7")

    assert _login(client, "kari", forwarded="192.0.2.99, 198.51.100.7").status_code == 429


def test_without_trusted_proxies_a_spoofed_forwarded_header_is_ignored(client, cast, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    # An attacker who makes up a new X-Forwarded-For for every guess is still one address.
    for fake in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "tore", "feil", forwarded=f"192.0.2.{fake}", ip="198.51.100.7")

    locked = _login(client, "tore", forwarded="192.0.2.200", ip="198.51.100.7")
    elsewhere = _login(client, "tore", forwarded="198.51.100.7", ip="203.0.113.20")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "192.0.2.1", PROXY),
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "192.0.2.9, 192.0.2.1", "192.0.2.1"),
        (2, "192.0.2.9, 192.0.2.1, 10.0.0.2", "192.0.2.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Fewer hops than trusted proxies, or no address at all: not to be believed.
        (2, "192.0.2.1", PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
    ],
)
def test_client_address_counts_trusted_proxies_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = SimpleNamespace(META={"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded})

    assert client_ip_address(request) == expected


def test_the_admin_login_is_rate_limited_like_the_apps(client, cast, settings):
    admin_login = reverse("admin:login")
    _fail_until_locked(client, settings, "admin", url=admin_login)

    locked = _login(client, "admin", url=admin_login)
    # The same username and address: the lock holds on the app's login too, and the reverse.
    also_locked = _login(client, "admin")

    assert locked.status_code == 429
    assert also_locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_the_apps_login_lock_the_admins_too(client, cast, settings):
    _fail_until_locked(client, settings, "admin")

    assert _login(client, "admin", url=reverse("admin:login")).status_code == 429


@pytest.mark.parametrize(
    ("limit", "minutes", "texts"),
    [
        (3, 20, ["After 3 failed logins for this username", "Wait 20 minutes and try again"]),
        (1, 1, ["After 1 failed login for this username", "Wait 1 minute and try again"]),
    ],
)
def test_the_lock_page_tells_the_configured_limit_and_pause(
    client, cast, settings, limit, minutes, texts
):
    settings.AXES_FAILURE_LIMIT = limit
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=minutes)
    client.cookies["django_language"] = "en"
    _fail_until_locked(client, settings, "tore")

    response = _login(client, "tore")

    html = response.content.decode()
    assert response.status_code == 429
    for text in texts:
        assert text in html
    assert "15 minutes" not in html


def test_changing_the_password_lifts_the_lock(client, cast, settings):
    _fail_until_locked(client, settings, "tore", ip="198.51.100.7")
    assert _login(client, "tore", ip="198.51.100.7").status_code == 429

    client.force_login(cast.users.tore)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "lean-demo",
            "new_password1": "Tavlemøte-hver-tirsdag",
            "new_password2": "Tavlemøte-hver-tirsdag",
        },
    )
    assert response.status_code == 302
    client.logout()

    assert _login(client, "tore", "Tavlemøte-hver-tirsdag", ip="198.51.100.7").status_code == 302


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "0"}, "0 True"),
        ({"DEBUG": "1"}, "0 False"),
        ({"DEBUG": "1", "TWO_FACTOR_REQUIRED": "1", "TRUSTED_PROXY_COUNT": "2"}, "2 True"),
    ],
)
def test_proxy_count_and_second_factor_defaults_come_from_the_environment(env, expected):
    # Production (DEBUG off) asks for the second factor unless told not to; `make run` does not.
    result = _start(
        "from django.conf import settings as s; "
        "print(s.TRUSTED_PROXY_COUNT, s.TWO_FACTOR_REQUIRED)",
        **env,
    )

    assert result.stdout.strip() == expected, result.stderr


def test_a_negative_proxy_count_stops_start_up():
    result = _start(DEBUG="1", TRUSTED_PROXY_COUNT="-1")

    assert "TRUSTED_PROXY_COUNT" in result.stderr
