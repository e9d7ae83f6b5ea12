"""The charts on their pages: the measures' months from their history, the gains page, the
dashboard and the attendance summary; what each shows, to whom, and at what cost in queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilots.calendar import OSLO
from pilots.models import Pilot
from plans.measure_history import measure_months
from plans.models import Measure
from tests.charts.svg import NS, svg_root, svgs_in, texts
from tests.factories import (
    CourseDayFactory,
    InformationMeetingFactory,
    MeasureFactory,
    PilotFactory,
    ProjectPlanFactory,
)
from training.models import Attendance

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, client):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=OSLO)


def _backdate(pk: int, *dates: dt.date) -> None:
    """Give the measure's history records (oldest first) the dates given."""
    records = list(Measure.history.filter(id=pk).order_by("history_date", "history_id"))
    assert len(records) == len(dates)
    for record, day in zip(records, dates, strict=True):
        type(record).objects.filter(pk=record.pk).update(history_date=_at(day))


# The months, from the measures' history


def _pilots(*pilots):
    return Pilot.objects.filter(pk__in=[pilot.pk for pilot in pilots])


def test_months_follow_the_history_not_todays_state(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    measure = MeasureFactory(plan=plan, status="not_started", hours_identified_per_week=D("10"))
    measure.status = "in_progress"
    measure.save()
    measure.status, measure.hours_realised_per_week = "done", D("7.5")
    measure.save()
    _backdate(measure.pk, dt.date(2027, 1, 10), dt.date(2027, 3, 2), dt.date(2027, 3, 20))
    gone = MeasureFactory(plan=plan, status="in_progress", hours_identified_per_week=D("4"))
    gone_pk = gone.pk
    gone.delete()
    _backdate(gone_pk, dt.date(2027, 2, 1), dt.date(2027, 3, 5))

    months = measure_months(_pilots(cast.pilot_a), today=dt.date(2027, 4, 15))

    assert [m.month for m in months] == [dt.date(2027, m, 1) for m in (1, 2, 3, 4)]
    assert [m.statuses["not_started"] for m in months] == [1, 1, 0, 0]
    # The deleted measure stood in February only.
    assert [m.statuses["in_progress"] for m in months] == [0, 1, 0, 0]
    assert [m.total for m in months] == [1, 2, 1, 1]
    assert [m.statuses["done"] for m in months] == [0, 0, 1, 1]
    # March: in progress on the 2nd, done on the 20th: the month's end counts.
    assert [m.hours_realised for m in months] == [0, 0, D("7.5"), D("7.5")]
    assert [m.hours_identified for m in months] == [D("10"), D("14"), D("10"), D("10")]


def test_dropped_measures_count_by_status_but_not_in_gains(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    MeasureFactory(plan=plan, status="dropped", hours_identified_per_week=D("100"))
    MeasureFactory(plan=plan, status="done", hours_identified_per_week=D("5"))

    (month,) = measure_months(_pilots(cast.pilot_a), today=timezone.localdate())

    assert month.statuses["dropped"] == 1 and month.total == 2
    assert month.hours_identified == D("5")


def test_measures_without_history_count_from_their_creation(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    today = timezone.localdate()
    Measure.objects.bulk_create(
        [Measure(plan=plan, title=f"M{n}", status="in_progress") for n in range(3)]
    )
    Measure.objects.filter(plan=plan).update(created_at=_at(today - dt.timedelta(days=62)))

    months = measure_months(_pilots(cast.pilot_a), today=today)

    assert len(months) in (3, 4)  # two months back, or three across a short month
    assert all(m.statuses["in_progress"] == 3 for m in months)


def test_months_are_limited_to_the_last_two_years(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    measure = MeasureFactory(plan=plan, status="done")
    _backdate(measure.pk, dt.date(2020, 1, 1))

    months = measure_months(_pilots(cast.pilot_a), today=dt.date(2027, 6, 3))

    assert len(months) == 24
    assert months[-1].month == dt.date(2027, 6, 1)
    assert months[0].statuses["done"] == 1


def test_no_measures_no_months(cast):
    assert measure_months(Pilot.objects.none(), today=timezone.localdate()) == []


# The gains page


def _gains_url(programme):
    return reverse("plans:programme_gains", kwargs={"pk": programme.pk})


def test_gains_page_shows_the_chart_and_its_numbers(client, cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    MeasureFactory(plan=plan, hours_identified_per_week=D("18.75"), hours_realised_per_week=3)
    client.force_login(cast.users.coordinator)

    html = client.get(_gains_url(cast.programme)).content.decode()

    (svg,) = svgs_in(html)
    root = svg_root(svg)
    assert root.find(f"{NS}title").text == "Gains identified and realised, month by month"
    assert "18.75 hours per week identified (0.5 FTE)" in root.find(f"{NS}desc").text
    assert "<summary>Show the numbers</summary>" in html
    assert "<caption>Gains at the end of each month</caption>" in html
    assert 'data-label="FTE identified">0.5</td>' in html


def test_gains_chart_holds_only_the_measures_the_page_counts(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    elsewhere = ProjectPlanFactory(pilot=PilotFactory())  # another programme
    MeasureFactory(plan=elsewhere, hours_identified_per_week=D("99"))
    client.force_login(cast.users.coordinator)

    response = client.get(_gains_url(cast.programme))

    assert response.context["chart"].table.rows == []
    assert "No measures yet." in response.content.decode()


def test_gains_page_costs_the_same_with_2_and_many_measures(client, cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    MeasureFactory.create_batch(2, plan=plan, hours_identified_per_week=D("1"))
    client.force_login(cast.users.coordinator)
    url = _gains_url(cast.programme)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _number in range(10):
        other = ProjectPlanFactory(pilot=PilotFactory(programme=cast.programme))
        for measure in MeasureFactory.create_batch(4, plan=other):
            measure.status = "in_progress"
            measure.save()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.context["chart"].table.rows[-1][0]  # a month
    assert len(many.captured_queries) == len(few.captured_queries) == 9


# The dashboard


DASHBOARD = reverse("programme:dashboard")


def _attendance(day_or_meeting, person, status):
    field = "course_day" if hasattr(day_or_meeting, "number") else "information_meeting"
    Attendance.objects.create(person=person, status=status, **{field: day_or_meeting})


def test_dashboard_shows_attendance_per_pilot_and_measures_by_status(client, cast):
    today = timezone.localdate()
    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=today - dt.timedelta(days=3))
    _attendance(day, cast.siri, "present")
    _attendance(day, cast.ola, "absent")
    first = InformationMeetingFactory(pilot=cast.pilot_a)
    second = InformationMeetingFactory(pilot=cast.pilot_a)
    _attendance(first, cast.siri, "present")
    _attendance(second, cast.siri, "present")  # one person, however many sessions
    _attendance(second, cast.ola, "absent")
    MeasureFactory.create_batch(2, plan=ProjectPlanFactory(pilot=cast.pilot_b), status="done")
    client.force_login(cast.users.coordinator)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    attendance, measures = (svg_root(svg) for svg in svgs_in(html))
    bars = texts(attendance, "bar-label")
    assert texts(attendance, "group-label") == [
        "NAV flyktningetjenesten",
        "Omsorg Sør, hjemmetjenesten 2",
    ]
    assert bars == [
        "Course days: not recorded",
        "Information meeting: not recorded",
        "Course days: 50 % (1 of 2)",
        "Information meeting: 50 % (1 of 2)",
    ]
    assert measures.find(f"{NS}title").text == "Measures by status, month by month"
    assert response.context["measures_chart"].table.rows[-1][1:] == ["0", "0", "2", "0", "2"]
    assert html.count("<summary>Show the numbers</summary>") == 2


def test_leader_sees_only_their_departments_figures_in_the_charts(client, cast):
    MeasureFactory.create_batch(3, plan=ProjectPlanFactory(pilot=cast.pilot_b), status="done")
    MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_a), status="in_progress")
    client.force_login(cast.users.tore)

    response = client.get(DASHBOARD)

    assert [row[0] for row in response.context["attendance_chart"].table.rows] == [
        "Omsorg Sør, hjemmetjenesten 2"
    ]
    assert response.context["measures_chart"].table.rows[-1][-1] == "1"


def test_dashboard_charts_cost_the_same_with_2_and_many_pilots_and_measures(client, cast):
    client.force_login(cast.users.coordinator)
    client.get(DASHBOARD)
    MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_a))
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for _number in range(20):
        pilot = PilotFactory(programme=cast.programme)
        MeasureFactory.create_batch(3, plan=ProjectPlanFactory(pilot=pilot))
        meeting = InformationMeetingFactory(pilot=pilot)
        _attendance(meeting, cast.siri, "present")
    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD)

    assert len(response.context["attendance_chart"].table.rows) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


# The attendance summary


def test_attendance_summary_shows_the_share_present_per_event(client, cast):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    _attendance(day, cast.siri, "present")
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk}))

    html = response.content.decode()
    (svg,) = svgs_in(html)
    root = svg_root(svg)
    people = len(response.context["summary"].rows)
    assert root.find(f"{NS}title").text == f"Share of the department's {people} people present"
    (label,) = texts(root, "bar-label")
    assert label.startswith("Present: ") and f"(1 of {people})" in label
    assert "<summary>Show the numbers</summary>" in html
