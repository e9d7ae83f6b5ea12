"""The follow-up cadence: meetings planned from the last course day, moved, held; board meetings."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.cadence import follow_up_meetings_sync
from followup.models import BoardMeeting, FollowUpMeeting, FollowUpPolicy, FollowUpStep
from pilots.models import Pilot
from tests.factories import CourseDayFactory, MeasureFactory, PilotFactory, ProjectPlanFactory
from tests.followup.conftest import A_DAYS, schedule_course_days
from training.models import CourseDay

pytestmark = pytest.mark.django_db


def _due_dates(pilot) -> list[dt.date]:
    return list(
        FollowUpMeeting.objects.filter(pilot=pilot)
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )


# --- The cadence --------------------------------------------------------------------------------


def test_follow_up_meetings_follow_the_default_cadence_from_the_last_course_day(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)  # last course day 25.02.2027
    assert _due_dates(cast.pilot_a) == [
        dt.date(2027, 3, 11),  # 2 weeks
        dt.date(2027, 4, 8),  # 6 weeks
        dt.date(2027, 5, 25),  # 3 months
        dt.date(2027, 8, 25),  # 6 months
        dt.date(2028, 2, 25),  # 12 months
    ]
    policy = FollowUpPolicy.objects.get(programme=cast.programme)
    assert (policy.reminders_enabled, policy.plan_submit_days, policy.plan_escalation_days) == (
        True,
        7,
        7,
    )


def test_follow_up_meetings_move_with_the_course_days_but_held_ones_stay(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)
    first = FollowUpMeeting.objects.get(pilot=cast.pilot_a, due_on=dt.date(2027, 3, 11))
    first.held_on = dt.date(2027, 3, 12)
    first.save()

    CourseDay.objects.filter(pilot=cast.pilot_a, number=4).update(date=dt.date(2027, 3, 4))
    follow_up_meetings_sync(pilot=cast.pilot_a)
    assert _due_dates(cast.pilot_a) == [
        dt.date(2027, 3, 11),  # held: stays
        dt.date(2027, 4, 15),
        dt.date(2027, 6, 4),
        dt.date(2027, 9, 6),  # 04.09.2027 is a Saturday
        dt.date(2028, 3, 6),  # 04.03.2028 is a Saturday
    ]
    assert FollowUpMeeting.objects.filter(pilot=cast.pilot_a).count() == 5


def test_sync_twice_changes_nothing_and_without_course_days_unheld_meetings_go(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)
    before = list(FollowUpMeeting.objects.filter(pilot=cast.pilot_a).values())
    follow_up_meetings_sync(pilot=cast.pilot_a)
    assert list(FollowUpMeeting.objects.filter(pilot=cast.pilot_a).values()) == before

    FollowUpMeeting.objects.filter(pilot=cast.pilot_a, due_on=dt.date(2027, 3, 11)).update(
        held_on=dt.date(2027, 3, 11)
    )
    CourseDay.objects.filter(pilot=cast.pilot_a).delete()
    follow_up_meetings_sync(pilot=cast.pilot_a)
    assert _due_dates(cast.pilot_a) == [dt.date(2027, 3, 11)]


def test_cadence_edited_in_the_admin_is_used(cast):
    policy = FollowUpPolicy.objects.create(programme=cast.programme)
    FollowUpStep.objects.create(policy=policy, amount=1, unit=FollowUpStep.Unit.MONTHS)
    FollowUpStep.objects.create(policy=policy, amount=4, unit=FollowUpStep.Unit.WEEKS)
    schedule_course_days(cast.pilot_a, A_DAYS)
    # 25.03.2027 is Maundy Thursday: the Easter holidays run to Monday 29.03.
    assert _due_dates(cast.pilot_a) == [dt.date(2027, 3, 30), dt.date(2027, 3, 30)]
    labels = sorted(m.label for m in FollowUpMeeting.objects.filter(pilot=cast.pilot_a))
    assert len(set(labels)) == 2


def test_sweep_gives_meetings_to_pilots_whose_course_days_came_without_signals(cast, sweep):
    CourseDay.objects.bulk_create(  # an import writing rows in bulk sends no signals
        CourseDayFactory.build(pilot=cast.pilot_a, number=number, date=day)
        for number, day in enumerate(A_DAYS, start=1)
    )
    assert not FollowUpMeeting.objects.filter(pilot=cast.pilot_a).exists()
    sweep(timezone.now())
    assert len(_due_dates(cast.pilot_a)) == 5


def test_course_days_saved_anywhere_schedule_and_move_the_follow_up_meetings(cast):
    for number, day in enumerate(A_DAYS, start=1):
        CourseDayFactory(pilot=cast.pilot_a, number=number, date=day)  # a shell, the demo loader
    assert _due_dates(cast.pilot_a)[0] == dt.date(2027, 3, 11)

    last = CourseDay.objects.get(pilot=cast.pilot_a, number=4)
    last.date = dt.date(2027, 3, 4)
    last.save()
    assert _due_dates(cast.pilot_a)[0] == dt.date(2027, 3, 18)

    CourseDay.objects.filter(pilot=cast.pilot_a).delete()
    assert _due_dates(cast.pilot_a) == []


def test_a_course_day_moved_in_the_admin_moves_the_follow_up_meetings(cast, client):
    schedule_course_days(cast.pilot_a, A_DAYS)  # last course day 25.02.2027
    last = CourseDay.objects.get(pilot=cast.pilot_a, number=4)
    client.force_login(cast.users.superuser)

    response = client.post(
        reverse("admin:training_courseday_change", args=[last.pk]),
        {
            "pilot": cast.pilot_a.pk,
            "number": 4,
            "date": "04.03.2027",
            "starts_at": "08:30",
            "ends_at": "15:30",
            "place": "Rådhuset",
            "topic": "Tavla",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _due_dates(cast.pilot_a) == [
        dt.date(2027, 3, 18),
        dt.date(2027, 4, 15),
        dt.date(2027, 6, 4),
        dt.date(2027, 9, 6),  # 04.09.2027 is a Saturday
        dt.date(2028, 3, 6),  # 04.03.2028 is a Saturday
    ]


# --- The pilot's follow-up page -----------------------------------------------------------------


def test_department_staff_see_their_pilots_follow_up(cast, client):
    schedule_course_days(cast.pilot_a, A_DAYS)
    client.force_login(cast.users.staff_a)
    response = client.get(reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk}))
    assert response.status_code == 200
    content = response.content.decode()
    assert "11.03.2027" in content
    # Staff may read, not record.
    assert (
        reverse("followup:board_meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk})
        not in content
    )


def test_follow_up_page_of_another_municipality_is_not_found(cast, client):
    client.force_login(cast.users.outsider)
    response = client.get(reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk}))
    assert response.status_code == 404


def test_follow_up_page_needs_a_login(cast, client):
    url = reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk})
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("board_meetings", [2, 50])
def test_follow_up_page_costs_the_same_queries_with_more_meetings(
    cast, client, django_assert_num_queries, board_meetings
):
    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    measures = [MeasureFactory(plan=plan) for _ in range(3)]
    for n in range(board_meetings):
        meeting = BoardMeeting.objects.create(
            pilot=cast.pilot_a, held_on=dt.date(2027, 3, 1) + dt.timedelta(days=7 * n)
        )
        meeting.measures_touched.set(measures)
    for meeting in FollowUpMeeting.objects.filter(pilot=cast.pilot_a):
        meeting.attendees.set([cast.tore, cast.monica])
    client.force_login(cast.users.coordinator)
    url = reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk})
    # The same number for 2 board meetings as for 50.
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200


# --- Holding a follow-up meeting ----------------------------------------------------------------


def _hold_url(cast) -> str:
    schedule_course_days(cast.pilot_a, A_DAYS)
    meeting = FollowUpMeeting.objects.filter(pilot=cast.pilot_a).order_by("due_on").first()
    return reverse("followup:follow_up_meeting_hold", kwargs={"pk": meeting.pk})


def test_coordinator_records_a_follow_up_meeting_as_held(cast, client):
    url = _hold_url(cast)
    client.force_login(cast.users.guide)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "held_on": "2026-11-20",
            "notes": "Tavla brukes hver uke.",
            "attendees": [cast.tore.pk, cast.monica.pk],
        },
    )
    assert response.status_code == 302
    meeting = FollowUpMeeting.objects.filter(pilot=cast.pilot_a).order_by("due_on").first()
    assert meeting.held_on == dt.date(2026, 11, 20)
    assert meeting.notes == "Tavla brukes hver uke."
    assert set(meeting.attendees.all()) == {cast.tore, cast.monica}


def test_follow_up_meeting_in_the_future_is_refused_on_the_date_field(cast, client):
    url = _hold_url(cast)
    client.force_login(cast.users.coordinator)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(url, {"held_on": tomorrow.isoformat(), "notes": "Notat"})
    assert response.status_code == 400
    assert response.context["form"].errors["held_on"]
    assert "Notat" in response.content.decode()
    assert FollowUpMeeting.objects.filter(held_on__isnull=False).count() == 0


def test_the_leader_records_their_follow_up_meeting_as_the_reminder_asks(cast, client):
    url = _hold_url(cast)
    client.force_login(cast.users.tore)
    # The reminder links to the pilot's follow-up page; the action it names is there.
    page = client.get(reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk}))
    assert url in page.content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"held_on": "2026-11-20", "attendees": [cast.tore.pk]})
    assert response.status_code == 302
    meeting = FollowUpMeeting.objects.filter(pilot=cast.pilot_a).order_by("due_on").first()
    assert meeting.held_on.isoformat() == "2026-11-20"


def test_staff_and_another_departments_leader_cannot_record_it(cast, client):
    url = _hold_url(cast)
    client.force_login(cast.users.staff_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {"held_on": "2026-11-20"}).status_code == 403
    client.force_login(cast.users.kari)
    assert client.get(url).status_code == 404


def test_other_municipality_cannot_find_the_follow_up_meeting(cast, client):
    url = _hold_url(cast)
    client.force_login(cast.users.outsider)
    assert client.get(url).status_code == 404


def test_attendee_from_outside_the_pilot_is_refused(cast, client):
    url = _hold_url(cast)
    client.force_login(cast.users.coordinator)
    stranger = Pilot.objects.get(pk=cast.other_pilot.pk).programme.roles.first().person
    response = client.post(url, {"held_on": "2026-11-20", "attendees": [stranger.pk]})
    assert response.status_code == 400
    assert response.context["form"].errors["attendees"]


# --- Board meetings -----------------------------------------------------------------------------


def _board_url(cast) -> str:
    return reverse("followup:board_meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk})


def test_leader_logs_a_board_meeting_on_the_phone(cast, client):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    measure = MeasureFactory(plan=plan, title="Kjørelister dagen før")
    client.force_login(cast.users.tore)
    page = client.get(_board_url(cast))
    assert page.status_code == 200
    assert 'type="date"' in page.content.decode()
    response = client.post(
        _board_url(cast),
        {
            "held_on": "2026-11-24",
            "present_count": "9",
            "minutes": "Gjennomgang av tavla.",
            "measures_touched": [measure.pk],
        },
    )
    assert response.status_code == 302
    meeting = BoardMeeting.objects.get(pilot=cast.pilot_a)
    assert (meeting.held_on, meeting.present_count) == (dt.date(2026, 11, 24), 9)
    assert list(meeting.measures_touched.all()) == [measure]


def test_second_board_meeting_the_same_day_is_refused_on_the_date(cast, client):
    BoardMeeting.objects.create(pilot=cast.pilot_a, held_on=dt.date(2026, 11, 24))
    client.force_login(cast.users.coordinator)
    response = client.post(
        _board_url(cast), {"held_on": "2026-11-24", "present_count": "5", "minutes": "Kort."}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["held_on"]
    assert "Kort." in response.content.decode()


def test_measure_of_another_pilot_cannot_be_touched(cast, client):
    other = MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_b))
    client.force_login(cast.users.tore)
    response = client.post(
        _board_url(cast),
        {"held_on": "2026-11-24", "present_count": "5", "measures_touched": [other.pk]},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["measures_touched"]
    assert not BoardMeeting.objects.exists()


def test_staff_and_other_leaders_cannot_log_board_meetings(cast, client):
    for user in (cast.users.staff_a, cast.users.kari):
        client.force_login(user)
        expected = 403 if user == cast.users.staff_a else 404
        assert client.get(_board_url(cast)).status_code == expected


def test_board_meeting_of_another_municipalitys_pilot_is_not_found(cast, client):
    client.force_login(cast.users.outsider)
    assert client.get(_board_url(cast)).status_code == 404


def test_pilot_factory_pilots_get_their_own_policy():
    pilot = PilotFactory()
    CourseDayFactory(pilot=pilot, number=1, date=dt.date(2027, 2, 16))
    meetings = follow_up_meetings_sync(pilot=pilot)
    assert len(meetings) == 5
    assert FollowUpPolicy.objects.filter(programme=pilot.programme).exists()
