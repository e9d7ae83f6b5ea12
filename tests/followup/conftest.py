"""Helpers for the reminder tests: Norwegian time, course days, and a sweep that really sends.

`sweep(at)` runs the same sweep as Celery beat with `at` standing for the clock, then runs the
queued send tasks in this process (Celery's eager mode) once the claim commits, so each test sees
the e-mails in Django's locmem outbox exactly as a worker would have sent them.
"""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from kombu import pools as kombu_pools

from followup.cadence import follow_up_meetings_sync
from followup.models import Reminder
from followup.reminders.sweep import reminders_sweep
from leanprogram.celery import app as celery_app
from tests.factories import CourseDayFactory

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year, month, day, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=OSLO)


def schedule_course_days(pilot, days: list[dt.date]):
    for number, day in enumerate(days, start=1):
        CourseDayFactory(pilot=pilot, number=number, date=day)
    return follow_up_meetings_sync(pilot=pilot)


def outbox() -> list[tuple[str, str]]:
    """(recipient address, subject) of every e-mail sent so far."""
    return [(message.to[0], message.subject) for message in mail.outbox]


def recipients() -> list[str]:
    return sorted(message.to[0] for message in mail.outbox)


def mails_of(kind: str) -> list:
    """The e-mails sent for reminders of one kind (each carries its reminder's Message-ID)."""
    ids = {
        f"<reminder-{pk}@" for pk in Reminder.objects.filter(kind=kind).values_list("pk", flat=True)
    }
    return [m for m in mail.outbox if m.extra_headers["Message-ID"].split("@")[0] + "@" in ids]


def to_of(kind: str) -> list[str]:
    return sorted(message.to[0] for message in mails_of(kind))


@pytest.fixture
def eager():
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@contextlib.contextmanager
def celery_broker(url: str, *, eager: bool = False):
    """Point this process's Celery app at another broker (a dead port, a test Redis)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, eager
    _reset_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        _reset_broker_connections()


def _reset_broker_connections():
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


# Nothing listens on port 1: a broker that is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def sweep(django_capture_on_commit_callbacks, eager):
    def run(at: dt.datetime, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_sweep(now=at, as_of=at, **kwargs)

    return run


# Tore's pilot (A) meets on Tuesdays and Thursdays of weeks 7 and 8 of 2027, Kari's (B) on
# Wednesdays and Fridays, as in the demo.
A_DAYS = [dt.date(2027, 2, 16), dt.date(2027, 2, 18), dt.date(2027, 2, 23), dt.date(2027, 2, 25)]
B_DAYS = [dt.date(2027, 2, 17), dt.date(2027, 2, 19), dt.date(2027, 2, 24), dt.date(2027, 2, 26)]
