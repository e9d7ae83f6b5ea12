"""The retention policy: per programme, set-based, audited, and a dry run that changes nothing."""

import datetime as dt
import sys
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from leanprogram.privacy.retention import _before
from leanprogram.privacy.tasks import apply_retention
from pilots.models import AuditEvent, DepartmentRole, Invitation, Person
from tests.factories import PersonFactory
from tests.privacy.scan import text_hits

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = dt.timedelta(days=1)


def _reminder(recipient, *, days_ago: int, key: str, pilot=None, body="Hei"):
    return Reminder.objects.create(
        kind=Reminder.Kind.PLAN_QUIET,
        recipient=recipient,
        pilot=pilot,
        subject_key=key,
        due_at=NOW - days_ago * DAY,
        sent_at=NOW - days_ago * DAY,
        status=Reminder.Status.SENT,
        email_subject="Emne",
        email_body=body,
    )


def _leaver(cast, name: str, *, left_days_ago: int) -> Person:
    person = PersonFactory(municipality=cast.municipality, full_name=name)
    DepartmentRole.objects.create(
        department=cast.dept_a,
        person=person,
        role="staff",
        ends_on=timezone.localdate() - left_days_ago * DAY,
    )
    return person


def test_sent_mail_texts_go_after_the_programmes_months(cast):
    cast.programme.retention_reminder_body_months = 3
    cast.programme.save()
    old = _reminder(cast.tore, days_ago=100, key="a", pilot=cast.pilot_a)
    recent = _reminder(cast.tore, days_ago=80, key="b", pilot=cast.pilot_a)
    # Without a pilot: the longest period of the recipient's municipality's programmes.
    old_digest = _reminder(cast.jorunn, days_ago=100, key="c")
    pending = _reminder(cast.tore, days_ago=200, key="d", pilot=cast.pilot_a)
    Reminder.objects.filter(pk=pending.pk).update(status=Reminder.Status.PENDING, sent_at=None)

    result = apply_retention()

    assert result["reminder_bodies"] == 2
    old.refresh_from_db()
    assert (old.email_subject, old.email_body, old.status, old.kind) == (
        "",
        "",
        "sent",
        Reminder.Kind.PLAN_QUIET,
    )
    assert old.sent_at is not None
    old_digest.refresh_from_db()
    assert old_digest.email_body == ""
    recent.refresh_from_db()
    pending.refresh_from_db()
    assert recent.email_body == "Hei" and pending.email_body == "Hei"


def test_expired_and_withdrawn_invitations_go_after_the_days(cast):
    gone = Invitation.objects.create(
        person=cast.siri, created_at=NOW - 80 * DAY, expires_at=NOW - 40 * DAY
    )
    fresh = Invitation.objects.create(
        person=cast.ola, created_at=NOW - 30 * DAY, expires_at=NOW - 10 * DAY
    )
    apply_retention()
    assert not Invitation.objects.filter(pk=gone.pk).exists()
    assert Invitation.objects.filter(pk=fresh.pk).exists()


