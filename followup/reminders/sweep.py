"""The periodic sweep: work out what is due, store it, drop what no longer holds, claim, queue.

Celery beat runs it every REMINDER_SWEEP_SECONDS through `followup.tasks.sweep_reminders`, and
`manage.py send_due_reminders` runs the very same function once. Running it again, or twice at
the same time, sends nothing twice: a reminder's unique key (kind, recipient, subject, period)
lets it exist once, and a row is sent only by the holder of its current claim.

It keeps its memory flat however many reminders are due: what is due is worked out for a chunk
of municipalities at a time and handed to a temporary table (`due_table`), from which one
statement stores the new rows and one cancels what no longer holds; claims are taken and queued
a chunk of ids at a time (`claims`). Only ids and counts come back to Python.

One kind that fails (a bug, a query the database refuses) is logged and skipped: the other kinds
are still stored and claimed, and the failing kind's stored rows are left as they are rather than
cancelled as no longer holding, since nothing was learned about them.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q

from followup.cadence import follow_up_meetings_sync
from followup.models import FollowUpPolicy, Reminder
from followup.moments import WorkingCalendar, is_working_moment, working_calendar_load
from followup.phases import phases_follow_events
from followup.policies import follow_up_policies_load
from followup.reminders.claims import Claim, claim_timeout, reminders_claim
from followup.reminders.context import Context, Due
from followup.reminders.due_table import DueTable
from followup.reminders.kinds.base import ReminderKind
from followup.reminders.registry import KINDS
from pilots.calendar import is_working_day, local_date
from pilots.models import Municipality, Pilot

logger = logging.getLogger(__name__)

Status = Reminder.Status
# Pilots whose reminders are worked out together. One chunk's rows are what the sweep holds in
# memory (some 30 MiB per 10,000 pilots in a burst); each chunk repeats the kinds' few queries,
# some of which scan a whole table, so smaller chunks cost time: measured on 20,000 pilots,
# chunks of 2,000 took 2.4 times as long as one chunk, chunks of 10,000 no longer.
CHUNK_PILOTS = 10_000
REPORT_CHUNK = 2000
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

    @property
    def queued(self) -> list[int]:
        """The ids of the reminders claimed (and queued) by this sweep, in claim order."""
        return self.claim.reminder_ids if self.claim else []

    @property
    def enqueued(self) -> int:
        return self.claim.enqueued if self.claim else 0

    @property
    def left_pending(self) -> int:
        return len(self.claim.released) if self.claim else 0


def reminders_sweep(
    *,
    now: dt.datetime,
    dry_run: bool = False,
    as_of: dt.datetime | None = None,
    report: Callable[[list[int]], None] | None = None,
) -> SweepResult:
    """One sweep at `now`. With `dry_run` everything is worked out and then rolled back.

    Pass `as_of=now` when `now` is not the real time, so the send tasks use it too. `report`
    is called with the claimed ids a chunk at a time, while the rows still exist (before a dry
    run's rollback), to say what was queued without holding every row at once.
    """
    result = SweepResult(now=now, dry_run=dry_run)
    if not dry_run:
        _sweep(result, as_of=as_of, durable=True)
        _report(result, report)
        return result
    with transaction.atomic():
        _sweep(result, as_of=as_of, durable=False)
        _report(result, report)
        transaction.set_rollback(True)
    return result


def _report(result: SweepResult, report: Callable[[list[int]], None] | None) -> None:
    if report is None:
        return
    ids = result.queued
    for start in range(0, len(ids), REPORT_CHUNK):
        report(ids[start : start + REPORT_CHUNK])


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

    # One transaction: the temporary table is this session's (see `due_table`).
    with transaction.atomic(durable=durable), DueTable() as table:
        for ctx, kinds in _contexts(now=now, policies=policies, calendar=calendar):
            table.add(_due(ctx, kinds, result))
        result.due = table.count()
        table.store()
        result.cancelled = _cancel_too_late(now=now) + table.cancel_stale(
            now=now, skip_kinds=result.failed_kinds
        )
    result.claim = reminders_claim(
        now=now,
        only=_sendable_now(now=now, policies=policies, calendar=calendar),
        as_of=as_of,
        durable=durable,
    )


def _contexts(
    *, now: dt.datetime, policies: dict[int, FollowUpPolicy], calendar: WorkingCalendar
) -> Iterator[tuple[Context, list[ReminderKind]]]:
    """The kinds that follow a programme's policy, a chunk of municipalities at a time (whole
    municipalities, so a person's programmes are mostly in one chunk); then, once, the kinds
    that answer someone's action, which read their own few rows."""
    by_programme = [kind for kind in KINDS.values() if kind.follows_programme_policy]
    pilots_of = dict(
        Pilot.objects.filter(programme_id__in=list(policies))
        .exclude(phase=Pilot.Phase.CLOSED)
        .values("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
        .order_by()
    )
    programmes_of: dict[int | None, list[int]] = defaultdict(list)
    for programme_id in sorted(policies):
        programmes_of[calendar.municipality_of.get(programme_id)].append(programme_id)
    chunk: list[int] = []
    size = 0
    for municipality_id in sorted(programmes_of, key=lambda m: (m is None, m)):
        programme_ids = programmes_of[municipality_id]
        chunk.extend(programme_ids)
        size += sum(pilots_of.get(pid, 0) for pid in programme_ids)
        if size >= CHUNK_PILOTS:
            yield _context(now, policies, calendar, chunk), by_programme
            chunk, size = [], 0
    if chunk:
        yield _context(now, policies, calendar, chunk), by_programme
    others = [kind for kind in KINDS.values() if not kind.follows_programme_policy]
    yield Context(now=now, policies=policies, calendar=calendar), others


def _context(now, policies, calendar, programme_ids: list[int]) -> Context:
    return Context(
        now=now, policies={pid: policies[pid] for pid in programme_ids}, calendar=calendar
    )


def _due(ctx: Context, kinds: list[ReminderKind], result: SweepResult) -> list[Due]:
    """Every reminder of `kinds` due at ctx.now and not too late, once per unique key (a person
    who is both leader and guide is reminded once). A kind that raises is left out and named in
    `result.failed_kinds`."""
    found: dict[tuple, Due] = {}
    for kind in kinds:
        if kind.follows_programme_policy and not ctx.policies:
            continue
        try:
            # A savepoint, so that a query the database refused does not abort the transaction
            # the other kinds (and a dry run) go on in.
            with transaction.atomic():
                items = list(kind.due(ctx))
        except Exception:
            logger.exception("Reminder kind %s failed; the other kinds go on.", kind.kind)
            if kind.kind not in result.failed_kinds:
                result.failed_kinds.append(kind.kind)
            continue
        for item in items:
            if item.expires_at > ctx.now:
                found.setdefault(item.key, item)
    return list(found.values())


def _sendable_now(
    *, now: dt.datetime, policies: dict[int, FollowUpPolicy], calendar: WorkingCalendar
) -> Q:
    """The stored reminders that may go out at `now`: those of the kinds exempt from working
    days, and the others only on a working day of their municipality from the send hour of their
    programme. A reminder without a pilot (a digest), or whose pilot's programme is no longer
    swept, goes by the earliest send hour of its municipality's programmes. What is held back
    stays pending for a later sweep.

    Decided per programme and per municipality (a few hundred checks at most), not per row, so
    the condition is a few lists of ids whatever the number of reminders.
    """
    exempt = [kind.kind for kind in KINDS.values() if not kind.on_working_days]
    sendable = Q(kind__in=exempt)
    if not is_working_day(local_date(now)):
        return sendable  # a weekend or public holiday everywhere: no query needed
    send_hour_of_municipality: dict[int, int] = {}
    open_programmes = []
    for programme_id, policy in policies.items():
        municipality_id = calendar.municipality_of.get(programme_id)
        earliest = send_hour_of_municipality.get(municipality_id, policy.send_hour)
        send_hour_of_municipality[municipality_id] = min(earliest, policy.send_hour)
        if is_working_moment(now, policy.send_hour, calendar.for_programme(programme_id)):
            open_programmes.append(programme_id)
    open_municipalities = [
        municipality_id
        for municipality_id in Municipality.objects.order_by().values_list("pk", flat=True)
        if is_working_moment(
            now,
            send_hour_of_municipality.get(municipality_id, DEFAULT_SEND_HOUR),
            calendar.for_municipality(municipality_id),
        )
    ]
    of_a_swept_programme = Q(pilot__in=Pilot.objects.filter(programme_id__in=list(policies)))
    return (
        sendable
        | Q(pilot__in=Pilot.objects.filter(programme_id__in=open_programmes))
        | (~of_a_swept_programme & Q(municipality_id__in=open_municipalities))
    )


def _cancel_too_late(*, now: dt.datetime) -> int:
    """Pending rows, and abandoned claims, too late to send."""
    too_late = Q(expires_at__lte=now) & (
        Q(status=Status.PENDING) | Q(status=Status.CLAIMED, claimed_at__lt=now - claim_timeout())
    )
    return Reminder.objects.filter(too_late).update(
        status=Status.CANCELLED, cancel_reason=Reminder.CancelReason.TOO_LATE, claim_token=None
    )


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
