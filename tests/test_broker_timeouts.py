"""Queueing a task against a frozen Redis gives up within seconds instead of hanging a request.

The child process reads the settings from the environment exactly as the web server does, so
this checks the broker options production runs with, not an override made for the test.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.hung_server import hung_server

ROOT = Path(__file__).resolve().parent.parent

# The path a sweep takes to queue a claimed reminder's sending: `apply_async` through the app's
# connection pool, with the project's publish retry policy.
QUEUE_SEND_REMINDER = """
import time
import django
django.setup()
from kombu.exceptions import OperationalError
from followup.tasks import send_reminder
started = time.monotonic()
try:
    send_reminder.apply_async(args=(1, "00000000-0000-0000-0000-000000000000"))
except OperationalError:
    print(f"gave up after {time.monotonic() - started:.1f} s")
"""


def test_queueing_a_task_against_a_hung_broker_gives_up_promptly():
    with hung_server() as url:
        # Without socket timeouts the child never returns and `timeout` fails the test.
        result = subprocess.run(
            [sys.executable, "-c", QUEUE_SEND_REMINDER],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1", "REDIS_URL": url},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("gave up after"), result.stdout
    seconds = float(result.stdout.split()[3])
    assert seconds < 10


# What inviting someone does after commit (pilots.invitations): ask for a sweep by task name.
ASK_FOR_A_SWEEP = """
import time
import django
django.setup()
from pilots.invitations import reminders_sweep_request
started = time.monotonic()
reminders_sweep_request()
print(f"returned after {time.monotonic() - started:.1f} s")
"""


def test_asking_for_a_sweep_against_a_hung_broker_returns_promptly_without_raising():
    with hung_server() as url:
        result = subprocess.run(
            [sys.executable, "-c", ASK_FOR_A_SWEEP],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1", "REDIS_URL": url},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("returned after"), result.stdout
    assert "Could not ask for a reminder sweep" in result.stderr
    assert float(result.stdout.split()[2]) < 10
