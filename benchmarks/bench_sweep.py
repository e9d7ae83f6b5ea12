"""One reminder sweep over 10,000 pilots: how long it takes and how many queries it makes.

Run with `make bench`. The data: ten municipalities with one programme each, 10,000 pilots whose
last course days are spread from 30 days ahead to 400 days back, each with a leader, two staff,
four course days, an information meeting, a plan (a third of them still drafts), three measures
and the five follow-up meetings of the default cadence. The sweep runs on a Monday at 09:00, so
the weekly digests are due too. Send tasks are queued to Kombu's filesystem transport in a
temporary folder (no worker), so publishing is counted but no e-mail is sent.
"""

import datetime as dt
import time
from collections import Counter
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu import pools

from followup.models import FollowUpMeeting, FollowUpStep, Reminder
from followup.policies import follow_up_policy_ensure
from followup.reminders.sweep import reminders_sweep
from leanprogram.celery import app as celery_app
from pilots.models import (
    Department,
    DepartmentRole,
    Municipality,
    Person,
    Pilot,
    Programme,
    ProgrammeRole,
)
from plans.models import Measure, ProjectPlan
from training.models import CourseDay, InformationMeeting

OSLO = ZoneInfo("Europe/Oslo")
PILOTS = 10_000
MUNICIPALITIES = 10
NOW = dt.datetime(2027, 6, 7, 9, 0, tzinfo=OSLO)  # a Monday
TODAY = NOW.date()


