"""Tore Meltzer's traces all over the database: what innsyn lists and erasure must reach."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from followup.models import FollowUpMeeting, Reminder
from pilots.models import Invitation, Person
from plans.models import Measure, MeasureNote, PlanSnapshot, Suggestion
from plans.services import plan_snapshot_data
from tests.factories import CourseDayFactory, MeasureFactory, ProjectPlanFactory
from training.models import Attendance


@pytest.fixture
def tore_traces(cast, client):
    tore, user = cast.tore, cast.users.tore
    now = timezone.now()
    plan = ProjectPlanFactory(pilot=cast.pilot_a, current_state="Tore Meltzer kartla flyten.")
    measures = [MeasureFactory(plan=plan, owner=tore, title=f"Tiltak {n}") for n in range(3)]
    measure = measures[0]
    # A change Tore made himself: the history row points at his login.
    measure._history_user = user
    measure.description = "Ring tore.meltzer@harstad.kommune.no ved spørsmål."
    measure.save()
    MeasureNote.objects.create(
        measure=measure, author=tore, text="Startet, Tore Meltzer følger opp"
    )
    PlanSnapshot.objects.create(
        plan=plan,
        plan_version=1,
        approved_at=now,
        approved_by=cast.users.coordinator,
        data=plan_snapshot_data(plan),
        comment="Godkjent for Tore Meltzer",
    )
    Suggestion.objects.create(pilot=cast.pilot_a, author=tore, text="Felles kalender")
    day = CourseDayFactory(pilot=cast.pilot_a)
    day.facilitators.add(tore)
    Attendance.objects.create(person=tore, course_day=day, status=Attendance.Status.PRESENT)
    Attendance.objects.create(person=cast.siri, course_day=day, status=Attendance.Status.ABSENT)
    meeting = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="2 uker", due_on=dt.date(2027, 3, 10)
    )
    meeting.participants.add(tore)
    Reminder.objects.create(
        kind=Reminder.Kind.PLAN_QUIET,
        recipient=tore,
        pilot=cast.pilot_a,
        subject_key="plan:1",
        due_at=now - dt.timedelta(days=400),
        sent_at=now - dt.timedelta(days=400),
        status=Reminder.Status.SENT,
        email_subject="Hei Tore Meltzer",
        email_body="Hei Tore Meltzer,\nplanen har vært stille.",
    )
    Reminder.objects.create(
        kind=Reminder.Kind.COORDINATOR_DIGEST,
        recipient=cast.jorunn,
        subject_key="digest",
        period="2027-W10",
        due_at=now - dt.timedelta(days=1),
        sent_at=now - dt.timedelta(days=1),
        status=Reminder.Status.SENT,
        email_body="Tore Meltzer (tore.meltzer@harstad.kommune.no) har ikke levert planen.",
    )
    Invitation.objects.create(person=tore, expires_at=now + dt.timedelta(days=7))
    LogEntry.objects.create(
        user=cast.users.superuser,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(tore.pk),
        object_repr=str(tore),
        action_flag=CHANGE,
        change_message=json.dumps(
            [{"changed": {"name": "person", "object": "Tore Meltzer – avdelingsleder"}}]
        ),
    )
    AccessLog.objects.create(
        username="tore", ip_address="10.0.0.7", user_agent="Firefox", attempt_time=now
    )
    AccessAttempt.objects.create(
        username="tore.meltzer@harstad.kommune.no",
        ip_address="10.0.0.8",
        user_agent="Firefox",
        attempt_time=now,
        failures_since_start=2,
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
    )
    AccessLog.objects.create(username="kari", ip_address="10.0.0.9", attempt_time=now)
    # An open session of Tore's: erasure must end it.
    client.force_login(user)
    return SimpleNamespace(plan=plan, measures=measures, day=day, meeting=meeting)


def count_everything() -> dict[str, int]:
    """The aggregates the archive duty keeps: how many rows of each kind."""
    return {
        "people": Person.objects.count(),
        "measures": Measure.objects.count(),
        "measure_history": Measure.history.count(),
        "attendance": Attendance.objects.count(),
        "present": Attendance.objects.filter(status=Attendance.Status.PRESENT).count(),
        "snapshots": PlanSnapshot.objects.count(),
        "notes": MeasureNote.objects.count(),
        "suggestions": Suggestion.objects.count(),
        "reminders": Reminder.objects.count(),
        "participants": FollowUpMeeting.participants.through.objects.count(),
        "follow_up_meetings": FollowUpMeeting.objects.count(),
    }
