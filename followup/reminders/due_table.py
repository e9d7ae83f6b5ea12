"""What a sweep found due, kept in a temporary table so that storing it and cancelling what is
no longer due are two set-based statements, whatever the number of reminders.

The sweep computes what is due a chunk of programmes at a time and hands each chunk's rows to
`DueTable.add`; Python holds one chunk, the database the rest. Then `store` inserts the rows not
stored yet (`INSERT … SELECT … ON CONFLICT DO NOTHING`: the unique key still makes a duplicate
impossible when two sweeps run at once) with their recipient's municipality, and `cancel_stale`
cancels the pending rows whose key was not found due (an anti-join).

The table lives inside the sweep's transaction and is dropped at its end, so it works through
PgBouncer in transaction mode too (a temporary table is a session's, and a session is only
ours for one transaction there). PostgreSQL fills it with COPY; other databases (SQLite on a
laptop, in `make test`) with executemany. The SQL is otherwise the same on both: names come from
the model's metadata, values are parameters.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Field
from django.utils import timezone

from followup.models import Reminder
from followup.reminders.context import Due
from pilots.models import Person

TABLE = "followup_sweep_due"
KEY = ("kind", "recipient_id", "subject_key", "period")
COLUMNS = (*KEY, "pilot_id", "due_at", "expires_at")
# The columns the insert takes from the due rows (or the recipient); every other column of
# Reminder gets its default, so a field added later needs no change here.
FROM_DUE = {"kind", "recipient", "subject_key", "period", "pilot", "due_at", "expires_at"}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column_types() -> list[str]:
    fields = {f.column: f for f in Reminder._meta.concrete_fields}
    return [
        f"{_q(column)} {fields[column].db_type(connection)}"
        + ("" if column in ("pilot_id", "expires_at") else " NOT NULL")
        for column in COLUMNS
    ]


class DueTable:
    """A temporary table of due reminders; use inside one transaction (`with DueTable() as t`)."""

    def __enter__(self) -> "DueTable":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(TABLE)}")  # noqa: S608 - a constant
            cursor.execute(f"CREATE TEMPORARY TABLE {_q(TABLE)} ({', '.join(_column_types())})")
        return self

    def __exit__(self, *exc) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(TABLE)}")

    def add(self, items: Iterable[Due]) -> None:
        rows = (
            (i.kind, i.recipient_id, i.subject_key, i.period, i.pilot_id, i.due_at, i.expires_at)
            for i in items
        )
        columns = ", ".join(_q(c) for c in COLUMNS)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {_q(TABLE)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"INSERT INTO {_q(TABLE)} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",  # noqa: S608  # nosec B608
                [(*row[:5], adapt(row[5]), adapt(row[6])) for row in rows],
            )

    def count(self) -> int:
        """Distinct keys (a chunk holds each key once; two chunks may share a digest's)."""
        key = ", ".join(_q(c) for c in KEY)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {_q(TABLE)} GROUP BY {key}) k")  # noqa: S608  # nosec B608
            return cursor.fetchone()[0]

    def store(self) -> int:
        """Insert the due rows not stored yet; returns how many were inserted.

        A key found due in two chunks (a digest to someone with roles in two municipalities'
        programmes) is stored once, at the earliest moment of the two.
        """
        reminder, person = _q(Reminder._meta.db_table), _q(Person._meta.db_table)
        targets, values, params = [], [], []
        for field in Reminder._meta.concrete_fields:
            if field.primary_key:
                continue
            targets.append(_q(field.column))
            if field.name in FROM_DUE:
                column = f"d.{_q(field.column)}"
                values.append(column if field.column in KEY else f"MIN({column})")
            elif field.name == "municipality":
                values.append(f"p.{_q('municipality_id')}")
            else:
                values.append("%s")
                params.append(_default(field))
        key = ", ".join(f"d.{_q(c)}" for c in KEY)
        matches = " AND ".join(f"r.{_q(c)} = d.{_q(c)}" for c in KEY)
        sql = (
            f"INSERT INTO {reminder} ({', '.join(targets)}) "  # noqa: S608 - names from metadata  # nosec B608
            f"SELECT {', '.join(values)} FROM {_q(TABLE)} d "
            f"JOIN {person} p ON p.{_q('id')} = d.{_q('recipient_id')} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {reminder} r WHERE {matches}) "
            f"GROUP BY {key}, p.{_q('municipality_id')} "
            "ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def cancel_stale(self, *, now, skip_kinds: list[str]) -> int:
        """Cancel pending, due rows whose key this sweep did not find due (the plan was
        submitted, the meeting moved, reminders were turned off). Kinds in `skip_kinds` (whose
        computation failed) are left alone: nothing was learned about them."""
        reminder = _q(Reminder._meta.db_table)
        matches = " AND ".join(f"d.{_q(c)} = {reminder}.{_q(c)}" for c in KEY)
        skip = ""
        if skip_kinds:
            skip = f"AND {_q('kind')} NOT IN ({', '.join(['%s'] * len(skip_kinds))}) "
        sql = (
            f"UPDATE {reminder} SET {_q('status')} = %s, {_q('cancel_reason')} = %s "  # noqa: S608  # nosec B608
            f"WHERE {_q('status')} = %s AND {_q('due_at')} <= %s {skip}"
            f"AND NOT EXISTS (SELECT 1 FROM {_q(TABLE)} d WHERE {matches})"
        )
        params = [
            Reminder.Status.CANCELLED,
            Reminder.CancelReason.NO_LONGER_APPLIES,
            Reminder.Status.PENDING,
            connection.ops.adapt_datetimefield_value(now),
            *skip_kinds,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount


def _default(field: Field):
    """What `Reminder(...)` would store in a column the sweep does not fill: its default ("" for
    text), the time for `auto_now_add`."""
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        value = timezone.now()
    else:
        value = field.get_default()
    if value is None and not field.null:
        raise ValueError(
            f"Reminder.{field.name} has no default: tell followup/reminders/due_table.py "
            "what a swept reminder stores in it."
        )
    return field.get_db_prep_save(value, connection)
