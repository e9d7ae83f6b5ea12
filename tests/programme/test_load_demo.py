"""`manage.py load_demo` loads Harstad's programme as the seed tells it, and only once."""

import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from leanprogram.demo import DEMO_PASSWORD, DEMO_USERNAMES, demo_course_year, demo_load
from pilots.models import (
    DepartmentRole,
    HolidayPeriod,
    Municipality,
    Person,
    Pilot,
    Programme,
    ProgrammeRole,
)
from plans.models import Measure, ProjectPlan
from training.models import CourseDay, InformationMeeting

HOME_CARE = "Omsorg Sør, hjemmetjenesten 2"
REFUGEE_SERVICE = "NAV flyktningetjenesten"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    # The demo logins are hashed on every load; the fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _today_in_oslo() -> dt.date:
    return timezone.localdate(timezone=ZoneInfo("Europe/Oslo"))


def _snapshot() -> dict[str, list[dict]]:
    models = [get_user_model()]
    for label in ("pilots", "training", "plans", "followup"):
        models += apps.get_app_config(label).get_models(include_auto_created=True)
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (dt.date(2026, 11, 25), 2027),
        (dt.date(2027, 2, 10), 2027),
        (dt.date(2027, 2, 26), 2027),  # Friday of week 8: the last course day is today
        (dt.date(2027, 2, 27), 2028),
        (dt.date(2027, 3, 1), 2028),
        (dt.date(2025, 12, 29), 2026),  # calendar year 2025, ISO year 2026
        (dt.date(2027, 1, 1), 2027),  # calendar year 2027, ISO week 53 of 2026
    ],
)
def test_course_year_is_the_next_iso_year_with_week_8_still_ahead(today, year):
    assert demo_course_year(today=today) == year


@pytest.mark.django_db
def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", stdout=StringIO())

    assert not Municipality.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_second_run_changes_nothing(debug):
    first_output = _load()
    after_first = _snapshot()

    second_output = _load()

    assert _snapshot() == after_first
    assert all(after_first[label] for label in ("pilots.Person", "plans.Measure"))
    created = int(re.search(r"^(\d+) created, 0 already present", first_output, re.M)[1])
    assert created > 0
    assert re.search(rf"^0 created, {created} already present", second_output, re.M)


@pytest.mark.django_db
def test_second_load_reports_everything_present(debug):
    first = demo_load(today=dt.date(2026, 11, 25))
    second = demo_load(today=dt.date(2026, 11, 25))

    assert first.present == 0
    assert second.created == 0
    assert second.present == first.created
    assert second.passwords_reset == []


@pytest.mark.django_db
def test_loads_the_seeds_programme_and_goals(debug):
    _load()

    programme = Programme.objects.get(municipality__slug="harstad", name="LæringsLEAN")
    assert programme.municipality.name == "Harstad kommune"
    assert programme.model_origin == "Vestre Toten kommune"
    assert programme.supplier == "SINTEF"
    assert programme.value_platform == "Verdihåndboken"
    assert "Verdihåndboken er vår verdiplattform" in programme.description
    assert [goal.text for goal in programme.goals.order_by("order")] == [
        "Størst mulig verdiskaping med de ressursene vi har.",
        "Sterkere medvirkning for utvikling.",
        "Gi gode tjenester til kommunens befolkning.",
    ]


@pytest.mark.django_db
def test_lean_guide_and_coordinator_are_full_time(debug):
    _load()

    roles = {
        (r.person.full_name, r.role, r.position_percent)
        for r in ProgrammeRole.objects.select_related("person")
    }
    assert roles == {
        ("Monica Lindstrøm", ProgrammeRole.Role.LEAN_GUIDE, 100),
        ("Jorunn Ervik", ProgrammeRole.Role.LEAN_COORDINATOR, 100),
    }


@pytest.mark.django_db
def test_two_pilots_in_the_seeds_departments_with_their_leaders(debug):
    _load()

    leaders = {
        role.department.name: role.person
        for role in DepartmentRole.objects.filter(
            role=DepartmentRole.Role.DEPARTMENT_LEADER
        ).select_related("department", "person")
    }
    assert {p.department.name for p in Pilot.objects.select_related("department")} == {
        HOME_CARE,
        REFUGEE_SERVICE,
    }
    assert leaders[HOME_CARE].full_name == "Tore Meltzer"
    assert leaders[HOME_CARE].email == "tore.meltzer@harstad.kommune.no"
    assert leaders[REFUGEE_SERVICE].full_name == "Kari Hanssen"
    assert set(leaders) == {HOME_CARE, REFUGEE_SERVICE}
    for department in (HOME_CARE, REFUGEE_SERVICE):
        staff = DepartmentRole.objects.filter(
            department__name=department, role=DepartmentRole.Role.STAFF
        )
        assert 4 <= staff.count() <= 6
    assert DepartmentRole.objects.filter(role=DepartmentRole.Role.UNION_REP).count() == 1
    assert DepartmentRole.objects.filter(role=DepartmentRole.Role.SAFETY_REP).count() == 1
    assert set(Person.objects.values_list("language", flat=True)) == {"nb", "nn", "en"}


