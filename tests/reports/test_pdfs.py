"""PDF downloads: the plan and the programme report render, carry what the pages show in the
requester's language, stay in their scope and cost the same queries with more data."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from pilots.models import EarlierProcess, PilotLessons, ProgrammeGoal
from plans.models import (
    Indicator,
    Measure,
    Measurement,
    PlanSnapshot,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Waste,
)
from tests.conftest import REQUEST_QUERIES
from tests.factories import CourseDayFactory, DepartmentFactory, MeasureFactory, PilotFactory
from training.models import Attendance


@pytest.fixture(autouse=True)
def _english(settings, client):
    # Read in English unless a test says otherwise; the catalogs are checked in test_translations.
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _pages(response) -> int:
    return len(PdfReader(io.BytesIO(response.content)).pages)


def _plan_url(pilot) -> str:
    return reverse("reports:plan_pdf", kwargs={"pilot_pk": pilot.pk})


def _report_url(programme) -> str:
    return reverse("reports:programme_report_pdf", kwargs={"pk": programme.pk})


@pytest.fixture
def plan(cast):
    """Tore's plan, approved by Jorunn, with one of each part."""
    plan = ProjectPlan.objects.create(
        pilot=cast.pilot_a,
        status=ProjectPlan.Status.APPROVED,
        approved_at=dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC),
        current_state="Vi leter etter bilnøkler – hver morgen…",
        starts_on=dt.date(2027, 2, 15),
    )
    PlanSnapshot.objects.create(
        plan=plan,
        plan_version=1,
        approved_at=dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC),
        approved_by=cast.users.coordinator,
        data={},
    )
    goal = ProgrammeGoal.objects.create(
        programme=cast.programme, order=1, text="Størst mulig verdiskaping"
    )
    QualityGoal.objects.create(
        plan=plan, text="Halvere ventetiden på «bilnøkler»", programme_goal=goal
    )
    Waste.objects.create(plan=plan, kind=Waste.Kind.WAITING, description="Venting på nøkler")
    RootCause.objects.create(
        plan=plan,
        problem="Nøklene forsvinner",
        whys="Ingen fast plass\nIngen eier",
        root_cause="Ingen rutine",
    )
    Measure.objects.create(
        plan=plan,
        title="Fast plass for bilnøklene",
        owner=cast.siri,
        deadline=dt.date(2027, 4, 1),
        status=Measure.Status.IN_PROGRESS,
        hours_identified_per_week=Decimal("6"),
        hours_realised_per_week=Decimal("2.5"),
    )
    indicator = Indicator.objects.create(
        plan=plan, name="Tid til leting", unit="min", baseline=30, target=10
    )
    for day, value in ((1, 28), (8, "22.5"), (15, 12)):
        Measurement.objects.create(
            indicator=indicator, measured_on=dt.date(2027, 3, day), value=Decimal(str(value))
        )
    return plan


# The plan


@pytest.mark.parametrize("who", ["tore", "coordinator", "guide", "staff_a"])
def test_those_who_read_the_plan_download_it_as_pdf(client, cast, plan, who):
    client.force_login(getattr(cast.users, who))
    response = client.get(_plan_url(cast.pilot_a))
    text = _text(response)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="project-plan-omsorg-sor'
    )
    assert response["Content-Disposition"].endswith('.pdf"')
    assert "Harstad kommune" in text
    assert timezone.localdate().strftime("%d.%m.%Y") in text
    assert "Halvere ventetiden på «bilnøkler»" in text
    assert "Størst mulig verdiskaping" in text
    assert "Vi leter etter bilnøkler – hver morgen…" in text
    assert "Fast plass for bilnøklene" in text
    assert "Siri Olsen" in text
    assert "01.04.2027" in text
    assert "In progress" in text
    assert "Ingen rutine" in text
    assert "Run chart: Tid til leting" in text
    assert "Approved on 01.03.2027 by Jorunn Ervik" in text
    assert f"Page 1 of {_pages(response)}" in text


def test_plan_pdf_shows_gains_as_on_the_plan_page(client, cast, plan):
    client.force_login(cast.users.tore)
    text = _text(client.get(_plan_url(cast.pilot_a)))
    # 6 and 2.5 hours a week of 37.5: 0.2 and 0.1 full-time equivalents.
    assert "6" in text and "2.5" in text
    assert "0.2" in text and "0.1" in text


