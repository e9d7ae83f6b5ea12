"""Celery tasks for reminders: thin, ids in, the work done in `followup.reminders`."""

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from followup.reminders.delivery import reminder_deliver
from followup.reminders.sweep import reminders_sweep

logger = logging.getLogger(__name__)


@shared_task(name="followup.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> None:
    """Beat runs this every REMINDER_SWEEP_SECONDS: store, claim and queue what is due."""
    result = reminders_sweep(now=timezone.now())
    logger.info(
        "Reminder sweep: %s due, %s cancelled, %s queued, %s left pending.",
        result.due,
        result.cancelled,
        result.enqueued,
        result.left_pending,
    )


# Well inside the claim timeout, so a send that hangs is killed (and its transaction rolled
# back) long before a sweep may claim the row again.
@shared_task(
    name="followup.tasks.send_reminder", ignore_result=True, soft_time_limit=120, time_limit=150
)
def send_reminder(reminder_id: int, claim_token: str, as_of: str | None = None) -> str:
    """Send one claimed reminder. `as_of` stands for the clock when the sweep's did too."""
    now = dt.datetime.fromisoformat(as_of) if as_of else timezone.now()
    outcome = reminder_deliver(reminder_id=reminder_id, claim_token=claim_token, now=now)
    logger.info("Reminder %s: %s.", reminder_id, outcome)
    return outcome
