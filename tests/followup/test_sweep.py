"""The sweep and the send task together: nothing twice, nothing lost, nothing late."""

import datetime as dt
import os
import threading
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from followup.models import FollowUpMeeting, FollowUpPolicy, Reminder
from followup.reminders.claims import reminders_enqueue
from followup.reminders.registry import KINDS
from followup.reminders.sweep import reminders_sweep
from followup.services import ResendRefused, reminder_resend
from pilots.calendar import OSLO
from pilots.models import DepartmentRole
from tests.factories import CourseDayFactory, PersonFactory, PilotFactory
from tests.followup.conftest import (
    A_DAYS,
    B_DAYS,
    DEAD_BROKER,
    celery_broker,
    mails_of,
    oslo,
    schedule_course_days,
    to_of,
)

Status = Reminder.Status
Kind = Reminder.Kind
PLAN_DUE = oslo(2027, 3, 4, 8, 0)  # pilot A's plan reminder: 7 days after 25.02.2027, 08:00


def _sent_keys() -> Counter:
    return Counter((m.to[0], m.subject) for m in mail.outbox)


@pytest.mark.django_db
def test_sweeping_again_sends_nothing_new(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    schedule_course_days(cast.pilot_b, B_DAYS)
    first = sweep(oslo(2027, 3, 8, 9))
    sent = len(mail.outbox)
    assert sent == first.enqueued > 0
    for minutes in (0, 5, 60, 24 * 60):
        again = sweep(oslo(2027, 3, 8, 9) + dt.timedelta(minutes=minutes))
        assert again.queued == []
    assert len(mail.outbox) == sent
    assert max(_sent_keys().values()) == 1
    assert Reminder.objects.exclude(status=Status.SENT).count() == 0


@pytest.mark.django_db
def test_abandoned_claim_is_sent_by_a_later_sweep_and_the_old_message_does_nothing(
    cast, eager, django_capture_on_commit_callbacks
):
    schedule_course_days(cast.pilot_a, A_DAYS)
    # The sweep claims the reminder, but its message never reaches a worker (a worker died).
    with django_capture_on_commit_callbacks() as lost:
        first = reminders_sweep(now=PLAN_DUE, as_of=PLAN_DUE)
    reminder = Reminder.objects.get(kind=Kind.PLAN_NOT_SUBMITTED)
    assert reminder.status == Status.CLAIMED
    assert reminder.claim_token == first.claim.token

    # Within ten minutes the claim holds: nobody else takes the row.
    with django_capture_on_commit_callbacks(execute=True):
        soon = reminders_sweep(now=PLAN_DUE + dt.timedelta(minutes=9), as_of=PLAN_DUE)
    assert reminder.pk not in soon.claim.reminder_ids
    assert mails_of(Kind.PLAN_NOT_SUBMITTED) == []

    # After ten minutes the next sweep claims it again and sends it.
    with django_capture_on_commit_callbacks(execute=True):
        later = reminders_sweep(now=PLAN_DUE + dt.timedelta(minutes=11), as_of=PLAN_DUE)
    assert reminder.pk in later.claim.reminder_ids
    assert [m.to for m in mails_of(Kind.PLAN_NOT_SUBMITTED)] == [[cast.tore.email]]

    # The first message turns up late (the broker redelivers it): it is not ours any more.
    sent_before = len(mail.outbox)
    for send in lost:
        send()
    assert [m.to for m in mails_of(Kind.PLAN_NOT_SUBMITTED)] == [[cast.tore.email]]
    assert len(mail.outbox) == sent_before
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT


@pytest.mark.django_db
def test_redelivered_message_for_a_sent_reminder_does_nothing(
    cast, eager, django_capture_on_commit_callbacks
):
    schedule_course_days(cast.pilot_a, A_DAYS)
    with django_capture_on_commit_callbacks() as queued:
        reminders_sweep(now=PLAN_DUE, as_of=PLAN_DUE)
    for send in queued + queued:  # every message delivered twice
        send()
    assert max(_sent_keys().values()) == 1


@pytest.mark.django_db
def test_smtp_errors_retry_with_growing_waits_then_fail(cast, sweep, settings):
    schedule_course_days(cast.pilot_a, A_DAYS)
    settings.EMAIL_BACKEND = "tests.followup.mail_backends.RefusingBackend"
    assert settings.REMINDER_SEND_ATTEMPTS == 4

    sweep(PLAN_DUE)
    reminder = Reminder.objects.get(kind=Kind.PLAN_NOT_SUBMITTED)
    assert (reminder.status, reminder.attempts) == (Status.PENDING, 1)
    assert reminder.next_attempt_at == PLAN_DUE + dt.timedelta(minutes=5)
    assert "SMTPServerDisconnected" in reminder.last_error

    attempts_at = []
    for minutes in range(0, 61):
        at = PLAN_DUE + dt.timedelta(minutes=minutes)
        before = Reminder.objects.get(pk=reminder.pk).attempts
        sweep(at)
        if Reminder.objects.get(pk=reminder.pk).attempts > before:
            attempts_at.append(minutes)
    # Waits of 5, 10 and 20 minutes, all together well below the broker's visibility timeout.
    assert attempts_at == [5, 15, 35]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.FAILED, 4)
    assert mail.outbox == []