def test_plan_pdf_in_bokmal_has_norwegian_page_numbers_and_decimal_commas(
    client, settings, cast, plan
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    client.force_login(cast.users.tore)
    response = client.get(_plan_url(cast.pilot_a))
    text = _text(response)
    assert f"Side 1 av {_pages(response)}" in text
    assert "2,5" in text
    assert "Halvere ventetiden på «bilnøkler»" in text
    assert response["Content-Disposition"].startswith(
        'attachment; filename="prosjektplan-omsorg-sor'
    )


def test_plan_pdf_in_nynorsk_has_page_numbers(client, settings, cast, plan):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    client.force_login(cast.users.tore)
    response = client.get(_plan_url(cast.pilot_a))
    assert f"Side 1 av {_pages(response)}" in _text(response)


@pytest.mark.parametrize("who", ["kari", "outsider"])
def test_others_do_not_find_the_plan_pdf(client, cast, plan, who):
    client.force_login(getattr(cast.users, who))
    assert client.get(_plan_url(cast.pilot_a)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, cast, plan):
    response = client.get(_plan_url(cast.pilot_a))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_pilot_without_a_plan_renders(client, cast):
    client.force_login(cast.users.tore)
    text = _text(client.get(_plan_url(cast.pilot_a)))
    assert "No plan yet." in text
    assert "Page 1 of 1" in text


def test_an_empty_plan_renders(client, cast):
    ProjectPlan.objects.create(pilot=cast.pilot_a)
    client.force_login(cast.users.tore)
    text = _text(client.get(_plan_url(cast.pilot_a)))
    assert "Plan status: Draft" in text
    assert "No quality goals yet." in text
    assert "No measures yet." in text


def test_long_texts_and_unusual_characters_do_not_break_the_pdf(client, cast):
    plan = ProjectPlan.objects.create(
        pilot=cast.pilot_a,
        current_state=("Lang tekst med æøå. " * 800) + "x" * 3000,
        future_state="Emoji 😀👍🏽 og ❤️, kontrolltegn \x0b\x1b og tabulator\tsom blir mellomrom",
    )
    QualityGoal.objects.create(plan=plan, text="Mål 🎯 nådd")
    MeasureFactory.create_batch(
        3,
        plan=plan,
        title="T" * 200,
        description="Veldig lang beskrivelse " * 500,
    )
    client.force_login(cast.users.tore)
    response = client.get(_plan_url(cast.pilot_a))
    text = _text(response)
    assert _pages(response) > 3
    assert "Mål ? nådd" in text
    assert "og tabulator som blir mellomrom" in text


def _add_measures(plan, count: int, owner) -> None:
    for number in range(count):
        Measure.objects.create(plan=plan, title=f"Tiltak {number}", owner=owner)
    indicator = Indicator.objects.create(
        plan=plan, name=f"Indikator {count}", unit="min", baseline=30, target=10
    )
    for day in range(1, min(count, 28) + 1):
        Measurement.objects.create(
            indicator=indicator, measured_on=dt.date(2027, 3, day), value=day
        )


@pytest.mark.parametrize("count", [2, 40])
def test_plan_pdf_costs_the_same_queries_with_more_measures(
    client, cast, count, django_assert_max_num_queries
):
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    _add_measures(plan, count, cast.siri)
    client.force_login(cast.users.tore)
    with django_assert_max_num_queries(REQUEST_QUERIES + 10):
        text = _text(client.get(_plan_url(cast.pilot_a)))
    assert f"Tiltak {count - 1}" in text


# The programme report


@pytest.fixture
def programme_data(cast, plan):
    """Pilot A's approved plan, course-day attendance, a measure in pilot B, and earlier lessons."""
    day = CourseDayFactory(pilot=cast.pilot_a, number=1)
    Attendance.objects.create(person=cast.siri, course_day=day, status=Attendance.Status.PRESENT)
    Attendance.objects.create(person=cast.ola, course_day=day, status=Attendance.Status.ABSENT)
    plan_b = ProjectPlan.objects.create(pilot=cast.pilot_b)
    Measure.objects.create(
        plan=plan_b,
        title="Felles innboks",
        status=Measure.Status.DONE,
        hours_identified_per_week=Decimal("7.25"),
        hours_realised_per_week=Decimal("7.25"),
    )
    EarlierProcess.objects.create(
        municipality=cast.municipality,
        year=2019,
        title="Lean i barnehagen",
        outcome="Kortere ventetid",
        lessons_learned="Tavlemøtene holdt prosessen i live",
    )
    EarlierProcess.objects.create(
        municipality=cast.other_municipality,
        year=2020,
        title="Tromsøs hemmelighet",
        lessons_learned="Skal ikke vises",
    )
    PilotLessons.objects.create(
        pilot=cast.pilot_b,
        what_worked="Tavla på vaktrommet",
        advice="Start med én enkel indikator",
    )


@pytest.mark.parametrize("who", ["coordinator", "guide"])
def test_coordinators_download_the_programme_report(client, cast, programme_data, who):
    client.force_login(getattr(cast.users, who))
    response = client.get(_report_url(cast.programme))
    text = _text(response)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="programme-report-laeringslean'
    )
    assert "Harstad kommune" in text
    assert "Programme report, LæringsLEAN" in text
    assert "Størst mulig verdiskaping" in text
    assert "Omsorg Sør, hjemmetjenesten 2" in text
    assert "NAV flyktningetjenesten" in text
    assert "Approved on 01.03.2027 by Jorunn Ervik" in text
    assert "Plans approved: 1 of 2" in text
    assert "1 of 2" in text and "50 %" in text
    assert "Run chart: Tid til leting" in text
    assert "Lean i barnehagen (2019)" in text
    assert "Tavlemøtene holdt prosessen i live" in text
    assert "Tromsøs hemmelighet" not in text
    assert "What worked" in text and "Tavla på vaktrommet" in text
    assert "Start med én enkel indikator" in text
    assert f"Page 1 of {_pages(response)}" in text


