"""The staff import reads HR exports, names the columns it leaves out, and offers a template."""

import csv
import io
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilots.models import DepartmentRole, Person
from pilots.staff_import import staff_import_preview, staff_import_template

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"

# As an HR system exports it: BOM, semicolons, æøå, first and last name apart, an employee number,
# job titles, position percentages written three ways, and a column we have no use for.
HR_EXPORT = (
    BOM
    + (
        "Ansattnummer;Fornavn;Etternavn;E-postadresse;Mobil;Stilling;Stillingsprosent;"
        "Kostnadssted\r\n"
        "10231;Åse;Ødegård;ase.odegard@harstad.kommune.no;+47 900 11 222;Sykepleier;80 %;4410\r\n"
        "10232;Bjørn;Æsøy Hansen;bjorn.aesoy@harstad.kommune.no;;Helsefagarbeider;50,0;4410\r\n"
        "10233;Siri;Olsen;siri.olsen@harstad.kommune.no;;Avdelingsleder;100;4410\r\n"
    ).encode()
)


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(name, department):
    return reverse(f"pilots:{name}", kwargs={"pk": department.pk})


def _upload(client, department, content: bytes):
    return client.post(
        _url("staff_import", department),
        {"file": SimpleUploadedFile("hr-eksport.csv", content, "text/csv")},
    )


def _header(fields: str, row: str) -> str:
    return f"{fields}\n{row}\n"


def test_hr_export_is_previewed_and_imported_with_phone_and_position(client, cast):
    client.force_login(cast.users.tore)

    preview = _upload(client, cast.dept_a, HR_EXPORT)

    assert preview.status_code == 200
    result = preview.context["preview"]
    assert [
        (r.name, r.email, r.phone, r.role, r.position_percent, r.action) for r in result.rows
    ] == [
        (
            "Åse Ødegård",
            "ase.odegard@harstad.kommune.no",
            "+47 900 11 222",
            "staff",
            80,
            "new_person",
        ),
        ("Bjørn Æsøy Hansen", "bjorn.aesoy@harstad.kommune.no", "", "staff", 50, "new_person"),
        # Her job title names a role; she is already in the department, so she gets it.
        ("Siri Olsen", "siri.olsen@harstad.kommune.no", "", "department_leader", 100, "add_role"),
    ]
    # Stilling gave a role, so it was used; the other two are named, not silently dropped.
    assert result.ignored_columns == ["Ansattnummer", "Kostnadssted"]
    assert result.roles_default_to_staff
    content = preview.content.decode()
    assert "These columns are not imported: Ansattnummer, Kostnadssted." in content
    assert "everyone is imported as staff" in content

    payload = preview.context["confirm_form"].initial["payload"]
    confirmed = client.post(_url("staff_import", cast.dept_a), {"payload": payload})

    assert confirmed.status_code == 302
    ase = Person.objects.get(email="ase.odegard@harstad.kommune.no")
    assert (ase.full_name, ase.phone) == ("Åse Ødegård", "+47 900 11 222")
    assert list(
        DepartmentRole.objects.filter(department=cast.dept_a, person=ase).values_list(
            "role", "position_percent"
        )
    ) == [("staff", 80)]
    assert (
        DepartmentRole.objects.get(
            department=cast.dept_a, person=cast.siri, role="department_leader"
        ).position_percent
        == 100
    )


def test_a_job_title_that_names_no_role_is_named_as_not_imported(cast):
    text = "Navn;E-post;Rolle;Stilling\nAnne Berg;anne@harstad.no;verneombud;Sykepleier\n"

    preview = staff_import_preview(user=cast.users.tore, department=cast.dept_a, data=text)

    assert preview.is_valid
    assert [row.role for row in preview.rows] == ["safety_rep"]
    assert preview.ignored_columns == ["Stilling"]
    assert not preview.roles_default_to_staff


def test_the_role_column_wins_over_the_job_title(cast):
    text = "Navn;E-post;Rolle;Stilling\nAnne Berg;anne@harstad.no;tillitsvalgt;Avdelingsleder\n"

    preview = staff_import_preview(user=cast.users.tore, department=cast.dept_a, data=text)

    assert [row.role for row in preview.rows] == ["union_rep"]


