"""Facilitators and rooms booked twice at once: a warning after saving and on the pilot page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leanprogram.demo import demo_load
from pilots.models import Pilot
from tests.factories import CourseDayFactory, InformationMeetingFactory, PilotFactory
from training.models import CourseDay
from training.schedule_warnings import double_booking_warnings, pilot_schedule_warnings
from training.services import course_day_schedule, information_meeting_schedule

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
DAY = dt.date(2027, 2, 17)


def _day(pilot, *, number=1, date=DAY, starts=(8, 30), ends=(15, 30), place="", people=()):
    day = CourseDayFactory(
        pilot=pilot,
        number=number,
        date=date,
        starts_at=dt.time(*starts),
        ends_at=dt.time(*ends),
        place=place,
    )
    day.facilitators.set(people)
    return day


def _meeting(pilot, *, starts, ends, place=""):
    return InformationMeetingFactory(
        pilot=pilot,
        starts_at=dt.datetime.combine(DAY, dt.time(*starts), tzinfo=OSLO),
        ends_at=dt.datetime.combine(DAY, dt.time(*ends), tzinfo=OSLO),
        place=place,
    )


def _double_bookings(warnings):
    return [w for w in warnings if w.startswith("Double booking")]


def test_a_facilitator_on_two_pilots_course_days_at_once_is_warned_about(cast):
    day_a = _day(cast.pilot_a, people=[cast.monica, cast.jorunn])
    _day(cast.pilot_b, starts=(12, 0), ends=(14, 0), people=[cast.monica])

    warnings = double_booking_warnings(municipality_id=cast.municipality.pk, course_days=[day_a])

    assert warnings == [
        "Double booking: Monica Lindstrøm facilitates both course day 1 of Omsorg Sør, "
        "hjemmetjenesten 2 (17.02.2027 08:30–15:30) and course day 1 of NAV "
        "flyktningetjenesten (17.02.2027 12:00–14:00)."
    ]


def test_the_same_room_is_compared_without_case_or_spacing(cast):
    day_a = _day(cast.pilot_a, place="Harstad rådhus,  kursrommet")
    _meeting(cast.pilot_b, starts=(15, 0), ends=(16, 0), place=" harstad RÅDHUS, kursrommet")

    warnings = double_booking_warnings(municipality_id=cast.municipality.pk, course_days=[day_a])

    assert warnings == [
        "Double booking: Harstad rådhus,  kursrommet is booked for both course day 1 of Omsorg "
        "Sør, hjemmetjenesten 2 (17.02.2027 08:30–15:30) and the information meeting of NAV "
        "flyktningetjenesten (17.02.2027 15:00–16:00)."
    ]


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"starts": (15, 30), "ends": (16, 30)}, id="back-to-back"),
        pytest.param({"date": DAY + dt.timedelta(days=1)}, id="another-day"),
        pytest.param({"place": "Kulturhuset", "people": ()}, id="another-room-and-people"),
    ],
)
def test_no_warning_without_a_shared_person_or_room_at_the_same_time(cast, other):
    day_a = _day(cast.pilot_a, place="Kursrommet", people=[cast.monica])
    _day(cast.pilot_b, **{"place": "Kursrommet", "people": [cast.monica], **other})

    assert double_booking_warnings(municipality_id=cast.municipality.pk, course_days=[day_a]) == []


def test_bookings_in_another_municipality_do_not_count(cast):
    day_a = _day(cast.pilot_a, place="Kursrommet")
    _day(cast.other_pilot, place="Kursrommet")

    assert double_booking_warnings(municipality_id=cast.municipality.pk, course_days=[day_a]) == []


def test_an_empty_place_is_no_room(cast):
    day_a = _day(cast.pilot_a)
    _day(cast.pilot_b)

    assert double_booking_warnings(municipality_id=cast.municipality.pk, course_days=[day_a]) == []


def test_saving_a_course_day_warns_but_saves(cast, client):
    _day(cast.pilot_b, place="Kursrommet", people=[cast.jorunn])
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("training:course_day_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        {
            "number": "1",
            "date": "17.02.2027",
            "starts_at": "09:00",
            "ends_at": "11:00",
            "place": "kursrommet",
            "topic": "",
            "facilitators": [cast.jorunn.pk],
        },
    )

    assert response.status_code == 302
    assert CourseDay.objects.filter(pilot=cast.pilot_a, number=1).exists()
    warnings = _double_bookings(
        [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    )
    assert len(warnings) == 2
    assert "kursrommet is booked for both course day 1 of Omsorg" in warnings[0]
    assert warnings[1].startswith("Double booking: Jorunn Ervik facilitates both")


def test_moving_a_course_day_does_not_clash_with_itself(cast):
    day = _day(cast.pilot_a, place="Kursrommet", people=[cast.jorunn])

    _saved, warnings = course_day_schedule(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        number=1,
        date=DAY,
        starts_at=dt.time(9),
        ends_at=dt.time(12),
        place="Kursrommet",
        topic="",
        facilitators=[cast.jorunn],
        course_day=day,
    )

    assert _double_bookings(warnings) == []


def test_scheduling_a_meeting_in_a_booked_room_warns(cast):
    _day(cast.pilot_b, place="Møterommet")

    _meeting_saved, warnings = information_meeting_schedule(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        starts_at=dt.datetime.combine(DAY, dt.time(14), tzinfo=OSLO),
        ends_at=dt.datetime.combine(DAY, dt.time(16), tzinfo=OSLO),
        place="Møterommet",
        notes="",
    )

    assert _double_bookings(warnings) == [
        "Double booking: Møterommet is booked for both the information meeting of Omsorg Sør, "
        "hjemmetjenesten 2 (17.02.2027 14:00–16:00) and course day 1 of NAV flyktningetjenesten "
        "(17.02.2027 08:30–15:30)."
    ]


def test_a_pair_is_warned_about_once_on_the_pilot_page(cast):
    _day(cast.pilot_a, number=1, place="Kursrommet")
    _meeting(cast.pilot_a, starts=(12, 0), ends=(13, 0), place="Kursrommet")

    assert len(_double_bookings(pilot_schedule_warnings(pilot=cast.pilot_a))) == 1


def test_double_bookings_cost_three_queries_whatever_the_data(cast):
    days = [
        _day(
            cast.pilot_a,
            number=n,
            date=DAY + dt.timedelta(days=n),
            place="Rom",
            people=[cast.monica],
        )
        for n in (1, 2)
    ]

    def count():
        with CaptureQueriesContext(connection) as queries:
            warnings = double_booking_warnings(
                municipality_id=cast.municipality.pk, course_days=days
            )
        return len(queries), warnings

    few, few_warnings = count()
    for _ in range(10):
        pilot = PilotFactory(programme=cast.programme)
        for n in (1, 2):
            _day(
                pilot,
                number=n,
                date=DAY + dt.timedelta(days=n),
                place="Rom",
                people=[cast.monica, cast.jorunn],
            )
            _meeting(pilot, starts=(9, 0), ends=(10, 0), place="rom")
    many, many_warnings = count()

    # The course days on the same dates, their facilitators, and the overlapping meetings.
    assert few == many == 3
    assert few_warnings == []
    assert len(many_warnings) == 2 * 10 * 2


def test_the_demos_pilot_page_warns_when_both_pilots_share_the_facilitators_and_room(
    client, settings
):
    """In the demo Monica and Jorunn facilitate both pilots' course days in the same room.

    The demo holds them on alternating days; put one of pilot B's days on pilot A's date.
    """
    settings.DEBUG = True
    demo_load(today=dt.date(2026, 12, 2))
    pilot_a, pilot_b = (
        Pilot.objects.get(department__name=name)
        for name in ("Omsorg Sør, hjemmetjenesten 2", "NAV flyktningetjenesten")
    )
    assert _double_bookings(pilot_schedule_warnings(pilot=pilot_a)) == []
    day_a = CourseDay.objects.get(pilot=pilot_a, number=3)
    CourseDay.objects.filter(pilot=pilot_b, number=3).update(date=day_a.date)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(pilot_a.programme.roles.get(role="lean_coordinator").person.user)

    response = client.get(reverse("programme:pilot_detail", kwargs={"pk": pilot_a.pk}))

    html = response.content.decode()
    assert "Double booking: Harstad rådhus, kursrommet is booked for both course day 3" in html
    assert "Double booking: Jorunn Ervik and Monica Lindstrøm facilitate both course day 3" in html
