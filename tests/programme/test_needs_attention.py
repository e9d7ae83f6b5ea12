"""The dashboard says what needs doing, one line per thing with its action, at sample dates."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from followup.models import BoardMeeting, FollowUpMeeting
from leanprogram.attention import needs_attention
from leanprogram.dashboard import dashboard_page
from leanprogram.demo import demo_load
from pilots.models import Pilot
from plans.models import ProjectPlan
from tests.factories import CourseDayFactory, PilotFactory

pytestmark = pytest.mark.django_db


def lines(today: dt.date, *, can_manage: bool = True) -> list[tuple[str, str, str]]:
    page = dashboard_page(Pilot.objects.all(), today=today, page_number=1)
    with translation.override("en"):
        items = needs_attention(list(page.object_list), today=today, can_manage=can_manage)
    return [(item.pilot.department.name, item.what, item.action_url) for item in items]


@pytest.fixture
def demo():
    demo_load(today=dt.date(2027, 1, 4))
    return {pilot.department.name: pilot for pilot in Pilot.objects.select_related("department")}


def test_before_the_course_nothing_is_late(demo):
    before = lines(dt.date(2027, 1, 4))
    assert not [line for line in before if "project plan" in line[1]]


def test_draft_plans_past_their_due_date_are_late_with_a_link_to_the_plan(demo):
    found = lines(dt.date(2027, 3, 16))
    late = [line for line in found if "The project plan was due on" in line[1]]
    assert {name for name, _what, _url in late} == set(demo)
    for name, what, url in late:
        assert "days late" in what
        assert url == reverse("plans:plan_detail", kwargs={"pilot_pk": demo[name].pk})


def test_a_follow_up_meeting_due_and_not_recorded_links_to_recording_it(demo):
    pilot = next(iter(demo.values()))
    meeting = FollowUpMeeting.objects.filter(pilot=pilot).order_by("due_on").first()
    ProjectPlan.objects.filter(pilot=pilot).update(status=ProjectPlan.Status.APPROVED)
    day_after = meeting.due_on + dt.timedelta(days=1)

    found = lines(day_after)

    url = reverse("followup:follow_up_meeting_hold", kwargs={"pk": meeting.pk})
    assert [what for name, what, link in found if link == url] == [
        f"The follow-up meeting “{meeting.label}” was due on "
        f"{meeting.due_on:%d.%m.%Y} and is not recorded."
    ]
    FollowUpMeeting.objects.filter(pk=meeting.pk).update(held_on=meeting.due_on)
    assert url not in [link for _n, _w, link in lines(day_after)]


def test_a_quiet_pilot_says_what_counts_and_a_board_meeting_wakes_it(demo):
    pilot = next(iter(demo.values()))
    Pilot.objects.filter(pk=pilot.pk).update(phase=Pilot.Phase.FOLLOW_UP)
    ProjectPlan.objects.filter(pilot=pilot).update(
        status=ProjectPlan.Status.APPROVED, updated_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    )
    board = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
    today = dt.date(2027, 6, 1)

    quiet = [what for name, what, url in lines(today) if url == board and "Quiet" in what]

    assert len(quiet) == 1
    assert "a board meeting" in quiet[0]
    BoardMeeting.objects.create(pilot=pilot, held_on=dt.date(2027, 5, 25), present_count=7)
    assert not [what for _n, what, url in lines(today) if url == board and "Quiet" in what]


def test_low_attendance_and_no_course_days(cast):
    from training.models import Attendance

    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    for person, status in (
        (cast.tore, "present"),
        (cast.siri, "absent"),
        (cast.ola, "absent"),
    ):
        Attendance.objects.create(person=person, course_day=day, status=status)
    found = lines(dt.date(2027, 2, 17))
    attendance = reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk})
    assert (
        cast.dept_a.name,
        "Only 33 % were present at the course days (1 of 3).",
        attendance,
    ) in found
    schedule = reverse("programme:pilot_setup_course_days", kwargs={"pk": cast.pilot_b.pk})
    assert (cast.dept_b.name, "No course days are scheduled.", schedule) in found
    assert schedule not in [url for _n, _w, url in lines(dt.date(2027, 2, 17), can_manage=False)]


def test_the_dashboard_lists_what_needs_attention_at_the_same_cost(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.users.coordinator)
    client.get(reverse("programme:dashboard"))
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("programme:dashboard"))
    assert response.context["attention"]
    for _ in range(20):
        PilotFactory(programme=cast.programme)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("programme:dashboard"))
    assert len(response.context["attention"]) >= 22
    assert len(few) == len(many)
