"""The lean coordinator's working day in a real browser, in bokmål as she sees it.

She logs in, opens Omsorg Sør from the dashboard, moves course day 3 to Wednesday of the Troms
winter holiday week by week number and is warned about it, records everyone's attendance at that
day in one save, and downloads the attendance as a spreadsheet file.
"""

import csv
import io
import re
from datetime import date

import pytest

from leanprogram.demo import DEMO_PASSWORD, HOLIDAY_NAME, HOLIDAY_WEEK, HOME_CARE
from training.models import Attendance, CourseDay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEDNESDAY = 3
# What the coordinator marks, by the people's names in the list; everyone else is present.
ABSENT = "Aisha Rahimi"
EXCUSED = "Jonas Nymo"
STATUS_LABELS = {
    Attendance.Status.PRESENT: "Til stede",
    Attendance.Status.ABSENT: "Fraværende",
    Attendance.Status.EXCUSED: "Meldt forfall",
}
CSV_HEADER = [
    "Dato",
    "Start",
    "Slutt",
    "Varighet (timer:minutter)",
    "Person",
    "Rolle",
    "Status",
    "Hendelse",
]


def short(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def test_coordinator_schedules_a_course_day_in_the_winter_holiday_and_records_attendance(
    page, demo, after_the_demo_course
):
    course_day = CourseDay.objects.get(pilot__department__name=HOME_CARE.name, number=3)
    course_year = course_day.pilot.course_year  # 2027 until the course weeks of 2027 are over
    new_date = date.fromisocalendar(course_year, HOLIDAY_WEEK, WEDNESDAY)
    assert course_day.date != new_date

    # The real login form, as she types it.
    page.goto(f"{demo.url}/accounts/login/")
    page.get_by_label("Brukernavn").fill("koordinator")
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    # She lands on her own tasks, with the way to the programme dashboard first in the page.
    page.wait_for_url(re.compile(r"/my/$"))
    page.locator('main a[href="/programme/"]').click()
    page.wait_for_url(re.compile(r"/programme/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Program"

    # Dashboard → the pilot page.
    page.get_by_role("table").get_by_role("link", name=HOME_CARE.name, exact=True).click()
    expect_heading(page, HOME_CARE.name)

    # Move course day 3 to Wednesday of week 8, given as year, week and weekday.
    page.get_by_role("link", name="Rediger kursdag 3").click()
    expect_heading(page, "Rediger kursdag 3")
    page.get_by_label("Dato", exact=True).fill("")
    page.get_by_label("År", exact=True).fill(str(course_year))
    page.get_by_label("Uke", exact=True).fill(str(HOLIDAY_WEEK))
    page.get_by_label("Ukedag", exact=True).select_option(label="Onsdag")
    page.get_by_role("button", name="Lagre kursdag").click()

    # Back on the pilot page: saved, and warned about the winter holiday on the new date.
    expect_heading(page, HOME_CARE.name)
    # Messages are announced as status messages (role="status"); the warning is one of them.
    messages = page.get_by_role("status")
    assert f"Kursdag 3 er lagret for {short(new_date)}." in messages.all_inner_texts()
    holiday_warning = messages.filter(has_text=HOLIDAY_NAME)
    assert holiday_warning.count() == 1, messages.all_inner_texts()
    warning = holiday_warning.inner_text()
    assert warning.startswith(short(new_date)) and HOLIDAY_NAME in warning, warning
    assert "alert-warning" in holiday_warning.get_attribute("class")
    course_day.refresh_from_db()
    assert course_day.date == new_date

    # Attendance for that day: some present, one absent, one excused, all in one save.
    page.get_by_role("link", name="Oppmøte kursdag 3").click()
    expect_heading(page, f"Oppmøte: kursdag 3, {short(new_date)}")
    names = [
        legend.split(" (")[0].strip()
        for legend in page.get_by_role("group").locator("legend").all_inner_texts()
    ]
    assert set(names) >= {HOME_CARE.leader.full_name, ABSENT, EXCUSED}, names
    wanted = {name: expected_status(name) for name in names}
    for name, status in wanted.items():
        group = page.get_by_role("group", name=re.compile(rf"^{re.escape(name)}\b"))
        group.get_by_label(STATUS_LABELS[status], exact=True).check()
    page.get_by_role("button", name="Lagre oppmøte").click()

    assert page.get_by_role("status").inner_text() == f"Oppmøtet er lagret ({len(names)} endret)."
    saved = dict(
        Attendance.objects.filter(course_day=course_day).values_list("person__full_name", "status")
    )
    assert saved == wanted
    # The page shows what was saved.
    for name, status in wanted.items():
        group = page.get_by_role("group", name=re.compile(rf"^{re.escape(name)}\b"))
        assert group.get_by_label(STATUS_LABELS[status], exact=True).is_checked()

    # The attendance file, from the summary page.
    page.get_by_role("link", name="Oppmøteoversikt").click()
    expect_heading(page, "Oppmøteoversikt")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned oppmøte (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "oppmote-omsorg-sor-hjemmetjenesten-2.csv"
    with open(download.path(), encoding="utf-8") as file:
        content = file.read()

    assert content.startswith("\ufeff"), "the byte order mark Excel needs is missing"
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == CSV_HEADER
    day_rows = [row for row in rows[1:] if row[7] == "Kursdag 3"]
    assert {row[4]: row[6] for row in day_rows} == {
        name: STATUS_LABELS[status] for name, status in wanted.items()
    }
    assert all(row[0] == short(new_date) for row in day_rows)
    assert all(row[1:4] == ["08:30", "15:30", "7:00"] for row in day_rows)
    assert len(day_rows) == len(names), "one row per person"


def expected_status(name: str) -> str:
    if name == ABSENT:
        return Attendance.Status.ABSENT
    if name == EXCUSED:
        return Attendance.Status.EXCUSED
    return Attendance.Status.PRESENT


def expect_heading(page, text: str) -> None:
    page.get_by_role("heading", level=1, name=text).wait_for()
