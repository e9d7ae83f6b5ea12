"""On a few thousand generated rows, the lists that grow with the data read the big tables
through indexes (issue 14): no query of theirs reads attendance, people, reminders, measures,
measurements, follow-up meetings, suggestions or audit events in full."""

import os

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from followup.models import Reminder
from pilots.admin_base import EstimatedCountPaginator
from tests.perf.explain import full_reads, page_full_reads
from training.models import Attendance

pytestmark = [
    pytest.mark.django_db,
    # Query plans are PostgreSQL's; on a laptop without it (SQLite) there is nothing to read.
    # Never skipped in CI, which always runs PostgreSQL.
    pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("CI") != "true",
        reason="EXPLAIN plans are PostgreSQL's; this runs on PostgreSQL (always in CI).",
    ),
]


def test_attendance_summary_reads_through_indexes(cast, big, client):
    client.force_login(cast.users.coordinator)
    reads = page_full_reads(client, reverse("training:attendance_summary", args=[big.pilot.pk]))
    assert not reads, "\n\n".join(reads)


def test_the_or_query_the_attendance_lists_had_reads_all_attendance(big):
    # The check itself can fail: the query issue 14 measured is caught.
    old = Attendance.objects.filter(
        Q(course_day__pilot=big.pilot) | Q(information_meeting__pilot=big.pilot)
    ).order_by()
    assert full_reads([str(old.query)])


@pytest.mark.parametrize("view", ["course_day_attendance", "meeting_attendance"])
def test_attendance_forms_read_through_indexes(cast, big, client, view):
    client.force_login(cast.users.coordinator)
    target = (
        big.pilot.course_days.first()
        if view == "course_day_attendance"
        else big.pilot.information_meetings.first()
    )
    reads = page_full_reads(client, reverse(f"training:{view}", args=[target.pk]))
    assert not reads, "\n\n".join(reads)


def test_attendance_export_reads_through_indexes(cast, big, client):
    client.force_login(cast.users.coordinator)
    reads = page_full_reads(client, reverse("training:attendance_export", args=[big.pilot.pk]))
    assert not reads, "\n\n".join(reads)


BIG_ADMIN_LISTS = [
    "pilots_person",
    "followup_reminder",
    "training_attendance",
    "plans_measure",
    "plans_measurement",
    "followup_followupmeeting",
    "pilots_auditevent",
    "plans_suggestion",
]


@pytest.mark.parametrize("changelist", BIG_ADMIN_LISTS)
@pytest.mark.parametrize("who", ["municipal_admin", "superuser"])
def test_admin_changelists_read_through_indexes(cast, big, client, monkeypatch, changelist, who):
    # A few thousand rows stand for millions: a superuser's unfiltered list is counted from the
    # statistics, as it would be at national scale.
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 100)
    client.force_login(big.admin if who == "municipal_admin" else cast.users.superuser)
    reads = page_full_reads(client, reverse(f"admin:{changelist}_changelist"))
    assert not reads, "\n\n".join(reads)


def _result_count(response):
    return response.context["cl"].result_count


def test_an_unfiltered_superuser_list_is_estimated_and_anything_else_counted(
    cast, big, client, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 100)
    url = reverse("admin:followup_reminder_changelist")
    exact = Reminder.objects.count()
    # A statistic that is off, so that the estimate shows.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE relname = %s",
            [exact + 1000, Reminder._meta.db_table],
        )
    client.force_login(cast.users.superuser)
    assert _result_count(client.get(url)) == exact + 1000
    failed = client.get(url, {"status__exact": "sent"})
    assert _result_count(failed) == Reminder.objects.filter(status="sent").count()
    client.force_login(big.admin)
    own = Reminder.objects.filter(recipient__municipality=cast.municipality).count()
    assert own > 0
    assert _result_count(client.get(url)) == own


def test_a_table_below_the_threshold_is_counted(cast, big, client):
    client.force_login(cast.users.superuser)
    response = client.get(reverse("admin:followup_reminder_changelist"))
    assert _result_count(response) == Reminder.objects.count()
