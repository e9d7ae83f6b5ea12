"""A pilot's phase follows what happened to it: derivation, the sweep, and the log."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followup.models import FollowUpMeeting
from followup.phases import PhaseFacts, phase_from_facts, phases_follow_events
from pilots.models import PhaseChange, Pilot
from plans.models import ProjectPlan
from tests.factories import (
    CourseDayFactory,
    InformationMeetingFactory,
    PilotFactory,
    ProjectPlanFactory,
)
from tests.followup.conftest import A_DAYS, oslo, schedule_course_days

Phase = Pilot.Phase
TODAY = dt.date(2027, 3, 16)
NOTHING = PhaseFacts(False, None, None, False, 0, 0)


def facts(**changes) -> PhaseFacts:
    return PhaseFacts(**{**NOTHING.__dict__, **changes})


@pytest.mark.parametrize(
    ("given", "phase"),
    [
        (NOTHING, Phase.PLANNED),
        (facts(has_information_meeting=True), Phase.INFORMATION),
        (
            facts(has_information_meeting=True, first_course_day=dt.date(2027, 3, 17)),
            Phase.INFORMATION,
        ),
        (facts(first_course_day=TODAY, last_course_day=dt.date(2027, 3, 25)), Phase.COURSE),
        (facts(first_course_day=dt.date(2027, 3, 1), last_course_day=TODAY), Phase.COURSE),
        (
            facts(first_course_day=dt.date(2027, 3, 1), last_course_day=dt.date(2027, 3, 15)),
            Phase.PLANNING,
        ),
        (facts(last_course_day=dt.date(2027, 3, 15), plan_approved=True), Phase.FOLLOW_UP),
        (facts(plan_approved=True, cadence_meetings=3, cadence_meetings_held=2), Phase.FOLLOW_UP),
        (
            facts(plan_approved=True, cadence_meetings=3, cadence_meetings_held=3),
            Phase.SELF_SUFFICIENT,
        ),
    ],
)
def test_phase_from_facts(given, phase):
    assert phase_from_facts(given, today=TODAY) == phase


@pytest.mark.django_db
def test_the_sweep_walks_a_pilot_through_its_phases_and_logs_each_move(cast, sweep):
    pilot = cast.pilot_a

    def phase_at(when):
        sweep(when)
        pilot.refresh_from_db()
        return pilot.phase

    assert phase_at(oslo(2027, 1, 4, 8)) == Phase.PLANNED
    InformationMeetingFactory(pilot=pilot)
    assert phase_at(oslo(2027, 1, 5, 8)) == Phase.INFORMATION
    schedule_course_days(pilot, A_DAYS)
    assert phase_at(oslo(2027, 2, 15, 8)) == Phase.INFORMATION
    assert phase_at(oslo(2027, 2, 16, 8)) == Phase.COURSE
    assert phase_at(oslo(2027, 2, 26, 8)) == Phase.PLANNING
    plan = ProjectPlanFactory(pilot=pilot, status=ProjectPlan.Status.APPROVED)
    assert phase_at(oslo(2027, 3, 1, 8)) == Phase.FOLLOW_UP
    cadence = FollowUpMeeting.objects.filter(pilot=pilot, step__isnull=False)
    assert cadence.exists()
    cadence.update(held_on=dt.date(2027, 9, 1))
    assert phase_at(oslo(2027, 9, 2, 8)) == Phase.SELF_SUFFICIENT

    # Never back on its own: the plan returned for revision does not undo follow-up.
    ProjectPlan.objects.filter(pk=plan.pk).update(status=ProjectPlan.Status.RETURNED)
    assert phase_at(oslo(2027, 9, 3, 8)) == Phase.SELF_SUFFICIENT
    log = list(
        PhaseChange.objects.filter(pilot=pilot)
        .order_by("changed_at", "pk")
        .values_list("from_phase", "to_phase", "changed_by")
    )
    assert log == [
        ("planned", "information", None),
        ("information", "course", None),
        ("course", "planning", None),
        ("planning", "follow_up", None),
        ("follow_up", "self_sufficient", None),
    ]


@pytest.mark.django_db
def test_a_pilot_skips_steps_it_has_passed_and_closed_pilots_stay(cast):
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    CourseDayFactory(pilot=cast.pilot_b, number=1, date=dt.date(2027, 2, 16))
    Pilot.objects.filter(pk=cast.pilot_b.pk).update(phase=Phase.CLOSED)

    assert phases_follow_events(today=dt.date(2027, 3, 1)) == {cast.pilot_a.pk: Phase.PLANNING}
    cast.pilot_b.refresh_from_db()
    assert cast.pilot_b.phase == Phase.CLOSED


@pytest.mark.django_db
def test_following_events_costs_the_same_for_two_pilots_as_for_many(cast):
    def run_for_fresh_pilots(count):
        for _ in range(count):
            pilot = PilotFactory(programme=cast.programme)
            InformationMeetingFactory(pilot=pilot)
            CourseDayFactory(pilot=pilot, number=1, date=dt.date(2027, 2, 16))
        with CaptureQueriesContext(connection) as queries:
            phases_follow_events(today=dt.date(2027, 3, 1))
        return len(queries)

    assert run_for_fresh_pilots(2) == run_for_fresh_pilots(30)


@pytest.mark.django_db
def test_a_scheduled_meeting_moves_the_pilot_once_committed(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        InformationMeetingFactory(pilot=cast.pilot_a)
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Phase.INFORMATION
