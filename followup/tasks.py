"""Celery tasks for reminders: thin, ids in, the work done in `followup.reminders`."""

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from followup.reminders.claims import SEND_REMINDER_TASK, SEND_REMINDERS_TASK
from followup.reminders.delivery import reminder_deliver, reminders_deliver
from followup.reminders.sweep import reminders_sweep

logger = logging.getLogger(__name__)


@shared_task(name="followup.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> None:
    """Beat runs this every REMINDER_SWEEP_SECONDS: store, claim and queue what is due."""
    result = reminders_sweep(now=timezone.now())
    logger.info(
        "Reminder sweep: %s due, %s cancelled, %s queued, %s left pending%s.",
        result.due,
        result.cancelled,
        result.enqueued,
        result.left_pending,
        f"; kinds that failed: {', '.join(result.failed_kinds)}" if result.failed_kinds else "",
    )


# Well inside the claim timeout: a send that hangs is interrupted by the soft limit, which
# counts as a failed attempt, long before a sweep may claim the row again.
@shared_task(name=SEND_REMINDER_TASK, ignore_result=True, soft_time_limit=120, time_limit=150)
def send_reminder(reminder_id: int, claim_token: str, as_of: str | None = None) -> str:
    """Send one claimed reminder. `as_of` stands for the clock when the sweep's did too."""
    now = dt.datetime.fromisoformat(as_of) if as_of else timezone.now()
    outcome = reminder_deliver(reminder_id=reminder_id, claim_token=claim_token, now=now)
    logger.info("Reminder %s: %s.", reminder_id, outcome)
    return outcome


# A batch stops taking rows after this long and gives the rest back (`reminders_deliver`); the
# limits leave one slow send the same two minutes a single task has. All well inside the claim
# timeout's ten minutes.
BATCH_SECONDS = 240


@shared_task(
    name=SEND_REMINDERS_TASK,
    ignore_result=True,
    soft_time_limit=BATCH_SECONDS + 120,
    time_limit=BATCH_SECONDS + 150,
)
def send_reminders(reminder_ids: list[int], claim_token: str, as_of: str | None = None) -> None:
    """Send a batch of claimed reminders (a burst is queued in batches), each once."""
    done = reminders_deliver(
        reminder_ids=reminder_ids,
        claim_token=claim_token,
        as_of=dt.datetime.fromisoformat(as_of) if as_of else None,
        budget=dt.timedelta(seconds=BATCH_SECONDS),
    )
    for reminder_id, outcome in done:
        logger.info("Reminder %s: %s.", reminder_id, outcome)
