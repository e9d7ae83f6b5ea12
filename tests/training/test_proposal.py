"""Proposing four course days: working days in the course weeks, spread, on the same weekdays."""

import datetime as dt
from types import SimpleNamespace

import pytest

from pilots.models import HolidayPeriod
from pilots.programme_settings import CourseWeeks
from tests.factories import CourseDayFactory
from training.proposal import Reason, course_day_proposal, propose_course_days

WEEKS_7_8 = CourseWeeks(2027, 7, 8)


def d(month: int, day: int, year: int = 2027) -> dt.date:
    return dt.date(year, month, day)


def period(name: str, starts: dt.date, ends: dt.date):
    return SimpleNamespace(name=name, starts_on=starts, ends_on=ends)


WEEK_8 = (d(2, 22), d(2, 23), d(2, 24), d(2, 25), d(2, 26))

# Troms' school winter holiday: ISO week 8 of 2027, right on the second course week.
WINTER_HOLIDAY = period("Vinterferie (Troms)", d(2, 22), d(2, 26))


def reasons(proposal) -> dict[dt.date, str]:
    return {out.date: out.reason for out in proposal.ruled_out}


def test_free_weeks_get_two_days_each_on_the_same_weekdays():
    proposal = propose_course_days(weeks=WEEKS_7_8)

    # Tuesday and Wednesday of week 7, then of week 8.
    assert proposal.dates == [d(2, 16), d(2, 17), d(2, 23), d(2, 24)]
    assert proposal.is_complete
    assert proposal.ruled_out == []


def test_no_weekend_day_is_ever_proposed():
    proposal = propose_course_days(weeks=WEEKS_7_8, count=12)

    assert len(proposal.dates) == 10
    assert all(day.isoweekday() <= 5 for day in proposal.dates)
    assert proposal.missing == 2
    assert not proposal.is_complete


def test_a_holiday_period_in_week_8_moves_all_four_days_into_week_7():
    proposal = propose_course_days(weeks=WEEKS_7_8, holiday_periods=[WINTER_HOLIDAY])

    # Monday to Thursday of week 7 (Friday is the least liked day), none in the holiday.
    assert proposal.dates == [d(2, 15), d(2, 16), d(2, 17), d(2, 18)]
    assert proposal.is_complete
    assert reasons(proposal) == dict.fromkeys(WEEK_8, Reason.HOLIDAY_PERIOD)


def test_a_holiday_period_that_covers_part_of_a_week_keeps_the_rest_of_it():
    half_term = period("Planleggingsdager", d(2, 15), d(2, 17))

    proposal = propose_course_days(weeks=WEEKS_7_8, holiday_periods=[half_term])

    # Thursday and Friday are free in both weeks, so both weeks get them.
    assert proposal.dates == [d(2, 18), d(2, 19), d(2, 25), d(2, 26)]


def test_a_day_a_facilitator_is_booked_moves_both_weeks_to_other_shared_weekdays():
    # Monica facilitates another pilot's course day on Tuesday of week 7.
    busy = {d(2, 16): ["Monica Lindstrøm"]}

    proposal = propose_course_days(weeks=WEEKS_7_8, busy=busy)

    # Tuesday is free only in week 8; Wednesday and Thursday are free in both weeks.
    assert proposal.dates == [d(2, 17), d(2, 18), d(2, 24), d(2, 25)]
    assert reasons(proposal) == {d(2, 16): Reason.FACILITATOR_BUSY}


def test_easter_holidays_are_never_proposed():
    # Maundy Thursday, Good Friday (week 12) and Easter Monday (week 13) of 2027.
    proposal = propose_course_days(weeks=CourseWeeks(2027, 12, 13))

    assert proposal.dates == [d(3, 23), d(3, 24), d(3, 30), d(3, 31)]
    assert reasons(proposal) == {
        d(3, 25): Reason.PUBLIC_HOLIDAY,
        d(3, 26): Reason.PUBLIC_HOLIDAY,
        d(3, 29): Reason.PUBLIC_HOLIDAY,
    }


def test_ascension_day_is_left_out_of_a_single_course_week():
    proposal = propose_course_days(weeks=CourseWeeks(2027, 18, 18))

    assert d(5, 6) not in proposal.dates
    assert proposal.dates == [d(5, 3), d(5, 4), d(5, 5), d(5, 7)]
    assert reasons(proposal) == {d(5, 6): Reason.PUBLIC_HOLIDAY}


