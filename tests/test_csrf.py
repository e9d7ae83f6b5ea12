"""Every URL that accepts a POST refuses one without a CSRF token, the admin's and login's too.

The test client skips the CSRF check unless asked to (`enforce_csrf_checks=True`): the other
tests never see it, so this one posts, logged in, to every such URL in the URLconf without a
token and expects the CSRF failure page (403). A view marked `csrf_exempt` fails here unless it
is listed below with its reason.
"""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from tests.post_endpoints import accepts_post, url_patterns

pytestmark = pytest.mark.django_db

# URL name → why it may take a POST without a token. None so far: every POST changes something
# or (login, logout, setlang, keepalive) acts for the session it comes with.
EXEMPT: dict[str, str] = {}


def _filled_route(route: str) -> str:
    """An unnamed route with each `<converter:name>` filled in."""
    if route.endswith("(?P<url>.*)$"):
        # The admin's catch-all, which answers any other path under /admin/.
        return "/" + route.removesuffix("(?P<url>.*)$") + "no-such-page/"
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    assert "(" not in path, f"fill in {route} by hand"
    return "/" + path


def _sample_path(name: str | None, route: str, pattern) -> str:
    """A path that reaches the pattern's view, its parameters filled with a value their regex
    takes: the CSRF check runs before the view, so no object need exist."""
    if name is None:
        return _filled_route(route)
    regex = pattern.pattern.regex
    named = list(regex.groupindex)
    unnamed = regex.groups - len(named)
    for value in ("1", "pilots", "x"):
        try:
            if named:
                return reverse(name, kwargs=dict.fromkeys(named, value))
            return reverse(name, args=[value] * unnamed)
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample path for {name}")


_ROUTES = [
    (name or route, _sample_path(name, route, pattern), pattern.callback)
    for name, route, pattern in url_patterns(include_admin=True)
    if accepts_post(pattern)
]
POST_ROUTES = sorted({(name, path) for name, path, _callback in _ROUTES})


def test_each_sample_path_reaches_its_own_view():
    """Else a made-up path could land on another view (the admin's catch-all) and pass."""
    wrong = [
        name
        for name, path, callback in _ROUTES
        # A name defined twice (`login`) reaches the first definition, as in production.
        if resolve(path).func is not callback and resolve(path).view_name != name
    ]

    assert wrong == []


def test_every_kind_of_post_url_is_covered():
    names = {name for name, _path in POST_ROUTES}

    assert {"login", "logout", "set_language", "session_keepalive"} <= names
    assert "admin:login" in names
    assert any(name.startswith("admin:pilots_") for name in names)
    assert "plans:measure_set_status" in names
    assert set(EXEMPT) <= names, "an exemption names a URL that is gone"


@pytest.fixture
def csrf_client(django_user_model):
    """Logged in as a superuser, whom no view refuses before the check would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("csrf", "c@example.no", "pw"))
    return client


@pytest.mark.parametrize(("name", "path"), POST_ROUTES, ids=[name for name, _ in POST_ROUTES])
def test_a_post_without_csrf_token_is_refused(csrf_client, name, path):
    response = csrf_client.post(path, {"next": "/"}, headers={"HX-Request": "true"})

    refused = response.status_code == 403 and "403_csrf.html" in [
        template.name for template in response.templates
    ]
    if name in EXEMPT:
        assert not refused, f"{name} is listed as exempt but checks the token: unlist it"
    else:
        assert refused, f"{name} ({path}): {response.status_code}, not a CSRF refusal"


def test_the_same_post_with_its_token_gets_through(csrf_client):
    """The check above can fail: with the token from the page, the refusal is gone."""
    csrf_client.get(reverse("my_tasks"))
    token = csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(
        reverse("session_keepalive"), {}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )

    assert response.status_code == 204
