"""Recording who came to information meetings and course days, the summary and the CSV export."""

import csv
import datetime as dt
import io
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.models import DepartmentRole
from tests.conftest import REQUEST_QUERIES
from tests.factories import (
    CourseDayFactory,
    DepartmentRoleFactory,
    InformationMeetingFactory,
    PersonFactory,
)
from training.models import Attendance
from training.services import UnknownPeopleError, attendance_record

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")

# The meeting and course days below are in January and February 2027; attendance can only be
# recorded once they have started, so the clock stands after them.
AFTER_THE_COURSE = dt.datetime(2027, 3, 1, 12, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _clock_after_the_course():
    with mock.patch("django.utils.timezone.now", return_value=AFTER_THE_COURSE):
        yield


@pytest.fixture
def day1(cast):
    return CourseDayFactory(
        pilot=cast.pilot_a,
        number=1,
        date=dt.date(2027, 2, 15),
        starts_at=dt.time(8, 30),
        ends_at=dt.time(15, 0),
    )


@pytest.fixture
def course_days(cast, day1):
    return [day1] + [
        CourseDayFactory(pilot=cast.pilot_a, number=n, date=dt.date(2027, 2, d))
        for n, d in ((2, 17), (3, 22), (4, 24))
    ]


@pytest.fixture
def meeting(cast):
    return InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=dt.datetime(2027, 1, 20, 13, 0, tzinfo=OSLO),
        ends_at=dt.datetime(2027, 1, 20, 14, 30, tzinfo=OSLO),
    )


def _day_url(day):
    return reverse("training:course_day_attendance", kwargs={"pk": day.pk})


def _statuses(target_filter):
    return dict(
        Attendance.objects.filter(**target_filter).values_list("person__full_name", "status")
    )


def _department_person_ids(cast):
    return set(
        DepartmentRole.objects.filter(department=cast.dept_a).values_list("person_id", flat=True)
    )


def _extra_staff(cast, count):
    DepartmentRoleFactory.create_batch(count, department=cast.dept_a)


# --- recording ------------------------------------------------------------------------------------


def test_coordinator_records_everyone_in_one_submit(cast, client, day1):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _day_url(day1),
        {
            f"status_{cast.tore.pk}": "present",
            f"status_{cast.siri.pk}": "absent",
            f"status_{cast.ola.pk}": "excused",
        },
    )

    assert response.status_code == 302
    assert response.url == _day_url(day1)
    assert _statuses({"course_day": day1}) == {
        "Tore Meltzer": "present",
        "Siri Olsen": "absent",
        "Ola Nilsen": "excused",
    }
    assert set(Attendance.objects.values_list("recorded_by", flat=True)) == {
        cast.users.coordinator.pk
    }


def test_page_lists_each_department_person_once_with_roles(cast, client, day1):
    client.force_login(cast.users.guide)

    response = client.get(_day_url(day1))

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("Ola Nilsen") == 1
    assert "staff, union representative" in content
    assert "Kari Hanssen" not in content
    people = [person for person, _field in response.context["form"].rows]
    assert people == [cast.ola, cast.siri, cast.tore]
    assert content.count("<fieldset") == 3
    assert content.count("<legend") == 3


def test_page_is_prefilled_and_a_second_submit_updates_without_duplicates(cast, client, day1):
    Attendance.objects.create(person=cast.siri, course_day=day1, status="absent")
    client.force_login(cast.users.tore)

    page = client.get(_day_url(day1))
    response = client.post(
        _day_url(day1),
        {f"status_{cast.siri.pk}": "excused", f"status_{cast.tore.pk}": "present"},
    )

    assert page.context["form"][f"status_{cast.siri.pk}"].value() == "absent"
    assert re.search(
        rf'name="status_{cast.siri.pk}" value="absent"[^>]*checked', page.content.decode()
    )
    assert response.status_code == 302
    assert Attendance.objects.filter(course_day=day1).count() == 2
    assert _statuses({"course_day": day1}) == {"Siri Olsen": "excused", "Tore Meltzer": "present"}
    assert Attendance.objects.get(person=cast.siri).recorded_by == cast.users.tore


