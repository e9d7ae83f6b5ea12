import pytest

from tests.hung_server import fail_after, hung_server

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_answers_503_when_redis_broker_is_down(client, settings):
    # Nothing listens on port 1: the same as Redis being stopped.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "error"}


def test_healthz_answers_503_when_filesystem_broker_folder_is_missing(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "missing"),
        "data_folder_out": str(tmp_path / "missing"),
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


def test_healthz_rejects_post(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_503_promptly_when_the_broker_accepts_but_never_answers(client, settings):
    with hung_server() as url:
        settings.CELERY_BROKER_URL = url
        # A guard against a hang, not a benchmark: the check itself gives up after ~1 s.
        with fail_after(10):
            response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "broker": "error"}}
