"""Write the data set: check the database, allocate ids, COPY every table, then the logins.

PostgreSQL only: the point is to measure what production runs on, and COPY is PostgreSQL's.
"""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connections, transaction
from django.utils import timezone

from leanprogram.scale_data.copy import ScaleDataError, Table
from leanprogram.scale_data.layout import FOLLOW_UP, Layout
from leanprogram.scale_data.tables import specs
from pilots.admin_base import MUNICIPAL_ADMIN_GROUP
from pilots.models import Municipality, Person

# The apps whose tables --reset empties: everything the generator writes and what refers to it.
APPS = ("pilots", "training", "plans", "followup")
BENCH_PASSWORD = "lean-demo"  # noqa: S105 - the published demo password
FIRST_SLUG = "kommune-001"
# The logins of the first municipality, for `make bench`: username -> what they are.
COORDINATOR, GUIDE, LEADER, STAFF = (
    "skala-koordinator",
    "skala-veileder",
    "skala-leder",
    "skala-ansatt",
)


@dataclass
class Written:
    table: str
    rows: int
    seconds: float


@dataclass
class BuildResult:
    layout: Layout
    written: list[Written] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(w.rows for w in self.written)


def scale_data_generate(
    *,
    municipalities: int,
    pilots: int,
    staff: int,
    cohort_mix: tuple[int, int, int],
    seed: int = 14,
    today: dt.date | None = None,
    reset: bool = False,
    using: str = "default",
    progress: Callable[[Written], None] = lambda written: None,
) -> BuildResult:
    """Write the data set into the database `using`, in one transaction; return what it wrote.

    Refuses a database that already holds generated data unless `reset`, which first empties
    every table of the apps (for a database kept for benchmarks, never one with real data).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise ScaleDataError(
            f"generate_scale_data writes with PostgreSQL's COPY; the database {using!r} is "
            f"{connection.vendor}. Point DATABASE_URL (or --database) at PostgreSQL."
        )
    if min(municipalities, pilots) < 1 or staff < 4:
        raise ScaleDataError("Give at least 1 municipality, 1 pilot and 4 staff per pilot.")
    if sum(cohort_mix) < 1 or min(cohort_mix) < 0:
        raise ScaleDataError("The cohort mix needs a positive share, e.g. 1:3:1.")
    started = time.perf_counter()
    now = timezone.now()
    layout = Layout(
        municipalities=municipalities,
        pilots=pilots,
        staff=staff,
        cohort_mix=cohort_mix,
        today=today or timezone.localdate(now),
    )
    result = BuildResult(layout=layout)
    tables = [(spec, Table(spec.model, spec.named, now)) for spec in specs()]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if reset:
            _reset(cursor)
        elif Municipality.objects.using(using).filter(slug=FIRST_SLUG).exists():
            raise ScaleDataError(
                "This database already holds generated data (municipality "
                f"{FIRST_SLUG!r}). Use --reset to empty the app's tables and write it anew."
            )
        for spec, table in tables:
            layout.bases[spec.key] = _next_id(cursor, table.name)
        checks_off = _foreign_key_triggers_off(cursor)
        for spec, table in tables:
            table_started = time.perf_counter()
            rng = random.Random(f"{seed}:{spec.key}")  # noqa: S311 - test data, not secrets
            rows = table.copy(cursor.cursor, spec.rows(layout, rng))
            written = Written(table.name, rows, time.perf_counter() - table_started)
            result.written.append(written)
            progress(written)
        if checks_off:
            cursor.execute("SET LOCAL session_replication_role = origin")
            checked = time.perf_counter()
            for _spec, table in tables:
                _foreign_keys_check(cursor, table)
            written = Written("foreign keys checked", 0, time.perf_counter() - checked)
            result.written.append(written)
            progress(written)
        for _spec, table in tables:
            _sequence_follow(cursor, table.name)
        _logins_ensure(layout, using=using)
    # Outside the transaction, so the planner's statistics are there for the next query. VACUUM
    # too (where no transaction is open around us, as in the command): freshly copied rows have
    # no visibility map, so the planner prices every index-only scan with a heap fetch per row
    # and seq-scans the big tables instead (the admin's attendance count: 48 ms, not 2 ms, on 60
    # municipalities), which a production database that autovacuum keeps does not do.
    vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        analyze_started = time.perf_counter()
        for _spec, table in tables:
            cursor.execute(f'{vacuum} "{table.name}"')
        written = Written(vacuum, 0, time.perf_counter() - analyze_started)
        result.written.append(written)
        progress(written)
    result.seconds = time.perf_counter() - started
    return result


def _reset(cursor) -> None:
    names = [
        model._meta.db_table
        for label in APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    # Inside a caller's transaction (a test) deferred foreign keys may still be pending, and
    # PostgreSQL truncates no table with pending trigger events: check them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        "TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{n}"' for n in names))
    )


def _foreign_key_triggers_off(cursor) -> bool:
    """Turn off the per-row foreign key triggers for this transaction, as pg_restore
    --disable-triggers does, where the role may (a superuser): each row COPY writes would
    otherwise queue a deferred check, millions of them. `_foreign_keys_check` checks them
    afterwards, one query per key."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _foreign_keys_check(cursor, table: Table) -> None:
    """Every foreign key the generator filled points at a row (one anti-join per key)."""
    for f in table.model._meta.concrete_fields:
        if not f.is_relation or not f.db_constraint or f.column not in table.named:
            continue
        target = f.target_field
        sql = (
            f'SELECT COUNT(*) FROM "{table.name}" AS c WHERE c."{f.column}" IS NOT NULL '  # noqa: S608  # nosec B608
            f'AND NOT EXISTS (SELECT 1 FROM "{target.model._meta.db_table}" AS p '
            f'WHERE p."{target.column}" = c."{f.column}")'
        )
        cursor.execute(sql)
        missing = cursor.fetchone()[0]
        if missing:
            raise ScaleDataError(
                f"{missing} rows of {table.name}.{f.column} point at no "
                f"{target.model._meta.db_table} row: a bug in leanprogram/scale_data/tables.py."
            )


