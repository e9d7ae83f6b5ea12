"""The demo served as production serves it, for the tools that look at it from outside
(benchmarks/lighthouse.py, benchmarks/screenshots.py).

Everything lives in a temporary folder: a SQLite database with the demo, loaded with DEBUG=1
(load_demo refuses otherwise), static files collected with DEBUG=0 (compressed, hashed names), and
gunicorn serving with DEBUG=0 on a free port of 127.0.0.1. Plain HTTP on loopback: the redirect
to HTTPS is off, nothing else differs from production.

This process gets the same environment, so after entering `served_demo()` it may call
`django.setup()` and read the demo's database (tests/key_pages.py) directly.
"""

import contextlib
import html
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
DEMO_PASSWORD = "lean-demo"  # noqa: S105 - the published demo password


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
    )


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=10):  # noqa: S310 - our loopback server
                return
        except OSError:  # not listening yet (URLError), or too busy starting to answer in time
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {seconds:.0f} s")


@contextlib.contextmanager
def served_demo(workers: int = 2) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:<port>) of the demo under gunicorn with DEBUG=0."""
    folder = Path(tempfile.mkdtemp(prefix="leanprogram-demo-"))
    port = _free_port()
    env = {
        **os.environ,
        "LEANPROGRAM_VAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        # The pages measured are those a person sees once logged in; the demo logins have no
        # authenticator app (the second-factor pages have their own axe test).
        "TWO_FACTOR_REQUIRED": "0",
        "DJANGO_SETTINGS_MODULE": "leanprogram.settings",
    }
    server = None
    try:
        _manage("migrate", "--noinput", env={**env, "DEBUG": "1"})
        _manage("load_demo", env={**env, "DEBUG": "1"})
        _manage("collectstatic", "--noinput", env={**env, "DEBUG": "0"})
        server = subprocess.Popen(  # noqa: S603 - gunicorn from our venv
            [
                GUNICORN,
                "leanprogram.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--log-level=warning",
            ],
            cwd=BASE_DIR,
            env={**env, "DEBUG": "0"},
        )
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/accounts/login/", server)
        # This process reads the same database (with DEBUG on, as the tests' helpers expect).
        os.environ.update({**env, "DEBUG": "1"})
        yield base
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_cookie(base: str, username: str, password: str = DEMO_PASSWORD) -> str:
    """Log in through the login form as a person would; return the "Cookie" header value.

    The cookies are Secure (DEBUG=0), which a browser would not send back over plain HTTP; the
    tools pass this header themselves.
    """
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(f"{base}/accounts/login/") as response:  # noqa: S310 - loopback
        page = response.read().decode()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1])
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/accounts/login/",
        data=body,
        headers={"Cookie": f"csrftoken={cookies['csrftoken'].value}"},
    )
    try:
        opener.open(request)  # noqa: S310 - loopback
    except urllib.error.HTTPError as redirect:
        if redirect.code != 302:
            raise
        for header in redirect.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    else:
        raise RuntimeError(f"logging in as {username} did not redirect: wrong password?")
    return "; ".join(f"{name}={morsel.value}" for name, morsel in sorted(cookies.items()))
