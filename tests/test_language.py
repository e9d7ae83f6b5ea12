"""Bokmål by default; the switcher's choice sticks; the person's preference applies at login."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_bokmal_by_default_even_when_the_browser_asks_for_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.headers["Content-Language"] == "nb"
    assert '<html lang="nb">' in response.content.decode()


@pytest.mark.parametrize("language", ["nn", "en"])
def test_language_switcher_choice_sticks(client, language):
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302

    response = client.get(reverse("login"))

    assert response.headers["Content-Language"] == language


def test_person_preference_applies_after_login(client, cast):
    client.post(
        reverse("login"),
        {"username": "kari", "password": "lean-demo"},
        REMOTE_ADDR="127.0.0.1",
    )

    response = client.get(reverse("accessibility"))

    assert response.headers["Content-Language"] == "nn"


def test_switcher_overrides_person_preference(client, cast):
    client.post(reverse("login"), {"username": "kari", "password": "lean-demo"})
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("accessibility"))

    assert response.headers["Content-Language"] == "en"
