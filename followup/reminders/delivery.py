"""Sending one claimed reminder: check it still holds, write it, send it, mark it sent.

Safe against double delivery: the send happens inside a transaction that first updates the row
on the condition that it is still claimed with our token. On PostgreSQL that UPDATE holds the
row lock until commit, so a sweep (which skips locked rows) cannot claim it again mid-send, and a
late message for an older claim finds another token and does nothing. If the worker dies before
commit, the row is still claimed with the old `claimed_at`, and the next sweep after the claim
timeout sends it. What no database can close is a crash in the instant between the SMTP server
accepting the message and our commit; the message then goes out again, with the same Message-ID
so that mail clients can recognise it.

Any error while checking, writing or sending counts as a failed attempt, not only SMTP errors:
a template or a kind that raises must not leave the row "sending" until it is too late, but
wait, be tried again and end failed in the outbox with its error.
"""

import datetime as dt
import logging
import smtplib
import uuid
from enum import StrEnum
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from followup.models import Reminder
from followup.policies import follow_up_policies_load
from followup.reminders.claims import reminders_release
from followup.reminders.context import Context, Narrow
from followup.reminders.registry import KINDS
from pilots.log_privacy import exception_describe

logger = logging.getLogger(__name__)

Status = Reminder.Status


class Outcome(StrEnum):
    SENT = "sent"
    NOT_OURS = "not ours"
    CANCELLED = "cancelled"
    RETRY = "retry later"
    FAILED = "failed"


def reminder_context(reminder: Reminder, *, now: dt.datetime) -> Context:
    """The sweep's context narrowed to the reminder's pilot and recipient."""
    if reminder.pilot_id is not None:
        programme_ids = [reminder.pilot.programme_id]
    else:
        programme_ids = list(
            reminder.recipient.municipality.programmes.values_list("pk", flat=True)
        )
    policies = follow_up_policies_load(programme_ids=programme_ids, create_missing=False)
    return Context(
        now=now,
        policies=policies,
        narrow=Narrow(pilot_id=reminder.pilot_id, recipient_id=reminder.recipient_id),
    )


def reminder_deliver(*, reminder_id: int, claim_token: str | uuid.UUID, now: dt.datetime) -> str:
    """Send a claimed reminder once. Returns what happened (for the task's log)."""
    try:
        return _deliver(reminder_id=reminder_id, claim_token=claim_token, now=now)
    except Exception as exc:
        logger.exception("Reminder %s: unexpected error while sending.", reminder_id)
        return _unexpected_error(reminder_id=reminder_id, claim_token=claim_token, exc=exc, now=now)


def reminders_deliver(
    *,
    reminder_ids: list[int],
    claim_token: str | uuid.UUID,
    as_of: dt.datetime | None,
    budget: dt.timedelta,
) -> list[tuple[int, str]]:
    """Send a batch of claimed reminders one by one, each exactly as `reminder_deliver` does
    (its own transaction, its own check that the claim is still ours).

    A batch stops taking new rows once it has run for `budget` (a slow SMTP server) and gives
    the rest back to the next sweep, well before their claim times out and a sweep would claim
    them anyway. Returns (id, outcome) for each row in order.
    """
    started = timezone.now()
    done: list[tuple[int, str]] = []
    for index, reminder_id in enumerate(reminder_ids):
        if timezone.now() - started > budget:
            rest = reminder_ids[index:]
            released = reminders_release(reminder_ids=rest, token=claim_token)
            logger.warning(
                "A batch of reminders ran out of time; %s of %s go back to the next sweep.",
                released,
                len(rest),
            )
            break
        now = as_of or timezone.now()
        outcome = reminder_deliver(reminder_id=reminder_id, claim_token=claim_token, now=now)
        done.append((reminder_id, outcome))
    return done


