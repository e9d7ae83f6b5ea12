"""The one rule for spreadsheet cells (pilots.cells): formula injection, Norwegian formats."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from pilots.cells import ascii_slug, csv_lines, csv_value, neutralise


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("x")', "+47 900 00 000", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd"],
)
def test_text_starting_like_a_formula_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("text", ["Tore Meltzer", "", "a=b", "1-2", "'quoted"])
def test_other_text_is_kept(text):
    assert csv_value(text) == text


def test_real_numbers_stay_numbers_with_a_decimal_comma_even_when_negative():
    assert csv_value(Decimal("-1.50")) == "-1,5"
    assert csv_value(Decimal("2.50")) == "2,5"
    assert csv_value(Decimal("100.00")) == "100"
    assert csv_value(-3) == "-3"
    assert csv_value(0.25) == "0,25"


def test_dates_and_times_in_norwegian_format():
    assert csv_value(dt.date(2027, 2, 15)) == "15.02.2027"
    assert csv_value(dt.time(8, 30)) == "08:30"
    # An aware time is shown as read in Norway (UTC+1 in February).
    aware = dt.datetime(2027, 2, 15, 7, 30, tzinfo=dt.UTC)
    assert csv_value(aware) == "15.02.2027 08:30"
    assert csv_value(None) == ""


def test_a_bool_must_be_given_as_words():
    with pytest.raises(TypeError):
        csv_value(True)


def test_csv_lines_start_with_a_bom_and_separate_with_semicolons():
    data = b"".join(csv_lines([["Navn", "Timer"], ["=1+1", Decimal("2.5")]])).decode()

    assert data == "\ufeffNavn;Timer\r\n'=1+1;2,5\r\n"


def test_file_name_parts_are_plain_ascii():
    assert ascii_slug("Omsorg Sør, hjemmetjenesten 2") == "omsorg-sor-hjemmetjenesten-2"
    assert ascii_slug("Oppmøte på Åsen") == "oppmote-pa-asen"


def test_localtime_is_not_needed_for_naive_values():
    naive = dt.datetime(2027, 2, 15, 8, 30)  # noqa: DTZ001 - a naive value on purpose
    assert not timezone.is_aware(naive)
    assert csv_value(naive) == "15.02.2027 08:30"
