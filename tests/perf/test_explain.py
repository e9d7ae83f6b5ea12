"""On a few thousand generated rows, the lists that grow with the data read the big tables
through indexes (issue 14): no query of theirs reads attendance, people, reminders, measures,
measurements, follow-up meetings, suggestions or audit events in full."""

import pytest
from django.db.models import Q
from django.urls import reverse

from tests.perf.explain import full_reads, page_full_reads
from training.models import Attendance

pytestmark = pytest.mark.django_db


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