def test_people_who_left_long_ago_are_anonymised_with_their_counts(cast):
    cast.programme.retention_leaver_months = 12
    cast.programme.save()
    old = _leaver(cast, "Gammel Sluttet", left_days_ago=400)
    _reminder(cast.jorunn, days_ago=1, key="x", body="Gammel Sluttet sluttet for lenge siden.")
    recent = _leaver(cast, "Nylig Sluttet", left_days_ago=200)
    counts_before = DepartmentRole.objects.count()

    result = apply_retention()

    assert result["people_anonymised"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.anonymised_at is not None and recent.anonymised_at is None
    assert text_hits("Gammel Sluttet") == []
    assert recent.full_name == "Nylig Sluttet"
    assert DepartmentRole.objects.count() == counts_before
    # Tore still works here: untouched.
    cast.tore.refresh_from_db()
    assert cast.tore.full_name == "Tore Meltzer"


def test_login_logs_and_expired_sessions_go(cast, client):
    # Logging in first: a successful login clears that user's failed attempts by itself.
    client.force_login(cast.users.tore)
    Session.objects.update(expire_date=NOW - DAY)
    client.force_login(cast.users.kari)
    _log(AccessLog, NOW - 100 * DAY, username="tore", ip_address="10.0.0.1")
    _log(AccessLog, NOW - 10 * DAY, username="tore", ip_address="10.0.0.2")
    _log(
        AccessAttempt,
        NOW - 100 * DAY,
        username="tore",
        failures_since_start=1,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
    )

    result = apply_retention()

    assert settings.AXES_LOG_RETENTION_DAYS == 90
    assert result["axes_logs"] == 2
    left = set(AccessLog.objects.filter(username="tore").values_list("ip_address", flat=True))
    assert "10.0.0.2" in left and "10.0.0.1" not in left
    assert not AccessAttempt.objects.exists()
    assert Session.objects.count() == 1


def test_a_dry_run_counts_and_changes_nothing(cast):
    _reminder(cast.tore, days_ago=400, key="a", pilot=cast.pilot_a)
    _leaver(cast, "Gammel Sluttet", left_days_ago=2000)
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Would purge reminder_bodies: 1" in out.getvalue()
    assert "Would purge people_anonymised: 1" in out.getvalue()
    assert Reminder.objects.get().email_body == "Hei"
    assert text_hits("Gammel Sluttet")
    assert not AuditEvent.objects.exists()

    call_command("apply_retention", stdout=out)
    assert Reminder.objects.get().email_body == ""
    event = AuditEvent.objects.get(action=AuditEvent.Action.PURGED)
    assert event.actor is None
    assert "reminder_bodies=1" in event.detail and "people_anonymised=1" in event.detail


def _log(model, when, **fields):
    # attempt_time is set on creation (auto_now_add): backdate it afterwards.
    row = model.objects.create(**fields)
    model.objects.filter(pk=row.pk).update(attempt_time=when)
    return row


def _run_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        apply_retention()
    return len(queries)


def _make_due(cast, n: int, start: int):
    for i in range(start, start + n):
        _reminder(cast.tore, days_ago=400, key=f"k{i}", pilot=cast.pilot_a)
        person = _leaver(cast, f"Sluttet Nummer{i}", left_days_ago=2000)
        # With a login and a session still open, so that ending them is counted too.
        person.user = get_user_model().objects.create_user(username=f"sluttet{i}")
        person.save(update_fields=["user"])
        session = SessionStore()
        session["_auth_user_id"] = str(person.user.pk)
        session.create()
        _log(AccessLog, NOW - 200 * DAY, username=f"u{i}")


def test_retention_queries_do_not_grow_with_the_data(cast):
    _make_due(cast, 2, 0)
    few = _run_queries()
    _make_due(cast, 25, 100)
    many = _run_queries()
    assert many == few
    assert not AccessLog.objects.filter(username__startswith="u").exists()
    assert not Person.objects.filter(full_name__startswith="Sluttet").exists()
    assert not get_user_model().objects.filter(username__startswith="sluttet").exists()
    assert Session.objects.count() == 0


def test_the_task_runs_daily_and_a_worker_finds_it():
    from leanprogram.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == apply_retention.name
    assert entry["schedule"] == 24 * 3600
    # What a worker does at start: import every installed app's tasks module. This test module
    # imports the task itself, so ask for the module autodiscovery must have found.
    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    assert sys.modules["leanprogram.tasks"].apply_retention is apply_retention


def test_a_coordinator_sets_the_periods(client, cast):
    url = reverse("pilots:programme_retention", kwargs={"pk": cast.programme.pk})
    client.force_login(cast.users.coordinator)
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "retention_reminder_body_months": "0",
            "retention_leaver_months": "36",
            "retention_invitation_days": "14",
        },
    )
    assert response.status_code == 400
    assert 'value="36"' in response.content.decode()
    response = client.post(
        url,
        {
            "retention_reminder_body_months": "12",
            "retention_leaver_months": "36",
            "retention_invitation_days": "14",
        },
    )
    assert response.status_code == 302
    cast.programme.refresh_from_db()
    assert (
        cast.programme.retention_reminder_body_months,
        cast.programme.retention_leaver_months,
        cast.programme.retention_invitation_days,
    ) == (12, 36, 14)
    settings_page = client.get(
        reverse("pilots:programme_settings", kwargs={"pk": cast.programme.pk})
    )
    assert url in settings_page.content.decode()


def test_a_leader_and_another_municipality_cannot_set_the_periods(client, cast):
    url = reverse("pilots:programme_retention", kwargs={"pk": cast.programme.pk})
    client.force_login(cast.users.tore)
    assert client.get(url).status_code == 403
    client.force_login(cast.users.outsider)
    assert client.get(url).status_code == 404


def test_a_long_backlog_of_leavers_takes_several_runs(cast, monkeypatch):
    from leanprogram.privacy import retention

    monkeypatch.setattr(retention, "LEAVERS_PER_RUN", 2)
    for i in range(3):
        _leaver(cast, f"Sluttet Nummer{i}", left_days_ago=2000 + i)
    # The longest gone first.
    assert apply_retention()["people_anonymised"] == 2
    assert Person.objects.filter(full_name="Sluttet Nummer0").exists()
    assert apply_retention()["people_anonymised"] == 1
    assert apply_retention()["people_anonymised"] == 0


def test_the_database_refuses_a_period_of_zero(cast):
    from django.db import IntegrityError, transaction

    for name in ("retention_reminder_body_months", "retention_leaver_months"):
        with pytest.raises(IntegrityError), transaction.atomic():
            type(cast.programme).objects.filter(pk=cast.programme.pk).update(**{name: 0})


def _is_before(value, moment, **interval) -> bool:
    """`value < moment - interval`, compared by the database as the retention steps do."""
    ops = connection.ops
    adapt = (
        ops.adapt_datetimefield_value
        if isinstance(value, dt.datetime)
        else ops.adapt_datefield_value
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN %s < {_before('%s', **interval)} THEN 1 ELSE 0 END",
            [adapt(value), adapt(moment)],
        )
        return cursor.fetchone()[0] == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # 31 March less a month is 28 February on both databases (SQLite's own date()
        # arithmetic would say 3 March).
        (dt.date(2027, 2, 27), True),
        (dt.date(2027, 2, 28), False),
        (dt.date(2027, 3, 2), False),
    ],
)
def test_months_are_taken_off_like_postgresql_does_on_every_database(value, expected):
    assert _is_before(value, dt.date(2027, 3, 31), months="1") is expected


def test_timestamps_are_compared_to_the_microsecond_on_every_database():
    moment = dt.datetime(2028, 3, 31, 12, 0, 0, 500_000, tzinfo=dt.UTC)
    just_before = dt.datetime(2028, 2, 29, 12, 0, 0, 499_999, tzinfo=dt.UTC)
    assert _is_before(just_before, moment, months="1")
    assert not _is_before(just_before + dt.timedelta(microseconds=1), moment, months="1")
    assert _is_before(moment - dt.timedelta(days=3, seconds=1), moment, days="3")
    assert not _is_before(moment - dt.timedelta(days=3), moment, days="3")
