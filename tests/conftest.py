import pytest


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    # Nothing a test sends may leave the machine.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
