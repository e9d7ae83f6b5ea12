"""The named cast every test reuses: Harstad's people and a coordinator from elsewhere."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from followup.models import BoardMeeting, FollowUpMeeting, Reminder
from pilots.models import DepartmentRole, HolidayPeriod, Invitation, ProgrammeRole
from plans.models import BoardScreen, Indicator, Measure, Measurement, ProjectPlan, Suggestion
from tests.factories import (
    CourseDayFactory,
    DepartmentFactory,
    InformationMeetingFactory,
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


@pytest.fixture
def objects(cast):
    """One of everything in pilot A (Tore's department), for URLs that take an id; and a login
    for Tromsø's department leader (`tromso_leader`)."""
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    meeting = InformationMeetingFactory(pilot=cast.pilot_a)
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    measure = Measure.objects.create(plan=plan, title="Tavlemøte hver uke", owner=cast.siri)
    indicator = Indicator.objects.create(
        plan=plan, name="Ventetid", unit="min", baseline=30, target=10
    )
    measurement = Measurement.objects.create(
        indicator=indicator, measured_on=dt.date(2027, 3, 1), value=25
    )
    follow_up = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="2 uker", due_on=dt.date(2027, 3, 12)
    )
    board_meeting = BoardMeeting.objects.create(
        pilot=cast.pilot_a, held_on=dt.date(2027, 3, 3), present_count=5
    )
    invitation = Invitation.objects.create(
        person=cast.ola,
        created_by=cast.users.coordinator,
        sent_at=dt.datetime(2027, 3, 1, 7, tzinfo=dt.UTC),
        send_count=1,
        expires_at=timezone.now() + dt.timedelta(days=14),
    )
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.PLAN_QUIET,
        recipient=cast.tore,
        pilot=cast.pilot_a,
        subject_key=f"plan:{plan.pk}",
        period="2027-W10",
        due_at=dt.datetime(2027, 3, 8, 7, tzinfo=dt.UTC),
        status=Reminder.Status.FAILED,
    )
    suggestion = Suggestion.objects.create(
        pilot=cast.pilot_a, author=cast.siri, text="Fast plass for bilnøklene"
    )
    holiday = HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie (Troms)",
        starts_on=dt.date(2027, 2, 22),
        ends_on=dt.date(2027, 2, 26),
    )
    screen = BoardScreen.objects.create(pilot=cast.pilot_a, label="Vaktrommet")
    # Tromsø's department leader, beside Tromsø's coordinator (the cast's outsider): what is
    # Harstad's is as hidden from them as from their coordinator.
    tromso_leader = PersonFactory(
        municipality=cast.other_municipality,
        full_name="Tone Tromsø",
        email="tone@tromso.kommune.no",
    )
    DepartmentRole.objects.create(
        department=cast.other_pilot.department, person=tromso_leader, role="department_leader"
    )
    return SimpleNamespace(
        tromso_leader=_login(tromso_leader, "tone"),
        screen=screen,
        holiday=holiday,
        suggestion=suggestion,
        day=day,
        meeting=meeting,
        plan=plan,
        measure=measure,
        indicator=indicator,
        measurement=measurement,
        follow_up=follow_up,
        board_meeting=board_meeting,
        reminder=reminder,
        invitation=invitation,
    )
