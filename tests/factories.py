"""factory_boy factories for volume; the named Harstad cast lives in conftest fixtures."""

import datetime as dt

import factory

from pilots.models import (
    Department,
    DepartmentRole,
    Municipality,
    Person,
    Pilot,
    Programme,
    ProgrammeRole,
)
from plans.models import Measure, ProjectPlan
from training.models import CourseDay, InformationMeeting


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Kommune {n}")
    slug = factory.Sequence(lambda n: f"kommune-{n}")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"LæringsLEAN {n}")
    supplier = "SINTEF"
    model_origin = "Vestre Toten kommune"
    starts_on = dt.date(2026, 9, 1)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Avdeling {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    municipality = factory.SubFactory(MunicipalityFactory)
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.no")


class ProgrammeRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeRole

    programme = factory.SubFactory(ProgrammeFactory)
    person = factory.SubFactory(
        PersonFactory, municipality=factory.SelfAttribute("..programme.municipality")
    )
    role = ProgrammeRole.Role.LEAN_COORDINATOR


class DepartmentRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentRole

    department = factory.SubFactory(DepartmentFactory)
    person = factory.SubFactory(
        PersonFactory, municipality=factory.SelfAttribute("..department.municipality")
    )
    role = DepartmentRole.Role.STAFF


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilot

    programme = factory.SubFactory(ProgrammeFactory)
    department = factory.SubFactory(
        DepartmentFactory, municipality=factory.SelfAttribute("..programme.municipality")
    )
    course_year = 2027
    course_week_first = 7
    course_week_last = 8


class InformationMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InformationMeeting

    pilot = factory.SubFactory(PilotFactory)
    starts_at = dt.datetime(2027, 1, 20, 13, 0, tzinfo=dt.UTC)
    ends_at = dt.datetime(2027, 1, 20, 14, 30, tzinfo=dt.UTC)
    place = "Rådhuset"


class CourseDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseDay

    pilot = factory.SubFactory(PilotFactory)
    number = factory.Sequence(lambda n: n % 4 + 1)
    date = factory.LazyAttribute(lambda o: dt.date.fromisocalendar(2027, 7, o.number))
    starts_at = dt.time(8, 30)
    ends_at = dt.time(15, 30)


class ProjectPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectPlan

    pilot = factory.SubFactory(PilotFactory)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    plan = factory.SubFactory(ProjectPlanFactory)
    title = factory.Sequence(lambda n: f"Tiltak {n}")
