"""The lean coordinator starts a new pilot, Harstad sykehjem, from nothing, in a real browser.

She creates the department, gives it a new leader, imports the staff from a file made like an HR
export, adds an information meeting, is proposed four course days, moves them out of the weeks
the first two pilots and the winter holiday fill, confirms them, and lands on the pilot page.

The page texts are read in English (the language switcher's cookie): the new pages' Norwegian
translations are filled in the catalogs separately, and the English msgids do not change.
"""

import datetime as dt
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from followup.models import FollowUpMeeting
from leanprogram.demo import DEMO_PASSWORD
from pilots.models import DepartmentRole, Person, Pilot
from training.models import CourseDay, InformationMeeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEPARTMENT = "Harstad sykehjem"
LEADER = "Hilde Sørensen"
# As the HR system exports it: UTF-8 with a byte order mark, semicolons, Windows line ends,
# æøå, and the employee number and job title the import has no use for.
HR_EXPORT = "\ufeff" + (
    "Fornavn;Etternavn;E-post;Stilling;Stillingsprosent;Ansattnummer\r\n"
    "Åshild;Bjørkås;ashild.bjorkas@harstad.kommune.no;Sykepleier;100;20001\r\n"
    "Ørjan;Kræmer;orjan.kraemer@harstad.kommune.no;Helsefagarbeider;75;20002\r\n"
    "Mette;Ærø Dahl;mette.aero.dahl@harstad.kommune.no;Assistent;40;20003\r\n"
)