def test_four_days_over_three_weeks_are_two_one_one():
    proposal = propose_course_days(weeks=CourseWeeks(2027, 7, 9))

    weeks = [day.isocalendar().week for day in proposal.dates]
    assert weeks == [7, 7, 8, 9]
    assert {day.isoweekday() for day in proposal.dates} == {2, 3}


def test_it_says_so_when_the_weeks_have_no_room_for_four():
    # Week 8 is the holiday; in week 7 the facilitators are busy Monday to Wednesday.
    busy = {d(2, day): ["Jorunn Ervik"] for day in (15, 16, 17)}

    proposal = propose_course_days(weeks=WEEKS_7_8, holiday_periods=[WINTER_HOLIDAY], busy=busy)

    assert proposal.dates == [d(2, 18), d(2, 19)]
    assert proposal.missing == 2
    assert not proposal.is_complete


def test_weeks_that_are_all_holiday_give_no_dates():
    proposal = propose_course_days(
        weeks=WEEKS_7_8, holiday_periods=[period("Stengt", d(2, 1), d(3, 31))]
    )

    assert proposal.dates == []
    assert proposal.missing == 4
    assert len(proposal.ruled_out) == 10


def test_days_the_pilot_has_and_days_gone_by_are_left_out():
    proposal = propose_course_days(weeks=WEEKS_7_8, count=3, taken={d(2, 23): 1}, earliest=d(2, 17))

    assert proposal.dates == [d(2, 17), d(2, 18), d(2, 24)]
    assert reasons(proposal)[d(2, 23)] == Reason.TAKEN
    assert reasons(proposal)[d(2, 15)] == Reason.PAST


def test_the_reasons_read_as_sentences(settings):
    busy = {d(2, 16): ["Jorunn Ervik", "Monica Lindstrøm"]}

    proposal = propose_course_days(
        weeks=CourseWeeks(2027, 7, 8), holiday_periods=[WINTER_HOLIDAY], busy=busy
    )

    texts = [out.text for out in proposal.ruled_out]
    assert (
        "On 16.02.2027 Jorunn Ervik and Monica Lindstrøm facilitate another pilot's course day."
        in texts
    )
    assert "22.02.2027 falls in Vinterferie (Troms)." in texts
    easter = propose_course_days(weeks=CourseWeeks(2027, 13, 13))
    assert easter.ruled_out[0].text == "29.03.2027 is a public holiday (Easter Monday)."


@pytest.mark.parametrize("weeks", [CourseWeeks(2027, 53, 53), CourseWeeks(2027, 8, 7)])
def test_weeks_that_do_not_exist_are_refused(weeks):
    with pytest.raises(ValueError):
        propose_course_days(weeks=weeks)


@pytest.mark.django_db
def test_the_proposal_for_a_pilot_reads_holidays_bookings_and_its_own_days(
    cast, django_assert_num_queries
):
    HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie (Troms)",
        starts_on=d(2, 22),
        ends_on=d(2, 26),
    )
    # Another municipality's holiday does not count.
    HolidayPeriod.objects.create(
        municipality=cast.other_municipality, name="Stengt", starts_on=d(2, 1), ends_on=d(2, 28)
    )
    other = CourseDayFactory(pilot=cast.pilot_b, number=1, date=d(2, 16))
    other.facilitators.set([cast.monica])
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=d(2, 18))

    with django_assert_num_queries(4):
        proposal = course_day_proposal(
            pilot=cast.pilot_a,
            weeks=WEEKS_7_8,
            facilitator_ids=[cast.monica.pk, cast.jorunn.pk],
            today=d(1, 10),
        )

    assert proposal.wanted == 3
    assert proposal.dates == [d(2, 15), d(2, 17), d(2, 19)]
    assert reasons(proposal) == {
        d(2, 16): Reason.FACILITATOR_BUSY,
        d(2, 18): Reason.TAKEN,
        **dict.fromkeys(WEEK_8, Reason.HOLIDAY_PERIOD),
    }

    # Without Monica among the facilitators, Tuesday is free again.
    without_monica = course_day_proposal(
        pilot=cast.pilot_a, weeks=WEEKS_7_8, facilitator_ids=[cast.jorunn.pk], today=d(1, 10)
    )
    assert d(2, 16) in without_monica.dates