def test_mark_all_present_fills_in_everyone_without_a_status(cast, client, day1):
    client.force_login(cast.users.coordinator)

    response = client.post(_day_url(day1), {"all_present": "1", f"status_{cast.siri.pk}": "absent"})

    assert response.status_code == 302
    assert _statuses({"course_day": day1}) == {
        "Tore Meltzer": "present",
        "Siri Olsen": "absent",
        "Ola Nilsen": "present",
    }


def test_attendance_for_unknown_people_is_refused_with_400(cast, client, day1):
    client.force_login(cast.users.coordinator)

    for unknown in (cast.kari.pk, 987654):
        response = client.post(
            _day_url(day1),
            {f"status_{cast.tore.pk}": "present", f"status_{unknown}": "present"},
        )

        assert response.status_code == 400
        assert "unknown people" in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_unknown_status_is_refused_with_400(cast, client, day1):
    client.force_login(cast.users.coordinator)

    response = client.post(_day_url(day1), {f"status_{cast.tore.pk}": "asleep"})

    assert response.status_code == 400
    assert f"status_{cast.tore.pk}" in response.context["form"].errors
    assert not Attendance.objects.exists()


def test_the_service_refuses_people_outside_the_department(cast, day1):
    with pytest.raises(UnknownPeopleError):
        attendance_record(
            target=day1,
            statuses={cast.tore.pk: "present", cast.kari.pk: "present"},
            user=cast.users.coordinator,
        )

    assert not Attendance.objects.exists()


def test_information_meeting_attendance_is_recorded_the_same_way(cast, client, meeting):
    client.force_login(cast.users.tore)
    url = reverse("training:meeting_attendance", kwargs={"pk": meeting.pk})

    page = client.get(url)
    response = client.post(url, {"all_present": "1"})

    assert page.status_code == 200
    assert "20.01.2027" in page.content.decode()
    assert response.status_code == 302
    assert _statuses({"information_meeting": meeting}) == {
        "Tore Meltzer": "present",
        "Siri Olsen": "present",
        "Ola Nilsen": "present",
    }


def test_someone_who_left_the_department_keeps_their_recorded_attendance(cast, client, day1):
    Attendance.objects.create(person=cast.siri, course_day=day1, status="present")
    DepartmentRole.objects.filter(person=cast.siri).delete()
    client.force_login(cast.users.coordinator)

    response = client.get(_day_url(day1))

    assert cast.siri in [person for person, _field in response.context["form"].rows]


# --- who may record -------------------------------------------------------------------------------


def test_staff_cannot_open_attendance_pages(cast, client, day1, meeting):
    client.force_login(cast.users.staff_a)

    for url in (
        _day_url(day1),
        reverse("training:meeting_attendance", kwargs={"pk": meeting.pk}),
        reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk}),
        reverse("training:attendance_export", kwargs={"pk": cast.pilot_a.pk}),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(_day_url(day1), {f"status_{cast.siri.pk}": "present"}).status_code == 403
    assert not Attendance.objects.exists()


def test_leader_of_another_department_gets_404(cast, client, day1, meeting):
    client.force_login(cast.users.kari)

    for url in (
        _day_url(day1),
        reverse("training:meeting_attendance", kwargs={"pk": meeting.pk}),
        reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk}),
        reverse("training:attendance_export", kwargs={"pk": cast.pilot_a.pk}),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(_day_url(day1), {f"status_{cast.kari.pk}": "present"}).status_code == 404


def test_coordinator_of_another_municipality_gets_404(cast, client, day1):
    client.force_login(cast.users.outsider)

    assert client.get(_day_url(day1)).status_code == 404


# --- summary --------------------------------------------------------------------------------------


