"""The plan workflow's e-mails against a real Redis that goes down and comes back.

The test starts its own `redis-server` on a free port, so it can stop and start it without
touching the Redis other tests and workers share; a real Celery worker process sends the mails
through Django's file backend, where they are counted.
"""

import socket
import subprocess
import time
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from followup.reminders.sweep import reminders_sweep
from plans.models import ProjectPlan
from tests.followup.conftest import celery_broker
from tests.followup.test_integration import (
    _delivered,
    _unavailable,
    _wait_for,
    _words,
    workers,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Kind = Reminder.Kind
Status = Reminder.Status
REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away Redis: no persistence, so a restart starts empty, as after a crash."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(self._answers, timeout=10, what="redis-server to start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False


@pytest.fixture
def own_redis(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        _unavailable("The worker process needs PostgreSQL to see the test database.")
    try:
        subprocess.run([REDIS_SERVER, "--version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        _unavailable(f"redis-server is not installed: {exc}")
    server = RedisServer()
    settings.REMINDER_TASK_QUEUE = f"plan-mail-test-{server.port}"
    yield server
    server.stop()


def _post(client, user, name, pilot, **data):
    client.force_login(user)
    started = time.monotonic()
    response = client.post(reverse(name, kwargs={"pilot_pk": pilot.pk}), data, follow=True)
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    return response.content.decode()


def test_plan_steps_while_redis_is_down_send_each_mail_once_when_it_is_back(
    own_redis,
    workers,  # noqa: F811 (the fixture imported above)
    tmp_path,
    client,
    cast,
    settings,
):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    users = cast.users
    steps = [
        (users.tore, "plans:plan_submit", {}, "The lean coordinator and guide are told"),
        (users.coordinator, "plans:plan_review", {"decision": "return", "comment": "Mer."}, "told"),
        (users.tore, "plans:plan_submit", {}, "The lean coordinator and guide are told"),
        (users.guide, "plans:plan_review", {"decision": "approve"}, "leader is told by e-mail"),
    ]

    own_redis.start()
    own_redis.stop()
    # Redis is down: every step succeeds and says the mails will go.
    with celery_broker(own_redis.url):
        for version, (user, name, data, says) in enumerate(steps, start=1):
            page = _post(client, user, name, cast.pilot_a, version=version, **data)
            assert says in page
    plan.refresh_from_db()
    assert plan.status == ProjectPlan.Status.APPROVED
    assert not Reminder.objects.exists()  # nothing could sweep yet
    assert list(mail_dir.iterdir()) == []

    # Redis is back, a worker runs, and the periodic sweep comes round.
    own_redis.start()
    worker = workers(settings.REMINDER_TASK_QUEUE, mail_dir, REDIS_URL=own_redis.url)
    with celery_broker(own_redis.url):
        swept = reminders_sweep(now=timezone.now())
    # Jorunn and Monica twice (Tore submitted), Tore once per review by the others.
    assert swept.enqueued == 6
    _wait_for(
        lambda: Reminder.objects.filter(kind=Kind.PLAN_TRANSITION, status=Status.SENT).count() == 6,
        timeout=60,
        what="every plan mail to be sent",
        log=worker.log,
    )
    # Another sweep finds nothing left to send.
    with celery_broker(own_redis.url):
        assert reminders_sweep(now=timezone.now()).enqueued == 0
    time.sleep(1)

    delivered = _delivered(mail_dir)
    assert sum(delivered.values()) == 6
    expected = Counter(
        (r.recipient.email, _words(r.email_subject))
        for r in Reminder.objects.filter(kind=Kind.PLAN_TRANSITION).select_related("recipient")
    )
    assert delivered == expected
    assert Counter(to for to, _subject in delivered.elements()) == {
        cast.jorunn.email: 2,
        cast.monica.email: 2,
        cast.tore.email: 2,
    }
