"""The registry of reminder kinds: complete, checked at start-up, cheap to read, no circle."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followup.models import FollowUpMeeting, Reminder
from followup.policies import follow_up_policies_load
from followup.reminders import registry
from followup.reminders.claims import SEND_REMINDER_TASK
from followup.reminders.context import Context
from followup.reminders.kinds.base import Email, ReminderKind
from followup.services import password_reset_mail_request
from followup.tasks import send_reminder
from leanprogram.celery import app as celery_app
from pilots.models import DepartmentRole, HolidayPeriod, Invitation, Pilot, ProgrammeRole
from plans.models import Measure, PlanTransition, ProjectPlan
from tests.factories import (
    CourseDayFactory,
    DepartmentFactory,
    InformationMeetingFactory,
    MeasureFactory,
    PersonFactory,
    PilotFactory,
    ProgrammeFactory,
    ProjectPlanFactory,
)
from tests.followup.conftest import oslo
from training.models import Attendance, EventChange

Kind = Reminder.Kind


# --- Every kind registered, every choice a kind, every kind a template --------------------------


def test_every_kind_has_a_choice_and_a_template_and_every_choice_a_kind():
    assert set(registry.KINDS) == set(Kind.values)
    assert all(kind.kind == value for value, kind in registry.KINDS.items())
    assert registry.kinds_check() == []
    call_command("check", "followup")


class _Unlisted(ReminderKind):
    kind = "unlisted"

    def due(self, ctx):
        yield from ()

    def write(self, reminder, ctx):
        return Email("", {})


def test_start_up_check_names_a_kind_missing_on_either_side(monkeypatch):
    kinds = {value: kind for value, kind in registry.KINDS.items() if value != Kind.PLAN_QUIET}
    monkeypatch.setattr(registry, "KINDS", {**kinds, "unlisted": _Unlisted()})
    errors = {error.id: error.msg for error in registry.kinds_check()}
    assert set(errors) == {"followup.E001", "followup.E002", "followup.E003"}
    assert "'plan_quiet'" in errors["followup.E001"]
    assert "'unlisted'" in errors["followup.E002"]
    assert "followup/email/unlisted.txt" in errors["followup.E003"]


# --- Queued by name, imported in one direction ---------------------------------------------------


def test_send_task_is_registered_under_the_name_the_sweep_queues_it_by():
    # `shared_task` hands out a proxy of the task the app registered.
    assert celery_app.tasks[SEND_REMINDER_TASK] is send_reminder._get_current_object()


def _imports(path: Path, module: str, modules: set[str]) -> set[str]:
    """The first-party modules `path` imports, wherever in the file (a lazy import counts)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.add(name if name in modules else base)
    return found


def test_followup_imports_form_no_circle_and_never_reach_up_to_the_project():
    root = Path(settings.BASE_DIR)
    paths = {
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (root / "followup").rglob("*.py")
        if "migrations" not in path.parts
    }
    graph = {module: _imports(path, module, set(paths)) for module, path in paths.items()}
    assert not {m: i for m, i in graph.items() if any(n.startswith("leanprogram") for n in i)}

    def circle_from(module: str, trail: list[str]) -> list[str] | None:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        for imported in sorted(graph.get(module, ())):
            if found := circle_from(imported, [*trail, module]):
                return found
        return None

    circles = [c for module in sorted(graph) if (c := circle_from(module, []))]
    assert circles == []


# --- Each kind reads with a fixed number of queries ----------------------------------------------

NOW = oslo(2027, 3, 15, 9)  # a Monday: digests are due too

