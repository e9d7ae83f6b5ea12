"""The periodic sweep: work out what is due, store it, drop what no longer holds, claim, queue.

Celery beat runs it every REMINDER_SWEEP_SECONDS through `followup.tasks.sweep_reminders`, and
`manage.py send_due_reminders` runs the very same function once. Running it again, or twice at
the same time, sends nothing twice: a reminder's unique key (kind, recipient, subject, period)
lets it exist once, and a row is sent only by the holder of its current claim.

One kind that fails (a bug, a query the database refuses) is logged and skipped: the other kinds
are still stored and claimed, and the failing kind's stored rows are left as they are rather than
cancelled as no longer holding, since nothing was learned about them.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from followup.cadence import follow_up_meetings_sync
from followup.models import FollowUpPolicy, Reminder
from followup.moments import WorkingCalendar, is_working_moment, working_calendar_load
from followup.phases import phases_follow_events
from followup.policies import follow_up_policies_load
from followup.reminders.claims import Claim, claim_timeout, claimable, reminders_claim
from followup.reminders.context import Context, Due
from followup.reminders.registry import KINDS
from pilots.calendar import is_working_day, local_date
from pilots.models import Pilot

logger = logging.getLogger(__name__)

Status = Reminder.Status
INSERT_BATCH = 1000
# For a reminder whose programme is no longer swept (closed pilots only): the policy's default.
DEFAULT_SEND_HOUR = FollowUpPolicy._meta.get_field("send_hour").default


@dataclass
class SweepResult:
    now: dt.datetime
    dry_run: bool
    due: int = 0
    cancelled: int = 0
    failed_kinds: list[str] = field(default_factory=list)
    claim: Claim | None = None
    queued: list[Reminder] = field(default_factory=list)

    @property
    def enqueued(self) -> int:
        return self.claim.enqueued if self.claim else 0

    @property
    def left_pending(self) -> int:
        return len(self.claim.released) if self.claim else 0


def reminders_sweep(
    *, now: dt.datetime, dry_run: bool = False, as_of: dt.datetime | None = None
) -> SweepResult:
    """One sweep at `now`. With `dry_run` everything is worked out and then rolled back.

    Pass `as_of=now` when `now` is not the real time, so the send tasks use it too.
    """
    result = SweepResult(now=now, dry_run=dry_run)
    if not dry_run:
        _sweep(result, as_of=as_of, durable=True)
        return result
    with transaction.atomic():
        _sweep(result, as_of=as_of, durable=False)
        transaction.set_rollback(True)
    return result


def _sweep(result: SweepResult, *, as_of: dt.datetime | None, durable: bool) -> None:
    now = result.now
    # First, so that the reminders below see the phase each pilot has reached by now.
    phases_follow_events(today=local_date(now))
    programme_ids = set(
        Pilot.objects.exclude(phase=Pilot.Phase.CLOSED)
        .values_list("programme_id", flat=True)
        .distinct()
        .order_by()
    )
    policies = follow_up_policies_load(programme_ids=programme_ids, create_missing=True)
    calendar = working_calendar_load(programme_ids=programme_ids)
    _follow_up_meetings_fill_in()

    ctx = Context(now=now, policies=policies, calendar=calendar)
    due = {key: item for key, item in _due(ctx, result).items() if item.expires_at > now}
    result.due = len(due)
    known = _known_keys(due)
    # The unique key makes a duplicate impossible (ignore_conflicts); reading the known keys
    # first only spares re-inserting, every five minutes, what is already stored.
    Reminder.objects.bulk_create(
        (_row(item) for key, item in due.items() if key not in known),
        batch_size=INSERT_BATCH,
        ignore_conflicts=True,
    )
    result.cancelled = _cancel_what_no_longer_holds(
        now=now, due=due, failed_kinds=result.failed_kinds
    )
    result.claim = reminders_claim(
        now=now,
        only=_sendable_now(now=now, policies=policies, calendar=calendar),
        as_of=as_of,
        durable=durable,
    )
    result.queued = list(
        Reminder.objects.filter(pk__in=result.claim.reminder_ids)
        .select_related("recipient", "pilot__department")
        .order_by("due_at", "pk")
    )


def _due(ctx: Context, result: SweepResult) -> dict[tuple, Due]:
    """Every reminder due at ctx.now by unique key (a person who is both leader and guide is
    reminded once). A kind that raises is left out and named in `result.failed_kinds`."""
    found: dict[tuple, Due] = {}
    for kind in KINDS.values():
        if kind.follows_programme_policy and not ctx.policies:
            continue
        try:
            # A savepoint, so that a query the database refused does not abort the transaction
            # the other kinds (and a dry run) go on in.
            with transaction.atomic():
                items = list(kind.due(ctx))
        except Exception:
            logger.exception("Reminder kind %s failed; the other kinds go on.", kind.kind)
            result.failed_kinds.append(kind.kind)
            continue
        for item in items:
            found.setdefault(item.key, item)
    return found


def _sendable_now(
    *, now: dt.datetime, policies: dict[int, FollowUpPolicy], calendar: WorkingCalendar
) -> Q:
    """The stored reminders that may go out at `now`: those of the kinds exempt from working
    days, and the others only on a working day of their municipality from the send hour of their
    programme. A reminder without a pilot (a digest) goes by the earliest send hour of its
    recipient's municipality's programmes. What is held back stays pending for a later sweep."""
    exempt = [kind.kind for kind in KINDS.values() if not kind.on_working_days]
    sendable = Q(kind__in=exempt)
    if not is_working_day(local_date(now)):
        return sendable  # a weekend or public holiday everywhere: no query needed
    send_hour_of_municipality: dict[int, int] = {}
    for programme_id, policy in policies.items():
        municipality_id = calendar.municipality_of.get(programme_id)
        earliest = send_hour_of_municipality.get(municipality_id, policy.send_hour)
        send_hour_of_municipality[municipality_id] = min(earliest, policy.send_hour)
    candidates = (
        Reminder.objects.filter(claimable(now))
        .exclude(kind__in=exempt)
        .values_list("pk", "pilot__programme_id", "recipient__municipality_id")
    )
    allowed = []
    for pk, programme_id, municipality_id in candidates.order_by():
        if programme_id is not None and programme_id in policies:
            send_hour = policies[programme_id].send_hour
            municipality_id = calendar.municipality_of.get(programme_id, municipality_id)
        else:
            send_hour = send_hour_of_municipality.get(municipality_id, DEFAULT_SEND_HOUR)
        if is_working_moment(now, send_hour, calendar.for_municipality(municipality_id)):
            allowed.append(pk)
    return sendable | Q(pk__in=allowed)


def _known_keys(due: dict[tuple, Due]) -> set[tuple]:
    if not due:
        return set()
    earliest = min(item.due_at for item in due.values())
    return set(
        Reminder.objects.filter(due_at__gte=earliest).values_list(
            "kind", "recipient_id", "subject_key", "period"
        )
    )


def _row(item: Due) -> Reminder:
    return Reminder(
        kind=item.kind,
        recipient_id=item.recipient_id,
        subject_key=item.subject_key,
        period=item.period,
        pilot_id=item.pilot_id,
        due_at=item.due_at,
        expires_at=item.expires_at,
    )


def _cancel_what_no_longer_holds(
    *, now: dt.datetime, due: dict[tuple, Due], failed_kinds: list[str]
) -> int:
    """Pending rows that are no longer due (the plan was submitted, the meeting moved, reminders
    were turned off) or are too late, and abandoned claims that are too late, are cancelled.
    Rows of a kind whose computation failed are only cancelled when too late."""
    too_late = Q(expires_at__lte=now) & (
        Q(status=Status.PENDING) | Q(status=Status.CLAIMED, claimed_at__lt=now - claim_timeout())
    )
    cancelled = Reminder.objects.filter(too_late).update(
        status=Status.CANCELLED, cancel_reason=Reminder.CancelReason.TOO_LATE, claim_token=None
    )
    pending = (
        Reminder.objects.filter(status=Status.PENDING, due_at__lte=now)
        .exclude(kind__in=failed_kinds)
        .values_list("pk", "kind", "recipient_id", "subject_key", "period")
    )
    stale = [pk for pk, *key in pending if tuple(key) not in due]
    for start in range(0, len(stale), INSERT_BATCH):
        cancelled += Reminder.objects.filter(
            pk__in=stale[start : start + INSERT_BATCH], status=Status.PENDING
        ).update(status=Status.CANCELLED, cancel_reason=Reminder.CancelReason.NO_LONGER_APPLIES)
    return cancelled


def _follow_up_meetings_fill_in() -> None:
    """Give follow-up meetings to pilots that have course days but none yet.

    `followup.signals` schedules them whenever a course day is saved or deleted, wherever that
    happens; this catches course days written in bulk, which send no signals (an import).
    """
    pilots = (
        Pilot.objects.exclude(phase=Pilot.Phase.CLOSED)
        .filter(
            course_days__isnull=False,
            follow_up_meetings__isnull=True,
            programme__follow_up_policy__steps__isnull=False,
        )
        .select_related("programme")
        .distinct()
    )
    for pilot in pilots:
        follow_up_meetings_sync(pilot=pilot)
