"""The rules every page, mail and export shares, each pinned in its one home."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pilots.calendar import (
    is_working_day,
    public_holiday_name,
    validate_plausible_date,
    working_days_after,
    working_days_before,
)
from pilots.collation import norwegian, norwegian_sort_key
from pilots.fte import format_fte, format_hours, fte
from pilots.models import Person
from plans.models import Measure
from tests.factories import MeasureFactory, PersonFactory, ProjectPlanFactory

# --- Full-time equivalents (pilots.fte) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "per_fte", "expected"),
    [
        ("6", "37.5", "0.2"),  # 0.16 rounds half up, not down to 0.1
        ("37.5", "37.5", "1.0"),
        ("18.75", "37.5", "0.5"),
        ("1.875", "37.5", "0.1"),  # exactly 0.05: half up
        ("0", "37.5", "0.0"),
        ("100", "37.5", "2.7"),
    ],
)
def test_fte_is_hours_over_a_full_week_rounded_half_up_to_one_decimal(hours, per_fte, expected):
    assert fte(Decimal(hours), Decimal(per_fte)) == Decimal(expected)


@pytest.mark.parametrize(
    ("language", "fte_shown", "hours_shown"),
    [("nb", "0,2", "6,5"), ("nn", "0,2", "6,5"), ("en", "0.2", "6.5")],
)
def test_fte_and_hours_use_the_languages_decimal_separator(language, fte_shown, hours_shown):
    with translation.override(language):
        assert format_fte(Decimal("6"), Decimal("37.5")) == fte_shown
        assert format_hours(Decimal("6.5")) == hours_shown


# --- Open and overdue measures (Measure.objects) -----------------------------------------------


@pytest.mark.django_db
def test_open_is_not_started_or_in_progress_and_overdue_is_open_past_its_deadline(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    today = dt.date(2027, 3, 10)
    yesterday, tomorrow = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    late = MeasureFactory(plan=plan, status="not_started", deadline=yesterday)
    going = MeasureFactory(plan=plan, status="in_progress", deadline=tomorrow)
    due_today = MeasureFactory(plan=plan, status="in_progress", deadline=today)
    no_deadline = MeasureFactory(plan=plan, status="not_started", deadline=None)
    MeasureFactory(plan=plan, status="done", deadline=yesterday)
    MeasureFactory(plan=plan, status="dropped", deadline=yesterday)

    assert set(Measure.objects.open()) == {late, going, due_today, no_deadline}
    assert list(Measure.objects.overdue(today)) == [late]
    assert [m for m in Measure.objects.all() if m.is_overdue(today)] == [late]
    assert {m for m in Measure.objects.all() if m.is_open} == {late, going, due_today, no_deadline}


# --- The Norwegian calendar (pilots.calendar) --------------------------------------------------


def test_weekends_and_public_holidays_are_not_working_days():
    assert not is_working_day(dt.date(2027, 3, 29))  # Easter Monday
    assert not is_working_day(dt.date(2027, 3, 13))  # a Saturday
    assert not is_working_day(dt.date(2027, 5, 17))  # Constitution Day
    assert is_working_day(dt.date(2027, 3, 30))


def test_working_days_skip_weekends_and_easter():
    assert working_days_after(dt.date(2027, 3, 12), 1) == dt.date(2027, 3, 15)  # Fri → Mon
    # Holy Thursday to Easter Monday are off: the day after Wednesday 24.03 is Tuesday 30.03.
    assert working_days_after(dt.date(2027, 3, 24), 1) == dt.date(2027, 3, 30)
    assert working_days_before(dt.date(2027, 3, 30), 2) == dt.date(2027, 3, 23)


def test_holiday_names_follow_the_language():
    with translation.override("nb"):
        assert public_holiday_name(dt.date(2026, 12, 25)) == "Første juledag"
    with translation.override("en"):
        assert public_holiday_name(dt.date(2026, 12, 25)) == "Christmas Day"
    assert public_holiday_name(dt.date(2026, 12, 23)) is None


@pytest.mark.parametrize("day", [dt.date(1999, 12, 31), dt.date(2101, 1, 1), dt.date(9999, 12, 31)])
def test_implausible_dates_are_refused_in_the_users_language(day):
    with translation.override("nb"), pytest.raises(ValidationError) as error:
        validate_plausible_date(day)
    assert error.value.messages == ["Oppgi en dato mellom 01.01.2000 og 31.12.2100."]


def test_plausible_dates_pass():
    validate_plausible_date(dt.date(2000, 1, 1))
    validate_plausible_date(dt.date(2100, 12, 31))


# --- Norwegian alphabetical order (pilots.collation) ------------------------------------------


NORWEGIAN_ORDER = ["andersen", "Berit", "Émile", "Zelda", "Ærlig", "Øystein", "Aaron", "Åse"]


def test_norwegian_order_puts_ae_oe_aa_after_z():
    shuffled = NORWEGIAN_ORDER[1::2] + NORWEGIAN_ORDER[::2]
    assert sorted(shuffled, key=norwegian_sort_key) == NORWEGIAN_ORDER


@pytest.mark.django_db
def test_the_database_sorts_in_norwegian_order_on_every_backend(cast):
    for name in reversed(NORWEGIAN_ORDER):
        PersonFactory(municipality=cast.other_municipality, full_name=name)

    names = Person.objects.filter(
        municipality=cast.other_municipality, full_name__in=NORWEGIAN_ORDER
    )

    assert list(names.order_by(norwegian("full_name")).values_list("full_name", flat=True)) == (
        NORWEGIAN_ORDER
    )