@pytest.mark.django_db
def test_four_course_days_per_pilot_in_weeks_7_and_8_of_the_course_year(debug):
    year = demo_course_year(today=_today_in_oslo())

    _load()

    for pilot in Pilot.objects.all():
        assert (pilot.course_year, pilot.course_week_first, pilot.course_week_last) == (year, 7, 8)
        days = list(CourseDay.objects.filter(pilot=pilot).order_by("number"))
        assert [day.number for day in days] == [1, 2, 3, 4]
        assert [day.date.isocalendar().week for day in days] == [7, 7, 8, 8]
        assert {day.date.isocalendar().year for day in days} == {year}
        assert {(day.starts_at, day.ends_at) for day in days} == {(dt.time(8, 30), dt.time(15, 30))}
        meeting = InformationMeeting.objects.get(pilot=pilot)
        assert meeting.starts_at.date() < days[0].date
    holiday = HolidayPeriod.objects.get(name="Vinterferie (Troms)")
    assert (holiday.starts_on, holiday.ends_on) == (
        dt.date.fromisocalendar(year, 8, 1),
        dt.date.fromisocalendar(year, 8, 5),
    )


@pytest.mark.django_db
def test_each_pilot_has_a_draft_plan_with_three_measures_owned_in_the_department(debug):
    _load()

    for plan in ProjectPlan.objects.select_related("pilot__department"):
        assert plan.status == ProjectPlan.Status.DRAFT
        assert plan.current_state and plan.future_state
        assert plan.wastes.exists() and plan.root_causes.exists()
        goals = list(plan.goals.select_related("programme_goal"))
        assert goals and all(
            g.programme_goal.programme_id == plan.pilot.programme_id for g in goals
        )
        measures = list(Measure.objects.filter(plan=plan).select_related("owner"))
        assert len(measures) == 3
        course_ends = dt.date.fromisocalendar(plan.pilot.course_year, 8, 5)
        for measure in measures:
            assert measure.owner.department_roles.filter(department=plan.pilot.department).exists()
            assert measure.deadline > course_ends
            assert measure.hours_identified_per_week > 0
        indicator = plan.indicators.get()
        assert indicator.baseline != indicator.target


@pytest.mark.django_db
def test_the_demo_logins_work_with_the_demo_password(debug, rf):
    _load()

    for username in DEMO_USERNAMES:
        user = authenticate(rf.get("/"), username=username, password=DEMO_PASSWORD)
        assert user is not None, username
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    # The coordinator also administers Harstad, and only Harstad, in the admin.
    coordinator = get_user_model().objects.get(username="koordinator")
    assert coordinator.is_staff and not coordinator.is_superuser
    assert coordinator.has_perm("pilots.administer_municipality")
    linked = dict(
        Person.objects.filter(user__isnull=False).values_list("user__username", "full_name")
    )
    assert linked == {
        "koordinator": "Jorunn Ervik",
        "veileder": "Monica Lindstrøm",
        "tore": "Tore Meltzer",
        "kari": "Kari Hanssen",
        "ingrid": "Ingrid Johansen",
        "sofie": "Sofie Pedersen",
    }
    staff_logins = DepartmentRole.objects.filter(
        person__user__username__in=["ingrid", "sofie"], role=DepartmentRole.Role.STAFF
    )
    assert {role.department.name for role in staff_logins} == {
        "Omsorg Sør, hjemmetjenesten 2",
        "NAV flyktningetjenesten",
    }


@pytest.mark.django_db
def test_a_changed_demo_password_is_set_back(debug):
    demo_load(today=dt.date(2026, 11, 25))
    tore = get_user_model().objects.get(username="tore")
    tore.set_password("something-else")
    tore.save()

    result = demo_load(today=dt.date(2026, 11, 25))

    assert result.passwords_reset == ["tore"]
    tore.refresh_from_db()
    assert tore.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_loaded_during_the_course_weeks_the_pilots_are_in_the_course_phase(debug):
    demo_load(today=dt.date(2027, 2, 24))

    assert set(Pilot.objects.values_list("phase", "course_year")) == {(Pilot.Phase.COURSE, 2027)}


@pytest.mark.django_db
def test_loaded_before_the_course_weeks_the_pilots_are_in_the_information_phase(debug):
    demo_load(today=dt.date(2026, 11, 25))

    assert set(Pilot.objects.values_list("phase", "course_year")) == {
        (Pilot.Phase.INFORMATION, 2027)
    }


@pytest.mark.django_db
def test_each_pilot_has_new_answered_and_converted_suggestions(debug):
    from plans.models import Suggestion

    _load()

    for department in (HOME_CARE, REFUGEE_SERVICE):
        suggestions = Suggestion.objects.filter(pilot__department__name=department)
        anonymous = suggestions.filter(author__isnull=True)
        assert anonymous.count() == 1
        assert anonymous.get().history.get().history_user is None
        assert suggestions.filter(status=Suggestion.Status.NEW, author__isnull=False).exists()
        handled = suggestions.exclude(status__in=(Suggestion.Status.NEW, Suggestion.Status.MEASURE))
        assert handled.exclude(answer="").count() == 1
        leader = DepartmentRole.objects.get(
            department__name=department, role=DepartmentRole.Role.DEPARTMENT_LEADER
        ).person
        assert handled.get().answered_by == leader.user
        converted = suggestions.get(status=Suggestion.Status.MEASURE)
        assert converted.measure.plan.pilot == converted.pilot
        assert converted.measure.owner == converted.author


@pytest.mark.django_db
def test_the_coordinator_has_invited_one_of_tores_staff_once(debug):
    from pilots.invitations import InvitationState, invitation_state
    from pilots.models import Invitation

    _load()
    invitation = Invitation.objects.select_related("person", "created_by").get()
    # Whatever becomes of it (here: accepted), loading again invites nobody else.
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    _load()

    assert Invitation.objects.count() == 1
    assert invitation.created_by.username == "koordinator"
    assert invitation_state(invitation) == InvitationState.OPEN
    assert invitation.send_count == 1
    assert invitation.person.department_roles.filter(
        department__name=HOME_CARE, role=DepartmentRole.Role.STAFF
    ).exists()