def _explode(*args):
    raise RuntimeError("the template is broken")


@pytest.mark.django_db
def test_unexpected_error_while_writing_retries_then_fails_and_the_outbox_shows_it(
    cast, sweep, client, monkeypatch
):
    schedule_course_days(cast.pilot_a, A_DAYS)
    monkeypatch.setattr(KINDS[Kind.PLAN_NOT_SUBMITTED], "write", _explode)

    sweep(PLAN_DUE)
    reminder = Reminder.objects.get(kind=Kind.PLAN_NOT_SUBMITTED)
    # Recorded although the transaction that wrote the e-mail was rolled back, and not left
    # "sending": it waits for a retry like an SMTP error.
    assert (reminder.status, reminder.attempts, reminder.claim_token) == (Status.PENDING, 1, None)
    assert reminder.next_attempt_at == PLAN_DUE + dt.timedelta(minutes=5)
    assert reminder.last_error == "RuntimeError: the template is broken"

    attempts_at = []
    for minutes in range(0, 61):
        before = Reminder.objects.get(pk=reminder.pk).attempts
        sweep(PLAN_DUE + dt.timedelta(minutes=minutes))
        if Reminder.objects.get(pk=reminder.pk).attempts > before:
            attempts_at.append(minutes)
    assert attempts_at == [5, 15, 35]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.FAILED, 4)
    assert reminder.last_error == "RuntimeError: the template is broken"
    assert mails_of(Kind.PLAN_NOT_SUBMITTED) == []
    # The same sweeps sent the reminders that could be written.
    assert sorted(to_of(Kind.FOLLOW_UP_DUE)) == sorted([cast.tore.email, cast.monica.email])

    client.force_login(cast.users.coordinator)
    outbox = client.get(reverse("followup:outbox"), {"status": Status.FAILED})
    assert [r.pk for r in outbox.context["page"].object_list] == [reminder.pk]
    detail_url = reverse("followup:reminder_detail", kwargs={"pk": reminder.pk})
    assert detail_url in outbox.content.decode()
    detail = client.get(detail_url).content.decode()
    assert "RuntimeError: the template is broken" in detail
    assert reverse("followup:reminder_resend", kwargs={"pk": reminder.pk}) in detail


