"""The programme dashboard: who sees which pilots, the figures, the filter and the timeline."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUpMeeting
from pilots.models import DepartmentRole, Pilot
from tests.conftest import REQUEST_QUERIES
from tests.factories import (
    CourseDayFactory,
    InformationMeetingFactory,
    MeasureFactory,
    PersonFactory,
    PilotFactory,
    ProjectPlanFactory,
)
from training.models import Attendance

pytestmark = pytest.mark.django_db

URL = reverse("programme:dashboard")
# The request's own (tests.conftest), then: the pilots counted for the pager, one page of pilots
# with every figure (and what needs attention) as a subquery, the timeline's information
# meetings, course days and follow-up meetings, and for coordinators the programmes they start
# new pilots in; the charts: the page's information meeting attendance, and the measures'
# history and the measures without any for the months of measures by status.
DASHBOARD_QUERY_BUDGET = REQUEST_QUERIES + 9


@pytest.fixture
def client(client):
    # English msgids on the page whatever the catalogs say later.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def populate_pilot(pilot: Pilot, *, today: dt.date, people=()) -> None:
    """Two course days held, a third ahead, a meeting ahead, a plan with measures, follow-ups.

    With `people` (three of them), attendance on the held days: 3 present of 5 recorded.
    """
    held = [
        CourseDayFactory(pilot=pilot, number=1, date=today - dt.timedelta(days=14)),
        CourseDayFactory(pilot=pilot, number=2, date=today - dt.timedelta(days=13)),
    ]
    CourseDayFactory(pilot=pilot, number=3, date=today + dt.timedelta(days=7))
    InformationMeetingFactory(
        pilot=pilot,
        starts_at=local(today + dt.timedelta(days=3), 13),
        ends_at=local(today + dt.timedelta(days=3), 14, 30),
    )
    InformationMeetingFactory(
        pilot=pilot,
        starts_at=local(today - dt.timedelta(days=30), 13),
        ends_at=local(today - dt.timedelta(days=30), 14),
    )
    plan = ProjectPlanFactory(pilot=pilot)
    MeasureFactory(plan=plan, status="not_started", deadline=today - dt.timedelta(days=1))
    MeasureFactory(plan=plan, status="in_progress", deadline=today + dt.timedelta(days=30))
    MeasureFactory(plan=plan, status="done", deadline=today - dt.timedelta(days=10))
    MeasureFactory(plan=plan, status="dropped", deadline=today - dt.timedelta(days=10))
    # The course days above got the cadence's follow-up meetings (followup.signals); these tests
    # want meetings of their own.
    FollowUpMeeting.objects.filter(pilot=pilot).delete()
    FollowUpMeeting.objects.create(
        pilot=pilot,
        label="After 2 weeks",
        due_on=today - dt.timedelta(days=30),
        held_on=today - dt.timedelta(days=29),
    )
    FollowUpMeeting.objects.create(
        pilot=pilot, label="After 6 weeks", due_on=today + dt.timedelta(days=20)
    )
    FollowUpMeeting.objects.create(
        pilot=pilot, label="After 3 months", due_on=today + dt.timedelta(days=60)
    )
    if people:
        first, second, third = people
        for person, day, status in (
            (first, held[0], "present"),
            (second, held[0], "absent"),
            (third, held[0], "present"),
            (first, held[1], "present"),
            (second, held[1], "excused"),
        ):
            Attendance.objects.create(person=person, course_day=day, status=status)


def add_pilots(cast, count: int, *, today: dt.date) -> None:
    """`count` more Harstad pilots, each with people, dates, a plan and follow-ups."""
    for _ in range(count):
        pilot = PilotFactory(programme=cast.programme)
        people = [PersonFactory(municipality=cast.municipality) for _ in range(3)]
        for person in people:
            DepartmentRole.objects.create(department=pilot.department, person=person, role="staff")
        populate_pilot(pilot, today=today, people=people)


def rows_by_pilot(response) -> dict:
    return {row.pilot: row for row in response.context["rows"]}


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_coordinator_sees_every_pilot_with_its_figures(client, cast):
    today = timezone.localdate()
    populate_pilot(cast.pilot_a, today=today, people=[cast.siri, cast.ola, cast.tore])
    client.force_login(cast.users.coordinator)

    response = client.get(URL)

    assert response.status_code == 200
    rows = rows_by_pilot(response)
    assert set(rows) == {cast.pilot_a, cast.pilot_b}
    a, b = rows[cast.pilot_a], rows[cast.pilot_b]
    assert a.course_days_held == 2
    assert (a.attendance_present, a.attendance_recorded, a.attendance_rate) == (3, 5, 60)
    assert (a.measures_open, a.measures_overdue) == (2, 1)
    assert a.plan_status == "draft"
    assert a.next_event.what == "Information meeting"
    assert a.next_event.date == today + dt.timedelta(days=3)
    assert a.next_follow_up == today + dt.timedelta(days=20)
    assert b.course_days_held == 0
    assert b.attendance_rate is None
    assert (b.plan_status, b.plan_status_label) == (None, "no plan")
    assert (b.measures_open, b.measures_overdue, b.next_event, b.next_follow_up) == (
        0,
        0,
        None,
        None,
    )
    html = response.content.decode()
    assert "Omsorg Sør, hjemmetjenesten 2" in html
    assert "NAV flyktningetjenesten" in html
    assert "2 of 4" in html
    assert "60&nbsp;%" in html
    assert "No plan" in html
    next_meeting = today + dt.timedelta(days=3)
    assert next_meeting.strftime("%d.%m.%Y") in html
    assert f"week {next_meeting.isocalendar().week}" in html
    assert reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}) in html


def test_next_event_is_a_course_day_when_it_comes_before_any_meeting(client, cast):
    today = timezone.localdate()
    CourseDayFactory(pilot=cast.pilot_b, number=4, date=today + dt.timedelta(days=1))
    InformationMeetingFactory(
        pilot=cast.pilot_b,
        starts_at=local(today + dt.timedelta(days=2), 9),
        ends_at=local(today + dt.timedelta(days=2), 10),
    )
    client.force_login(cast.users.guide)

    row = rows_by_pilot(client.get(URL))[cast.pilot_b]

    assert row.next_event.what == "Course day 4"
    assert row.next_event.date == today + dt.timedelta(days=1)


def test_leader_sees_only_own_pilot_and_no_coordinator_actions(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(URL)

    assert response.status_code == 200
    assert list(rows_by_pilot(response)) == [cast.pilot_a]
    html = response.content.decode()
    assert "NAV flyktningetjenesten" not in html
    assert reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}) not in html
    assert "<h1>My department</h1>" in html


def test_staff_sees_own_pilot_only(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.get(URL)

    assert list(rows_by_pilot(response)) == [cast.pilot_a]


def test_outsider_sees_none_of_harstads_pilots(client, cast):
    client.force_login(cast.users.outsider)

    response = client.get(URL)

    assert list(rows_by_pilot(response)) == [cast.other_pilot]
    assert "Omsorg Sør" not in response.content.decode()


def test_phase_filter_shows_only_pilots_in_that_phase(client, cast):
    Pilot.objects.filter(pk=cast.pilot_b.pk).update(phase=Pilot.Phase.COURSE)
    client.force_login(cast.users.coordinator)

    response = client.get(URL, {"phase": "course"})

    assert response.status_code == 200
    assert list(rows_by_pilot(response)) == [cast.pilot_b]
    assert "1 pilot in the phase “course”" in response.content.decode()


def test_empty_phase_shows_all_pilots(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.get(URL, {"phase": ""})

    assert set(rows_by_pilot(response)) == {cast.pilot_a, cast.pilot_b}


def test_filter_select_is_labelled(client, cast):
    client.force_login(cast.users.coordinator)

    html = client.get(URL).content.decode()

    assert '<form method="get"' in html
    assert 'for="id_phase"' in html
    assert 'id="id_phase"' in html


def test_invalid_phase_gives_400_with_the_error_on_the_field(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.get(URL, {"phase": "finished-forever"})

    assert response.status_code == 400
    assert "phase" in response.context["form"].errors
    html = response.content.decode()
    assert "is-invalid" in html
    assert "Select a valid choice" in html
    assert "rows" not in response.context


def test_timeline_groups_meetings_and_course_days_by_iso_week_from_today(client, cast):
    today = timezone.localdate()
    populate_pilot(cast.pilot_a, today=today)
    later = today + dt.timedelta(days=21)
    CourseDayFactory(pilot=cast.pilot_b, number=1, date=later)
    client.force_login(cast.users.coordinator)

    response = client.get(URL)

    timeline = response.context["timeline"]
    entries = [(entry.date, entry.what, entry.pilot) for week in timeline for entry in week.entries]
    assert entries == sorted(entries, key=lambda e: e[0])
    assert (today + dt.timedelta(days=3), "Information meeting", cast.pilot_a) in entries
    assert (today + dt.timedelta(days=7), "Course day 3", cast.pilot_a) in entries
    assert (later, "Course day 1", cast.pilot_b) in entries
    assert all(date >= today for date, _what, _pilot in entries)
    for week in timeline:
        assert {entry.date.isocalendar()[:2] for entry in week.entries} == {(week.year, week.week)}
    html = response.content.decode()
    assert f"Week {later.isocalendar().week}, {later.isocalendar().year}" in html
    assert later.strftime("%d.%m.%Y") in html
    assert "08:30–15:30" in html


def test_timeline_of_a_leader_holds_only_own_pilot(client, cast):
    today = timezone.localdate()
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=today + dt.timedelta(days=2))
    CourseDayFactory(pilot=cast.pilot_b, number=1, date=today + dt.timedelta(days=2))
    client.force_login(cast.users.tore)

    timeline = client.get(URL).context["timeline"]

    assert {entry.pilot for week in timeline for entry in week.entries} == {cast.pilot_a}


def test_dashboard_stays_within_its_query_budget(client, cast, django_assert_max_num_queries):
    add_pilots(cast, 3, today=timezone.localdate())
    client.force_login(cast.users.coordinator)

    with django_assert_max_num_queries(DASHBOARD_QUERY_BUDGET):
        response = client.get(URL)

    assert response.status_code == 200


def test_dashboard_query_count_does_not_grow_with_pilots(client, cast):
    today = timezone.localdate()
    populate_pilot(cast.pilot_a, today=today, people=[cast.siri, cast.ola, cast.tore])
    client.force_login(cast.users.coordinator)
    client.get(URL)  # the session and the like, once

    with CaptureQueriesContext(connection) as with_two:
        assert len(client.get(URL).context["rows"]) == 2
    add_pilots(cast, 48, today=today)
    with CaptureQueriesContext(connection) as with_fifty:
        assert len(client.get(URL).context["rows"]) == 50

    assert len(with_fifty) == len(with_two)
    assert len(with_fifty) <= DASHBOARD_QUERY_BUDGET


def test_many_pilots_are_shown_fifty_to_a_page(client, cast):
    for _ in range(58):
        PilotFactory(programme=cast.programme)
    client.force_login(cast.users.coordinator)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10
    assert "60 pilots" in first.content.decode()
    assert 'aria-current="page"' in second.content.decode()
    shown = {row.pilot.pk for row in first.context["rows"] + second.context["rows"]}
    assert len(shown) == 60


def test_a_page_number_out_of_range_shows_the_last_page(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.get(URL, {"page": 99})

    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_timeline_stops_after_its_horizon(client, cast):
    today = timezone.localdate()
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=today + dt.timedelta(days=7))
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=today + dt.timedelta(weeks=13))
    client.force_login(cast.users.coordinator)

    response = client.get(URL)

    dates = [entry.date for week in response.context["timeline"] for entry in week.entries]
    assert today + dt.timedelta(days=7) in dates
    assert today + dt.timedelta(weeks=13) not in dates
