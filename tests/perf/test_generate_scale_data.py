"""generate_scale_data at a tiny size: the counts it promises, pages that open for its logins,
and what it does when run again."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from followup.models import FollowUpMeeting, Reminder
from leanprogram.scale_data.build import COORDINATOR, GUIDE, LEADER, STAFF
from leanprogram.scale_data.pages import bench_pages
from pilots.models import DepartmentRole, Municipality, Person, Pilot, ProgrammeRole
from plans.models import Indicator, Measure, Measurement, ProjectPlan
from training.models import Attendance, CourseDay, InformationMeeting

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"
)

TODAY = dt.date(2027, 3, 8)  # a Monday, two weeks after Troms' course weeks 7 and 8
SIZE = ["--municipalities", "2", "--pilots", "5", "--staff", "4", "--cohort-mix", "1:3:1"]


def _generate(*extra: str) -> str:
    out = StringIO()
    call_command("generate_scale_data", *SIZE, "--today", TODAY.isoformat(), *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_writes_the_sizes_asked_for():
    output = _generate()

    pilots = 2 * 5
    assert Municipality.objects.count() == 2
    assert Pilot.objects.count() == pilots
    assert Person.objects.count() == 2 * (2 + 5 * 4)  # a coordinator and a guide each
    assert DepartmentRole.objects.count() == pilots * 4
    assert ProgrammeRole.objects.count() == 2 * 2
    assert CourseDay.objects.count() == pilots * 4
    assert InformationMeeting.objects.count() == pilots
    assert ProjectPlan.objects.count() == pilots
    assert Measure.objects.count() == pilots * 10
    assert Indicator.objects.count() == pilots * 2
    assert Measurement.objects.count() == pilots * 12
    assert FollowUpMeeting.objects.count() == pilots * 5
    # Cohorts 1:3:1 over 5 pilots: 4 of 5 have held everything, the last its meeting only
    # (it is 13 days before its first course day; information meetings of "still to come"
    # pilots lie ahead or just behind, depending on how far ahead their course weeks are).
    held = 4 * 2 * 4 * (1 + 4)
    assert Attendance.objects.count() >= held
    assert Reminder.objects.filter(status=Reminder.Status.SENT).exists()
    assert set(Reminder.objects.values_list("status", flat=True)) >= {"sent", "pending"}
    assert "training_attendance" in output and "Wrote" in output


@pytest.mark.django_db
def test_cohorts_give_the_phases_their_dates_call_for():
    _generate()

    phases = {pilot.phase for pilot in Pilot.objects.all()}
    assert {Pilot.Phase.PLANNING, Pilot.Phase.FOLLOW_UP, Pilot.Phase.INFORMATION} <= phases | {
        Pilot.Phase.SELF_SUFFICIENT
    }
    just_held = Pilot.objects.filter(phase=Pilot.Phase.PLANNING).first()
    last_day = max(day.date for day in just_held.course_days.all())
    assert last_day == TODAY - dt.timedelta(days=4)  # Thursday of last week


@pytest.mark.django_db
def test_ids_continue_after_the_generated_rows():
    _generate()

    person = Person.objects.create(
        municipality=Municipality.objects.first(), full_name="Ny Person", email="ny@example.no"
    )
    assert person.pk == Person.objects.exclude(pk=person.pk).order_by("-pk").first().pk + 1


@pytest.mark.django_db
def test_every_bench_page_opens_for_its_login(client, settings):
    settings.TWO_FACTOR_REQUIRED = False
    _generate()
    users = get_user_model().objects
    assert set(users.values_list("username", flat=True)) >= {COORDINATOR, GUIDE, LEADER, STAFF}

    for page in bench_pages():
        client.force_login(users.get(username=page.username))
        response = client.get(page.url)
        assert response.status_code == 200, page.name


@pytest.mark.django_db
def test_refuses_to_write_twice_and_starts_over_with_reset():
    _generate()
    with pytest.raises(CommandError, match="--reset"):
        _generate()
    assert Pilot.objects.count() == 10

    _generate("--reset")

    assert Pilot.objects.count() == 10
    assert Person.objects.order_by("pk").first().pk == 1
    assert get_user_model().objects.filter(username=LEADER).count() == 1


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_people():
    _generate()
    first = list(Person.objects.order_by("pk").values_list("full_name", "email"))
    _generate("--reset")
    assert list(Person.objects.order_by("pk").values_list("full_name", "email")) == first


@pytest.mark.django_db
def test_a_bad_cohort_mix_is_refused_clearly():
    with pytest.raises(CommandError, match="1:3:1"):
        call_command("generate_scale_data", *SIZE[:6], "--cohort-mix", "lots")
