"""Logging in through the municipality's identity provider, end to end against a real one.

The provider is panva's certified oidc-provider (frontend/oidc/provider.mjs), started once for
the session on a free port. Django's test client plays the browser on our side and a `requests`
session plays it at the provider; our backend talks to the provider over real HTTP. Without
Node or `make frontend` the tests skip on a developer's machine and fail in CI (CI=true).
"""

import json
import os
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from pilots.invitations import invitation_token, person_invite
from pilots.models import Invitation, Person
from pilots.oidc import ID_TOKEN_KEY, LOGIN_METHOD_KEY

pytestmark = pytest.mark.django_db

PROVIDER_SCRIPT = django_settings.BASE_DIR / "frontend/oidc/provider.mjs"
PROVIDER_PACKAGE = django_settings.BASE_DIR / "frontend/node_modules/oidc-provider"
CLIENT_ID = "leanprogram"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"  # noqa: S105
CALLBACK = "http://testserver/oidc/callback/"
AFTER_LOGOUT = "http://testserver/accounts/login/"


class Provider:
    def __init__(self, issuer: str):
        self.issuer = issuer

    def tamper(self, **change):
        """The next ID token the provider issues carries these changes."""
        requests.post(f"{self.issuer}/test/tamper", json=change, timeout=5).raise_for_status()


