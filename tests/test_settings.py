"""Settings come from the environment; a bad value stops start-up and names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _start(code: str = "import django; django.setup(); print('started')", **env: str):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "leanprogram.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "CELERY_TASK_ALWAYS_EAGER": "sometimes"}, "CELERY_TASK_ALWAYS_EAGER"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://db/leanprogram"}, "DATABASE_URL"),
        ({"DEBUG": "1", "REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),
        ({"DEBUG": "1", "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"DEBUG": "1", "ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
    ],
)
def test_bad_environment_value_stops_start_up_naming_the_variable(env, named):
    result = _start(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_web_server_refuses_to_start_without_a_secret_key():
    result = _start("import leanprogram.wsgi", DEBUG="0", ALLOWED_HOSTS="lean.example.no")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_migrations_can_be_checked_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_good_production_environment_starts():
    result = _start(
        "import leanprogram.wsgi; print('started')",
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="lean.example.no",
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_redis_url_becomes_the_broker(monkeypatch):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "1",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "DJANGO_SETTINGS_MODULE": "leanprogram.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.strip() == "redis://127.0.0.1:6379/3"


def test_celery_worker_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL"}}
    env["LEANPROGRAM_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "leanprogram", "worker", "--pool=solo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_database_pool_needs_postgresql():
    result = _start(DEBUG="1", DATABASE_URL="sqlite:///var/pool-test.sqlite3", DATABASE_POOL="1")
    assert result.returncode != 0
    assert "DATABASE_POOL" in result.stderr


def test_database_pool_serves_queries_from_a_psycopg_pool():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("The pool is PostgreSQL's; set DATABASE_URL.")
    code = (
        "import django; django.setup(); from django.db import connection; "
        "connection.ensure_connection(); "
        "print(type(connection.pool).__name__, connection.settings_dict['CONN_MAX_AGE'], "
        "connection.cursor().execute('SELECT 1') is not None)"
    )
    result = _start(code, DEBUG="1", DATABASE_POOL="1", DATABASE_POOL_MIN_SIZE="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "0", "True"]


def test_database_pgbouncer_turns_off_server_side_cursors_and_prepared_statements():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; "
        "print(db['DISABLE_SERVER_SIDE_CURSORS'], db['OPTIONS']['prepare_threshold'])"
    )
    result = _start(code, DEBUG="1", DATABASE_PGBOUNCER="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None"]
