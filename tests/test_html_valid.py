"""The Nu HTML checker (vnu-jar from npm, run with Java) finds no error on the key pages.

The pages are rendered by the test client as the demo's people and checked in one run of the
checker. It needs Java and `make frontend` (frontend/node_modules/vnu-jar): without them the test
is skipped on a developer's machine, and fails in CI (CI=true), where .ci/run installs both.
"""

import io
import json
import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.key_pages import key_pages, more_pages

pytestmark = [pytest.mark.vnu, pytest.mark.django_db]

VNU_JAR = settings.BASE_DIR / "frontend/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.fixture
def vnu():
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return [java, "-Xss4m", "-jar", str(VNU_JAR)]
    message = "the Nu HTML checker needs Java and `make frontend` (frontend/node_modules/vnu-jar)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def demo_loaded(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    settings.DEBUG = False


def _render_all(client, tmp_path) -> dict[str, str]:
    files = {}
    users = get_user_model().objects
    for number, page in enumerate(key_pages() + more_pages()):
        client.logout()
        if page.username:
            client.force_login(users.get(username=page.username))
        response = client.get(page.url)
        assert response.status_code == 200, (
            f"{page.name}: {page.url} answered {response.status_code}"
        )
        path = tmp_path / f"{number:02d}.html"
        path.write_bytes(response.content)
        files[str(path)] = f"{page.name} ({page.url} as {page.username or 'nobody'})"
    # A form with its errors: the add-a-person form sent empty, by the leader it belongs to.
    form_page = more_pages()[1]
    client.logout()
    client.force_login(users.get(username=form_page.username))
    response = client.post(form_page.url, {})
    assert response.status_code == 400
    path = tmp_path / "form-errors.html"
    path.write_bytes(response.content)
    files[str(path)] = "add a person, sent empty (with its errors)"
    return files


def test_key_pages_have_no_html_errors(client, vnu, demo_loaded, tmp_path):
    files = _render_all(client, tmp_path)
    # A page with a known error, so a checker that read nothing cannot pass the test.
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html lang="en"><title>t</title><p hx-get="/">x</p></html>')

    run = subprocess.run(  # noqa: S603 - our own fixed command line
        [*vnu, "--errors-only", "--format", "json", "--stdout", str(canary), *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    messages = json.loads(run.stdout)["messages"]
    assert any(m.get("url") == f"file:{canary}" for m in messages), run.stdout[:2000]
    messages = [m for m in messages if m.get("url") != f"file:{canary}"]
    errors = [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}, "
        f"line {m.get('lastLine')}: {m['message']} — {m.get('extract', '').strip()}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert run.returncode in (0, 1), run.stderr
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
