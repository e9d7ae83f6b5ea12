"""Claiming due reminder rows and queueing one send task per claimed row, after commit.

A claim is a fresh token written on the rows in one short transaction. `select_for_update(
skip_locked=True)` lets two sweeps (or a sweep and a send task holding a row) pass each other
without waiting or taking the same row; the conditional UPDATE and the read-back by token make
the claim correct on databases without row locks (SQLite) too.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from kombu.exceptions import KombuError

from followup.models import Reminder

logger = logging.getLogger(__name__)

Status = Reminder.Status
# Queued by name so that this module need not import the tasks module, which imports the sweep,
# which imports this module. `followup.tasks` registers the task under this name.
SEND_REMINDER_TASK = "followup.tasks.send_reminder"
# A web request or a sweep must not hang on a broker that is down: try twice, briefly, then
# leave the row pending for the next sweep.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
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
    """Claim what is due and queue a send task for each claimed row once the claim commits.

    `as_of` is handed to the send tasks when the caller stands in for the clock (the management
    command's --now), so they judge what still holds at the same moment as the sweep did.
    """
    claim = Claim(token=uuid.uuid4(), reminder_ids=[], as_of=as_of)
    condition = claimable(now) if only is None else claimable(now) & only
    with transaction.atomic(durable=durable):
        candidates = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(condition)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(candidates), UPDATE_CHUNK):
            chunk = candidates[start : start + UPDATE_CHUNK]
            # The condition again: without row locks (SQLite) another sweep may have been first.
            Reminder.objects.filter(condition, pk__in=chunk).update(
                status=Status.CLAIMED, claim_token=claim.token, claimed_at=now
            )
        claim.reminder_ids = list(
            Reminder.objects.filter(claim_token=claim.token)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        if claim.reminder_ids:
            transaction.on_commit(lambda: reminders_enqueue(claim))
    return claim


def reminders_enqueue(claim: Claim) -> None:
    """Queue one send task per claimed row, passing ids only.

    Runs after commit. A broker that is down must not fail the request or the sweep that got us
    here: the rows not queued go back to pending, and the next sweep queues them.
    """
    kwargs = {"as_of": claim.as_of.isoformat()} if claim.as_of else {}
    # A signature by name runs the registered task where there is one (so eager mode in tests
    # still runs it in-process) and publishes by name where there is not.
    send_reminder = current_app.signature(
        SEND_REMINDER_TASK,
        kwargs=kwargs,
        queue=settings.REMINDER_TASK_QUEUE,
        retry=True,
        retry_policy=PUBLISH_RETRY_POLICY,
    )
    for index, reminder_id in enumerate(claim.reminder_ids):
        try:
            send_reminder.apply_async(args=(reminder_id, str(claim.token)))
        except (KombuError, OSError):
            logger.exception(
                "Could not queue reminder %s; it and %s more stay pending for the next sweep.",
                reminder_id,
                len(claim.reminder_ids) - index - 1,
            )
            claim.released = claim.reminder_ids[index:]
            reminders_release(reminder_ids=claim.released, token=claim.token)
            return
        claim.enqueued += 1


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