# Each kind computed on its own, with a fresh context (so the people it needs are read too).
# Every kind but the invitation also reads the municipalities' holiday periods (one query,
# `Context.calendar`), which a sweep reads once and shares between all kinds.
BUDGETS = {
    # course days coming, information meetings coming with all their sessions, who already sent
    # word or attended a session, who chose which session, who was already reminded of all the
    # sessions, department members
    Kind.EVENT_COMING: 7,
    # absences from course days, absences from information meetings
    Kind.ABSENCE: 3,
    # pilots without a submitted plan after their last course day, department leaders
    Kind.PLAN_NOT_SUBMITTED: 3,
    # the same pilots, lean coordinators
    Kind.PLAN_NOT_SUBMITTED_ESCALATION: 3,
    # follow-up meetings coming, their participants, department leaders, lean guides
    Kind.FOLLOW_UP_DUE: 5,
    # follow-up meetings past, lean coordinators
    Kind.FOLLOW_UP_OVERDUE: 3,
    # overdue measures with their owners, department leaders
    Kind.MEASURES_OVERDUE: 3,
    # quiet pilots in follow-up with their last change, department leaders
    Kind.PLAN_QUIET: 3,
    # programmes under way, lean coordinators
    Kind.COORDINATOR_DIGEST: 3,
    # open invitations someone asked to send
    Kind.INVITATION: 1,
    # recent plan steps with their pilots, lean coordinators and guides, department leaders
    Kind.PLAN_TRANSITION: 3,
    # recent moves, the notices already sent, department members, facilitators, session choices
    Kind.EVENT_MOVED: 5,
    # reset mails asked for, with their people's logins
    Kind.PASSWORD_RESET: 1,
    # events coming (course days, information meetings, planned follow-up meetings), department
    # members, facilitators, session choices (and the participants, were a follow-up meeting
    # planned)
    Kind.CALENDAR_INVITATION: 6,
    # invitations sent, the events of them that still exist (here: information meetings)
    Kind.CALENDAR_CANCELLATION: 2,
}


def _department_with_leader(programme) -> Pilot:
    municipality = programme.municipality
    pilot = PilotFactory(
        programme=programme, department=DepartmentFactory(municipality=municipality)
    )
    DepartmentRole.objects.create(
        department=pilot.department,
        person=PersonFactory(municipality=municipality),
        role=DepartmentRole.Role.DEPARTMENT_LEADER,
    )
    return pilot


