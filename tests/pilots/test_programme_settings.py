"""The programme's settings in the app: course weeks, holiday periods and phase targets."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pilots.models import HolidayPeriod, PhaseTarget, Pilot, Programme
from pilots.programme_settings import (
    CourseWeeks,
    TargetInput,
    course_weeks_for,
    holiday_period_delete,
    holiday_period_save,
    next_course_year,
    phase_targets_save,
    programme_course_weeks_set,
)
from tests.conftest import REQUEST_QUERIES
from tests.factories import PilotFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def url(name, **kwargs):
    return reverse(f"pilots:{name}", kwargs=kwargs)


def d(month, day, year=2027):
    return dt.date(year, month, day)


# --- Course weeks ---------------------------------------------------------------------------------


def test_coordinator_sets_and_clears_the_programme_s_course_weeks(client, cast):
    client.force_login(cast.users.coordinator)
    page = url("programme_course_weeks", pk=cast.programme.pk)

    saved = client.post(
        page, {"course_year": "2028", "course_week_first": "9", "course_week_last": "10"}
    )

    assert saved.status_code == 302
    assert saved.url == url("programme_settings", pk=cast.programme.pk)
    cast.programme.refresh_from_db()
    assert (cast.programme.course_year, cast.programme.course_weeks) == (2028, [9, 10])
    assert "weeks 9–10 of 2028" in client.get(saved.url).content.decode()

    cleared = client.post(
        page, {"course_year": "", "course_week_first": "", "course_week_last": ""}
    )

    assert cleared.status_code == 302
    cast.programme.refresh_from_db()
    assert cast.programme.course_year is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"course_year": "2028", "course_week_first": "", "course_week_last": ""},
            "course_year",
            "Give the course year together with the first and last week.",
        ),
        (
            {"course_year": "2028", "course_week_first": "9", "course_week_last": "8"},
            "course_week_last",
            "The last course week cannot be before the first.",
        ),
        (
            {"course_year": "2027", "course_week_first": "52", "course_week_last": "53"},
            "course_week_last",
            "That year has no such ISO week.",
        ),
        (
            {"course_year": "99999", "course_week_first": "7", "course_week_last": "8"},
            "course_year",
            "Ensure this value is less than or equal to 2100.",
        ),
    ],
)
def test_bad_course_weeks_are_form_errors_that_keep_what_was_typed(
    client, cast, data, field, message
):
    client.force_login(cast.users.guide)

    response = client.post(url("programme_course_weeks", pk=cast.programme.pk), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert f'value="{data["course_year"]}"' in response.content.decode()
    cast.programme.refresh_from_db()
    assert cast.programme.course_year is None


def test_the_database_refuses_half_given_course_weeks(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=cast.programme.pk).update(course_year=2027)
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=cast.programme.pk).update(
            course_year=2027, course_week_first=9, course_week_last=8
        )


def test_a_refused_change_leaves_the_programme_as_it_was(cast):
    with pytest.raises(ValidationError):
        programme_course_weeks_set(
            user=cast.users.coordinator,
            programme=cast.programme,
            course_year=2027,
            course_week_first=9,
            course_week_last=8,
        )

    assert cast.programme.course_year is None


def test_the_weeks_to_plan_in_come_from_the_pilot_then_the_programme_then_the_default(cast):
    today = d(3, 1, 2027)
    pilot = cast.pilot_a
    programme = ProgrammeFactory(municipality=cast.municipality)
    assert course_weeks_for(programme=programme, today=today) == CourseWeeks(2028, 7, 8)
    programme.course_year, programme.course_week_first, programme.course_week_last = 2029, 10, 11
    assert course_weeks_for(programme=programme, today=today) == CourseWeeks(2029, 10, 11)
    assert course_weeks_for(programme=programme, pilot=pilot, today=today) == CourseWeeks(
        2027, 7, 8
    )


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (d(12, 3, 2026), 2027),
        (d(2, 14, 2027), 2027),  # Sunday before week 7: still to come
        (d(2, 15, 2027), 2028),  # Monday of week 7: the course weeks have started
        (d(1, 1, 2027), 2027),  # in ISO week 53 of 2026
    ],
)
def test_the_next_course_year_is_the_first_whose_course_weeks_have_not_started(today, year):
    assert next_course_year(today=today) == year


# --- Holiday periods ------------------------------------------------------------------------------


def test_coordinator_adds_edits_and_deletes_a_holiday_period(client, cast):
    client.force_login(cast.users.coordinator)

    added = client.post(
        url("holiday_period_create", programme_pk=cast.programme.pk),
        {"name": "Vinterferie (Troms)", "starts_on": "22.02.2027", "ends_on": "26.02.2027"},
    )

    assert added.status_code == 302
    period = HolidayPeriod.objects.get(municipality=cast.municipality)
    assert (period.name, period.starts_on, period.ends_on) == (
        "Vinterferie (Troms)",
        d(2, 22),
        d(2, 26),
    )
    settings_page = client.get(url("programme_settings", pk=cast.programme.pk))
    assert "Vinterferie (Troms)" in settings_page.content.decode()
    assert "22.02.2027" in settings_page.content.decode()

    edited = client.post(
        url("holiday_period_edit", programme_pk=cast.programme.pk, pk=period.pk),
        {"name": "Vinterferie", "starts_on": "22.02.2027", "ends_on": "28.02.2027"},
    )

    assert edited.status_code == 302
    period.refresh_from_db()
    assert (period.name, period.ends_on) == ("Vinterferie", d(2, 28))

    deleted = client.post(
        url("holiday_period_delete", programme_pk=cast.programme.pk, pk=period.pk)
    )

    assert deleted.status_code == 302
    assert not HolidayPeriod.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Påskeferie", "starts_on": "29.03.2027", "ends_on": "26.03.2027"}, "ends_on"),
        ({"name": "Påskeferie", "starts_on": "31.12.9999", "ends_on": "26.03.2027"}, "starts_on"),
        ({"name": "", "starts_on": "22.03.2027", "ends_on": "26.03.2027"}, "name"),
        ({"name": "Påskeferie", "starts_on": "", "ends_on": ""}, "starts_on"),
    ],
)
def test_a_bad_holiday_period_is_a_form_error_that_keeps_what_was_typed(client, cast, data, field):
    client.force_login(cast.users.coordinator)

    response = client.post(url("holiday_period_create", programme_pk=cast.programme.pk), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    if data["name"]:
        assert f'value="{data["name"]}"' in response.content.decode()
    assert not HolidayPeriod.objects.exists()


def test_another_municipality_s_holiday_period_is_not_found(client, cast):
    tromso = HolidayPeriod.objects.create(
        municipality=cast.other_municipality, name="Vinterferie", starts_on=d(3, 1), ends_on=d(3, 5)
    )
    client.force_login(cast.users.coordinator)

    for name in ("holiday_period_edit", "holiday_period_delete"):
        response = client.post(url(name, programme_pk=cast.programme.pk, pk=tromso.pk))
        assert response.status_code == 404
    assert HolidayPeriod.objects.filter(pk=tromso.pk).exists()


@pytest.mark.parametrize("role", ["tore", "staff_a", "outsider"])
def test_only_the_municipality_s_coordinators_may_change_the_settings(cast, role):
    user = getattr(cast.users, role)
    period = HolidayPeriod.objects.create(
        municipality=cast.municipality, name="Vinterferie", starts_on=d(2, 22), ends_on=d(2, 26)
    )

    with pytest.raises(PermissionDenied):
        programme_course_weeks_set(
            user=user,
            programme=cast.programme,
            course_year=2027,
            course_week_first=7,
            course_week_last=8,
        )
    with pytest.raises(PermissionDenied):
        holiday_period_save(
            user=user,
            municipality_id=cast.municipality.pk,
            name="Høstferie",
            starts_on=d(10, 4),
            ends_on=d(10, 8),
        )
    with pytest.raises(PermissionDenied):
        holiday_period_delete(user=user, period=period)
    with pytest.raises(PermissionDenied):
        phase_targets_save(
            user=user, programme=cast.programme, targets={"course": TargetInput(d(2, 26))}
        )
    assert list(HolidayPeriod.objects.all()) == [period]
    assert not PhaseTarget.objects.exists()


# --- Phase targets --------------------------------------------------------------------------------


def _targets_data(**phases) -> dict:
    data = {}
    for phase in Pilot.Phase.values:
        date, note = phases.get(phase, ("", ""))
        data[f"{phase}_reached_by"] = date
        data[f"{phase}_note"] = note
    return data


def test_coordinator_sets_changes_and_clears_phase_targets(client, cast):
    client.force_login(cast.users.coordinator)
    page = url("programme_phase_targets", pk=cast.programme.pk)

    response = client.post(
        page,
        _targets_data(
            information=("31.01.2027", "Informasjonsmøte holdt"),
            course=("26.02.2027", ""),
            follow_up=("31.03.2027", ""),
        ),
    )

    assert response.status_code == 302
    targets = {t.phase: (t.reached_by, t.note) for t in PhaseTarget.objects.all()}
    assert targets == {
        "information": (d(1, 31), "Informasjonsmøte holdt"),
        "course": (d(2, 26), ""),
        "follow_up": (d(3, 31), ""),
    }
    html = client.get(url("programme_settings", pk=cast.programme.pk)).content.decode()
    assert "Informasjonsmøte holdt" in html and "26.02.2027" in html

    response = client.post(page, _targets_data(course=("01.03.2027", "")))

    assert response.status_code == 302
    assert list(PhaseTarget.objects.values_list("phase", "reached_by")) == [("course", d(3, 1))]


def test_a_target_before_an_earlier_phase_s_target_is_refused(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("programme_phase_targets", pk=cast.programme.pk),
        _targets_data(course=("26.02.2027", "Kursdager"), follow_up=("01.02.2027", "")),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["follow_up_reached_by"] == [
        "This is before the target for “course” (26.02.2027), which comes earlier."
    ]
    assert 'value="Kursdager"' in response.content.decode()
    assert not PhaseTarget.objects.exists()


def test_a_note_without_a_date_is_refused(cast):
    with pytest.raises(ValidationError) as error:
        phase_targets_save(
            user=cast.users.coordinator,
            programme=cast.programme,
            targets={"closed": TargetInput(None, "Avsluttes")},
        )

    assert error.value.message_dict == {"closed": ["Give the date the note belongs to."]}


def test_bad_target_dates_are_form_errors(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        url("programme_phase_targets", pk=cast.programme.pk),
        _targets_data(course=("31.12.9999", ""), closed=("not a date", "x" * 201)),
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "course_reached_by",
        "closed_reached_by",
        "closed_note",
    }


def test_the_dashboard_shows_each_pilot_s_next_phase_target(client, cast):
    today = timezone.localdate()
    PhaseTarget.objects.create(
        programme=cast.programme, phase="information", reached_by=today - dt.timedelta(days=1)
    )
    PhaseTarget.objects.create(
        programme=cast.programme, phase="course", reached_by=today + dt.timedelta(days=30)
    )
    Pilot.objects.filter(pk=cast.pilot_b.pk).update(phase="information")
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("programme:dashboard"))

    rows = {row.pilot.pk: row for row in response.context["rows"]}
    assert (rows[cast.pilot_a.pk].next_phase, rows[cast.pilot_a.pk].next_phase_target) == (
        "information",
        today - dt.timedelta(days=1),
    )
    assert rows[cast.pilot_b.pk].next_phase_target == today + dt.timedelta(days=30)
    html = response.content.decode()
    late = (today - dt.timedelta(days=1)).strftime("%d.%m.%Y")
    assert f"Target: information by {late} <strong>(overdue)</strong>" in html


# --- Query budget ---------------------------------------------------------------------------------


def test_the_settings_page_costs_the_same_with_few_and_many_rows(client, cast):
    client.force_login(cast.users.coordinator)
    page = url("programme_settings", pk=cast.programme.pk)

    def add(count, year):
        for n in range(count):
            start = d(1, 1, year) + dt.timedelta(weeks=n)
            HolidayPeriod.objects.create(
                municipality=cast.municipality,
                name=f"Ferie {year}-{n}",
                starts_on=start,
                ends_on=start + dt.timedelta(days=4),
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    add(2, 2027)
    PhaseTarget.objects.create(programme=cast.programme, phase="course", reached_by=d(2, 26))
    client.get(page)
    few = queries()
    add(40, 2028)
    for phase, month in (("follow_up", 4), ("self_sufficient", 10), ("closed", 12)):
        PhaseTarget.objects.create(programme=cast.programme, phase=phase, reached_by=d(month, 1))
    PilotFactory(programme=cast.programme)

    assert queries() == few
    # The request's own, then the programme, its phase targets and the holiday periods.
    assert few <= REQUEST_QUERIES + 3