def _next_id(cursor, table: str) -> int:
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608 - model's table  # nosec B608
    return cursor.fetchone()[0]


def _sequence_follow(cursor, table: str) -> None:
    """The table's id sequence continues after the ids the generator allocated."""
    highest = f'SELECT COALESCE(MAX(id), 1) FROM "{table}"'  # noqa: S608 - a model's table  # nosec B608
    cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({highest}))", [f'"{table}"'])


def _logins_ensure(layout: Layout, *, using: str) -> None:
    """Logins in the first municipality: its coordinator (who also administers it in the
    admin), its guide, and the leader and a staff member of its first pilot in follow-up."""
    follow_up = (
        next(p for p in range(layout.pilots) if layout.cohort(p) == FOLLOW_UP)
        if (FOLLOW_UP in layout.cycle)
        else 0
    )
    password = make_password(BENCH_PASSWORD)
    people = {
        COORDINATOR: layout.coordinator(0),
        GUIDE: layout.guide(0),
        LEADER: layout.person(0, follow_up, 0),
        STAFF: layout.person(0, follow_up, 3),
    }
    users = get_user_model().objects.db_manager(using)
    # Logins left from an earlier set (their people are gone after --reset) are made anew.
    users.filter(username__in=people).delete()
    group = Group.objects.using(using).filter(name=MUNICIPAL_ADMIN_GROUP).first()
    for username, person_id in people.items():
        person = Person.objects.using(using).get(pk=person_id)
        first_name, _, last_name = person.full_name.rpartition(" ")
        user = users.create(
            username=username,
            password=password,
            email=person.email,
            first_name=first_name,
            last_name=last_name,
            is_staff=username == COORDINATOR,
        )
        if username == COORDINATOR and group is not None:
            user.groups.add(group)
        person.user = user
        person.save(update_fields=["user"], using=using)
