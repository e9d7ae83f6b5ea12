"""Claiming due reminder rows and queueing their sends, after commit, a chunk at a time.

A claim is a fresh token written on the rows. The rows are claimed in chunks of CLAIM_CHUNK ids,
each in its own short transaction, and each chunk is queued as soon as it commits, so a burst
of 200,000 due reminders holds a few thousand ids at a time and is being sent while the rest is
still being claimed. On PostgreSQL a chunk is one statement, `UPDATE … WHERE id IN (SELECT id …
FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id`: two sweeps (or a sweep and a send task holding a
row) pass each other without waiting or taking the same row. Elsewhere (SQLite) the ids are read
and then updated on the same condition, and read back by token, which is correct without row
locks too.

A chunk is queued as at most SEND_TASKS_PER_CHUNK tasks of at most SEND_BATCH rows, published
over one broker connection: a few reminders (the usual five-minute sweep, a resend) go one per
task, so they spread over every worker process; a burst goes in batches, so 200,000 sends are a
few thousand messages. A batch sends its rows one by one with the same exactly-once check per
row as a single send (`delivery.reminder_deliver`).
"""

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from math import ceil

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from kombu.exceptions import KombuError

from followup.models import Reminder

logger = logging.getLogger(__name__)

Status = Reminder.Status
# Queued by name so that this module need not import the tasks module, which imports the sweep,
# which imports this module. `followup.tasks` registers the tasks under these names.
SEND_REMINDER_TASK = "followup.tasks.send_reminder"
SEND_REMINDERS_TASK = "followup.tasks.send_reminders"
# A web request or a sweep must not hang on a broker that is down: try twice, briefly, then
# leave the row pending for the next sweep.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CLAIM_CHUNK = 5000
SEND_TASKS_PER_CHUNK = 64
SEND_BATCH = 100
UPDATE_CHUNK = 500


def claim_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


def claimable(now: dt.datetime) -> Q:
    """Rows a sweep at `now` may claim: pending and due (and not waiting for a retry), or claimed
    by someone whose claim has expired. Rows too late to send are never claimed."""
    not_too_late = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    pending = Q(status=Status.PENDING, due_at__lte=now) & ready
    abandoned = Q(status=Status.CLAIMED, claimed_at__lt=now - claim_timeout())
    return (pending | abandoned) & not_too_late


@dataclass
class Claim:
    token: uuid.UUID
    reminder_ids: list[int]
    as_of: dt.datetime | None = None
    enqueued: int = 0
    released: list[int] = field(default_factory=list)


def reminders_claim(
    *, now: dt.datetime, only: Q | None = None, as_of: dt.datetime | None = None, durable=True
) -> Claim:
    """Claim what is due, a chunk at a time, and queue each chunk's sends once it commits.

    `as_of` is handed to the send tasks when the caller stands in for the clock (the management
    command's --now), so they judge what still holds at the same moment as the sweep did.
    """
    claim = Claim(token=uuid.uuid4(), reminder_ids=[], as_of=as_of)
    condition = claimable(now) if only is None else claimable(now) & only
    while True:
        with transaction.atomic(durable=durable):
            ids = _claim_chunk(condition, token=claim.token, now=now)
            if ids:
                transaction.on_commit(lambda ids=ids: _enqueue(claim, ids))
        claim.reminder_ids.extend(ids)
        # A broker that is down: what is not claimed yet waits for the next sweep as it is.
        if len(ids) < CLAIM_CHUNK or claim.released:
            return claim


def _claim_chunk(condition: Q, *, token: uuid.UUID, now: dt.datetime) -> list[int]:
    candidates = (
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(condition)
        .order_by("due_at", "pk")
        .values("pk")[:CLAIM_CHUNK]
    )
    if connection.vendor == "postgresql":
        select, params = candidates.query.sql_with_params()
        table = connection.ops.quote_name(Reminder._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, claim_token = %s, claimed_at = %s "  # noqa: S608 - the ORM's SQL  # nosec B608
                f"WHERE id IN ({select}) RETURNING id",
                (Status.CLAIMED, token, now, *params),
            )
            return sorted(row[0] for row in cursor.fetchall())
    chunk = list(candidates.values_list("pk", flat=True))
    # The condition again: without row locks (SQLite) another sweep may have been first.
    for start in range(0, len(chunk), UPDATE_CHUNK):
        Reminder.objects.filter(condition, pk__in=chunk[start : start + UPDATE_CHUNK]).update(
            status=Status.CLAIMED, claim_token=token, claimed_at=now
        )
    return [
        pk
        for start in range(0, len(chunk), UPDATE_CHUNK)
        for pk in Reminder.objects.filter(
            claim_token=token, pk__in=chunk[start : start + UPDATE_CHUNK]
        ).values_list("pk", flat=True)
    ]


def reminders_enqueue(claim: Claim) -> None:
    """Queue the sends of every row of the claim (again), a chunk at a time."""
    for start in range(0, len(claim.reminder_ids), CLAIM_CHUNK):
        if not _enqueue(claim, claim.reminder_ids[start : start + CLAIM_CHUNK]):
            return


def _batches(ids: list[int]) -> Iterator[list[int]]:
    size = min(SEND_BATCH, max(1, ceil(len(ids) / SEND_TASKS_PER_CHUNK)))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _enqueue(claim: Claim, ids: list[int]) -> bool:
    """Queue the sends of `ids`, passing ids only; False if the broker did not take them all.

    Runs after commit. A broker that is down must not fail the request or the sweep that got us
    here: the rows not queued go back to pending, and the next sweep queues them.
    """
    kwargs = {"as_of": claim.as_of.isoformat()} if claim.as_of else {}
    options = {
        "kwargs": kwargs,
        "queue": settings.REMINDER_TASK_QUEUE,
        "retry": True,
        "retry_policy": PUBLISH_RETRY_POLICY,
    }
    # A signature by name runs the registered task where there is one (so eager mode in tests
    # still runs it in-process) and publishes by name where there is not.
    send_one = current_app.signature(SEND_REMINDER_TASK, **options)
    send_many = current_app.signature(SEND_REMINDERS_TASK, **options)
    token = str(claim.token)
    queued = 0
    try:
        with _producer() as producer:
            for batch in _batches(ids):
                if len(batch) == 1:
                    send_one.apply_async(args=(batch[0], token), producer=producer)
                else:
                    send_many.apply_async(args=(batch, token), producer=producer)
                queued += len(batch)
                claim.enqueued += len(batch)
    except (KombuError, OSError):
        logger.exception(
            "Could not queue reminder %s; it and %s more stay pending for the next sweep.",
            ids[queued],
            len(ids) - queued - 1,
        )
        rest = ids[queued:]
        claim.released.extend(rest)
        reminders_release(reminder_ids=rest, token=claim.token)
        return False
    return True


def _producer():
    """One broker connection for a whole chunk's messages (none in eager mode)."""
    if current_app.conf.task_always_eager:
        return nullcontext()
    return current_app.producer_or_acquire()


def reminders_release(*, reminder_ids: list[int], token: uuid.UUID) -> int:
    """Give claimed rows back to the next sweep (only while they are still this claim's)."""
    released = 0
    for start in range(0, len(reminder_ids), UPDATE_CHUNK):
        released += Reminder.objects.filter(
            pk__in=reminder_ids[start : start + UPDATE_CHUNK],
            status=Status.CLAIMED,
            claim_token=token,
        ).update(status=Status.PENDING, claim_token=None, claimed_at=None)
    return released
