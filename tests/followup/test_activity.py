"""One definition of activity, read by the quiet-plan reminder and the dashboard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from followup.activity import pilots_last_activity
from followup.models import BoardMeeting, Reminder
from pilots.models import Pilot
from plans.models import Indicator, Measure, Measurement, MeasureNote, ProjectPlan, Suggestion
from tests.factories import MeasureFactory, PilotFactory, ProjectPlanFactory
from tests.followup.conftest import A_DAYS, oslo, schedule_course_days

pytestmark = pytest.mark.django_db


def _approved_plan_in_follow_up(cast, *, edited_at):
    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    Pilot.objects.filter(pk=cast.pilot_a.pk).update(phase=Pilot.Phase.FOLLOW_UP)
    ProjectPlan.objects.filter(pk=plan.pk).update(updated_at=edited_at)
    return plan


def test_board_meeting_and_measurement_a_week_ago_mean_no_quiet_mail(cast, sweep):
    """The Tore case: the plan's text was last edited over 30 days ago, but the board met last week
    with seven present and a new measurement was recorded; the plan is not quiet."""
    plan = _approved_plan_in_follow_up(cast, edited_at=oslo(2027, 2, 10, 15))
    BoardMeeting.objects.create(pilot=cast.pilot_a, held_on=dt.date(2027, 3, 9), present_count=7)
    indicator = Indicator.objects.create(
        plan=plan, name="Ventetid", unit="dager", baseline=20, target=10
    )
    Measurement.objects.create(
        indicator=indicator, measured_on=dt.date(2027, 3, 9), value=Decimal("12.5")
    )

    sweep(oslo(2027, 3, 16, 8))

    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_QUIET).exists()


def test_without_that_activity_the_same_plan_is_quiet(cast, sweep):
    _approved_plan_in_follow_up(cast, edited_at=oslo(2027, 2, 10, 15))
    sweep(oslo(2027, 3, 16, 8))
    assert Reminder.objects.filter(kind=Reminder.Kind.PLAN_QUIET, pilot=cast.pilot_a).exists()


def test_each_source_counts_and_is_named(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    ProjectPlan.objects.filter(pk=plan.pk).update(updated_at=oslo(2027, 1, 1))
    measure = MeasureFactory(plan=plan, owner=cast.siri)

    Measure.objects.filter(pk=measure.pk).update(updated_at=oslo(2027, 1, 2))
    pilots = Pilot.objects.filter(pk=cast.pilot_a.pk)

    def latest():
        with translation.override("en"):
            activity = pilots_last_activity(pilots)[cast.pilot_a.pk]
            return activity.on, activity.what

    assert latest() == (dt.date(2027, 1, 2), "measure changed")
    note = MeasureNote.objects.create(measure=measure, author=cast.siri, text="Godt i gang")
    MeasureNote.objects.filter(pk=note.pk).update(created_at=oslo(2027, 1, 3))
    assert latest() == (dt.date(2027, 1, 3), "note on a measure")
    indicator = Indicator.objects.create(
        plan=plan, name="Ventetid", unit="dager", baseline=20, target=10
    )
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 1, 4), value=1)
    assert latest() == (dt.date(2027, 1, 4), "measurement")
    BoardMeeting.objects.create(pilot=cast.pilot_a, held_on=dt.date(2027, 1, 5))
    assert latest() == (dt.date(2027, 1, 5), "board meeting")
    Suggestion.objects.create(
        pilot=cast.pilot_a, text="Flere benker", answered_at=oslo(2027, 1, 6, 12)
    )
    assert latest() == (dt.date(2027, 1, 6), "suggestion answered")


def test_activity_of_many_pilots_costs_one_query(cast, django_assert_num_queries):
    for _ in range(5):
        pilot = PilotFactory(programme=cast.programme)
        ProjectPlanFactory(pilot=pilot)
    with django_assert_num_queries(1):
        found = pilots_last_activity(Pilot.objects.all())
    assert len(found) == Pilot.objects.count()
