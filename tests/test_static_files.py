"""Production serves static files compressed, under hashed names, cached for a year.

With DEBUG off the settings choose WhiteNoise's CompressedManifestStaticFilesStorage; this runs
`collectstatic` as production does (README, Production) into a temporary STATIC_ROOT and fetches
the page's stylesheet through the whole middleware stack.
"""

import gzip
import re

import brotli
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGES = {
    **django_settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with override_settings(DEBUG=False, STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        # The admin's files take most of the time to compress and are not what is tested here.
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin"])
    return root


@pytest.fixture
def production_static(settings, collected):
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.STORAGES = PRODUCTION_STORAGES
    return collected


@pytest.mark.django_db
def test_stylesheet_is_served_compressed_under_a_hashed_name(client, production_static):
    page = client.get("/accounts/login/").content.decode()
    href = re.search(r'rel="stylesheet" href="(/static/build/app\.[0-9a-f]{12}\.css)"', page)
    assert href, "the login page links the bundle under its hashed name"
    source = (production_static / "build" / "app.css").read_bytes()

    response = client.get(href[1], headers={"accept-encoding": "gzip"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert "immutable" in response["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"])[1])
    assert max_age >= 365 * 24 * 3600
    body = b"".join(response.streaming_content)
    assert len(body) < len(source) / 3
    assert gzip.decompress(body) == source


@pytest.mark.django_db
def test_browsers_that_read_brotli_get_brotli(client, production_static):
    page = client.get("/accounts/login/").content.decode()
    href = re.search(r'href="(/static/build/app\.[0-9a-f]{12}\.css)"', page)[1]

    response = client.get(href, headers={"accept-encoding": "gzip, deflate, br"})

    assert response["Content-Encoding"] == "br"
    body = b"".join(response.streaming_content)
    assert brotli.decompress(body) == (production_static / "build" / "app.css").read_bytes()


@pytest.mark.django_db
def test_unhashed_name_is_not_cached_for_long(client, production_static):
    # A name without the hash may change content at the next deploy: browsers must ask again.
    response = client.get("/static/build/app.css", headers={"accept-encoding": "gzip"})

    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_are_sent_gzipped_to_browsers_that_ask(client):
    plain = client.get("/accounts/login/")

    response = client.get("/accounts/login/", headers={"accept-encoding": "gzip, br"})

    assert "Content-Encoding" not in plain
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<main" in gzip.decompress(response.content)
    assert len(response.content) < len(plain.content) / 2