@pytest.fixture
def before_the_course_year(demo):
    """The clock on 3 December before the demo's course weeks, wherever the calendar is now."""
    course_year = Pilot.objects.values_list("course_year", flat=True).first()
    moment = dt.datetime(course_year - 1, 12, 3, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield course_year


def heading(page, text: str) -> None:
    page.get_by_role("heading", level=1, name=text).wait_for()


def parse_date(text: str) -> dt.date:
    # A date picker's value is ISO, whatever the browser shows.
    return dt.date.fromisoformat(text)


def short(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def test_coordinator_starts_harstad_sykehjem_from_nothing(
    page, demo, before_the_course_year, tmp_path
):
    course_year = before_the_course_year
    page.goto(f"{demo.url}/accounts/login/")
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": demo.url}]
    )
    page.goto(f"{demo.url}/accounts/login/")
    page.get_by_label("Username").fill("koordinator")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Everyone lands on their own tasks; the coordinator's lead on to the programme.
    heading(page, "My tasks")
    page.get_by_role("link", name="Open the programme dashboard").click()
    heading(page, "Programme")

    # Step 1: a new department.
    page.get_by_role("link", name="New pilot", exact=True).click()
    heading(page, "New pilot")
    page.get_by_label("Name", exact=True).fill(DEPARTMENT)
    page.get_by_label("Service area").fill("Helse og omsorg")
    page.get_by_role("button", name="Create the pilot").click()
    heading(page, f"Set up {DEPARTMENT}")
    pilot = Pilot.objects.get(department__name=DEPARTMENT)
    assert pilot.phase == Pilot.Phase.PLANNED

    # Step 2: a new person leads it.
    page.get_by_role("link", name="Choose the leader").click()
    heading(page, "Leader of the department")
    page.get_by_label("Name", exact=True).fill(LEADER)
    page.get_by_label("Work e-mail").fill("hilde.sorensen@harstad.kommune.no")
    page.get_by_label("Phone").fill("+47 900 12 345")
    page.get_by_role("button", name="Save the leader").click()
    heading(page, f"Set up {DEPARTMENT}")
    assert page.get_by_text(f"{LEADER} now leads {DEPARTMENT}.").is_visible()

    # Step 3: the staff, from the HR system's file; the staff pages lead back to the checklist.
    export = tmp_path / "ansatte-sykehjem.csv"
    export.write_bytes(HR_EXPORT.encode("utf-8"))
    page.get_by_role("link", name=re.compile("^Import staff from a CSV file")).click()
    heading(page, f"Import staff to {DEPARTMENT}")
    page.get_by_label("CSV file").set_input_files(export)
    page.get_by_role("button", name="Show preview").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    assert page.get_by_text("These columns are not imported: Stilling, Ansattnummer.").is_visible()
    rows = page.get_by_role("table").get_by_role("row")
    assert rows.filter(has_text="Ørjan Kræmer").count() == 1
    page.get_by_role("button", name="Confirm import").click()
    heading(page, f"Staff of {DEPARTMENT}")
    assert page.get_by_role("rowheader", name="Mette Ærø Dahl").is_visible()
    page.get_by_role("link", name="Back to the pilot setup").click()
    heading(page, f"Set up {DEPARTMENT}")
    assert page.get_by_text("3 people besides the leader.").is_visible()

    # Step 4: an information meeting in January.
    meeting_day = dt.date.fromisocalendar(course_year, 3, 3)
    page.get_by_role("link", name="Add an information meeting").click()
    heading(page, "Information meetings")
    # The browser's date picker takes (and sends) ISO dates; it shows them as dd.mm.yyyy.
    page.get_by_label("Date").fill(meeting_day.isoformat())
    page.get_by_label("Starts at").fill("13:00")
    page.get_by_label("Ends at").fill("14:30")
    page.get_by_label("Place").fill("Sykehjemmets kantine")
    page.get_by_role("button", name="Save meeting").click()
    page.get_by_role("cell", name="Sykehjemmets kantine").wait_for()
    page.get_by_role("link", name="Back to the checklist").click()
    heading(page, f"Set up {DEPARTMENT}")

    # Step 5: the proposal. Weeks 7–8 hold the first two pilots' course days, led by the same
    # two people, and the Troms winter holiday: only one day is free, and she is told so.
    page.get_by_role("link", name="Propose the course days").click()
    heading(page, "Course days")
    assert (
        page.get_by_role("status")
        .filter(has_text=f"Only 1 of 4 course days fit in weeks 7–8 of {course_year}.")
        .is_visible()
    )
    programme_people = page.get_by_role("group", name="Programme")
    assert programme_people.get_by_label("Jorunn Ervik").is_checked()
    assert programme_people.get_by_label("Monica Lindstrøm").is_checked()

    # She tries weeks 10 and 11 instead and takes the four days proposed there.
    page.get_by_label("First course week").fill("10")
    page.get_by_label("Last course week").fill("11")
    page.get_by_role("button", name="Propose dates again").click()
    page.get_by_role("status").filter(
        has_text=f"Proposed: 4 course days in weeks 10–11 of {course_year}."
    ).wait_for()
    proposed = [
        parse_date(page.locator(f"#id_day-{index}-date").input_value()) for index in range(4)
    ]
    assert [day.isocalendar().week for day in proposed] == [10, 10, 11, 11]
    for index in range(4):
        page.locator(f"#id_day-{index}-place").fill("Harstad rådhus, kursrommet")
    page.get_by_role("button", name="Confirm the course days").click()

    # The pilot page, with the four days.
    heading(page, DEPARTMENT)
    assert page.get_by_role("status").filter(has_text="4 course days are saved.").is_visible()
    html = page.content()
    for day in proposed:
        assert short(day) in html
    assert page.get_by_text(f"weeks 10–11, {course_year}").is_visible()

    pilot.refresh_from_db()
    assert (pilot.course_year, pilot.course_week_first, pilot.course_week_last) == (
        course_year,
        10,
        11,
    )
    days = list(CourseDay.objects.filter(pilot=pilot).order_by("number"))
    assert [(day.number, day.date) for day in days] == list(enumerate(proposed, start=1))
    assert {person.full_name for person in days[0].facilitators.all()} == {
        "Jorunn Ervik",
        "Monica Lindstrøm",
    }
    assert InformationMeeting.objects.filter(pilot=pilot).count() == 1
    leader = Person.objects.get(full_name=LEADER)
    assert DepartmentRole.objects.filter(
        department=pilot.department, person=leader, role="department_leader"
    ).exists()
    assert set(
        DepartmentRole.objects.filter(department=pilot.department, role="staff").values_list(
            "person__full_name", flat=True
        )
    ) == {"Åshild Bjørkås", "Ørjan Kræmer", "Mette Ærø Dahl"}
    assert FollowUpMeeting.objects.filter(pilot=pilot).exists()
