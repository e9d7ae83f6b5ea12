"""Reminders against real Redis and a real Celery worker process.

The worker is started as `celery -A leanprogram worker` with DATABASE_URL pointing at this test
run's PostgreSQL database and Django's file e-mail backend (behind a slow "SMTP server"), so the
messages it delivers can be counted. Each test uses its own queue, so parallel test runs and
other workers on the same Redis never see its tasks.

Needs PostgreSQL (a second process cannot see an SQLite test database) and Redis (REDIS_URL, or
redis://127.0.0.1:6379/15). Locally a missing service skips with the reason; in CI it fails.
"""

import datetime as dt
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from followup.reminders.sweep import reminders_sweep
from pilots.models import DepartmentRole, Person, ProgrammeRole
from tests.factories import (
    CourseDayFactory,
    DepartmentFactory,
    PersonFactory,
    PilotFactory,
    ProgrammeFactory,
)
from tests.followup.conftest import A_DAYS, DEAD_BROKER, celery_broker, oslo

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

IN_CI = os.environ.get("CI") == "true"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
CELERY = Path(sys.executable).with_name("celery")
Status = Reminder.Status
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def broker(settings):
    if connection.vendor != "postgresql":
        _unavailable(
            "The worker process needs PostgreSQL to see the test database; set DATABASE_URL."
        )
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        _unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    queue = f"reminders-test-{uuid.uuid4().hex[:12]}"
    settings.REMINDER_TASK_QUEUE = queue
    try:
        with celery_broker(REDIS_URL):
            yield queue
    finally:
        client.delete(queue)
        client.close()


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class Worker:
    """A real `celery worker` process group, started and killed like in production."""

    def __init__(self, *, queue: str, mail_dir: Path, log: Path, **extra_env: str):
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": REDIS_URL,
            "EMAIL_BACKEND": "tests.followup.mail_backends.SlowFileBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "LEANPROGRAM_VAR_DIR": str(log.parent),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            **extra_env,
        }
        self.log = log
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "leanprogram",
                "worker",
                "-Q",
                queue,
                "-n",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the whole worker: the main process and its pool children."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(queue: str, mail_dir: Path, **extra_env) -> Worker:
        worker = Worker(queue=queue, mail_dir=mail_dir, log=tmp_path / "worker.log", **extra_env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _wait_for(condition, *, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    pytest.fail(f"Timed out waiting for {what}.\n{tail}")


def _words(text: str) -> str:
    # Long non-ASCII subjects are folded over several header lines.
    return " ".join(text.split())


def _delivered(mail_dir: Path) -> Counter:
    """(To, Subject) of every message the worker's e-mail backend wrote, with counts."""
    found = Counter()
    for path in mail_dir.glob("*.log"):
        for raw in path.read_bytes().split(SEPARATOR):
            if raw.strip():
                message = email.message_from_bytes(raw, policy=email.policy.default)
                found[(str(message["To"]), _words(str(message["Subject"])))] += 1
    return found


def _programme_with_pilots(count: int):
    """`count` pilots in one programme, each with a leader and course days in weeks 7 and 8."""
    programme = ProgrammeFactory()
    municipality = programme.municipality
    for role in ProgrammeRole.Role.values:
        ProgrammeRole.objects.create(
            programme=programme, person=PersonFactory(municipality=municipality), role=role
        )
    for _ in range(count):
        pilot = PilotFactory(
            programme=programme, department=DepartmentFactory(municipality=municipality)
        )
        DepartmentRole.objects.create(
            department=pilot.department,
            person=PersonFactory(municipality=municipality),
            role=DepartmentRole.Role.DEPARTMENT_LEADER,
        )
        for number, day in enumerate(A_DAYS, start=1):
            CourseDayFactory(pilot=pilot, number=number, date=day)
    return programme


def _login_for(person):
    user = get_user_model().objects.create_user(username=f"user{person.pk}")
    person.user = user
    person.save(update_fields=["user"])
    return user


def test_worker_killed_while_sending_delivers_each_reminder_exactly_once(broker, workers, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    _programme_with_pilots(12)
    now = oslo(2027, 3, 4, 8, 0)  # plans overdue, first follow-up meetings a week away

    first = reminders_sweep(now=now, as_of=now)
    due = len(first.claim.reminder_ids)
    assert due >= 30 and first.enqueued == due

    # The worker sends ten, then its SMTP server stops answering mid-send; we kill it there.
    worker = workers(broker, mail_dir, MAIL_HANG_AFTER="10")
    _wait_for(
        lambda: len(list(mail_dir.glob("hanging-*"))) >= 2,
        timeout=30,
        what="the worker to hang in the middle of sending",
        log=worker.log,
    )
    worker.kill()
    sent_before_restart = sum(_delivered(mail_dir).values())
    assert 10 <= sent_before_restart < due
    assert Reminder.objects.filter(status=Status.CLAIMED).exists()

    # The next sweep after the ten-minute claim timeout claims every unsent row again, with a new
    # token: the two killed mid-send and those whose messages still wait in Redis.
    unsent = Reminder.objects.exclude(status=Status.SENT).count()
    later = now + dt.timedelta(minutes=11)
    again = reminders_sweep(now=later, as_of=later)
    assert len(again.claim.reminder_ids) == unsent == due - sent_before_restart

    # Started again, the worker gets the old messages first: they are no longer the rows' claim
    # and do nothing. The new ones send each reminder once.
    for marker in mail_dir.glob("hanging-*"):
        marker.unlink()
    worker = workers(broker, mail_dir)
    _wait_for(
        lambda: Reminder.objects.filter(status=Status.SENT).count() == due,
        timeout=30,
        what="every reminder to be sent",
        log=worker.log,
    )
    _wait_for(
        lambda: worker.log.read_text(errors="replace").count(": not ours.") == unsent - 2,
        timeout=15,
        what="the old messages to be consumed",
        log=worker.log,
    )

    delivered = _delivered(mail_dir)
    assert sum(delivered.values()) == due
    assert set(delivered.values()) == {1}, [key for key, n in delivered.items() if n > 1]
    expected = Counter(
        (r.recipient.email, _words(r.email_subject))
        for r in Reminder.objects.select_related("recipient")
    )
    assert delivered == expected


def test_request_with_redis_down_succeeds_and_the_reminder_goes_out_when_it_is_back(
    broker, workers, tmp_path, client
):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    programme = _programme_with_pilots(0)
    coordinator = programme.roles.get(role=ProgrammeRole.Role.LEAN_COORDINATOR).person
    user = _login_for(coordinator)
    # A pilot whose course days ended eight days ago: its plan reminder holds today.
    pilot = PilotFactory(
        programme=programme, department=DepartmentFactory(municipality=programme.municipality)
    )
    leader = PersonFactory(municipality=programme.municipality)
    DepartmentRole.objects.create(
        department=pilot.department, person=leader, role=DepartmentRole.Role.DEPARTMENT_LEADER
    )
    last_course_day = timezone.localdate() - dt.timedelta(days=8)
    for number, back in enumerate((9, 7, 2, 0), start=1):
        day = last_course_day - dt.timedelta(days=back)
        CourseDayFactory(pilot=pilot, number=number, date=day)
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.PLAN_NOT_SUBMITTED,
        recipient=leader,
        pilot=pilot,
        subject_key=f"plan:{pilot.pk}",
        period=last_course_day.isoformat(),
        due_at=timezone.now() - dt.timedelta(days=1),
        expires_at=timezone.now() + dt.timedelta(days=6),
        status=Status.FAILED,
        attempts=4,
        last_error="SMTPServerDisconnected",
    )

    # Redis is down while the coordinator asks to send it again: the page still works.
    client.force_login(user)
    with celery_broker(DEAD_BROKER):
        started = time.monotonic()
        response = client.post(
            reverse("followup:reminder_resend", kwargs={"pk": reminder.pk}), follow=True
        )
        assert time.monotonic() - started < 10
    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == Status.PENDING
    # And a sweep while it is down queues nothing and loses nothing.
    with celery_broker(DEAD_BROKER):
        down = reminders_sweep(now=timezone.now())
    assert reminder.pk in down.claim.released
    reminder.refresh_from_db()
    assert reminder.status == Status.PENDING

    # Redis is back: the next sweep queues it, and a worker sends it once.
    worker = workers(broker, mail_dir)
    back = reminders_sweep(now=timezone.now())
    assert reminder.pk in back.claim.reminder_ids and back.left_pending == 0
    _wait_for(
        lambda: Reminder.objects.get(pk=reminder.pk).status == Status.SENT,
        timeout=30,
        what="the reminder to be sent",
        log=worker.log,
    )
    reminder.refresh_from_db()
    delivered = _delivered(mail_dir)
    assert delivered[(leader.email, _words(reminder.email_subject))] == 1
    assert set(delivered.values()) == {1}


def test_a_password_reset_link_sent_by_the_worker_sets_a_password_and_lifts_a_lock(
    broker, workers, tmp_path, client, settings
):
    """The whole way, with the real worker writing the mail: asked for on the page, sent by the
    worker (which makes the token), followed, a new password set, the lock gone."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    person = PersonFactory()
    user = _login_for(person)
    user.set_password("gammelt-passord-1")
    user.save()
    office = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "feil"}, **office)

    response = client.post(reverse("password_reset"), {"email": person.email})
    assert response.url == reverse("password_reset_done")
    worker = workers(broker, mail_dir, MAIL_DELAY_SECONDS="0")
    # The page asked for a sweep on the default queue; this one queues on the test's queue.
    reminders_sweep(now=timezone.now())
    _wait_for(
        lambda: Reminder.objects.filter(
            kind=Reminder.Kind.PASSWORD_RESET, status=Status.SENT
        ).exists(),
        timeout=30,
        what="the reset mail to be sent",
        log=worker.log,
    )
    [raw] = [
        part
        for path in mail_dir.glob("*.log")
        for part in path.read_bytes().split(SEPARATOR)
        if part.strip()
    ]
    body = email.message_from_bytes(raw, policy=email.policy.default).get_content()
    path = "/accounts/reset/" + body.split("/accounts/reset/", 1)[1].split()[0]

    form = client.get(path, follow=True)
    assert form.context["validlink"]
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Tavlemøte-hver-tirsdag", "new_password2": "Tavlemøte-hver-tirsdag"},
    )
    again = client.post(
        reverse("login"),
        {"username": user.username, "password": "Tavlemøte-hver-tirsdag"},
        **office,
    )
    assert again.status_code == 302


def test_two_workers_share_a_burst_and_send_each_reminder_exactly_once(broker, workers, tmp_path):
    """Scale-out: two worker processes on one Redis queue share a burst of 2,000 reminders
    queued in batches. Each is sent once, none is lost, and both workers sent some."""
    mail_dirs = [tmp_path / "mail-1", tmp_path / "mail-2"]
    programme = _programme_with_pilots(1)
    department = programme.pilots.get().department
    staff = Person.objects.bulk_create(
        Person(
            municipality=programme.municipality,
            full_name=f"Ansatt {n}",
            email=f"ansatt{n}@example.no",
        )
        for n in range(2000)
    )
    DepartmentRole.objects.bulk_create(
        DepartmentRole(department=department, person=person, role=DepartmentRole.Role.STAFF)
        for person in staff
    )
    started = []
    for mail_dir in mail_dirs:
        mail_dir.mkdir()
        started.append(workers(broker, mail_dir, MAIL_DELAY_SECONDS="0"))
    log = started[0].log
    _wait_for(
        lambda: log.read_text(errors="replace").count(" ready.") >= 2,
        timeout=60,
        what="both workers to start",
        log=log,
    )

    # Two working days before the first course day (16.02.2027): everyone in the department.
    now = oslo(2027, 2, 12, 8, 0)
    swept = reminders_sweep(now=now, as_of=now)
    claimed = swept.claim.reminder_ids
    assert Reminder.objects.filter(kind=Reminder.Kind.EVENT_COMING).count() >= 2000
    assert len(claimed) == swept.enqueued == Reminder.objects.count()

    _wait_for(
        lambda: Reminder.objects.filter(status=Status.SENT).count() == len(claimed),
        timeout=300,
        what="every reminder of the burst to be sent",
        log=log,
    )
    by_worker = [_delivered(mail_dir) for mail_dir in mail_dirs]
    assert all(sum(delivered.values()) > 0 for delivered in by_worker), "both workers sent"
    delivered = by_worker[0] + by_worker[1]
    assert sum(delivered.values()) == len(claimed)
    assert set(delivered.values()) == {1}, [key for key, n in delivered.items() if n > 1]
    expected = Counter(
        (r.recipient.email, _words(r.email_subject))
        for r in Reminder.objects.select_related("recipient")
    )
    assert delivered == expected