@pytest.mark.django_db
def test_unexpected_error_for_a_claim_that_is_no_longer_ours_changes_nothing(cast, monkeypatch):
    from followup.reminders.delivery import Outcome, reminder_deliver

    schedule_course_days(cast.pilot_a, A_DAYS)
    monkeypatch.setattr(KINDS[Kind.PLAN_NOT_SUBMITTED], "write", _explode)
    reminder = Reminder.objects.create(
        kind=Kind.PLAN_NOT_SUBMITTED,
        recipient=cast.tore,
        pilot=cast.pilot_a,
        subject_key=f"plan:{cast.pilot_a.pk}",
        period="2027-02-25",
        due_at=PLAN_DUE,
        expires_at=PLAN_DUE + dt.timedelta(days=7),
        status=Status.CLAIMED,
        claim_token="00000000-0000-0000-0000-000000000001",
        claimed_at=PLAN_DUE,
    )
    outcome = reminder_deliver(
        reminder_id=reminder.pk, claim_token="00000000-0000-0000-0000-000000000002", now=PLAN_DUE
    )
    assert outcome == Outcome.NOT_OURS
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (Status.CLAIMED, 0, "")


def _rule_raises(ctx):
    raise RuntimeError("the rule is broken")


def _rule_query_fails(ctx):
    # A query the database refuses: on PostgreSQL it aborts the transaction it runs in.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    return iter(())


@pytest.mark.django_db
@pytest.mark.parametrize("broken", [_rule_raises, _rule_query_fails])
def test_one_failing_kind_is_logged_and_the_other_kinds_are_still_stored_and_sent(
    cast, sweep, monkeypatch, caplog, broken
):
    schedule_course_days(cast.pilot_a, A_DAYS)
    meeting = FollowUpMeeting.objects.get(pilot=cast.pilot_a, due_on=dt.date(2027, 3, 11))
    # Stored by an earlier sweep, before the rule broke, and waiting to be tried again.
    waiting = Reminder.objects.create(
        kind=Kind.FOLLOW_UP_DUE,
        recipient=cast.tore,
        pilot=cast.pilot_a,
        subject_key=f"followup:{meeting.pk}",
        period=meeting.due_on.isoformat(),
        due_at=PLAN_DUE,
        expires_at=oslo(2027, 3, 11, 0),
        attempts=1,
        next_attempt_at=PLAN_DUE + dt.timedelta(hours=1),
    )
    monkeypatch.setattr(KINDS[Kind.FOLLOW_UP_DUE], "due", broken)
    # A digest goes out on its day only: make PLAN_DUE's Thursday the digest day, so a kind
    # after the broken one is due in the same sweep.
    FollowUpPolicy.objects.filter(programme=cast.programme).update(digest_weekday=4)

    result = sweep(PLAN_DUE)

    assert result.failed_kinds == [Kind.FOLLOW_UP_DUE]
    [logged] = [r for r in caplog.records if r.exc_info and "follow_up_due" in r.getMessage()]
    assert logged.levelname == "ERROR"
    # The kinds before and after the broken one (in the registry's order) still ran.
    assert to_of(Kind.PLAN_NOT_SUBMITTED) == [cast.tore.email]
    assert to_of(Kind.COORDINATOR_DIGEST) == [cast.jorunn.email]
    assert not Reminder.objects.filter(kind=Kind.FOLLOW_UP_DUE, recipient=cast.monica).exists()
    # Nothing was learned about the broken kind's rows, so none is cancelled as no longer due.
    waiting.refresh_from_db()
    assert (waiting.status, waiting.cancel_reason, waiting.attempts) == (Status.PENDING, "", 1)


@pytest.mark.django_db
def test_command_names_the_kinds_that_failed(cast, monkeypatch):
    schedule_course_days(cast.pilot_a, A_DAYS)
    monkeypatch.setattr(KINDS[Kind.FOLLOW_UP_DUE], "due", _rule_raises)
    out = StringIO()
    call_command("send_due_reminders", "--now", "2027-03-04T08:00", "--dry-run", stdout=out)
    assert "plan_not_submitted → Tore Meltzer" in out.getvalue()
    assert "kinds failed and were left out (see the log): follow_up_due" in out.getvalue()