def _programme_where_every_kind_is_due(units: int):
    """`units` times four pilots, which between them make every kind due at NOW."""
    programme = ProgrammeFactory()
    municipality = programme.municipality
    for role in (ProgrammeRole.Role.LEAN_COORDINATOR, ProgrammeRole.Role.LEAN_GUIDE):
        ProgrammeRole.objects.create(
            programme=programme, person=PersonFactory(municipality=municipality), role=role
        )
    for unit in range(units):
        # Holiday periods of the municipality, away from NOW: read, but moving nothing.
        HolidayPeriod.objects.create(
            municipality=municipality,
            name=f"Sommer {unit}",
            starts_on=dt.date(2027, 7, 1 + unit),
            ends_on=dt.date(2027, 7, 10 + unit),
        )
        # A course day on Wednesday and an information meeting the same day; absent on Friday.
        events = _department_with_leader(programme)
        staff = PersonFactory(municipality=municipality)
        DepartmentRole.objects.create(department=events.department, person=staff)
        friday = CourseDayFactory(pilot=events, number=1, date=dt.date(2027, 3, 12))
        wednesday = CourseDayFactory(pilot=events, number=2, date=dt.date(2027, 3, 17))
        Attendance.objects.create(person=staff, course_day=friday, status=Attendance.Status.ABSENT)
        # The information meeting in two sessions, for the day and the evening shift.
        InformationMeetingFactory(
            pilot=events, starts_at=oslo(2027, 3, 17, 12), ends_at=oslo(2027, 3, 17, 13)
        )
        evening = InformationMeetingFactory(
            pilot=events, starts_at=oslo(2027, 3, 17, 19), ends_at=oslo(2027, 3, 17, 20)
        )
        # Yesterday both were moved from Tuesday.
        for kind, event, number in (
            (EventChange.EventKind.COURSE_DAY, wednesday, 2),
            (EventChange.EventKind.INFORMATION_MEETING, evening, None),
        ):
            EventChange.objects.create(
                pilot=events,
                event_kind=kind,
                event_id=event.pk,
                number=number,
                old_starts_at=oslo(2027, 3, 16, 9),
                old_ends_at=oslo(2027, 3, 16, 15),
                new_starts_at=oslo(2027, 3, 17, 9),
                new_ends_at=oslo(2027, 3, 17, 15),
                at=oslo(2027, 3, 14, 12),
            )
        # Course days over two weeks ago and no plan: reminded last week, escalated today.
        plan_late = _department_with_leader(programme)
        CourseDayFactory(pilot=plan_late, number=1, date=dt.date(2027, 3, 1))
        # One follow-up meeting due in a week, one due yesterday and not held.
        follow_up = _department_with_leader(programme)
        FollowUpMeeting.objects.create(pilot=follow_up, label="a", due_on=dt.date(2027, 3, 22))
        FollowUpMeeting.objects.create(pilot=follow_up, label="b", due_on=dt.date(2027, 3, 14))
        # In follow-up, nothing changed since February, and a measure past its deadline.
        quiet = _department_with_leader(programme)
        Pilot.objects.filter(pk=quiet.pk).update(phase=Pilot.Phase.FOLLOW_UP)
        plan = ProjectPlanFactory(pilot=quiet, status=ProjectPlan.Status.APPROVED)
        MeasureFactory(plan=plan, owner=staff, deadline=dt.date(2027, 3, 1))
        ProjectPlan.objects.filter(pk=plan.pk).update(updated_at=oslo(2027, 2, 1))
        # A plan submitted yesterday.
        submitted = ProjectPlanFactory(pilot=follow_up, status=ProjectPlan.Status.SUBMITTED)
        PlanTransition.objects.create(
            plan=submitted, transition=PlanTransition.Transition.SUBMITTED, at=oslo(2027, 3, 14)
        )
        Measure.objects.filter(plan=plan).update(updated_at=oslo(2027, 2, 1))
        # Invited on Friday, not answered yet.
        Invitation.objects.create(
            person=staff,
            created_at=oslo(2027, 3, 12),
            sent_at=oslo(2027, 3, 12),
            send_count=1,
            expires_at=oslo(2027, 3, 26),
        )
        # A calendar invitation went out for a session that was then cancelled.
        cancelled = InformationMeetingFactory(
            pilot=events, starts_at=oslo(2027, 3, 18, 12), ends_at=oslo(2027, 3, 18, 13)
        )
        Reminder.objects.create(
            kind=Kind.CALENDAR_INVITATION,
            recipient=staff,
            pilot=events,
            subject_key=f"meeting:{cancelled.pk}",
            period="0",
            due_at=oslo(2027, 3, 1),
            expires_at=cancelled.starts_at,
            status=Reminder.Status.SENT,
        )
        cancelled.delete()
        # Someone with a login asked for a password reset link a minute ago.
        asker = PersonFactory(
            municipality=municipality,
            user=get_user_model().objects.create_user(username=f"reset-{unit}", password="x"),
        )
        password_reset_mail_request(email=asker.email, now=NOW - dt.timedelta(minutes=1))
    return programme


@pytest.mark.django_db
@pytest.mark.parametrize("units", [1, 8])
def test_each_kind_reads_with_the_same_queries_for_4_and_32_pilots(units):
    programme = _programme_where_every_kind_is_due(units)
    policies = follow_up_policies_load(programme_ids=[programme.pk], create_missing=True)
    spent, found = {}, {}
    for value, kind in registry.KINDS.items():
        ctx = Context(now=NOW, policies=policies)
        with CaptureQueriesContext(connection) as queries:
            found[value] = list(kind.due(ctx))
        spent[value] = len(queries)
    assert all(found.values()), [value for value, items in found.items() if not items]
    assert spent == BUDGETS