@pytest.fixture(autouse=True)
def _english(client, settings):
    """The pages are read in English, the language the assertions quote (the catalogs say the
    same in bokmål and nynorsk; tests/test_translations.py checks them)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(scope="session")
def oidc_provider():
    node = shutil.which("node")
    if not node or not PROVIDER_PACKAGE.exists():
        message = "the OIDC tests need Node and `make frontend` (frontend/node_modules)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    config = {
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [CALLBACK],
                "post_logout_redirect_uris": [AFTER_LOGOUT],
            }
        ]
    }
    process = subprocess.Popen(  # noqa: S603 - our own script, arguments we wrote
        [node, str(PROVIDER_SCRIPT), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # oidc-provider may print a notice of its own first.
        lines, match = [], None
        for line in process.stdout:
            lines.append(line)
            if match := re.fullmatch(r"listening (http://127\.0\.0\.1:\d+)\n", line):
                break
            if len(lines) > 20:
                break
        assert match, f"the provider did not start: {lines!r}"
        yield Provider(match[1])
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc(settings, oidc_provider):
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Harstad kommune"
    return oidc_provider


def _provider_login(client, provider, email, *, verified=True, next_path="/my/", tamper=None):
    """Start at our login button, log in at the provider as `email`, and come back to us.

    Returns the response to the callback (and the authorization request's query).
    """
    start = client.get(reverse("oidc_login"), {"next": next_path})
    assert start.status_code == 302
    return _at_provider(client, provider, start.url, email, verified=verified, tamper=tamper)


def _at_provider(client, provider, auth_url, email, *, verified=True, tamper=None):
    browser = requests.Session()
    response = browser.get(auth_url, allow_redirects=False, timeout=5)
    interaction = urljoin(auth_url, response.headers["location"])
    assert "/interaction/" in interaction
    response = browser.get(
        interaction + "/login",
        params={"email": email, "verified": "1" if verified else "0", "name": "Ny Person"},
        allow_redirects=False,
        timeout=5,
    )
    response = browser.get(
        urljoin(auth_url, response.headers["location"]), allow_redirects=False, timeout=5
    )
    callback = response.headers["location"]
    assert callback.startswith(CALLBACK), callback
    if tamper:
        provider.tamper(**tamper)
    parts = urlsplit(callback)
    result = client.get(parts.path + "?" + parts.query)
    result.browser = browser
    result.auth_query = parse_qs(urlsplit(auth_url).query)
    result.callback = parts.path + "?" + parts.query
    return result


def _logged_in_user(client):
    response = client.get(reverse("my_tasks"))
    return response.wsgi_request.user if response.status_code == 200 else None


def test_a_known_person_logs_in_with_pkce_and_gets_a_login_linked(client, cast, oidc):
    users_before = get_user_model().objects.count()

    response = _provider_login(client, oidc, "Ola.Nilsen@Harstad.Kommune.no")

    assert response.status_code == 302
    assert response.url == "/my/"
    query = response.auth_query
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["client_id"] == [CLIENT_ID]
    cast.ola.refresh_from_db()
    assert cast.ola.user is not None
    assert not cast.ola.user.has_usable_password()
    assert get_user_model().objects.count() == users_before + 1
    assert _logged_in_user(client) == cast.ola.user
    assert client.session[LOGIN_METHOD_KEY] == "oidc"
    assert client.session[ID_TOKEN_KEY].count(".") == 2


def test_a_person_who_has_a_login_logs_in_as_it_and_nothing_is_made(client, cast, oidc):
    users_before = get_user_model().objects.count()

    response = _provider_login(client, oidc, "TORE.MELTZER@harstad.kommune.no")

    assert response.status_code == 302
    assert _logged_in_user(client) == cast.users.tore
    assert get_user_model().objects.count() == users_before


def test_an_unknown_email_is_refused_with_a_page_and_nothing_is_made(client, cast, oidc):
    users_before, people_before = get_user_model().objects.count(), Person.objects.count()

    response = _provider_login(client, oidc, "nobody@harstad.kommune.no")

    assert response.status_code == 403
    assert "lean coordinator to add you" in response.content.decode()
    assert get_user_model().objects.count() == users_before
    assert Person.objects.count() == people_before
    assert _logged_in_user(client) is None


def test_an_unverified_email_is_refused(client, cast, oidc):
    response = _provider_login(client, oidc, cast.ola.email, verified=False)

    assert response.status_code == 403
    assert "verified work e-mail" in response.content.decode()
    cast.ola.refresh_from_db()
    assert cast.ola.user is None


def test_a_configured_claim_such_as_entras_preferred_username_needs_no_email_verified(
    client, cast, oidc, settings
):
    settings.OIDC_EMAIL_CLAIM = "preferred_username"

    response = _provider_login(client, oidc, cast.ola.email, verified=False)

    assert response.status_code == 302
    cast.ola.refresh_from_db()
    assert _logged_in_user(client) == cast.ola.user


def test_an_inactive_person_is_refused(client, cast, oidc):
    Person.objects.filter(pk=cast.tore.pk).update(is_active=False)

    response = _provider_login(client, oidc, cast.tore.email)

    assert response.status_code == 403
    assert _logged_in_user(client) is None


def test_an_email_in_two_municipalities_is_refused_until_one_is_configured(
    client, cast, oidc, settings
):
    Person.objects.create(
        municipality=cast.other_municipality, full_name="Tore i Tromsø", email=cast.tore.email
    )

    refused = _provider_login(client, oidc, cast.tore.email)
    settings.OIDC_MUNICIPALITY = "harstad"
    accepted = _provider_login(client, oidc, cast.tore.email)

    assert refused.status_code == 403
    assert "more than one municipality" in refused.content.decode()
    assert accepted.status_code == 302
    assert _logged_in_user(client) == cast.users.tore


def test_a_person_who_left_one_municipality_logs_in_to_the_other(client, cast, oidc):
    Person.objects.create(
        municipality=cast.other_municipality,
        full_name="Tore i Tromsø",
        email=cast.tore.email,
        is_active=False,
    )

    response = _provider_login(client, oidc, cast.tore.email)

    assert response.status_code == 302
    assert _logged_in_user(client) == cast.users.tore


def test_persons_are_made_on_the_fly_only_when_the_municipality_says_so(
    client, cast, oidc, settings
):
    settings.OIDC_CREATE_PERSONS = True
    settings.OIDC_MUNICIPALITY = "harstad"

    response = _provider_login(client, oidc, "new.person@harstad.kommune.no")

    assert response.status_code == 302
    person = Person.objects.get(email="new.person@harstad.kommune.no")
    assert person.municipality == cast.municipality
    assert person.full_name == "Ny Person"
    assert _logged_in_user(client) == person.user


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"claims": {"aud": "another-application"}}, id="wrong audience"),
        pytest.param({"exp_offset": -600}, id="expired"),
        pytest.param({"claims": {"nonce": "not-the-one-we-sent"}}, id="wrong nonce"),
        pytest.param({"claims": {"iss": "http://127.0.0.1:9/"}}, id="wrong issuer"),
    ],
)
def test_an_id_token_the_provider_signed_is_still_refused_on_its_claims(client, cast, oidc, tamper):
    response = _provider_login(client, oidc, cast.ola.email, tamper=tamper)

    assert response.status_code == 400
    assert "could not be completed" in response.content.decode()
    cast.ola.refresh_from_db()
    assert cast.ola.user is None
    assert _logged_in_user(client) is None


def test_a_callback_with_another_state_is_refused(client, cast, oidc):
    start = client.get(reverse("oidc_login"))
    browser = requests.Session()
    response = browser.get(start.url, allow_redirects=False, timeout=5)
    interaction = urljoin(start.url, response.headers["location"])
    response = browser.get(
        interaction + "/login", params={"email": cast.ola.email}, allow_redirects=False, timeout=5
    )
    response = browser.get(
        urljoin(start.url, response.headers["location"]), allow_redirects=False, timeout=5
    )
    callback = urlsplit(response.headers["location"])

    forged = client.get(
        callback.path + "?" + re.sub(r"state=[^&]+", "state=forged", callback.query)
    )

    assert forged.status_code == 400
    assert _logged_in_user(client) is None


def test_a_callback_cannot_be_used_twice(client, cast, oidc):
    first = _provider_login(client, oidc, cast.ola.email)
    client.logout()

    replayed = client.get(first.callback)

    assert first.status_code == 302
    assert replayed.status_code == 400
    assert _logged_in_user(client) is None


def test_logout_ends_the_providers_session_too(client, cast, oidc):
    login = _provider_login(client, oidc, cast.ola.email)
    id_token = client.session[ID_TOKEN_KEY]

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    end_session = urlsplit(response.url)
    assert response.url.startswith(f"{oidc.issuer}/session/end?")
    query = parse_qs(end_session.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [AFTER_LOGOUT]
    assert _logged_in_user(client) is None
    # At the provider: confirm, as the person would, and come back to our login page.
    browser = login.browser
    page = browser.get(response.url, timeout=5)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)[1]
    action = re.search(r'action="([^"]+)"', page.text)[1]
    back = browser.post(
        urljoin(response.url, action),
        data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False,
        timeout=5,
    )
    assert back.headers["location"].startswith(AFTER_LOGOUT)
    # Logging in again asks for the person again: the provider's session is gone.
    again = browser.get(client.get(reverse("oidc_login")).url, allow_redirects=False, timeout=5)
    assert "/interaction/" in again.headers["location"]


def test_a_password_login_logs_out_only_here(client, cast, oidc):
    client.post(reverse("login"), {"username": "tore", "password": "lean-demo"})
    assert LOGIN_METHOD_KEY not in client.session

    response = client.post(reverse("logout"))

    assert response.url == reverse("login")


def test_an_invitation_accepted_through_the_provider_links_the_invited_person(client, cast, oidc):
    invitation = person_invite(user=cast.users.coordinator, person=cast.ola)
    url = reverse("invitation_accept", kwargs={"token": invitation_token(invitation)})

    page = client.get(url, {"next": "/my/"})
    button = re.search(r'href="(/oidc/login/\?[^"]+)"', page.content.decode())[1]
    start = client.get(button.replace("&amp;", "&"))
    response = _at_provider(client, oidc, start.url, cast.ola.email)

    assert response.status_code == 302
    cast.ola.refresh_from_db()
    assert _logged_in_user(client) == cast.ola.user
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Back through the invitation's page, which passes a person with their login on.
    assert client.get(response.url).url == "/my/"


def test_an_invitation_does_not_link_an_account_with_another_email(client, cast, oidc):
    invitation = person_invite(user=cast.users.coordinator, person=cast.ola)
    token = invitation_token(invitation)

    start = client.get(reverse("oidc_login"), {"invitation": token})
    response = _at_provider(client, oidc, start.url, "a.colleague@harstad.kommune.no")

    assert response.status_code == 403
    assert "invitation was sent to another e-mail address" in response.content.decode()
    cast.ola.refresh_from_db()
    assert cast.ola.user is None
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_a_provider_that_cannot_be_reached_gets_a_page_not_an_error(client, db, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID

    response = client.get(reverse("oidc_login"))

    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


# --- The login page and the password switch (no provider needed) -------------------------------


@pytest.fixture
def oidc_configured(settings):
    """OIDC on, with a provider nobody reaches: enough for pages that only link to it."""
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_PROVIDER_NAME = "Harstad kommune"
    return settings


def test_with_oidc_off_the_login_page_is_the_password_form_alone(client, db):
    page = client.get(reverse("login")).content.decode()

    assert "/oidc/login/" not in page
    assert 'name="username"' in page and 'name="password"' in page
    assert "autofocus" in page
    assert client.get("/oidc/login/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_with_oidc_on_the_login_page_leads_with_the_providers_button(client, db, oidc_configured):
    page = client.get(reverse("login"), {"next": "/my/"}).content.decode()

    button = page.index('href="/oidc/login/?next=%2Fmy%2F"')
    assert "Log in with Harstad kommune" in page
    assert button < page.index('name="username"')
    assert "autofocus" not in page


def test_superusers_only_refuses_others_with_the_wrong_password_message(
    client, cast, oidc_configured
):
    oidc_configured.LOCAL_LOGIN = "superusers-only"

    right = client.post(reverse("login"), {"username": "tore", "password": "lean-demo"})
    wrong = client.post(reverse("login"), {"username": "tore", "password": "wrong"})

    assert right.status_code == wrong.status_code == 200
    assert right.context["form"].errors == wrong.context["form"].errors
    assert "Only administrators" in right.content.decode()
    assert "The password login is for administrators only." in right.content.decode()
    assert _logged_in_user(client) is None


def test_superusers_only_still_lets_a_superuser_in(client, cast, oidc_configured):
    oidc_configured.LOCAL_LOGIN = "superusers-only"

    response = client.post(reverse("login"), {"username": "admin", "password": "lean-demo"})

    assert response.status_code == 302
    assert client.get(reverse("programme:dashboard")).status_code == 200


def test_superusers_only_counts_refusals_as_failed_logins(client, cast, oidc_configured):
    oidc_configured.LOCAL_LOGIN = "superusers-only"
    for _ in range(oidc_configured.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "tore", "password": "lean-demo"})

    locked = client.post(reverse("login"), {"username": "tore", "password": "lean-demo"})

    assert locked.status_code == 429


def test_superusers_only_applies_to_the_admin_login_too(client, cast, oidc_configured):
    oidc_configured.LOCAL_LOGIN = "superusers-only"
    cast.users.coordinator.is_staff = True
    cast.users.coordinator.save(update_fields=["is_staff"])

    response = client.post(
        reverse("admin:login"), {"username": "koordinator", "password": "lean-demo"}
    )

    assert response.status_code == 200
    assert "Only administrators" in response.content.decode()


def test_superusers_only_invitations_offer_the_provider_and_no_password(
    client, cast, oidc_configured
):
    oidc_configured.LOCAL_LOGIN = "superusers-only"
    invitation = person_invite(user=cast.users.coordinator, person=cast.ola)
    url = reverse("invitation_accept", kwargs={"token": invitation_token(invitation)})

    page = client.get(url).content.decode()
    posted = client.post(
        url, {"username": "ola", "password1": "x7!Lean-1", "password2": "x7!Lean-1"}
    )

    assert "Log in with Harstad kommune" in page
    assert 'name="password1"' not in page
    assert posted.status_code == 400
    cast.ola.refresh_from_db()
    assert cast.ola.user is None


def test_a_login_made_through_the_provider_is_not_offered_a_password_change(client, cast):
    user = get_user_model().objects.create_user(username="ola")
    cast.ola.user = user
    cast.ola.save(update_fields=["user"])
    client.force_login(user)

    page = client.get(reverse("my_tasks")).content.decode()

    assert reverse("password_change") not in page


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "1", "LOCAL_LOGIN": "nobody"}, "LOCAL_LOGIN"),
        ({"DEBUG": "1", "LOCAL_LOGIN": "superusers-only"}, "LOCAL_LOGIN"),
        ({"DEBUG": "1", "OIDC_ISSUER": "https://idp.example"}, "OIDC_CLIENT_ID"),
        (
            {"OIDC_ISSUER": "http://idp.example", "OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "b"},
            "OIDC_ISSUER",
        ),
    ],
)
def test_an_oidc_setting_that_cannot_work_stops_start_up(env, named):
    from tests.test_settings import _start

    result = _start(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
