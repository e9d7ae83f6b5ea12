"""Importing a department's staff from a CSV file: preview first, then one confirmed transaction."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilots.models import DepartmentRole, Person
from pilots.staff_import import StaffImportFileError, staff_import_decode, staff_import_preview

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The assertions read the English msgids; the nb and nn catalogs translate them.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


BOM = b"\xef\xbb\xbf"


def _url(department):
    return reverse("pilots:staff_import", kwargs={"pk": department.pk})


def _upload(client, department, content: bytes, name="ansatte.csv"):
    return client.post(_url(department), {"file": SimpleUploadedFile(name, content, "text/csv")})


def _roles(person, department):
    return set(
        DepartmentRole.objects.filter(person=person, department=department).values_list(
            "role", flat=True
        )
    )


NORWEGIAN_FILE = (
    BOM
    + (
        "Navn;E-post;Rolle\r\n"
        "Åse Ødegård;ase.odegard@harstad.kommune.no;Ansatt\r\n"
        "Åse Ødegård;ase.odegard@harstad.kommune.no;verneombud\r\n"
        "Siri Olsen;SIRI.OLSEN@harstad.kommune.no;tillitsvalgt\r\n"
        "Ola Nilsen;ola.nilsen@harstad.kommune.no;staff\r\n"
        "Kari Hanssen;kari.hanssen@harstad.kommune.no;Avdelingsleiar\r\n"
        "\r\n"
    ).encode()
)


def test_import_previews_then_writes_only_on_confirm(client, cast):
    # The coordinator: the file gives Kari of NAV a role here, and only coordinators move people.
    client.force_login(cast.users.coordinator)
    people_before = Person.objects.count()

    preview = _upload(client, cast.dept_a, NORWEGIAN_FILE)

    assert preview.status_code == 200
    rows = preview.context["preview"].rows
    assert [(r.number, r.role, r.action, r.same_as) for r in rows] == [
        (2, "staff", "new_person", None),
        (3, "safety_rep", "add_role", 2),
        (4, "union_rep", "add_role", None),
        (5, "staff", "unchanged", None),
        (6, "department_leader", "add_role", None),
    ]
    content = preview.content.decode()
    assert "Åse Ødegård" in content
    assert "Confirm import" in content
    assert Person.objects.count() == people_before
    assert _roles(cast.siri, cast.dept_a) == {"staff"}

    payload = preview.context["confirm_form"].initial["payload"]
    confirmed = client.post(_url(cast.dept_a), {"payload": payload})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("pilots:staff_list", args=[cast.dept_a.pk])
    ase = Person.objects.get(email="ase.odegard@harstad.kommune.no")
    assert (ase.full_name, ase.municipality) == ("Åse Ødegård", cast.municipality)
    assert _roles(ase, cast.dept_a) == {"staff", "safety_rep"}
    assert _roles(cast.siri, cast.dept_a) == {"staff", "union_rep"}
    assert _roles(cast.ola, cast.dept_a) == {"staff", "union_rep"}
    assert _roles(cast.kari, cast.dept_a) == {"department_leader"}
    assert _roles(cast.kari, cast.dept_b) == {"department_leader"}
    assert Person.objects.count() == people_before + 1


def test_import_reads_commas_and_windows_1252(client, cast):
    client.force_login(cast.users.coordinator)
    content = (
        "name,e-mail,role\n"
        "Bjørn Æsøy,bjorn.aesoy@harstad.kommune.no,Union representative\n"
        '"Dahl, Marit",marit.dahl@harstad.kommune.no,department_leader\n'
    ).encode("cp1252")

    response = _upload(client, cast.dept_b, content)

    assert response.status_code == 200
    rows = response.context["preview"].rows
    assert [(r.name, r.role) for r in rows] == [
        ("Bjørn Æsøy", "union_rep"),
        ("Dahl, Marit", "department_leader"),
    ]


def test_file_with_one_bad_row_is_refused_with_row_errors_and_nothing_written(client, cast):
    client.force_login(cast.users.tore)
    content = (
        b"navn;e-post;rolle\n"
        b"Anne Berg;anne.berg@harstad.kommune.no;ansatt\n"
        b"Per Hansen;per.hansen(at)harstad.kommune.no;ansatt\n"
        b"Liv Lund;liv.lund@harstad.kommune.no;sjef\n"
        b";nils@harstad.kommune.no;ansatt\n"
        b"Anne Brekke;ANNE.BERG@harstad.kommune.no;verneombud\n"
    )

    response = _upload(client, cast.dept_a, content)

    assert response.status_code == 400
    errors = [(row.number, error.column) for row, error in response.context["preview"].errors]
    assert errors == [(3, "email"), (4, "role"), (5, "name"), (6, "name")]
    html = response.content.decode()
    assert "Row 3, e-mail:" in html
    assert "per.hansen(at)harstad.kommune.no" in html
    assert "Confirm import" not in html
    assert response.context["confirm_form"] is None
    assert not Person.objects.filter(
        email__endswith="@harstad.kommune.no", full_name="Anne Berg"
    ).exists()


def test_name_must_match_the_person_already_registered(client, cast):
    client.force_login(cast.users.tore)
    content = b"name;email;role\nSiri Hansen;siri.olsen@harstad.kommune.no;union_rep\n"

    response = _upload(client, cast.dept_a, content)

    assert response.status_code == 400
    [(row, error)] = response.context["preview"].errors
    assert (row.number, error.column) == (2, "name")
    assert _roles(cast.siri, cast.dept_a) == {"staff"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\r\n  \r\n", "The file is empty."),
        (b"name;role\nAnne;staff\n", "Missing: e-mail."),
        (b"fornavn;e-post\nAnne;anne@example.no\n", "Missing: name."),
        (b"navn;e-post;rolle\n", "header row but no people"),
        (b"PK\x03\x04\x00\x00binary", "This is not a CSV file."),
        (b'name;email;role\n"Anne;anne@example.no;staff\n', "could not be read as CSV"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(client, cast, content, message):
    client.force_login(cast.users.tore)

    response = _upload(client, cast.dept_a, content)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert response.context["preview"] is None


def test_too_large_and_too_long_files_are_refused(client, cast):
    client.force_login(cast.users.tore)
    rows = "".join(f"Person {n};p{n}@example.no;staff\n" for n in range(2001))

    too_long = _upload(client, cast.dept_a, ("name;email;role\n" + rows).encode())
    too_large = _upload(client, cast.dept_a, b"name;email;role\n" + b"x" * (1024 * 1024))

    assert too_long.status_code == 400
    assert "more than 2000 rows" in " ".join(too_long.context["form"].errors["file"])
    assert too_large.status_code == 400
    assert "larger than 1 MB" in " ".join(too_large.context["form"].errors["file"])
    assert not Person.objects.filter(email__endswith="@example.no").exists()


def test_tampered_payload_is_refused_and_nothing_written(client, cast):
    client.force_login(cast.users.coordinator)
    preview = _upload(client, cast.dept_a, NORWEGIAN_FILE)
    payload = preview.context["confirm_form"].initial["payload"]
    # One changed character in the signed data: a different file, same signature.
    tampered = payload[:5] + ("A" if payload[5] != "A" else "B") + payload[6:]

    response = client.post(_url(cast.dept_a), {"payload": tampered})

    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert not Person.objects.filter(email="ase.odegard@harstad.kommune.no").exists()
    assert client.post(_url(cast.dept_a), {"payload": "junk"}).status_code == 400


def test_payload_signed_for_one_department_cannot_be_used_on_another(client, cast):
    client.force_login(cast.users.coordinator)
    payload = (
        _upload(client, cast.dept_a, NORWEGIAN_FILE).context["confirm_form"].initial["payload"]
    )

    response = client.post(_url(cast.dept_b), {"payload": payload})

    assert response.status_code == 400
    assert not Person.objects.filter(email="ase.odegard@harstad.kommune.no").exists()


def test_confirm_checks_the_file_again_against_the_database(client, cast):
    client.force_login(cast.users.tore)
    preview = _upload(client, cast.dept_a, b"name;email;role\nAnne Berg;anne@harstad.no;staff\n")
    payload = preview.context["confirm_form"].initial["payload"]
    Person.objects.create(
        municipality=cast.municipality, full_name="Anne Brekke", email="Anne@harstad.no"
    )

    response = client.post(_url(cast.dept_a), {"payload": payload})

    assert response.status_code == 400
    [(row, error)] = response.context["preview"].errors
    # Someone outside Tore's department took the address meanwhile: the leader's neutral refusal.
    assert (row.number, error.column) == (2, "email")
    assert error.message.startswith("This address cannot be used here.")
    assert not DepartmentRole.objects.filter(person__email="Anne@harstad.no").exists()


def test_staff_cannot_import_and_outsider_gets_not_found(client, cast):
    client.force_login(cast.users.staff_a)
    assert _upload(client, cast.dept_a, NORWEGIAN_FILE).status_code == 403
    client.force_login(cast.users.outsider)
    assert _upload(client, cast.dept_a, NORWEGIAN_FILE).status_code == 404
    assert not Person.objects.filter(email="ase.odegard@harstad.kommune.no").exists()


def test_decode_accepts_utf8_with_bom_and_latin_fallback():
    assert staff_import_decode(data=BOM + "Å".encode()) == "Å"
    assert staff_import_decode(data="Ø".encode("cp1252")) == "Ø"
    # 0x81 is undefined in Windows-1252; Latin-1 still reads it.
    assert staff_import_decode(data=b"\x81") == "\x81"
    with pytest.raises(StaffImportFileError):
        staff_import_decode(data=b"a\x00b")


def test_role_names_are_understood_in_every_spelling(cast):
    words = {
        "staff": "staff",
        "ANSATT": "staff",
        "Tilsett": "staff",
        "department_leader": "department_leader",
        "Avdelingsleder": "department_leader",
        "avdelingsleiar": "department_leader",
        "Department leader": "department_leader",
        "union_rep": "union_rep",
        "Tillitsvalgt": "union_rep",
        "union representative": "union_rep",
        "safety_rep": "safety_rep",
        "VERNEOMBUD": "safety_rep",
        "Safety Representative": "safety_rep",
    }
    lines = "".join(f"Person {n};p{n}@example.no;{word}\n" for n, word in enumerate(words))

    preview = staff_import_preview(
        user=cast.users.tore, department=cast.dept_a, data=f"name;email;role\n{lines}"
    )

    assert preview.is_valid
    assert [row.role for row in preview.rows] == list(words.values())
