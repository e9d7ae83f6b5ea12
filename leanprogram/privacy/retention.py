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
        f"AND COALESCE(t.sent_at, t.due_at) < %s - make_interval(months => {months})"
    )
    done = [Reminder.Status.SENT, Reminder.Status.FAILED, Reminder.Status.CANCELLED]
    params = [*done, now, DEFAULT_REMINDER_BODY_MONTHS]
    table = f"{_q(Reminder)}"
    return _run(
        where,
        table=table,
        action=f"UPDATE {table} t SET email_subject = '', email_body = '', last_error = ''",  # nosec B608
        params=params,
        dry_run=dry_run,
    )


def _invitations(now: dt.datetime, dry_run: bool) -> int:
    """Delete invitations nobody took up, some days after they expired or were withdrawn."""
    days = f"COALESCE({_municipality_max('retention_invitation_days', 't.person_id')}, %s)"
    where = (
        "t.accepted_at IS NULL "
        f"AND COALESCE(t.revoked_at, t.expires_at) < %s - make_interval(days => {days})"
    )
    table = _q(Invitation)
    return _run(
        where,
        table=table,
        action=f"DELETE FROM {table} t",  # nosec B608
        params=[now, DEFAULT_INVITATION_DAYS],
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
        "HAVING bool_and(r.ends_on IS NOT NULL AND r.ends_on <= %s) "
        f"AND MAX(r.ends_on) < %s - make_interval(months => {months}) "
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
