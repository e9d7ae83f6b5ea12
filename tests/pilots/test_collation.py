"""Names in Norwegian alphabetical order (…Z Æ Ø Å), the same on PostgreSQL and SQLite.

Run these on both: `DATABASE_URL=postgres://… pytest tests/pilots/test_collation.py` checks
that PostgreSQL's ICU order is the one the Python key (and SQLite's collation) reproduces.
"""

import random

import pytest
from django.conf import settings
from django.urls import reverse

from leanprogram.pilot_page import pilot_people
from pilots.collation import norwegian, norwegian_sort_key
from pilots.models import Department, DepartmentRole, Person, Pilot
from tests.factories import DepartmentFactory, PersonFactory, PilotFactory

# PostgreSQL's nb-NO-x-icu order: letters first, then accents, then case (lower first);
# ä with æ, ö with ø, ü with y, þ as th, ŋ after n, and "aa" as "å" (after å itself).
ICU_ORDER = [
    "1abc", "Áile", "anna", "Anna", "Bjørn", "Čáhppes", "Dan", "Đuro", "emile", "Emile",
    "Émile", "Eva", "Karl", "Kåre", "Kaare", "Nils", "Ŋ", "o'Neil", "Odd", "Ola Per", "Ola-Per",
    "Olaf", "Ole", "Ove", "Sámi", "Sara", "Thor", "Þór", "Tz", "Ursula", "van Dijk", "Van Dijk",
    "Über", "Yngve", "zara", "Zara", "Ærlig", "Ärlig", "Öberg", "Ødegård", "Øystein", "Øyvind",
    "Åge", "Aage", "Åse", "aase", "Aase",
]  # fmt: skip


def _shuffled(names):
    names = list(names)
    random.Random(11).shuffle(names)
    return names


def test_the_python_key_sorts_as_postgresql_does():
    assert sorted(_shuffled(ICU_ORDER), key=norwegian_sort_key) == ICU_ORDER


def test_ae_oe_aa_come_after_z_in_that_order_whatever_the_case():
    names = ["Åse", "Øystein", "Ærlig", "Zara", "aase", "zara", "ærlig", "ØYSTEIN"]

    assert sorted(names, key=norwegian_sort_key) == [
        "zara", "Zara", "ærlig", "Ærlig", "Øystein", "ØYSTEIN", "Åse", "aase",
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_database_sorts_names_as_postgresql_s_icu_does_on_every_backend(cast):
    for name in _shuffled(ICU_ORDER):
        PersonFactory(municipality=cast.other_municipality, full_name=name)
    people = Person.objects.filter(municipality=cast.other_municipality, full_name__in=ICU_ORDER)

    by_name = people.order_by(norwegian("full_name"), "pk")

    assert list(by_name.values_list("full_name", flat=True)) == ICU_ORDER
    # The model's own order too, so the admin and every form's choices follow it.
    assert list(people.values_list("full_name", flat=True)) == ICU_ORDER


@pytest.mark.django_db
def test_departments_and_pilots_are_in_norwegian_order(cast):
    for name in ("Åsen bo- og omsorgssenter", "Ørnes skole", "Zinkgruva barnehage"):
        PilotFactory(
            programme=cast.programme,
            department=DepartmentFactory(municipality=cast.municipality, name=name),
        )

    departments = list(
        Department.objects.filter(municipality=cast.municipality).values_list("name", flat=True)
    )
    pilots = [p.department.name for p in Pilot.objects.filter(programme=cast.programme)]

    expected = [
        "NAV flyktningetjenesten",
        "Omsorg Sør, hjemmetjenesten 2",
        "Zinkgruva barnehage",
        "Ørnes skole",
        "Åsen bo- og omsorgssenter",
    ]
    assert departments == expected
    assert pilots == expected


def _add_staff(department, names):
    for name in names:
        person = PersonFactory(municipality=department.municipality, full_name=name)
        DepartmentRole.objects.create(department=department, person=person, role="staff")


NEW_STAFF = ["Åse Berg", "Øystein Lie", "Ærlig Dahl", "Zara Ali", "aase Moe"]


@pytest.mark.django_db
def test_the_staff_list_is_in_norwegian_order(client, cast):
    _add_staff(cast.dept_a, NEW_STAFF)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.users.tore)

    html = client.get(reverse("pilots:staff_list", kwargs={"pk": cast.dept_a.pk})).content.decode()

    shown = sorted(NEW_STAFF, key=html.index)
    assert shown == ["Zara Ali", "Ærlig Dahl", "Øystein Lie", "Åse Berg", "aase Moe"]


@pytest.mark.django_db
def test_the_pilot_page_s_people_are_in_norwegian_order(cast):
    _add_staff(cast.dept_a, NEW_STAFF)

    names = [entry.person.full_name for entry in pilot_people(cast.pilot_a)]

    assert names == sorted(names, key=norwegian_sort_key)
    assert names[-5:] == ["Zara Ali", "Ærlig Dahl", "Øystein Lie", "Åse Berg", "aase Moe"]
