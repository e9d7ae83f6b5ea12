"""What benchmarks/national.py measures inside Django, one child process per measurement (so
each child's peak memory is its own): `python -m benchmarks.inprocess <what>` prints JSON.

    queries          each bench page's query count (Django's test client, in-process)
    sweep NOW        one real reminder sweep at NOW (ISO datetime), timed
    raw-read         a raw SQL read of the rows a sweep must consider
    raw-insert N     a raw COPY of N reminder-shaped rows into a scratch table
    burst-moment     when the data set's burst falls: the Monday after its cohort's course weeks
"""

import datetime as dt
import json
import os
import sys
import time
import uuid
from zoneinfo import ZoneInfo

import django

OSLO = ZoneInfo("Europe/Oslo")


def _queries() -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from leanprogram.scale_data.pages import bench_pages

    setup_test_environment()
    settings.TWO_FACTOR_REQUIRED = False
    clients: dict[str, Client] = {}
    pages = []
    for page in bench_pages():
        if page.username not in clients:
            clients[page.username] = Client()
            clients[page.username].force_login(get_user_model().objects.get(username=page.username))
        client = clients[page.username]
        client.get(page.url)  # once to warm what is cached per process
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url)
        pages.append(
            {
                "name": page.name,
                "username": page.username,
                "url": page.url,
                "status": response.status_code,
                "queries": len(captured),
                "bytes": len(response.content),
            }
        )
    return {"pages": pages}


def _burst_moment() -> dict:
    from django.db.models import Max

    from pilots.models import Pilot
    from training.models import CourseDay

    last = CourseDay.objects.filter(pilot__phase=Pilot.Phase.PLANNING).aggregate(m=Max("date"))["m"]
    monday = last + dt.timedelta(days=7 - last.weekday())
    return {"now": dt.datetime.combine(monday, dt.time(9), tzinfo=OSLO).isoformat()}


def _sweep(now: dt.datetime) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from followup.models import Reminder
    from followup.reminders.sweep import reminders_sweep

    before = Reminder.objects.count()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = reminders_sweep(now=now, as_of=now)
        seconds = time.perf_counter() - started
    return {
        "now": now.isoformat(),
        "seconds": seconds,
        "queries": len(captured),
        "due": result.due,
        "cancelled": result.cancelled,
        "enqueued": result.enqueued,
        "written": Reminder.objects.count() - before,
    }


# What a sweep must consider, read raw: every stored reminder's key and state, and the facts
# its kinds work from (pilots, their events and members, absences, open meetings, measures and
# plans, the recipients).
RAW_READ = (
    "SELECT kind, recipient_id, subject_key, period, status, due_at, expires_at, claimed_at, "
    "next_attempt_at FROM followup_reminder",
    "SELECT id, programme_id, department_id, phase FROM pilots_pilot WHERE phase <> 'closed'",
    "SELECT id, pilot_id, number, date, starts_at FROM training_courseday",
    "SELECT id, pilot_id, starts_at FROM training_informationmeeting",
    "SELECT person_id, department_id, role FROM pilots_departmentrole",
    "SELECT person_id, course_day_id, information_meeting_id, status FROM training_attendance "
    "WHERE status <> 'present'",
    "SELECT id, pilot_id, due_on, held_on FROM followup_followupmeeting WHERE held_on IS NULL",
    "SELECT id, plan_id, owner_id, deadline, status FROM plans_measure "
    "WHERE status IN ('not_started', 'in_progress')",
    "SELECT id, pilot_id, status, updated_at FROM plans_projectplan",
    "SELECT id, municipality_id, language, is_active FROM pilots_person",
)


def _raw_read() -> dict:
    from django.db import connection

    rows = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in RAW_READ:
            cursor.execute(sql)
            rows += len(cursor.fetchall())
    return {"seconds": time.perf_counter() - started, "rows": rows}


def _raw_insert(count: int) -> dict:
    """COPY `count` rows shaped like the sweep's into a scratch copy of the reminders table
    (its indexes included), in one transaction."""
    from django.db import connection, transaction

    now = dt.datetime.now(tz=OSLO)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE scratch_reminder "
            "(LIKE followup_reminder INCLUDING DEFAULTS INCLUDING INDEXES) ON COMMIT DROP"
        )
        cursor.execute("SELECT id, municipality_id FROM pilots_person ORDER BY id LIMIT 1")
        person, municipality = cursor.fetchone()
        columns = "id, kind, recipient_id, subject_key, period, due_at, expires_at, status, "
        columns += "attempts, last_error, cancel_reason, email_subject, email_body, created_at, "
        columns += "municipality_id"
        with cursor.cursor.copy(f"COPY scratch_reminder ({columns}) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row(
                    (n + 1, "absence", person, f"x:{n}", uuid.uuid4().hex[:10], now, now)
                    + ("pending", 0, "", "", "", "", now, municipality)
                )
    return {"seconds": time.perf_counter() - started, "rows": count}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leanprogram.settings")
    django.setup()
    what = argv[0]
    if what == "queries":
        out = _queries()
    elif what == "burst-moment":
        out = _burst_moment()
    elif what == "sweep":
        out = _sweep(dt.datetime.fromisoformat(argv[1]))
    elif what == "raw-read":
        out = _raw_read()
    elif what == "raw-insert":
        out = _raw_insert(int(argv[1]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
