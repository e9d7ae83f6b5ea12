"""The named cast every test reuses: Harstad's people and a coordinator from elsewhere."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from pilots.models import DepartmentRole, ProgrammeRole
from tests.factories import (
    DepartmentFactory,
    MunicipalityFactory,
    PersonFactory,
    PilotFactory,
    ProgrammeFactory,
)


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    # Nothing a test sends may leave the machine.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Real hashing costs a second per login created; the tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite tests what each page does for a person who is in: the second factor is asked for
    # only where a test turns it on (tests/test_two_factor.py proves no page opens before it).
    settings.TWO_FACTOR_REQUIRED = False


def _login(person, username, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="lean-demo", email=person.email, **extra
    )
    person.user = user
    person.save(update_fields=["user"])
    return user


# Every page a logged-in person opens costs 5 queries before the view's own: the session, the user,
# and the access scope (their person, department roles, and whether they hold a programme role).
REQUEST_QUERIES = 5


@pytest.fixture
def cast(db):
    """Harstad kommune with two pilots and everyone who uses them.

    Users: coordinator (Jorunn), guide (Monica), tore (leader of pilot A), kari (leader of pilot B),
    staff_a (staff in A, with a login), outsider (coordinator in Tromsø), superuser.
    """
    harstad = MunicipalityFactory(name="Harstad kommune", slug="harstad")
    programme = ProgrammeFactory(
        municipality=harstad, name="LæringsLEAN", starts_on=dt.date(2026, 9, 1)
    )
    dept_a = DepartmentFactory(municipality=harstad, name="Omsorg Sør, hjemmetjenesten 2")
    dept_b = DepartmentFactory(municipality=harstad, name="NAV flyktningetjenesten")
    pilot_a = PilotFactory(programme=programme, department=dept_a)
    pilot_b = PilotFactory(programme=programme, department=dept_b)

    def person(name, email, **kw):
        return PersonFactory(municipality=harstad, full_name=name, email=email, **kw)

    jorunn = person("Jorunn Ervik", "jorunn.ervik@harstad.kommune.no")
    monica = person("Monica Lindstrøm", "monica.lindstrom@harstad.kommune.no")
    tore = person("Tore Meltzer", "tore.meltzer@harstad.kommune.no")
    kari = person("Kari Hanssen", "kari.hanssen@harstad.kommune.no", language="nn")
    siri = person("Siri Olsen", "siri.olsen@harstad.kommune.no")
    ola = person("Ola Nilsen", "ola.nilsen@harstad.kommune.no", language="en")
    ProgrammeRole.objects.create(
        programme=programme, person=jorunn, role="lean_coordinator", position_percent=100
    )
    ProgrammeRole.objects.create(
        programme=programme, person=monica, role="lean_guide", position_percent=100
    )
    DepartmentRole.objects.create(department=dept_a, person=tore, role="department_leader")
    DepartmentRole.objects.create(department=dept_b, person=kari, role="department_leader")
    DepartmentRole.objects.create(department=dept_a, person=siri, role="staff")
    DepartmentRole.objects.create(department=dept_a, person=ola, role="union_rep")
    DepartmentRole.objects.create(department=dept_a, person=ola, role="staff")

    tromso = MunicipalityFactory(name="Tromsø kommune", slug="tromso")
    other_programme = ProgrammeFactory(municipality=tromso, name="Lean i Tromsø")
    other_pilot = PilotFactory(programme=other_programme)
    stranger = PersonFactory(
        municipality=tromso, full_name="Per Tromsø", email="per@tromso.kommune.no"
    )
    ProgrammeRole.objects.create(
        programme=other_programme, person=stranger, role="lean_coordinator"
    )

    users = SimpleNamespace(
        coordinator=_login(jorunn, "koordinator"),
        guide=_login(monica, "veileder"),
        tore=_login(tore, "tore"),
        kari=_login(kari, "kari"),
        staff_a=_login(siri, "siri"),
        outsider=_login(stranger, "per"),
        superuser=get_user_model().objects.create_superuser(
            username="admin", password="lean-demo", email="admin@example.no"
        ),
    )
    return SimpleNamespace(
        municipality=harstad,
        programme=programme,
        dept_a=dept_a,
        dept_b=dept_b,
        pilot_a=pilot_a,
        pilot_b=pilot_b,
        jorunn=jorunn,
        monica=monica,
        tore=tore,
        kari=kari,
        siri=siri,
        ola=ola,
        other_municipality=tromso,
        other_pilot=other_pilot,
        users=users,
    )