def test_summary_counts_course_days_present_per_person(cast, client, course_days, meeting):
    d1, d2, d3, d4 = course_days
    for day in (d1, d2, d3):
        Attendance.objects.create(person=cast.tore, course_day=day, status="present")
    Attendance.objects.create(person=cast.tore, course_day=d4, status="excused")
    Attendance.objects.create(person=cast.siri, course_day=d1, status="present")
    Attendance.objects.create(person=cast.siri, course_day=d2, status="absent")
    Attendance.objects.create(person=cast.ola, information_meeting=meeting, status="present")
    client.force_login(cast.users.tore)

    response = client.get(reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk}))

    assert response.status_code == 200
    summary = response.context["summary"]
    assert [event.label for event in summary.events] == [
        "Information meeting",
        "Course day 1",
        "Course day 2",
        "Course day 3",
        "Course day 4",
    ]
    by_name = {row.person.full_name: row for row in summary.rows}
    assert by_name["Tore Meltzer"].course_days_present == 3
    assert by_name["Tore Meltzer"].statuses == [None, "present", "present", "present", "excused"]
    assert by_name["Siri Olsen"].course_days_present == 1
    assert by_name["Ola Nilsen"].course_days_present == 0
    assert summary.present_per_event == [1, 2, 1, 1, 0]
    content = response.content.decode()
    assert "3 of 4" in content
    assert "<caption>" in content
    assert "not recorded" in content


def test_summary_without_any_scheduled_events_says_so(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk}))

    assert response.status_code == 200
    assert "No information meetings or course days are scheduled yet." in (
        response.content.decode()
    )


# --- export ---------------------------------------------------------------------------------------


def _csv_rows(response):
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