def test_programme_report_shows_gains_as_the_gains_page(client, settings, cast, programme_data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    client.force_login(cast.users.coordinator)
    page = client.get(reverse("plans:programme_gains", kwargs={"pk": cast.programme.pk}))
    text = _text(client.get(_report_url(cast.programme)))
    # Pilot A: 6 and 2,5 hours; pilot B: 7,25 and 7,25; together 13,25 and 9,75 hours a week,
    # 0,4 and 0,3 full-time equivalents at 37,5 hours.
    for figure in ("7,25", "13,25", "9,75", "0,4", "0,3", "2,5"):
        assert figure in page.content.decode()
        assert figure in text
    assert "Side 1 av" in text


@pytest.mark.parametrize("who", ["tore", "staff_a"])
def test_leaders_and_staff_may_not_download_the_programme_report(client, cast, who):
    client.force_login(getattr(cast.users, who))
    assert client.get(_report_url(cast.programme)).status_code == 403


def test_another_municipality_does_not_find_the_programme_report(client, cast):
    client.force_login(cast.users.outsider)
    assert client.get(_report_url(cast.programme)).status_code == 404


def test_an_empty_programme_report_renders(client, cast):
    client.force_login(cast.users.coordinator)
    text = _text(client.get(_report_url(cast.programme)))
    assert "The programme has no goals yet." in text
    assert "No lessons recorded yet." in text


@pytest.mark.parametrize("count", [2, 12])
def test_programme_report_costs_the_same_queries_with_more_pilots(
    client, cast, count, django_assert_max_num_queries
):
    for number in range(count):
        department = DepartmentFactory(municipality=cast.municipality, name=f"Avdeling {number}")
        pilot = PilotFactory(programme=cast.programme, department=department)
        plan = ProjectPlan.objects.create(pilot=pilot)
        _add_measures(plan, count, None)
        CourseDayFactory(pilot=pilot, number=1)
    client.force_login(cast.users.coordinator)
    with django_assert_max_num_queries(REQUEST_QUERIES + 12):
        text = _text(client.get(_report_url(cast.programme)))
    assert f"Avdeling {count - 1}" in text


def test_dashboard_and_plan_page_link_to_the_pdfs(client, cast, plan):
    client.force_login(cast.users.coordinator)
    dashboard = client.get(reverse("programme:dashboard")).content.decode()
    assert _report_url(cast.programme) in dashboard
    plan_page = client.get(reverse("plans:plan_detail", kwargs={"pilot_pk": cast.pilot_a.pk}))
    assert _plan_url(cast.pilot_a) in plan_page.content.decode()
