import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(client, settings):
    """These tests read English messages; the Norwegian ones are checked by the catalog tests."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
