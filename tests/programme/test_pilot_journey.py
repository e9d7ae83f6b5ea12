"""The journey picture on the pilot page: phases, course days, measures and board meetings."""

import datetime as dt
import html as html_lib
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from followup.models import BoardMeeting
from leanprogram.journey import (
    JOURNEY_PHASES,
    board_meeting_weeks,
    board_meetings_per_week,
    pilot_journey,
)
from pilots.models import Pilot
from plans.models import ProjectPlan
from tests.factories import CourseDayFactory, MeasureFactory, ProjectPlanFactory
from tests.programme.test_pilot_page import PILOT_PAGE_QUERY_BUDGET

TODAY = dt.date(2026, 12, 3)  # a Thursday in ISO week 49
NO_MEASURES = {"not_started": 0, "in_progress": 0, "done": 0, "dropped": 0}


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def journey(phase="planned", held=(), measures=None, board=None):
    return pilot_journey(
        phase=phase,
        course_days_held=held,
        measures_by_status=measures or NO_MEASURES,
        board_meetings=board or {},
        today=TODAY,
    )


# The builder


@pytest.mark.parametrize("index", range(len(JOURNEY_PHASES)))
def test_the_current_phase_is_highlighted_and_the_earlier_ones_done(index):
    phase = JOURNEY_PHASES[index]

    picture = journey(phase=phase)

    states = [step.state for step in picture.phases]
    assert states == ["done"] * index + ["current"] + ["ahead"] * (5 - index)
    assert [step.state_text for step in picture.phases] == (
        ["done"] * index + ["now"] + [""] * (5 - index)
    )
    assert picture.current_label == Pilot.Phase(phase).label
    assert f"({index + 1} of 6)" in picture.description


def test_a_closed_pilot_has_done_every_phase():
    picture = journey(phase=Pilot.Phase.CLOSED)

    assert [step.state for step in picture.phases] == ["done"] * 6
    assert picture.current_label == "closed"
    assert "The pilot is closed" in picture.description


def test_course_days_held_are_counted_and_marked():
    picture = journey(held=[1, 3])

    assert [day.held for day in picture.course_days] == [True, False, True, False]
    assert (picture.course_days_held, picture.course_days_total) == (2, 4)
    assert picture.course_heading == "Course days held: 2 of 4"
    assert "Course days held: 2 of 4." in picture.description


def test_measures_by_status_are_bars_scaled_to_the_largest():
    picture = journey(measures={"not_started": 2, "in_progress": 4, "done": 1, "dropped": 0})

    bars = {bar.status: bar for bar in picture.measures}
    assert [bar.status for bar in picture.measures] == [
        "not_started",
        "in_progress",
        "done",
        "dropped",
    ]
    assert {status: bar.count for status, bar in bars.items()} == {
        "not_started": 2,
        "in_progress": 4,
        "done": 1,
        "dropped": 0,
    }
    assert float(bars["in_progress"].width) == 2 * float(bars["not_started"].width)
    assert float(bars["dropped"].width) == 0
    assert "Measures: not started 2, in progress 4, done 1, dropped 0." in picture.description


def test_board_meetings_per_week_cover_the_last_eight_weeks():
    weeks = board_meeting_weeks(TODAY)
    picture = journey(board={weeks[0]: 1, weeks[-1]: 2, weeks[-1] - dt.timedelta(weeks=9): 5})

    assert [week.week_label for week in picture.weeks] == [str(n) for n in range(42, 50)]
    assert [week.count for week in picture.weeks] == [1, 0, 0, 0, 0, 0, 0, 2]
    assert picture.board_total == 3
    assert float(picture.weeks[-1].height) == 2 * float(picture.weeks[0].height)
    assert "3 board meetings in the last 8 weeks" in picture.description
    assert "week 49: 2" in picture.description