def _deliver(*, reminder_id: int, claim_token: str | uuid.UUID, now: dt.datetime) -> str:
    with transaction.atomic():
        # The conditional update is the lock and the proof that the claim is still ours.
        mine = Reminder.objects.filter(
            pk=reminder_id, status=Status.CLAIMED, claim_token=claim_token
        ).update(claimed_at=now)
        if not mine:
            return Outcome.NOT_OURS
        reminder = Reminder.objects.select_related(
            "recipient__municipality", "pilot__department", "pilot__programme"
        ).get(pk=reminder_id)

        if reminder.expires_at is not None and now >= reminder.expires_at:
            return _cancel(reminder, Reminder.CancelReason.TOO_LATE)
        kind = KINDS[reminder.kind]
        ctx = reminder_context(reminder, now=now)
        if not kind.holds(reminder, ctx):
            return _cancel(reminder, Reminder.CancelReason.NO_LONGER_APPLIES)

        message = kind.message(reminder, ctx)
        message.extra_headers["Message-ID"] = _message_id(reminder)
        reminder.email_subject = message.subject[:200]
        # Coordinators read the stored copy in the outbox: it must not open anyone's login.
        reminder.email_body = kind.redact(message.body)
        # We hold the row, so counting in Python is safe.
        reminder.attempts += 1
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            # The attempt is recorded with the e-mail as written, in this transaction.
            return _failed_attempt(reminder, exc=exc, now=now)
        reminder.status = Status.SENT
        reminder.sent_at = now
        reminder.last_error = ""
        reminder.next_attempt_at = None
        reminder.save(
            update_fields=[
                "status",
                "sent_at",
                "email_subject",
                "email_body",
                "attempts",
                "last_error",
                "next_attempt_at",
            ]
        )
        return Outcome.SENT


def _unexpected_error(
    *, reminder_id: int, claim_token: str | uuid.UUID, exc: Exception, now: dt.datetime
) -> str:
    """Record a failed attempt after the sending transaction was rolled back.

    The claim outlived the rollback (the sweep committed it), so the row is still ours exactly
    when it still carries our token; a sweep that took over an expired claim has given it another
    token, and then the error is only logged. The lock we take keeps any sweep from claiming the
    row while we record.
    """
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .filter(pk=reminder_id, status=Status.CLAIMED, claim_token=claim_token)
            .first()
        )
        if reminder is None:
            return Outcome.NOT_OURS
        reminder.attempts += 1
        return _failed_attempt(reminder, exc=exc, now=now)


def _cancel(reminder: Reminder, reason: str) -> str:
    reminder.status = Status.CANCELLED
    reminder.cancel_reason = reason
    reminder.claim_token = None
    reminder.save(update_fields=["status", "cancel_reason", "claim_token"])
    return Outcome.CANCELLED


def _failed_attempt(reminder: Reminder, *, exc: Exception, now: dt.datetime) -> str:
    """Wait and try again (the row waits, not a message), or give up after the last try."""
    reminder.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    reminder.claim_token = None
    if reminder.attempts >= settings.REMINDER_SEND_ATTEMPTS:
        reminder.status = Status.FAILED
        reminder.next_attempt_at = None
        outcome = Outcome.FAILED
        logger.error(
            "Reminder %s failed for good after %s tries: %s",
            reminder.pk,
            reminder.attempts,
            exception_describe(exc),
        )
    else:
        wait = settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (reminder.attempts - 1)
        reminder.status = Status.PENDING
        reminder.next_attempt_at = now + dt.timedelta(seconds=wait)
        outcome = Outcome.RETRY
        logger.warning(
            "Reminder %s not sent (%s); trying again in %s s.",
            reminder.pk,
            exception_describe(exc),
            wait,
        )
    reminder.save(
        update_fields=[
            "status",
            "attempts",
            "last_error",
            "claim_token",
            "next_attempt_at",
            "email_subject",
            "email_body",
        ]
    )
    return outcome


def _message_id(reminder: Reminder) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "leanprogram"
    return f"<reminder-{reminder.pk}@{domain}>"
