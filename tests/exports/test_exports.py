"""The Excel and CSV exports: what they hold, their types and layout, who gets which, and cost."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from plans.models import Measure, ProjectPlan, Suggestion
from tests.factories import CourseDayFactory, DepartmentRoleFactory, PersonFactory
from tests.programme.test_dashboard import add_pilots, populate_pilot
from training.models import Attendance

pytestmark = pytest.mark.django_db

KINDS = ("status", "measures", "attendance", "suggestions", "gains")
FORMATS = ("xlsx", "csv")
HYPERLINK = '=HYPERLINK("x")'


@pytest.fixture
def client(client):
    # English msgids in the files whatever the catalogs say later.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(cast, kind: str, fmt: str) -> str:
    return reverse(
        "exports:programme_export",
        kwargs={"programme_pk": cast.programme.pk, "kind": kind, "fmt": fmt},
    )


def _pilot_url(pilot, kind: str, fmt: str) -> str:
    return reverse("exports:pilot_export", kwargs={"pk": pilot.pk, "kind": kind, "fmt": fmt})


def _content(response) -> bytes:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def _sheet(response):
    workbook = load_workbook(io.BytesIO(_content(response)))
    return workbook, workbook.active


def _values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _csv(response) -> list[list[str]]:
    raw = _content(response).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


def _column(rows: list, name: str) -> list:
    header, *data = rows
    index = list(header).index(name)
    return [row[index] for row in data]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def populated(cast, today):
    populate_pilot(cast.pilot_a, today=today, people=[cast.siri, cast.ola, cast.tore])
    populate_pilot(cast.pilot_b, today=today)
    Suggestion.objects.create(pilot=cast.pilot_a, author=cast.siri, text="Fast plass for nøkler")
    Suggestion.objects.create(pilot=cast.pilot_b, text="Kortere morgenmøte")
    return cast


# --- layout and types ----------------------------------------------------------------------------


def test_status_workbook_has_the_dashboards_figures_typed_with_a_frozen_filtered_header(
    client, populated, today
):
    cast = populated
    client.force_login(cast.users.coordinator)
    dashboard_rows = {
        row.pilot.department.name: row
        for row in client.get(reverse("programme:dashboard")).context["rows"]
    }

    workbook, sheet = _sheet(client.get(_url(cast, "status", "xlsx")))

    rows = _values(sheet)
    assert sheet.title == "Programme status"
    assert workbook.properties.title == "Programme status"
    assert workbook.properties.subject == cast.programme.name
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:S3"
    assert all(cell.font.b for cell in sheet[1])
    assert rows[0][:3] == ("Programme", "Department", "Phase")
    assert len(rows) == 3
    by_department = {row[1]: row for row in rows[1:]}
    assert set(by_department) == {cast.dept_a.name, cast.dept_b.name}
    exported = dict(zip(rows[0], by_department[cast.dept_a.name], strict=True))
    shown = dashboard_rows[cast.dept_a.name]
    assert exported["Course days held"] == shown.course_days_held == 2
    assert exported["Attendance rate (per cent)"] == shown.attendance_rate == 60
    assert exported["Open measures"] == shown.measures_open == 2
    assert exported["Overdue measures"] == shown.measures_overdue == 1
    assert exported["Next follow-up"].date() == shown.next_follow_up
    assert exported["Project plan"] == str(shown.plan_status_label).capitalize()
    assert isinstance(exported["Next follow-up"], dt.datetime)
    follow_up_cell = sheet.cell(row=2, column=rows[0].index("Next follow-up") + 1)
    assert follow_up_cell.number_format == "dd.mm.yyyy"
    assert follow_up_cell.data_type == "d"


def test_column_widths_fit_the_values_and_are_capped(client, cast, objects):
    objects.measure.description = "Lang beskrivelse " * 20
    objects.measure.save()
    client.force_login(cast.users.coordinator)

    _workbook, sheet = _sheet(client.get(_url(cast, "measures", "xlsx")))

    header = _values(sheet)[0]
    width = {
        name: sheet.column_dimensions[get_column_letter(i)].width
        for i, name in enumerate(header, start=1)
    }
    assert width["Department"] >= len(cast.dept_a.name)
    assert width["Description"] == 60
    assert width["Deadline"] >= len("dd.mm.yyyy")
    assert all(6 <= value <= 60 for value in width.values())


def test_measures_have_dates_as_dates_and_hours_as_numbers(client, cast, objects):
    objects.measure.deadline = dt.date(2027, 3, 15)
    objects.measure.hours_identified_per_week = Decimal("2.5")
    objects.measure.save()
    client.force_login(cast.users.coordinator)

    _workbook, sheet = _sheet(client.get(_url(cast, "measures", "xlsx")))
    rows = _csv(client.get(_url(cast, "measures", "csv")))

    values = _values(sheet)
    assert [value.date() for value in _column(values, "Deadline")] == [dt.date(2027, 3, 15)]
    assert _column(values, "Hours per week identified") == [2.5]
    assert _column(values, "Owner") == ["Siri Olsen"]
    assert _column(values, "Status") == ["Not started"]
    hours = sheet.cell(row=2, column=values[0].index("Hours per week identified") + 1)
    assert hours.data_type == "n"
    assert hours.number_format == "#,##0.0#"
    assert _column(rows, "Deadline") == ["15.03.2027"]
    assert _column(rows, "Hours per week identified") == ["2,5"]
    assert _column(rows, "Measure") == ["Tavlemøte hver uke"]


def test_csv_is_utf8_with_bom_and_semicolons(client, populated):
    client.force_login(populated.users.coordinator)

    response = client.get(_url(populated, "status", "csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = _content(client.get(_url(populated, "status", "csv")))
    assert raw.startswith("\ufeff".encode())
    assert b"Programme;Department;Phase;" in raw
    assert "Omsorg Sør".encode() in raw


def test_gains_show_hours_and_fte_like_the_gains_page_with_the_total_outside_the_filter(
    client, cast
):
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    Measure.objects.create(
        plan=plan,
        title="Færre ringerunder",
        hours_identified_per_week=Decimal("7.5"),
        hours_realised_per_week=Decimal("3.75"),
    )
    Measure.objects.create(
        plan=plan, title="Droppet", status="dropped", hours_identified_per_week=Decimal("10")
    )
    client.force_login(cast.users.coordinator)

    _workbook, sheet = _sheet(client.get(_url(cast, "gains", "xlsx")))
    rows = _csv(client.get(_url(cast, "gains", "csv")))

    values = _values(sheet)
    assert values[0] == (
        "Department",
        "Project plan",
        "Hours per week identified",
        "Hours per week realised",
        "FTE identified",
        "FTE realised",
    )
    by_department = {row[0]: row for row in values[1:]}
    # 7.5 / 37.5 = 0.2 and 3.75 / 37.5 = 0.1; the dropped measure's hours do not count.
    assert by_department[cast.dept_a.name][2:] == (7.5, 3.75, 0.2, 0.1)
    assert values[-1] == ("Programme total", None, 7.5, 3.75, 0.2, 0.1)
    assert sheet.auto_filter.ref == "A1:F3"
    assert sheet.cell(row=4, column=1).font.b
    assert [cast.dept_a.name, "Yes", "7,5", "3,75", "0,2", "0,1"] in rows


def test_attendance_holds_every_event_and_person_with_status(client, cast, objects):
    Attendance.objects.create(person=cast.tore, course_day=objects.day, status="present")
    client.force_login(cast.users.coordinator)

    _workbook, sheet = _sheet(client.get(_url(cast, "attendance", "xlsx")))
    rows = _csv(client.get(_url(cast, "attendance", "csv")))

    values = _values(sheet)
    # One information meeting and one course day × Ola, Siri and Tore.
    assert len(values) == 1 + 2 * 3
    tore_on_day = [row for row in values if row[7] == "Tore Meltzer" and row[2] == "Course day 1"]
    assert len(tore_on_day) == 1
    assert tore_on_day[0][9] == "Present"
    assert isinstance(tore_on_day[0][3], dt.datetime)
    assert isinstance(tore_on_day[0][4], dt.time)
    assert [r[9] for r in rows[1:] if r[7] == "Siri Olsen"] == ["Not recorded", "Not recorded"]
    assert _column(rows, "Role")[:3] == [
        "Staff, union representative",
        "Staff",
        "Department leader",
    ]


def test_suggestions_name_their_author_or_say_anonymous(client, populated):
    client.force_login(populated.users.coordinator)

    rows = _csv(client.get(_url(populated, "suggestions", "csv")))

    assert sorted(_column(rows, "From")) == ["Siri Olsen", "anonymous"]
    assert _column(rows, "Sent")[0] == timezone.localdate().strftime("%d.%m.%Y")


# --- formula injection ---------------------------------------------------------------------------


@pytest.fixture
def formula_person(cast, objects):
    person = PersonFactory(municipality=cast.municipality, full_name=HYPERLINK)
    DepartmentRoleFactory(department=cast.dept_a, person=person)
    objects.measure.owner = person
    objects.measure.title = "-1+2"
    objects.measure.save()
    return person


@pytest.mark.parametrize(("kind", "column"), [("measures", "Owner"), ("attendance", "Person")])
def test_a_name_like_a_formula_comes_out_as_text(client, cast, formula_person, kind, column):
    client.force_login(cast.users.coordinator)

    rows = _csv(client.get(_url(cast, kind, "csv")))
    response = client.get(_url(cast, kind, "xlsx"))
    content = _content(response)

    assert "'" + HYPERLINK in _column(rows, column)
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row)
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == HYPERLINK]
    assert cells
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    # No formula anywhere in the sheet's XML.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert "<f " not in xml


def test_text_starting_with_a_minus_is_neutralised_in_csv(client, cast, formula_person):
    client.force_login(cast.users.coordinator)

    rows = _csv(client.get(_url(cast, "measures", "csv")))

    assert _column(rows, "Measure") == ["'-1+2"]


def test_the_pilots_attendance_csv_neutralises_the_name_too(client, cast, formula_person, objects):
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("training:attendance_export", kwargs={"pk": cast.pilot_a.pk}))

    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    names = [row[4] for row in csv.reader(io.StringIO(raw[1:]), delimiter=";")][1:]
    assert "'" + HYPERLINK in names
    assert HYPERLINK not in names


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["status", "measures", "attendance", "suggestions"])
def test_a_leaders_export_holds_only_their_department(client, populated, kind):
    client.force_login(populated.users.tore)

    rows = _csv(client.get(_url(populated, kind, "csv")))

    assert len(rows) > 1
    assert set(_column(rows, "Department")) == {populated.dept_a.name}


def test_a_leader_gets_their_pilots_exports_but_not_the_other_pilots(client, populated):
    client.force_login(populated.users.tore)

    own = client.get(_pilot_url(populated.pilot_a, "attendance", "xlsx"))
    other = client.get(_pilot_url(populated.pilot_b, "attendance", "xlsx"))

    assert {row[1] for row in _values(_sheet(own)[1])[1:]} == {populated.dept_a.name}
    assert other.status_code == 404


def test_exports_follow_the_pages_rules(client, populated):
    """Staff read status and measures; attendance and suggestions are for those who take and
    answer them; gains for those who see the programme's gains page."""
    cast = populated
    expected = {
        cast.users.staff_a: {"status": 200, "measures": 200, "attendance": 403, "suggestions": 403},
        cast.users.tore: {"attendance": 200, "suggestions": 200, "gains": 403},
        cast.users.guide: dict.fromkeys(KINDS, 200),
    }
    for user, statuses in expected.items():
        client.force_login(user)
        for kind, status in statuses.items():
            response = client.get(_url(cast, kind, "csv"))
            assert response.status_code == status, (user.username, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_another_municipality_gets_404(client, cast, objects, kind):
    client.force_login(cast.users.outsider)

    assert client.get(_url(cast, kind, "xlsx")).status_code == 404
    if kind in ("measures", "attendance", "suggestions"):
        assert client.get(_pilot_url(cast.pilot_a, kind, "csv")).status_code == 404


@pytest.mark.parametrize(("kind", "fmt"), [("plans", "xlsx"), ("status", "pdf")])
def test_an_unknown_export_is_404(client, cast, kind, fmt):
    client.force_login(cast.users.coordinator)

    assert client.get(_url(cast, kind, fmt)).status_code == 404
    assert client.get(_pilot_url(cast.pilot_a, "status", "csv")).status_code == 404


def test_anonymous_is_sent_to_login(client, cast):
    response = client.get(_url(cast, "status", "xlsx"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- files, links and cost ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_file_is_named_for_the_municipality_programme_and_date(client, cast, fmt):
    client.force_login(cast.users.coordinator)

    response = client.get(_url(cast, "measures", fmt))

    day = timezone.localdate().isoformat()
    assert (
        f'filename="harstad-laeringslean-measures-{day}.{fmt}"' in (response["Content-Disposition"])
    )
    # Names of people: never in a shared cache (the middleware's rule for logged-in pages).
    assert "no-store" in response["Cache-Control"]


def _download_hrefs(response) -> list[str]:
    html = response.content.decode()
    return [
        part.split('"', 1)[0]
        for part in html.split('href="')[1:]
        if "/exports/" in part.split('"', 1)[0]
    ]


def test_the_dashboard_offers_each_export_the_person_may_download(client, cast):
    expected = {
        cast.users.coordinator: set(KINDS),
        cast.users.tore: {"status", "measures", "attendance", "suggestions"},
        cast.users.staff_a: {"status", "measures"},
    }
    for user, kinds in expected.items():
        client.force_login(user)
        hrefs = _download_hrefs(client.get(reverse("programme:dashboard")))
        assert set(hrefs) == {_url(cast, kind, fmt) for kind in kinds for fmt in FORMATS}
        for href in hrefs:
            assert client.get(href).status_code == 200, href


def test_the_pilot_page_offers_the_pilots_exports(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk}))

    assert set(_download_hrefs(response)) == {
        _pilot_url(cast.pilot_a, kind, fmt)
        for kind in ("measures", "attendance", "suggestions")
        for fmt in FORMATS
    }
    assert 'download>Excel (.xlsx)<span class="visually-hidden">: Measures</span>' in (
        response.content.decode()
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        _content(response)
    return len(context)


def test_query_count_is_the_same_for_2_and_50_pilots(client, cast, today):
    populate_pilot(cast.pilot_a, today=today, people=[cast.siri, cast.ola, cast.tore])
    client.force_login(cast.users.coordinator)
    urls = [_url(cast, kind, fmt) for kind in KINDS for fmt in FORMATS]
    client.get(urls[0])

    with_two = {url: _queries(client, url) for url in urls}
    add_pilots(cast, 48, today=today)
    with_fifty = {url: _queries(client, url) for url in urls}

    assert with_fifty == with_two
    assert len(_csv(client.get(_url(cast, "status", "csv")))) == 1 + 50


def test_a_course_day_without_anyone_recorded_lists_the_department(client, cast):
    CourseDayFactory(pilot=cast.pilot_b, number=1)
    client.force_login(cast.users.kari)

    rows = _csv(client.get(_pilot_url(cast.pilot_b, "attendance", "csv")))

    assert _column(rows, "Person") == ["Kari Hanssen"]
    assert _column(rows, "Status") == ["Not recorded"]