@pytest.mark.django_db
def test_board_meetings_are_counted_per_week_in_one_query(cast, django_assert_num_queries):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    for held_on in (
        today,
        monday,
        monday - dt.timedelta(days=3),
        monday - dt.timedelta(weeks=7),
        monday - dt.timedelta(weeks=8),  # before the eight weeks
    ):
        BoardMeeting.objects.get_or_create(pilot=cast.pilot_a, held_on=held_on)
    BoardMeeting.objects.create(pilot=cast.pilot_b, held_on=today)

    with django_assert_num_queries(1):
        counts = board_meetings_per_week(cast.pilot_a, today=today)

    expected = {monday - dt.timedelta(weeks=1): 1, monday - dt.timedelta(weeks=7): 1}
    expected[monday] = 1 if today == monday else 2
    assert counts == expected


# The page


def page_url(pilot) -> str:
    return reverse("programme:pilot_detail", kwargs={"pk": pilot.pk})


def svg_of(html: str) -> str:
    match = re.search(r'<svg[^>]*class="journey".*?</svg>', html, re.S)
    assert match, "the journey picture is missing"
    return match.group(0)


def populate(pilot, *, measures: int, board_meetings: int) -> None:
    today = timezone.localdate()
    CourseDayFactory(pilot=pilot, number=1, date=today - dt.timedelta(days=20))
    CourseDayFactory(pilot=pilot, number=2, date=today + dt.timedelta(days=20))
    plan = ProjectPlanFactory(pilot=pilot)
    statuses = ["not_started", "in_progress", "done", "dropped", "done"]
    for n in range(measures):
        MeasureFactory(plan=plan, status=statuses[n % len(statuses)])
    for n in range(board_meetings):
        BoardMeeting.objects.create(pilot=pilot, held_on=today - dt.timedelta(days=n))


@pytest.mark.django_db
def test_page_draws_the_journey_with_its_text_and_a_table_of_the_same_numbers(client, cast):
    populate(cast.pilot_a, measures=5, board_meetings=2)
    client.force_login(cast.users.coordinator)

    response = client.get(page_url(cast.pilot_a))

    html = response.content.decode()
    svg = svg_of(html)
    assert 'role="img"' in svg
    assert 'aria-labelledby="journey-title journey-desc"' in svg
    assert '<title id="journey-title">Where the pilot is in its journey</title>' in svg
    desc = html_lib.unescape(re.search(r'<desc id="journey-desc">(.*?)</desc>', svg).group(1))
    assert "Phase: planned (1 of 6)." in desc
    assert "Course days held: 1 of 4." in desc
    assert "Measures: not started 1, in progress 1, done 2, dropped 1." in desc
    picture = response.context["journey"]
    assert picture.board_total == 2
    assert "2 board meetings in the last 8 weeks" in desc
    table = re.search(r'<table class="table table-sm journey-numbers">.*?</table>', html, re.S)
    rows = dict(
        re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', html_lib.unescape(table.group(0)))
    )
    assert rows["Phase"] == "Planned"
    assert rows["Course days held"] == "1 of 4"
    assert rows["Measures not started"] == "1"
    assert rows["Measures done"] == "2"
    assert rows["Measures dropped"] == "1"
    week_rows = {k: v for k, v in rows.items() if k.startswith("Board meetings in week")}
    assert len(week_rows) == 8
    assert sum(int(v) for v in week_rows.values()) == 2
    assert "<script" not in svg


@pytest.mark.django_db
def test_journey_adds_a_fixed_query_whatever_the_measures_and_board_meetings(client, cast):
    client.force_login(cast.users.coordinator)
    populate(cast.pilot_a, measures=2, board_meetings=2)
    client.get(page_url(cast.pilot_a))
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(cast.pilot_a))

    plan = ProjectPlan.objects.get(pilot=cast.pilot_a)
    for n in range(18):
        MeasureFactory(plan=plan, status=["done", "in_progress"][n % 2])
    today = timezone.localdate()
    for n in range(2, 20):
        BoardMeeting.objects.create(pilot=cast.pilot_a, held_on=today - dt.timedelta(days=n))
    with CaptureQueriesContext(connection) as many:
        response = client.get(page_url(cast.pilot_a))

    assert sum(bar.count for bar in response.context["journey"].measures) == 20
    assert response.context["journey"].board_total == 20
    assert len(many) == len(few)
    assert len(many) <= PILOT_PAGE_QUERY_BUDGET