@pytest.mark.parametrize(
    "header",
    [
        "NAVN;E-POST;ROLLE",
        "navn;epost;rolle",
        "Fullt navn;E_post;Rolle",
        "Navn;E-Post-Adresse;Rolle",
        "Førenamn;Etternamn;E-post;Rolle",
        "FORNAVN;ETTERNAVN;Épost;Rólle",
        "First name;Last name;Email address;Role",
    ],
)
def test_header_names_are_read_whatever_the_case_accents_and_punctuation(cast, header):
    names = "Anne;Berg" if header.count(";") == 3 else "Anne Berg"
    row = f"{names};anne@harstad.no;ansatt"

    preview = staff_import_preview(
        user=cast.users.tore, department=cast.dept_a, data=_header(header, row)
    )

    assert preview.is_valid, preview.errors
    assert [(r.name, r.email, r.role) for r in preview.rows] == [
        ("Anne Berg", "anne@harstad.no", "staff")
    ]
    assert preview.ignored_columns == []


@pytest.mark.parametrize(
    ("written", "percent"),
    [("80", 80), ("80 %", 80), ("80,0", 80), ("80%", 80), ("33,3", 33), ("100", 100), ("", None)],
)
def test_position_percent_is_read_as_people_write_it(cast, written, percent):
    text = _header("Navn;E-post;Stillingsprosent", f"Anne Berg;anne@harstad.no;{written}")

    preview = staff_import_preview(user=cast.users.tore, department=cast.dept_a, data=text)

    assert preview.is_valid, preview.errors
    assert preview.rows[0].position_percent == percent


def test_a_bad_position_percent_is_a_row_error_and_nothing_is_imported(client, cast):
    client.force_login(cast.users.tore)
    content = (
        b"Navn;E-post;Stillingsprosent (%)\n"
        b"Anne Berg;anne@harstad.no;80\n"
        b"Per Lie;per@harstad.no;0,8\n"
        b"Liv Lund;liv@harstad.no;120\n"
        b"Ole Moe;ole@harstad.no;full\n"
    )

    response = _upload(client, cast.dept_a, content)

    assert response.status_code == 400
    errors = [(row.number, e.column) for row, e in response.context["preview"].errors]
    assert errors == [(3, "position_percent"), (4, "position_percent"), (5, "position_percent")]
    content = response.content.decode()
    assert "Row 3, position (%):" in content
    assert "“full” is not a position percentage from 1 to 100." in content
    assert not Person.objects.filter(email="anne@harstad.no").exists()


def test_a_too_long_phone_number_is_a_row_error(cast):
    text = _header("Navn;E-post;Telefon", "Anne Berg;anne@harstad.no;" + "9" * 31)

    preview = staff_import_preview(user=cast.users.tore, department=cast.dept_a, data=text)

    assert [(row.number, e.column) for row, e in preview.errors] == [(2, "phone")]


