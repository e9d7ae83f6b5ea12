# ruff: noqa: S608 - the SQL below is built from model table names and constants only; every
# value goes in as a query parameter.
"""The retention policy, applied daily (`leanprogram.privacy.tasks.apply_retention`) or by hand
(`manage.py apply_retention [--dry-run]`).

Per programme (fields on `Programme`, set on the coordinator's settings page): how long the
texts of sent e-mails are kept, how long people who left keep their name, how long expired or
withdrawn invitations are kept. Where one row belongs to several programmes of a municipality
(a digest, an invitation, a person), the longest period of that municipality's programmes wins.
Globally (settings): how long the lock-out logs are kept, and expired sessions go at once.

Every step is one set-based UPDATE or DELETE (the anonymisation: a fixed number per registry
entry and text column), so the run costs the same number of queries for ten rows or a million.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction

from followup.models import Reminder
from leanprogram.privacy.erasure import people_anonymise
from pilots.audit import record
from pilots.calendar import local_today
from pilots.models import (
    AuditEvent,
    DepartmentRole,
    Invitation,
    Person,
    Pilot,
    Programme,
    ProgrammeRole,
)

# Defaults for rows whose municipality has no programme (and so no setting).
DEFAULT_REMINDER_BODY_MONTHS = Programme._meta.get_field("retention_reminder_body_months").default
DEFAULT_LEAVER_MONTHS = Programme._meta.get_field("retention_leaver_months").default
DEFAULT_INVITATION_DAYS = Programme._meta.get_field("retention_invitation_days").default


@dataclass
class RetentionResult:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return "; ".join(f"{key}={n}" for key, n in self.counts.items())


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _before(moment: str, *, months: str | None = None, days: str | None = None) -> str:
    """SQL for `moment` (a timestamp or a date) less some months and days, the months clamped to
    the month's last day like PostgreSQL's intervals (31 March less a month is 28 February)."""
    if connection.vendor == "sqlite":
        _sqlite_functions()
        return f"lp_before({moment}, {months or 0}, {days or 0})"
    parts = [f"{unit} => {n}" for unit, n in (("months", months), ("days", days)) if n]
    return f"{moment} - make_interval({', '.join(parts)})"


def _sqlite_before(moment: str | None, months: int | None, days: int | None) -> str | None:
    """`lp_before` on SQLite, the development database (`make run`, `make test` without
    DATABASE_URL): its date() modifiers overflow 31 March less a month into 3 March, and a
    comparison with the stored text must use Django's own format. SQLite calls this once per
    row; PostgreSQL does the same in SQL."""
    if moment is None or months is None or days is None:
        return None
    value = dt.datetime.fromisoformat(moment)
    month_index = value.year * 12 + value.month - 1 - int(months)
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    value = value.replace(year=year, month=month + 1, day=min(value.day, last_day))
    value -= dt.timedelta(days=int(days))
    # Dates are stored as 'YYYY-MM-DD', datetimes as str() of the naive UTC value.
    return value.date().isoformat() if len(moment) == 10 else str(value)


def _sqlite_functions() -> None:
    # Registered on the open connection each time: cheap, and a new connection gets it too.
    connection.ensure_connection()
    connection.connection.create_function("lp_before", 3, _sqlite_before, deterministic=True)


def _moment(now: dt.datetime):
    """`now` as a query parameter the way the ORM would pass it (on SQLite: UTC text)."""
    return connection.ops.adapt_datetimefield_value(now)


def _municipality_max(column: str, person_ref: str) -> str:
    """SQL for the longest setting among the programmes of a person's municipality."""
    return (
        f"(SELECT MAX(pr.{column}) FROM {_q(Programme)} pr JOIN {_q(Person)} pe "  # nosec B608
        f"ON pe.municipality_id = pr.municipality_id WHERE pe.id = {person_ref})"
    )


def _run(sql_where: str, *, table: str, action: str, params: list, dry_run: bool) -> int:
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(f"SELECT count(*) FROM {table} t WHERE {sql_where}", params)  # nosec B608
            return cursor.fetchone()[0]
        cursor.execute(f"{action} WHERE {sql_where}", params)
        return cursor.rowcount