def test_csv_export_has_a_row_per_person_and_event(cast, client, course_days, meeting):
    Attendance.objects.create(person=cast.tore, course_day=course_days[0], status="present")
    Attendance.objects.create(person=cast.siri, information_meeting=meeting, status="excused")
    client.force_login(cast.users.coordinator)

    response = client.get(
        reverse("training:attendance_export", kwargs={"pk": cast.pilot_a.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="attendance-omsorg-sor-hjemmetjenesten-2.csv"'
    )
    header, *rows = _csv_rows(response)
    assert header == [
        "Date",
        "Start",
        "End",
        "Duration (hours:minutes)",
        "Person",
        "Role",
        "Status",
        "Event",
    ]
    assert len(rows) == 3 * 5
    assert [
        "20.01.2027",
        "13:00",
        "14:30",
        "1:30",
        "Siri Olsen",
        "Staff",
        "Excused",
        "Information meeting",
    ] in rows
    assert [
        "15.02.2027",
        "08:30",
        "15:00",
        "6:30",
        "Tore Meltzer",
        "Department leader",
        "Present",
        "Course day 1",
    ] in rows
    assert [
        "15.02.2027",
        "08:30",
        "15:00",
        "6:30",
        "Ola Nilsen",
        "Staff, union representative",
        "Not recorded",
        "Course day 1",
    ] in rows


def test_csv_export_defuses_formulas_in_cells(cast, client, day1):
    DepartmentRoleFactory(
        department=cast.dept_a,
        person=PersonFactory(municipality=cast.municipality, full_name='=HYPERLINK("http://x")'),
    )
    DepartmentRoleFactory(
        department=cast.dept_a,
        person=PersonFactory(municipality=cast.municipality, full_name="@SUM(A1)"),
    )
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("training:attendance_export", kwargs={"pk": cast.pilot_a.pk}))

    names = [row[4] for row in _csv_rows(response)[1:]]
    assert '\'=HYPERLINK("http://x")' in names
    assert "'@SUM(A1)" in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


# --- query budgets --------------------------------------------------------------------------------


def _queries(client, url, data=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    return len(context)


def _everyone_present(cast, course_days):
    for day in course_days:
        attendance_record(
            target=day,
            statuses=dict.fromkeys(_department_person_ids(cast), "present"),
            user=cast.users.coordinator,
        )


@pytest.mark.parametrize(
    ("url_name", "budget"),
    [
        # The request's own (tests.conftest), then the course day, the department's people, their
        # roles and the attendance recorded.
        ("course_day_attendance", REQUEST_QUERIES + 4),
        # The request's own, then the pilot, its meetings, its course days, all attendance, the
        # department's people and their roles.
        ("attendance_summary", REQUEST_QUERIES + 6),
        ("attendance_export", REQUEST_QUERIES + 6),
    ],
)
def test_attendance_pages_query_count_is_the_same_for_3_and_30_people(
    cast, client, course_days, meeting, django_assert_max_num_queries, url_name, budget
):
    pk = course_days[0].pk if url_name == "course_day_attendance" else cast.pilot_a.pk
    url = reverse(f"training:{url_name}", kwargs={"pk": pk})
    client.force_login(cast.users.coordinator)

    _everyone_present(cast, course_days)
    with django_assert_max_num_queries(budget):
        few = _queries(client, url)
    _extra_staff(cast, 27)
    _everyone_present(cast, course_days)
    with django_assert_max_num_queries(budget):
        many = _queries(client, url)

    assert many == few


def test_saving_attendance_query_count_is_the_same_for_3_and_30_people(cast, client, day1):
    client.force_login(cast.users.coordinator)
    url = _day_url(day1)

    def save_everyone(status):
        data = {f"status_{pk}": status for pk in _department_person_ids(cast)}
        return _queries(client, url, data)

    few_created, few_updated = save_everyone("present"), save_everyone("absent")
    Attendance.objects.all().delete()
    _extra_staff(cast, 27)
    many_created, many_updated = save_everyone("present"), save_everyone("absent")

    assert (many_created, many_updated) == (few_created, few_updated)
    assert Attendance.objects.filter(course_day=day1, status="absent").count() == 30


# --- not before the start -------------------------------------------------------------------------


def _at(moment: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_attendance_cannot_be_recorded_before_the_course_day_starts(cast, day1):
    just_before = dt.datetime(2027, 2, 15, 8, 29, tzinfo=OSLO)

    with _at(just_before), pytest.raises(ValidationError) as raised:
        attendance_record(target=day1, statuses={cast.siri.pk: "present"}, user=cast.users.tore)

    assert raised.value.code == "not_started"
    assert raised.value.messages == [
        "This has not started yet. Attendance can be recorded from 15.02.2027 08:30."
    ]
    assert not Attendance.objects.exists()


def test_attendance_can_be_recorded_from_the_start_in_norwegian_time(cast, day1):
    # 08:30 in Oslo in February is 07:30 UTC.
    at_the_start = dt.datetime(2027, 2, 15, 7, 30, tzinfo=dt.UTC)

    with _at(at_the_start):
        changed = attendance_record(
            target=day1, statuses={cast.siri.pk: "present"}, user=cast.users.tore
        )

    assert changed == 1


def test_a_future_meeting_refuses_attendance_with_400_and_keeps_the_form(cast, client, meeting):
    url = reverse("training:meeting_attendance", kwargs={"pk": meeting.pk})
    client.force_login(cast.users.coordinator)

    with _at(dt.datetime(2027, 1, 20, 12, 59, tzinfo=OSLO)):
        response = client.post(url, {f"status_{cast.siri.pk}": "present"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "This has not started yet. Attendance can be recorded from 20.01.2027 13:00." in html
    assert f'name="status_{cast.siri.pk}" value="present"' in html
    assert not Attendance.objects.exists()


def test_the_page_of_a_future_course_day_shows_a_note_instead_of_the_save_button(
    cast, client, day1
):
    client.force_login(cast.users.coordinator)

    with _at(dt.datetime(2027, 2, 1, 12, 0, tzinfo=OSLO)):
        before = client.get(_day_url(day1)).content.decode()
    after = client.get(_day_url(day1)).content.decode()

    assert "Attendance can be recorded from 15.02.2027 08:30." in before
    assert "Save attendance" not in before
    assert "Save attendance" in after
    assert "Attendance can be recorded from" not in after
