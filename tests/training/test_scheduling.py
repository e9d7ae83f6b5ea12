"""Scheduling information meetings and course days, and the warnings that come with a date."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from pilots.models import HolidayPeriod, ProgrammeRole
from tests.conftest import REQUEST_QUERIES
from tests.factories import (
    CourseDayFactory,
    InformationMeetingFactory,
    PersonFactory,
    ProgrammeFactory,
)
from training.models import CourseDay, InformationMeeting
from training.schedule_warnings import (
    course_day_plan_warnings,
    date_warnings,
    pilot_schedule_warnings,
)
from training.services import course_day_schedule

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")


def _create_url(pilot):
    return reverse("training:course_day_create", kwargs={"pilot_pk": pilot.pk})


def _course_day_post(**overrides):
    data = {
        "number": "1",
        "date": "",
        "iso_year": "",
        "iso_week": "",
        "weekday": "",
        "starts_at": "08:30",
        "ends_at": "15:30",
        "place": "Kulturhuset",
        "topic": "Verdistrømmen",
    }
    data.update(overrides)
    return data


def _warnings(response):
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


@pytest.fixture
def winter_holiday(cast):
    return HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie (Troms)",
        starts_on=dt.date(2027, 2, 22),
        ends_on=dt.date(2027, 2, 26),
    )


# --- scheduling course days -----------------------------------------------------------------------


def test_coordinator_schedules_course_day_by_date(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a),
        _course_day_post(date="15.02.2027", facilitators=[cast.jorunn.pk, cast.monica.pk]),
    )

    assert response.status_code == 302
    assert response.url == reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk})
    day = CourseDay.objects.get(pilot=cast.pilot_a, number=1)
    assert day.date == dt.date(2027, 2, 15)
    assert (day.starts_at, day.ends_at) == (dt.time(8, 30), dt.time(15, 30))
    assert (day.place, day.topic) == ("Kulturhuset", "Verdistrømmen")
    assert set(day.facilitators.all()) == {cast.jorunn, cast.monica}


def test_coordinator_schedules_course_day_by_iso_week_and_weekday(cast, client):
    client.force_login(cast.users.guide)

    response = client.post(
        _create_url(cast.pilot_a),
        _course_day_post(number="2", iso_year="2027", iso_week="7", weekday="3"),
    )

    assert response.status_code == 302
    assert CourseDay.objects.get(pilot=cast.pilot_a, number=2).date == dt.date(2027, 2, 17)


def test_course_day_in_winter_holiday_warns_on_the_pilot_page_but_saves(
    cast, client, winter_holiday
):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a),
        _course_day_post(number="3", iso_year="2027", iso_week="8", weekday="1"),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk}
    )
    assert CourseDay.objects.get(pilot=cast.pilot_a, number=3).date == dt.date(2027, 2, 22)
    content = response.content.decode()
    assert "Vinterferie (Troms)" in content
    assert "22.02.2027" in content
    assert "alert-warning" in content


def test_course_day_on_a_public_holiday_warns(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(_create_url(cast.pilot_a), _course_day_post(date="17.05.2027"))

    assert response.status_code == 302
    warnings = _warnings(response)
    assert any("17.05.2027" in w and "Constitution Day" in w for w in warnings), warnings


def test_public_holiday_is_named_in_norwegian_for_a_norwegian_page(cast, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    client.force_login(cast.users.coordinator)

    response = client.post(_create_url(cast.pilot_a), _course_day_post(date="17.05.2027"))

    assert any("Grunnlovsdag" in w for w in _warnings(response))


def test_saving_a_course_day_warns_about_the_days_still_missing(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(_create_url(cast.pilot_a), _course_day_post(date="15.02.2027"))

    assert "Course days 2, 3, 4 are not scheduled yet." in _warnings(response)


def test_saving_a_day_before_the_previous_day_warns_about_the_order(cast, client):
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 17))
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a), _course_day_post(number="2", date="16.02.2027")
    )

    assert response.status_code == 302
    assert any("is before course day 1" in w for w in _warnings(response))


def test_invalid_iso_week_is_refused_on_the_week_field_and_keeps_what_was_typed(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a),
        _course_day_post(
            iso_year="2027", iso_week="53", weekday="1", facilitators=[cast.monica.pk]
        ),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["iso_week"]
    assert "2027 has no week 53." in form.errors["iso_week"]
    content = response.content.decode()
    assert 'value="Kulturhuset"' in content
    assert 'value="Verdistrømmen"' in content
    assert 'value="08:30"' in content
    assert 'value="53"' in content
    assert 'value="2027"' in content
    assert re.search(rf'value="{cast.monica.pk}"[^>]* checked>', content)
    assert not CourseDay.objects.exists()


def test_a_year_with_53_weeks_accepts_week_53(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a), _course_day_post(iso_year="2026", iso_week="53", weekday="5")
    )

    assert response.status_code == 302
    assert CourseDay.objects.get().date == dt.date(2027, 1, 1)


def test_duplicate_day_number_is_refused_on_the_number_field(cast, client):
    CourseDayFactory(pilot=cast.pilot_a, number=1)
    client.force_login(cast.users.coordinator)

    response = client.post(_create_url(cast.pilot_a), _course_day_post(date="16.02.2027"))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["number"]
    assert CourseDay.objects.filter(pilot=cast.pilot_a).count() == 1


def test_the_service_refuses_a_duplicate_number_as_a_field_error(cast):
    CourseDayFactory(pilot=cast.pilot_a, number=2)

    with pytest.raises(ValidationError) as error:
        course_day_schedule(
            user=cast.users.coordinator,
            pilot=cast.pilot_a,
            number=2,
            date=dt.date(2027, 2, 18),
            starts_at=dt.time(9),
            ends_at=dt.time(15),
            place="",
            topic="",
            facilitators=[],
        )

    assert list(error.value.message_dict) == ["number"]


def test_another_pilot_may_use_the_same_day_number(cast, client):
    CourseDayFactory(pilot=cast.pilot_b, number=1)
    client.force_login(cast.users.coordinator)

    response = client.post(_create_url(cast.pilot_a), _course_day_post(date="15.02.2027"))

    assert response.status_code == 302


def test_end_before_start_is_refused_on_the_end_field(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a),
        _course_day_post(date="15.02.2027", starts_at="15:00", ends_at="09:00"),
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["ends_at"]


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({}, "date"),
        ({"date": "15.02.2027", "iso_year": "2027", "iso_week": "7", "weekday": "1"}, "date"),
        ({"iso_year": "2027", "iso_week": "7"}, "weekday"),
        ({"date": "31.02.2027"}, "date"),
    ],
    ids=["neither", "both", "week-without-weekday", "no-such-date"],
)
def test_the_date_must_be_given_exactly_one_way(cast, client, fields, error_field):
    client.force_login(cast.users.coordinator)

    response = client.post(_create_url(cast.pilot_a), _course_day_post(**fields))

    assert response.status_code == 400
    assert error_field in response.context["form"].errors
    assert not CourseDay.objects.exists()


def test_facilitators_come_only_from_the_pilots_municipality(cast, client):
    stranger = cast.other_pilot.programme.roles.get().person
    client.force_login(cast.users.coordinator)

    response = client.post(
        _create_url(cast.pilot_a), _course_day_post(date="15.02.2027", facilitators=[stranger.pk])
    )

    assert response.status_code == 400
    assert "facilitators" in response.context["form"].errors


def test_editing_a_course_day_keeps_its_number_and_moves_the_date(cast, client):
    day = CourseDayFactory(pilot=cast.pilot_a, number=2, date=dt.date(2027, 2, 16))
    day.facilitators.add(cast.monica)
    client.force_login(cast.users.coordinator)
    url = reverse("training:course_day_edit", kwargs={"pk": day.pk})

    page = client.get(url)
    response = client.post(
        url, _course_day_post(number="2", date="18.02.2027", facilitators=[cast.monica.pk])
    )

    assert page.status_code == 200
    assert 'value="2027-02-16"' in page.content.decode()
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.date == dt.date(2027, 2, 18)
    assert list(day.facilitators.all()) == [cast.monica]


def test_the_create_form_preselects_the_number_from_the_pilot_page(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.get(_create_url(cast.pilot_a) + "?number=3")

    assert response.status_code == 200
    assert '<option value="3" selected>' in response.content.decode()


def test_course_day_form_queries_do_not_grow_with_the_people_to_choose_from(
    cast, client, django_assert_max_num_queries
):
    client.force_login(cast.users.coordinator)
    url = _create_url(cast.pilot_a)

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    PersonFactory.create_batch(40, municipality=cast.municipality)
    # The request's own (tests.conftest), then the pilot, the day numbers taken, and the
    # municipality's people to choose facilitators from (whether each is in the programme too).
    with (
        django_assert_max_num_queries(REQUEST_QUERIES + 3),
        CaptureQueriesContext(connection) as many,
    ):
        response = client.get(url)

    assert len(many) == len(few)
    assert response.content.decode().count('name="facilitators"') == 40 + 6


def _facilitator_groups(response):
    return [
        (label, [checkbox.choice_label for checkbox in checkboxes])
        for label, checkboxes in response.context["form"].facilitator_groups
    ]


def test_facilitators_are_checkboxes_with_the_programmes_people_first_in_norwegian_order(
    cast, client
):
    for name in ("Åse Berg", "Øystein Dahl", "Ærlig Ask", "Zelda Holm", "Aaron Lie"):
        PersonFactory(municipality=cast.municipality, full_name=name)
    PersonFactory(municipality=cast.municipality, full_name="Borte Borte", is_active=False)
    PersonFactory(municipality=cast.other_municipality, full_name="Anne Annen")
    client.force_login(cast.users.coordinator)

    response = client.get(_create_url(cast.pilot_a))

    html = response.content.decode()
    # The six Harstad people of the cast and the five above.
    assert html.count('type="checkbox" name="facilitators"') == 6 + 5
    assert 'name="facilitators" multiple' not in html
    assert _facilitator_groups(response) == [
        ("Programme", ["Jorunn Ervik", "Monica Lindstrøm"]),
        (
            "Others in the municipality",
            [
                "Kari Hanssen",
                "Ola Nilsen",
                "Siri Olsen",
                "Tore Meltzer",
                "Zelda Holm",
                "Ærlig Ask",
                "Øystein Dahl",
                "Aaron Lie",
                "Åse Berg",
            ],
        ),
    ]
    assert "data-facilitator-filter hidden" in html
    assert "js/facilitator_picker.js" in html


def test_a_coordinator_of_another_programme_is_not_in_the_programme_group(cast, client):
    other = ProgrammeFactory(municipality=cast.municipality, name="Annet program")
    ProgrammeRole.objects.create(programme=other, person=cast.tore, role="lean_coordinator")
    client.force_login(cast.users.coordinator)

    response = client.get(_create_url(cast.pilot_a))

    groups = dict(_facilitator_groups(response))
    assert groups["Programme"] == ["Jorunn Ervik", "Monica Lindstrøm"]
    assert "Tore Meltzer" in groups["Others in the municipality"]


def test_ticked_facilitators_are_saved_and_ticked_again_when_editing(cast, client):
    client.force_login(cast.users.coordinator)

    client.post(
        _create_url(cast.pilot_a),
        _course_day_post(date="15.02.2027", facilitators=[cast.monica.pk, cast.siri.pk]),
    )
    day = CourseDay.objects.get(pilot=cast.pilot_a, number=1)
    response = client.get(reverse("training:course_day_edit", kwargs={"pk": day.pk}))

    assert set(day.facilitators.all()) == {cast.monica, cast.siri}
    ticked = {
        checkbox.choice_label
        for _label, checkboxes in response.context["form"].facilitator_groups
        for checkbox in checkboxes
        if checkbox.data["selected"]
    }
    assert ticked == {"Monica Lindstrøm", "Siri Olsen"}


# --- who may schedule -----------------------------------------------------------------------------


def test_leader_and_staff_cannot_schedule_for_their_own_pilot(cast, client):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    meeting = InformationMeetingFactory(pilot=cast.pilot_a)
    urls = [
        _create_url(cast.pilot_a),
        reverse("training:course_day_edit", kwargs={"pk": day.pk}),
        reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        reverse("training:meeting_edit", kwargs={"pk": meeting.pk}),
    ]
    for user in (cast.users.tore, cast.users.staff_a):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert (
            client.post(reverse("training:meeting_delete", kwargs={"pk": meeting.pk})).status_code
            == 403
        )
    assert InformationMeeting.objects.filter(pk=meeting.pk).exists()


def test_leader_of_another_department_gets_404_on_pilot_a(cast, client):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    meeting = InformationMeetingFactory(pilot=cast.pilot_a)
    client.force_login(cast.users.kari)

    for url in (
        _create_url(cast.pilot_a),
        reverse("training:course_day_edit", kwargs={"pk": day.pk}),
        reverse("training:course_day_attendance", kwargs={"pk": day.pk}),
        reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        reverse("training:meeting_edit", kwargs={"pk": meeting.pk}),
        reverse("training:meeting_attendance", kwargs={"pk": meeting.pk}),
    ):
        assert client.get(url).status_code == 404, url


def test_coordinator_of_another_municipality_gets_404(cast, client):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    client.force_login(cast.users.outsider)

    assert client.get(_create_url(cast.pilot_a)).status_code == 404
    assert client.get(reverse("training:course_day_edit", kwargs={"pk": day.pk})).status_code == 404


def test_anonymous_is_sent_to_login(client, cast):
    response = client.get(_create_url(cast.pilot_a))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- information meetings -------------------------------------------------------------------------


def test_coordinator_schedules_an_information_meeting_in_norwegian_time(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        {
            "date": "20.01.2027",
            "starts_at": "13:00",
            "ends_at": "14:30",
            "place": "Rådhuset",
            "notes": "",
        },
    )

    assert response.status_code == 302
    meeting = InformationMeeting.objects.get(pilot=cast.pilot_a)
    assert meeting.starts_at == dt.datetime(2027, 1, 20, 13, 0, tzinfo=OSLO)
    assert meeting.ends_at == dt.datetime(2027, 1, 20, 14, 30, tzinfo=OSLO)


def test_meeting_on_a_sunday_warns_but_saves(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        {"date": "24.01.2027", "starts_at": "13:00", "ends_at": "14:00"},
    )

    assert response.status_code == 302
    assert _warnings(response) == ["24.01.2027 is a Sunday."]


def test_meeting_form_refuses_end_before_start_and_keeps_input(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        {"date": "20.01.2027", "starts_at": "14:00", "ends_at": "13:00", "place": "Rådhuset"},
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["ends_at"]
    assert 'value="Rådhuset"' in response.content.decode()


def test_meeting_edit_shows_local_times_and_saves_changes(cast, client):
    meeting = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=dt.datetime(2027, 1, 20, 13, 0, tzinfo=OSLO),
        ends_at=dt.datetime(2027, 1, 20, 14, 30, tzinfo=OSLO),
    )
    client.force_login(cast.users.coordinator)
    url = reverse("training:meeting_edit", kwargs={"pk": meeting.pk})

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {"date": "21.01.2027", "starts_at": "09:00", "ends_at": "10:00", "place": "Rådhuset"},
    )

    assert 'value="2027-01-20"' in page
    assert 'value="13:00"' in page
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == dt.datetime(2027, 1, 21, 9, 0, tzinfo=OSLO)


def test_meeting_delete_is_post_only_and_deletes(cast, client):
    meeting = InformationMeetingFactory(pilot=cast.pilot_a)
    client.force_login(cast.users.coordinator)
    url = reverse("training:meeting_delete", kwargs={"pk": meeting.pk})

    assert client.get(url).status_code == 405
    response = client.post(url)

    assert response.status_code == 302
    assert not InformationMeeting.objects.filter(pk=meeting.pk).exists()


# --- the warning functions ------------------------------------------------------------------------


def test_date_warnings_name_public_holiday_holiday_period_and_weekend(cast, winter_holiday):
    with translation.override("en"):
        [holiday] = date_warnings(day=dt.date(2027, 5, 17), municipality=cast.municipality)
        assert holiday.startswith("17.05.2027 is a public holiday (")
        assert "Constitution Day" in holiday
        assert date_warnings(day=dt.date(2027, 2, 23), municipality=cast.municipality) == [
            "23.02.2027 falls in Vinterferie (Troms) (22.02.2027–26.02.2027)."
        ]
        assert date_warnings(day=dt.date(2027, 2, 20), municipality=cast.municipality) == [
            "20.02.2027 is a Saturday."
        ]
        assert date_warnings(day=dt.date(2027, 2, 17), municipality=cast.municipality) == []


def test_holiday_periods_of_other_municipalities_do_not_warn(cast, winter_holiday):
    assert date_warnings(day=dt.date(2027, 2, 23), municipality=cast.other_municipality) == []


def test_plan_warnings_for_missing_out_of_order_and_outside_course_weeks(cast):
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 17))
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=dt.date(2027, 2, 16))
    CourseDayFactory(pilot=cast.pilot_a, number=3, date=dt.date(2027, 3, 2))

    with translation.override("en"):
        warnings = course_day_plan_warnings(pilot=cast.pilot_a)

    assert warnings == [
        "Course day 4 is not scheduled yet.",
        "Course day 2 (16.02.2027) is before course day 1 (17.02.2027).",
        "Course day 3 (02.03.2027, week 9) is outside the pilot's course weeks "
        "(weeks 7–8 of 2027).",
    ]


def test_four_days_in_order_inside_the_course_weeks_give_no_plan_warnings(cast):
    for number, day in enumerate((15, 17, 22, 24), start=1):
        CourseDayFactory(pilot=cast.pilot_a, number=number, date=dt.date(2027, 2, day))

    assert course_day_plan_warnings(pilot=cast.pilot_a) == []


def test_pilot_schedule_warnings_collect_date_and_plan_warnings(cast, winter_holiday):
    CourseDayFactory(pilot=cast.pilot_a, number=3, date=dt.date(2027, 2, 22))

    with translation.override("en"):
        warnings = pilot_schedule_warnings(pilot=cast.pilot_a)

    assert "Course days 1, 2, 4 are not scheduled yet." in warnings
    assert any(w.startswith("Course day 3: 22.02.2027 falls in Vinterferie") for w in warnings)


def test_scheduling_course_days_creates_and_moves_follow_up_meetings(cast, client):
    from followup.models import FollowUpMeeting

    client.force_login(cast.users.coordinator)
    client.post(_create_url(cast.pilot_a), _course_day_post(date="26.02.2027"))
    first = {m.label: m.due_on for m in FollowUpMeeting.objects.filter(pilot=cast.pilot_a)}

    day = cast.pilot_a.course_days.get()
    client.post(
        reverse("training:course_day_edit", args=[day.pk]), _course_day_post(date="05.03.2027")
    )
    moved = {m.label: m.due_on for m in FollowUpMeeting.objects.filter(pilot=cast.pilot_a)}

    assert len(first) == 5
    assert first.keys() == moved.keys()
    # 2 and 6 weeks move by the week. The months would move by 10, 10 and 8 days (February is
    # short, 2028 a leap year), but each meeting falls on a working day: 26.02.2028 and
    # 05.06.2027 are Saturdays, 05.09.2027 and 05.03.2028 Sundays, so they go to the Monday.
    assert sorted(first.values()) == [
        dt.date(2027, 3, 12),
        dt.date(2027, 4, 9),
        dt.date(2027, 5, 26),
        dt.date(2027, 8, 26),
        dt.date(2028, 2, 28),
    ]
    assert sorted(moved.values()) == [
        dt.date(2027, 3, 19),
        dt.date(2027, 4, 16),
        dt.date(2027, 6, 7),
        dt.date(2027, 9, 6),
        dt.date(2028, 3, 6),
    ]


@pytest.mark.parametrize("who", ["tore", "staff_a", "outsider"])
def test_the_service_refuses_scheduling_to_anyone_but_the_programme(cast, who):
    """A shell, the admin or a task calling the service gets the same answer as the page."""
    with pytest.raises(PermissionDenied):
        course_day_schedule(
            user=getattr(cast.users, who),
            pilot=cast.pilot_a,
            number=1,
            date=dt.date(2027, 2, 16),
            starts_at=dt.time(9),
            ends_at=dt.time(15),
            place="",
            topic="",
            facilitators=[],
        )

    assert not CourseDay.objects.filter(pilot=cast.pilot_a).exists()