def _reminder_bodies(now: dt.datetime, dry_run: bool) -> int:
    """Empty the subject, body and error of reminders done with: kind, dates, status stay."""
    months = (
        f"COALESCE((SELECT pr.retention_reminder_body_months FROM {_q(Pilot)} pi "  # nosec B608
        f"JOIN {_q(Programme)} pr ON pr.id = pi.programme_id WHERE pi.id = t.pilot_id), "
        f"{_municipality_max('retention_reminder_body_months', 't.recipient_id')}, %s)"
    )
    where = (
        "t.status IN (%s, %s, %s) "
        "AND (t.email_subject <> '' OR t.email_body <> '' OR t.last_error <> '') "
        f"AND COALESCE(t.sent_at, t.due_at) < {_before('%s', months=months)}"
    )
    done = [Reminder.Status.SENT, Reminder.Status.FAILED, Reminder.Status.CANCELLED]
    params = [*done, _moment(now), DEFAULT_REMINDER_BODY_MONTHS]
    table = f"{_q(Reminder)}"
    return _run(
        where,
        table=table,
        action=f"UPDATE {table} AS t SET email_subject = '', email_body = '', last_error = ''",  # nosec B608
        params=params,
        dry_run=dry_run,
    )


def _invitations(now: dt.datetime, dry_run: bool) -> int:
    """Delete invitations nobody took up, some days after they expired or were withdrawn."""
    days = f"COALESCE({_municipality_max('retention_invitation_days', 't.person_id')}, %s)"
    where = (
        "t.accepted_at IS NULL "
        f"AND COALESCE(t.revoked_at, t.expires_at) < {_before('%s', days=days)}"
    )
    table = _q(Invitation)
    return _run(
        where,
        table=table,
        action=f"DELETE FROM {table} AS t",  # nosec B608
        params=[_moment(now), DEFAULT_INVITATION_DAYS],
        dry_run=dry_run,
    )


# At most this many people are anonymised in one run: every text column is searched for all of
# their names at once, so a first run over years of leavers takes a few nights instead of one long
# transaction (and stays inside PostgreSQL's limit on query parameters).
LEAVERS_PER_RUN = 100


def leavers_due(today: dt.date, *, limit: int) -> list[int]:
    """People whose every role ended longer ago than their municipality keeps names for.

    Someone who never held a role is not a leaver (they may be on their way in), and someone
    anonymised already is left alone. One query.
    """
    months = f"COALESCE({_municipality_max('retention_leaver_months', 'p.id')}, %s)"
    roles = (
        f"(SELECT person_id, ends_on FROM {_q(ProgrammeRole)} "  # nosec B608
        f"UNION ALL SELECT person_id, ends_on FROM {_q(DepartmentRole)})"
    )
    sql = (
        f"SELECT p.id FROM {_q(Person)} p JOIN {roles} r ON r.person_id = p.id "  # nosec B608
        "WHERE p.anonymised_at IS NULL GROUP BY p.id "
        # Every role ended (MIN over 1/0 is both databases' "for all").
        "HAVING MIN(CASE WHEN r.ends_on IS NOT NULL AND r.ends_on <= %s THEN 1 ELSE 0 END) = 1 "
        f"AND MAX(r.ends_on) < {_before('%s', months=months)} "
        "ORDER BY MAX(r.ends_on), p.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, today, DEFAULT_LEAVER_MONTHS, limit])
        return [row[0] for row in cursor.fetchall()]


def _axes_logs(now: dt.datetime, dry_run: bool) -> int:
    cutoff = now - dt.timedelta(days=settings.AXES_LOG_RETENTION_DAYS)
    total = 0
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        rows = model.objects.filter(attempt_time__lt=cutoff)
        if dry_run:
            total += rows.count()
            continue
        if model is AccessAttempt:
            AccessAttemptExpiration.objects.filter(access_attempt__in=rows.values("pk")).delete()
        # No dependants left and no signals to send: one DELETE without loading the rows.
        total += rows._raw_delete(rows.db)
    return total


def _expired_sessions(now: dt.datetime, dry_run: bool) -> int:
    """What `clearsessions` does for database sessions, in one DELETE."""
    cutoff = now - dt.timedelta(days=settings.EXPIRED_SESSION_RETENTION_DAYS)
    rows = Session.objects.filter(expire_date__lt=cutoff)
    return rows.count() if dry_run else rows.delete()[0]


def retention_apply(*, now: dt.datetime, dry_run: bool = False) -> RetentionResult:
    """Apply every retention rule once; with `dry_run`, count what would go and change nothing.

    One audit event (PURGED, by the system) with the counts when anything was purged.
    """
    result = RetentionResult()
    with transaction.atomic():
        result.counts["reminder_bodies"] = _reminder_bodies(now, dry_run)
        result.counts["invitations"] = _invitations(now, dry_run)
        leavers = leavers_due(local_today(), limit=LEAVERS_PER_RUN)
        result.counts["people_anonymised"] = len(leavers)
        if leavers:
            people_anonymise(person_ids=leavers, now=now, dry_run=dry_run)
        result.counts["axes_logs"] = _axes_logs(now, dry_run)
        result.counts["expired_sessions"] = _expired_sessions(now, dry_run)
        if not dry_run and any(result.counts.values()):
            record(None, AuditEvent.Action.PURGED, detail=result.detail)
    return result
