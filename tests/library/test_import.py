"""Importing earlier processes from CSV or Excel: a preview with errors per row, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from pilots.library_import import MAX_IMPORT_BYTES
from pilots.models import EarlierProcess

pytestmark = pytest.mark.django_db

URL = "pilots:library_import"
GOOD_CSV = (
    "\ufeffTittel;År;Avdeling;Tjenesteområde;Utfall;Resultat;Erfaringer\r\n"
    "Tavlemøter i barnehagen;2021;;Oppvekst;gjennomført;Faste møter;Hold det kort\r\n"
    "Ventetid ved legekontoret;2022;NAV flyktningetjenesten;Helse;delvis;;Mål før og etter\r\n"
).encode()


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _preview(client, content: bytes, name="prosesser.csv"):
    return client.post(reverse(URL), {"file": SimpleUploadedFile(name, content)})


def _confirm(client, preview_response):
    payload = preview_response.context["confirm_form"].initial["payload"]
    return client.post(reverse(URL), {"payload": payload})


def test_a_good_csv_is_previewed_then_written_on_confirm(client, cast):
    client.force_login(cast.users.coordinator)

    preview = _preview(client, GOOD_CSV)

    assert preview.status_code == 200
    assert "The file has 2 earlier processes and no errors." in preview.content.decode()
    assert not EarlierProcess.objects.exists()

    done = _confirm(client, preview)

    assert done.status_code == 302
    assert done.url == reverse("pilots:library")
    processes = {p.title: p for p in EarlierProcess.objects.all()}
    assert set(processes) == {"Tavlemøter i barnehagen", "Ventetid ved legekontoret"}
    kindergarten = processes["Tavlemøter i barnehagen"]
    assert (kindergarten.year, kindergarten.service_area, kindergarten.outcome_category) == (
        2021,
        "Oppvekst",
        EarlierProcess.Outcome.COMPLETED,
    )
    assert kindergarten.municipality == cast.municipality
    assert processes["Ventetid ved legekontoret"].department == cast.dept_b
    assert processes["Ventetid ved legekontoret"].outcome_category == "partly"


def test_a_good_xlsx_writes_every_row(client, cast):
    client.force_login(cast.users.guide)
    content = _xlsx(
        [
            ["Title", "Year", "Service area", "How it ended", "Lessons learned", "Notes"],
            ["Innkjøp i barnehagene", 2022, "Oppvekst", "stopped", "Én kursdag var for lite", "x"],
            ["Multidose", 2019.0, "Helse og omsorg", None, "Følg opp hver uke", None],
        ]
    )

    preview = _preview(client, content, name="prosesser.xlsx")
    html = preview.content.decode()
    done = _confirm(client, preview)

    assert "These columns are not imported: Notes." in html
    assert done.status_code == 302
    assert sorted(EarlierProcess.objects.values_list("title", "year", "outcome_category")) == [
        ("Innkjøp i barnehagene", 2022, "stopped"),
        ("Multidose", 2019, "unknown"),
    ]


def test_a_file_with_one_bad_row_writes_nothing_and_names_the_error(client, cast):
    client.force_login(cast.users.coordinator)
    content = GOOD_CSV + "Uten år;;;;;;\r\nFor tidlig;1850;Ukjent avdeling;;kanskje;;\r\n".encode()

    response = _preview(client, content)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported." in html
    assert "Row 4, year:" in html and "The year is missing." in html
    assert "Row 5, year:" in html
    assert "Ensure this value is greater than or equal to 1990." in html
    assert "There is no department named “Ukjent avdeling” in the municipality." in html
    assert "Unknown outcome “kanskje”." in html
    assert response.context["confirm_form"] is None
    assert not EarlierProcess.objects.exists()


def test_a_process_already_in_the_library_is_an_error_so_a_file_imports_once(client, cast):
    client.force_login(cast.users.coordinator)
    _confirm(client, _preview(client, GOOD_CSV))

    again = _preview(client, GOOD_CSV)

    assert again.status_code == 400
    assert "This process is already in the library for that year." in again.content.decode()
    assert EarlierProcess.objects.count() == 2


def test_rows_that_became_invalid_before_the_confirm_write_nothing(client, cast):
    client.force_login(cast.users.coordinator)
    preview = _preview(client, GOOD_CSV)
    EarlierProcess.objects.create(
        municipality=cast.municipality, title="Ventetid ved legekontoret", year=2022
    )

    response = _confirm(client, preview)

    assert response.status_code == 400
    assert EarlierProcess.objects.count() == 1


def test_a_tampered_or_foreign_payload_imports_nothing(client, cast):
    client.force_login(cast.users.coordinator)
    payload = _preview(client, GOOD_CSV).context["confirm_form"].initial["payload"]

    tampered = client.post(reverse(URL), {"payload": payload[:-2] + "xx"})
    client.force_login(cast.users.guide)
    someone_elses = client.post(reverse(URL), {"payload": payload})

    assert tampered.status_code == someone_elses.status_code == 400
    assert "could not be verified" in tampered.content.decode()
    assert not EarlierProcess.objects.exists()


def test_a_huge_file_is_refused_with_a_clear_message(client, cast):
    client.force_login(cast.users.coordinator)

    response = _preview(client, b"Tittel;\xc3\x85r\n" + b"x" * MAX_IMPORT_BYTES)

    assert response.status_code == 400
    assert "The file is larger than 2 MB. Split it into smaller files." in response.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"Navn;Sted\nA;B\n", "Missing: year."),
        (b"PK\x03\x04 not really a zip", "The Excel file could not be read."),
        ("Tittel;År\n".encode(), "The file has a header row but no processes."),
    ],
)
def test_a_file_that_cannot_be_read_says_why(client, cast, content, message):
    client.force_login(cast.users.coordinator)

    response = _preview(client, content)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_template_downloads_and_imports_as_it_is(client, cast):
    client.force_login(cast.users.coordinator)

    template = client.get(reverse("pilots:library_import_template"))
    preview = _preview(client, template.content)

    assert template["Content-Type"].startswith("text/csv")
    assert preview.status_code == 200
    assert preview.context["preview"].is_valid


def test_leaders_and_staff_may_not_import(client, cast):
    for user in (cast.users.tore, cast.users.staff_a):
        client.force_login(user)
        assert client.get(reverse(URL)).status_code == 403
        assert _preview(client, GOOD_CSV).status_code == 403
    assert not EarlierProcess.objects.exists()