@pytest.mark.django_db
def test_resent_failed_reminder_goes_out_once(cast, eager, django_capture_on_commit_callbacks):
    schedule_course_days(cast.pilot_a, A_DAYS)
    reminder = Reminder.objects.create(
        kind=Kind.PLAN_NOT_SUBMITTED,
        recipient=cast.tore,
        pilot=cast.pilot_a,
        subject_key=f"plan:{cast.pilot_a.pk}",
        period="2027-02-25",
        due_at=PLAN_DUE,
        expires_at=PLAN_DUE + dt.timedelta(days=7),
        status=Status.FAILED,
        attempts=4,
        last_error="SMTPServerDisconnected",
    )
    with django_capture_on_commit_callbacks(execute=True):
        reminder_resend(
            user=cast.users.coordinator, reminder=reminder, now=PLAN_DUE + dt.timedelta(hours=2)
        )
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (Status.SENT, 1, "")
    assert [m.to for m in mail.outbox] == [[cast.tore.email]]
    with pytest.raises(ResendRefused):
        reminder_resend(
            user=cast.users.coordinator, reminder=reminder, now=PLAN_DUE + dt.timedelta(hours=3)
        )
    for who in (cast.users.tore, cast.users.outsider):
        with pytest.raises(PermissionDenied):
            reminder_resend(user=who, reminder=reminder, now=PLAN_DUE + dt.timedelta(hours=3))