def test_template_is_a_norwegian_semicolon_csv_with_bom_that_imports_cleanly(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(_url("staff_import_template", cast.dept_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Fornavn", "Etternavn", "E-post", "Telefon", "Rolle", "Stillingsprosent"]
    assert len(rows) == 2
    preview = staff_import_preview(
        user=cast.users.tore, department=cast.dept_a, data=staff_import_template()
    )
    assert preview.is_valid
    assert preview.ignored_columns == []
    [row] = preview.rows
    assert (row.name, row.role, row.position_percent) == ("Kari Nordmann", "staff", 80)
    # The template is for filling in: downloading it writes nothing.
    assert not Person.objects.filter(email="kari.nordmann@example.no").exists()


def test_import_page_links_to_the_template(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(_url("staff_import", cast.dept_a))

    assert _url("staff_import_template", cast.dept_a) in response.content.decode()


def test_staff_cannot_download_the_template_and_outsiders_get_not_found(client, cast):
    client.force_login(cast.users.staff_a)
    assert client.get(_url("staff_import_template", cast.dept_a)).status_code == 403
    client.force_login(cast.users.outsider)
    assert client.get(_url("staff_import_template", cast.dept_a)).status_code == 404


# The export a new pilot's staff come from: BOM, semicolons, Windows line ends, æøå in names and
# in the header, columns in the HR system's order, and two columns the import has no use for.
SYKEHJEM_EXPORT = (
    BOM
    + (
        "Fornavn;Etternavn;E-post;Stilling;Stillingsprosent;Ansattnummer\r\n"
        "Åshild;Bjørkås;ashild.bjorkas@harstad.kommune.no;Sykepleier;100;20001\r\n"
        "Ørjan;Kræmer;orjan.kraemer@harstad.kommune.no;Helsefagarbeider;75,5 %;20002\r\n"
        "Mette;Ærø Dahl;mette.aero.dahl@harstad.kommune.no;Assistent;40;20003\r\n"
    ).encode()
)


def test_an_hr_export_with_bom_semicolons_and_extra_columns_imports_all_or_nothing(client, cast):
    client.force_login(cast.users.coordinator)

    preview = _upload(client, cast.dept_b, SYKEHJEM_EXPORT)

    assert preview.status_code == 200
    result = preview.context["preview"]
    assert [(r.name, r.email, r.role, r.position_percent) for r in result.rows] == [
        ("Åshild Bjørkås", "ashild.bjorkas@harstad.kommune.no", "staff", 100),
        ("Ørjan Kræmer", "orjan.kraemer@harstad.kommune.no", "staff", 76),
        ("Mette Ærø Dahl", "mette.aero.dahl@harstad.kommune.no", "staff", 40),
    ]
    assert result.ignored_columns == ["Stilling", "Ansattnummer"]
    # Nothing is written before the confirmation.
    assert not Person.objects.filter(
        email__endswith="@harstad.kommune.no", full_name="Åshild Bjørkås"
    )

    # Someone registers Ørjan by hand meanwhile under another name: the file no longer fits,
    # and the confirmation imports nobody, not even the two others.
    payload = preview.context["confirm_form"].initial["payload"]
    clash = Person.objects.create(
        municipality=cast.municipality,
        full_name="Ørjan K.",
        email="ORJAN.KRAEMER@harstad.kommune.no",
    )
    refused = client.post(_url("staff_import", cast.dept_b), {"payload": payload})

    assert refused.status_code == 400
    assert [(row.number, e.column) for row, e in refused.context["preview"].errors] == [(3, "name")]
    assert not Person.objects.filter(full_name__in=["Åshild Bjørkås", "Mette Ærø Dahl"]).exists()

    clash.delete()
    confirmed = client.post(_url("staff_import", cast.dept_b), {"payload": payload})

    assert confirmed.status_code == 302
    assert set(
        DepartmentRole.objects.filter(department=cast.dept_b, role="staff").values_list(
            "person__full_name", "position_percent"
        )
    ) == {("Åshild Bjørkås", 100), ("Ørjan Kræmer", 76), ("Mette Ærø Dahl", 40)}


def test_the_import_opened_from_the_pilot_setup_leads_back_to_it(client, cast):
    client.force_login(cast.users.coordinator)
    setup = reverse("programme:pilot_setup", kwargs={"pk": cast.pilot_b.pk})
    page = _url("staff_import", cast.dept_b)

    opened = client.get(page, {"next": setup})
    assert f'href="{setup}"' in opened.content.decode()
    preview = client.post(
        page,
        {"file": SimpleUploadedFile("hr.csv", SYKEHJEM_EXPORT, "text/csv"), "next": setup},
    )
    html = preview.content.decode()
    assert f'name="next" value="{setup}"' in html
    payload = preview.context["confirm_form"].initial["payload"]

    confirmed = client.post(page, {"payload": payload, "next": setup})

    assert confirmed.status_code == 302
    assert confirmed.url == f"{_url('staff_list', cast.dept_b)}?next={quote(setup, safe='')}"
    staff_list = client.get(confirmed.url).content.decode()
    assert f'href="{setup}"' in staff_list
    assert f"{_url('staff_add', cast.dept_b)}?next=" in staff_list


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_next_address_elsewhere_is_ignored(client, cast, next_url):
    client.force_login(cast.users.coordinator)

    response = client.get(_url("staff_list", cast.dept_b), {"next": next_url})

    assert response.status_code == 200
    assert response.context["next_url"] == ""
    assert not re.search(r'href="[^"]*evil\.example', response.content.decode())
    assert "Back to the pilot setup" not in response.content.decode()