def _build() -> None:
    emails = count()
    municipalities = Municipality.objects.bulk_create(
        Municipality(name=f"Kommune {n}", slug=f"kommune-{n}") for n in range(MUNICIPALITIES)
    )
    programmes = Programme.objects.bulk_create(
        Programme(municipality=m, name="LæringsLEAN", starts_on=dt.date(2026, 1, 1))
        for m in municipalities
    )
    for programme in programmes:
        follow_up_policy_ensure(programme=programme)
        for role in ProgrammeRole.Role.values:
            person = Person.objects.create(
                municipality=programme.municipality,
                full_name=f"Programme person {next(emails)}",
                email=f"p{next(emails)}@example.no",
            )
            ProgrammeRole.objects.create(programme=programme, person=person, role=role)

    def municipality_of(i):
        return municipalities[i % MUNICIPALITIES]

    departments = Department.objects.bulk_create(
        Department(municipality=municipality_of(i), name=f"Avdeling {i}") for i in range(PILOTS)
    )
    people = Person.objects.bulk_create(
        Person(
            municipality=municipality_of(i // 3),
            full_name=f"Person {i}",
            email=f"d{i}@example.no",
            language=("nb", "nn", "en")[i % 3],
        )
        for i in range(PILOTS * 3)
    )
    DepartmentRole.objects.bulk_create(
        DepartmentRole(
            department=departments[i // 3],
            person=people[i],
            role=DepartmentRole.Role.DEPARTMENT_LEADER if i % 3 == 0 else DepartmentRole.Role.STAFF,
        )
        for i in range(PILOTS * 3)
    )
    last_days = [TODAY - dt.timedelta(days=(i % 430) - 30) for i in range(PILOTS)]
    pilots = Pilot.objects.bulk_create(
        Pilot(
            programme=programmes[i % MUNICIPALITIES],
            department=departments[i],
            phase=Pilot.Phase.FOLLOW_UP
            if last_days[i] < TODAY - dt.timedelta(days=14)
            else Pilot.Phase.COURSE,
        )
        for i in range(PILOTS)
    )
    CourseDay.objects.bulk_create(
        CourseDay(
            pilot=pilots[i],
            number=number,
            date=last_days[i] - dt.timedelta(days=back),
            starts_at=dt.time(8, 30),
            ends_at=dt.time(15, 30),
        )
        for i in range(PILOTS)
        for number, back in enumerate((9, 7, 2, 0), start=1)
    )
    InformationMeeting.objects.bulk_create(
        InformationMeeting(
            pilot=pilots[i],
            starts_at=dt.datetime.combine(
                last_days[i] - dt.timedelta(days=23), dt.time(14), tzinfo=OSLO
            ),
            ends_at=dt.datetime.combine(
                last_days[i] - dt.timedelta(days=23), dt.time(15), tzinfo=OSLO
            ),
        )
        for i in range(PILOTS)
    )
    statuses = (
        ProjectPlan.Status.DRAFT,
        ProjectPlan.Status.SUBMITTED,
        ProjectPlan.Status.APPROVED,
    )
    plans = ProjectPlan.objects.bulk_create(
        ProjectPlan(pilot=pilots[i], status=statuses[i % 3]) for i in range(PILOTS)
    )
    # A tenth of the plans were last changed 33 days ago: going quiet.
    ProjectPlan.objects.filter(pk__in=[p.pk for p in plans[::10]]).update(
        updated_at=NOW - dt.timedelta(days=33)
    )
    Measure.objects.bulk_create(
        Measure(
            plan=plans[i],
            title=f"Tiltak {i}-{n}",
            owner=people[i * 3 + 1 + n % 2],
            deadline=last_days[i] + dt.timedelta(weeks=weeks),
            status=Measure.Status.DONE if (i + n) % 4 == 0 else Measure.Status.IN_PROGRESS,
        )
        for i in range(PILOTS)
        for n, weeks in enumerate((2, 4, 8))
    )
    steps = list(FollowUpStep.objects.select_related("policy"))
    steps_of = {}
    for step in steps:
        steps_of.setdefault(step.policy.programme_id, []).append(step)
    meetings = []
    for i, pilot in enumerate(pilots):
        for step in steps_of[pilot.programme_id]:
            due_on = step.due_after(last_days[i])
            held = due_on < TODAY - dt.timedelta(days=3) and i % 7 != 0
            meetings.append(
                FollowUpMeeting(
                    pilot=pilot,
                    step=step,
                    label=f"{step.amount} {step.unit}",
                    due_on=due_on,
                    held_on=due_on if held else None,
                )
            )
    FollowUpMeeting.objects.bulk_create(meetings, batch_size=5000)


@pytest.fixture
def filesystem_broker(tmp_path):
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options, conf.task_always_eager
    conf.broker_url = "filesystem://"
    conf.broker_transport_options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "store_processed": False,
    }
    conf.task_always_eager = False
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _statement(sql: str) -> str:
    """'INSERT followup_reminder' for an INSERT INTO "followup_reminder" ..."""
    words = sql.replace('"', "").split()
    table = next((w for w, prev in zip(words[1:], words, strict=False) if prev in FROM), "")
    return f"{words[0]} {table}".strip()


FROM = {"FROM", "INTO", "UPDATE"}


def _timed_sweep(label: str, now: dt.datetime, capture):
    with CaptureQueriesContext(connection) as queries:
        with capture(execute=True):
            started = time.perf_counter()
            result = reminders_sweep(now=now)
            swept = time.perf_counter()
        published = time.perf_counter()
    print(
        f"{label}: sweep {swept - started:.2f} s and {len(queries)} queries, then "
        f"{result.enqueued} send tasks queued in {published - swept:.2f} s; {result.due} due, "
        f"{result.cancelled} cancelled, {len(result.queued)} claimed"
    )
    by_statement = Counter(_statement(q["sql"]) for q in queries.captured_queries)
    print("   queries:", ", ".join(f"{n} × {what}" for what, n in by_statement.most_common()))
    return result


@pytest.mark.django_db
def test_one_sweep_over_ten_thousand_pilots(filesystem_broker, django_capture_on_commit_callbacks):
    started = time.perf_counter()
    _build()
    print(
        f"\n{connection.vendor}: built {Pilot.objects.count()} pilots, "
        f"{FollowUpMeeting.objects.count()} follow-up meetings, {Measure.objects.count()} "
        f"measures in {time.perf_counter() - started:.1f} s"
    )
    first = _timed_sweep("first sweep (stores and queues)", NOW, django_capture_on_commit_callbacks)
    second = _timed_sweep(
        "next sweep, 5 minutes later (nothing new)",
        NOW + dt.timedelta(minutes=5),
        django_capture_on_commit_callbacks,
    )
    print(
        "reminders by kind:",
        dict(sorted(Counter(Reminder.objects.values_list("kind", flat=True)).items())),
    )
    assert first.enqueued == len(first.queued) > 0  # noqa: S101
    assert second.queued == []  # noqa: S101