@pytest.mark.django_db
def test_broker_down_leaves_reminders_pending_and_the_next_sweep_sends_them(
    cast, eager, django_capture_on_commit_callbacks
):
    schedule_course_days(cast.pilot_a, A_DAYS)
    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        down = reminders_sweep(now=PLAN_DUE, as_of=PLAN_DUE)
    assert down.claim.reminder_ids and down.left_pending == len(down.claim.reminder_ids)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        back = reminders_sweep(now=PLAN_DUE + dt.timedelta(hours=3), as_of=PLAN_DUE)
    assert back.enqueued == len(down.claim.reminder_ids)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}
    assert max(_sent_keys().values()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_nothing_twice(eager):
    if connection.vendor == "sqlite" and os.environ.get("CI") != "true":
        pytest.skip("SQLite has no row locks; this runs on PostgreSQL (always in CI).")
    pilots = []
    for _ in range(25):
        pilot = PilotFactory()
        leader = PersonFactory(municipality=pilot.programme.municipality)
        DepartmentRole.objects.create(
            department=pilot.department, person=leader, role=DepartmentRole.Role.DEPARTMENT_LEADER
        )
        for number, day in enumerate(A_DAYS, start=1):
            CourseDayFactory(pilot=pilot, number=number, date=day)
        pilots.append(pilot)

    barrier = threading.Barrier(3)
    errors = []

    def run_sweep():
        try:
            barrier.wait()
            reminders_sweep(now=PLAN_DUE, as_of=PLAN_DUE)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    sent = Reminder.objects.filter(status=Status.SENT)
    assert sent.filter(kind=Kind.PLAN_NOT_SUBMITTED).count() == 25
    assert len(mail.outbox) == sent.count()
    assert max(_sent_keys().values()) == 1


# --- Summer time --------------------------------------------------------------------------------


def _every_five_minutes(start: dt.datetime, end: dt.datetime):
    moment = start.astimezone(dt.UTC)
    while moment <= end:
        yield moment
        moment += dt.timedelta(minutes=5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sunday", "hour", "due_utc"),
    [
        # Last Sunday of March: 02:00 does not exist that night. Nothing goes out on a Sunday;
        # the Monday after is Easter Monday, so Tuesday 30.03, in summer time (UTC+2).
        (dt.date(2027, 3, 28), 2, dt.datetime(2027, 3, 30, 0, 0, tzinfo=dt.UTC)),
        (dt.date(2027, 3, 28), 8, dt.datetime(2027, 3, 30, 6, 0, tzinfo=dt.UTC)),
        # Last Sunday of October: 02:00 happens twice. Monday 01.11, in winter time (UTC+1).
        (dt.date(2027, 10, 31), 2, dt.datetime(2027, 11, 1, 1, 0, tzinfo=dt.UTC)),
        (dt.date(2027, 10, 31), 8, dt.datetime(2027, 11, 1, 7, 0, tzinfo=dt.UTC)),
    ],
)
def test_reminders_due_on_the_summer_time_sunday_wait_for_the_next_working_day(
    cast, sweep, sunday, hour, due_utc
):
    """Sweeps every five minutes through the night of the clock change send nothing (it is a
    Sunday); on the next working day each reminder goes out once, at the send hour."""
    last_course_day = sunday - dt.timedelta(days=9)
    days = [last_course_day - dt.timedelta(days=n) for n in (7, 6, 1, 0)]
    schedule_course_days(cast.pilot_a, days)
    policy = FollowUpPolicy.objects.get(programme=cast.programme)
    policy.plan_submit_days = 9  # due on the Sunday
    policy.send_hour = hour
    policy.digest_weekday = 1  # Monday (Easter Monday in March: the Tuesday)
    policy.save()

    for moment in _every_five_minutes(oslo(*_ymd(sunday), 0), oslo(*_ymd(sunday), 9)):
        sweep(moment)
    assert Reminder.objects.filter(status=Status.SENT).count() == 0

    working_day = due_utc.astimezone(OSLO).date()
    start = oslo(*_ymd(working_day), 0, 5)
    for moment in _every_five_minutes(start, oslo(*_ymd(working_day), hour + 1)):
        sweep(moment)

    plan = Reminder.objects.get(kind=Kind.PLAN_NOT_SUBMITTED)
    assert plan.due_at == due_utc
    assert plan.sent_at == due_utc
    # The digest of the Sunday's week was due on its Monday and was never let out on the
    # Sunday; it is too late once that week is over. The next week's goes out on time.
    digest = Reminder.objects.get(
        kind=Kind.COORDINATOR_DIGEST, recipient=cast.jorunn, status=Status.SENT
    )
    assert digest.due_at == due_utc
    assert digest.sent_at == due_utc
    assert Reminder.objects.filter(recipient=cast.tore, kind=Kind.PLAN_NOT_SUBMITTED).count() == 1
    assert max(_sent_keys().values()) == 1
    assert len(mail.outbox) == Reminder.objects.filter(status=Status.SENT).count()


def _ymd(day: dt.date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


# --- The management command ---------------------------------------------------------------------


@pytest.mark.django_db
def test_command_dry_run_prints_what_it_would_queue_and_changes_nothing(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)
    policies = FollowUpPolicy.objects.count()
    out = StringIO()
    call_command("send_due_reminders", "--now", "2027-03-04T08:00", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Would queue" in text
    assert "plan_not_submitted → Tore Meltzer <tore.meltzer@harstad.kommune.no>" in text
    assert "Dry run: nothing was changed." in text
    assert Reminder.objects.count() == 0
    assert FollowUpPolicy.objects.count() == policies


@pytest.mark.django_db
def test_command_runs_one_sweep_at_the_given_time(cast, eager, django_capture_on_commit_callbacks):
    schedule_course_days(cast.pilot_a, A_DAYS)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_due_reminders", "--now", "2027-03-04T07:59", stdout=out)
    assert "plan_not_submitted" not in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_due_reminders", "--now", "2027-03-04T08:00+01:00", stdout=out)
    assert "Queued" in out.getvalue()
    assert Reminder.objects.get(kind=Kind.PLAN_NOT_SUBMITTED).status == Status.SENT
    assert [m.to for m in mails_of(Kind.PLAN_NOT_SUBMITTED)] == [[cast.tore.email]]


def test_command_refuses_a_bad_time():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_due_reminders", "--now", "next tuesday")


@pytest.mark.django_db
def test_lost_enqueue_is_harmless(cast, eager, django_capture_on_commit_callbacks):
    """Queuing the same claim twice (a retry after a broker hiccup) sends once."""
    schedule_course_days(cast.pilot_a, A_DAYS)
    with django_capture_on_commit_callbacks() as queued:
        result = reminders_sweep(now=PLAN_DUE, as_of=PLAN_DUE)
    for send in queued:
        send()
    reminders_enqueue(result.claim)
    assert max(_sent_keys().values()) == 1
