"""Proposing the dates of a pilot's four course days in the programme's course weeks.

`propose_course_days` is pure: it is given the weeks and everything that rules a day out, and
returns the dates it proposes and why it passed over the others. `course_day_proposal` reads
those things from the database for one pilot and calls it.

The rules: only working days (no weekend, no Norwegian public holiday, `pilots.calendar`), none
in the municipality's holiday periods, none on which a chosen facilitator already facilitates
another pilot's course day (the query the double-booking warnings use), none the pilot already
has a course day on, none before `earliest`. The days are spread over the weeks as evenly as the
free days allow (four in two weeks: two a week) and fall on the same weekdays where they can.
"""

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from pilots.calendar import is_public_holiday, public_holiday_name
from pilots.models import HolidayPeriod, Pilot, iso_weeks_in_year
from pilots.programme_settings import CourseWeeks
from training.models import COURSE_DAYS_PER_PILOT, CourseDay
from training.schedule_warnings import facilitators_busy

# Among days that are free equally often, mid-week first: Tuesday, Wednesday, Thursday, then
# Monday and Friday, which follow and precede the weekend and are the hardest to staff.
WEEKDAY_PREFERENCE = (2, 3, 4, 1, 5)


class Reason:
    PUBLIC_HOLIDAY = "public_holiday"
    HOLIDAY_PERIOD = "holiday_period"
    FACILITATOR_BUSY = "facilitator_busy"
    TAKEN = "taken"
    PAST = "past"


@dataclass(frozen=True)
class RuledOut:
    """A weekday in the course weeks that was not proposed, and why."""

    date: dt.date
    reason: str
    # The holiday period's name, the busy facilitators' names, the course day's number.
    details: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        day = date_format(self.date, "SHORT_DATE_FORMAT")
        if self.reason == Reason.PUBLIC_HOLIDAY:
            return gettext("%(date)s is a public holiday (%(name)s).") % {
                "date": day,
                "name": public_holiday_name(self.date),
            }
        if self.reason == Reason.HOLIDAY_PERIOD:
            return gettext("%(date)s falls in %(period)s.") % {
                "date": day,
                "period": get_text_list(list(self.details), gettext("and")),
            }
        if self.reason == Reason.FACILITATOR_BUSY:
            return ngettext(
                "On %(date)s %(names)s facilitates another pilot's course day.",
                "On %(date)s %(names)s facilitate another pilot's course day.",
                len(self.details),
            ) % {"date": day, "names": get_text_list(list(self.details), gettext("and"))}
        if self.reason == Reason.TAKEN:
            return gettext("The pilot already has course day %(number)s on %(date)s.") % {
                "number": self.details[0],
                "date": day,
            }
        return gettext("%(date)s has passed.") % {"date": day}


@dataclass(frozen=True)
class CourseDayProposal:
    weeks: CourseWeeks
    wanted: int
    dates: list[dt.date]
    ruled_out: list[RuledOut] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.wanted - len(self.dates)

    @property
    def is_complete(self) -> bool:
        return self.missing == 0


def _spread(count: int, capacities: Sequence[int]) -> list[int]:
    """How many days each week gets: one week after another in turn while a week has room."""
    quotas = [0] * len(capacities)
    remaining = count
    while remaining:
        gave = False
        for index, capacity in enumerate(capacities):
            if remaining and quotas[index] < capacity:
                quotas[index] += 1
                remaining -= 1
                gave = True
        if not gave:
            break
    return quotas


def propose_course_days(
    *,
    weeks: CourseWeeks,
    count: int = COURSE_DAYS_PER_PILOT,
    holiday_periods: Iterable[HolidayPeriod] = (),
    busy: Mapping[dt.date, Sequence[str]] | None = None,
    taken: Mapping[dt.date, int] | None = None,
    earliest: dt.date | None = None,
) -> CourseDayProposal:
    """Up to `count` dates in the course weeks, spread over the weeks, on the same weekdays.

    `holiday_periods` are the municipality's (anything with `name`, `starts_on`, `ends_on`);
    `busy` maps a date to the chosen facilitators who are taken that day; `taken` maps the
    pilot's own course-day dates to their numbers. Fewer than `count` dates when the weeks do
    not have that many free days; `ruled_out` says what was passed over and why.
    """
    if count < 0:
        raise ValueError("count cannot be negative")
    if not 1 <= weeks.first <= weeks.last <= iso_weeks_in_year(weeks.year):
        raise ValueError(f"No such course weeks: {weeks}")
    busy = busy or {}
    taken = taken or {}
    periods = list(holiday_periods)

    free: list[list[dt.date]] = []
    ruled_out: list[RuledOut] = []
    for week in weeks.weeks:
        free_this_week = []
        for weekday in range(1, 6):
            day = dt.date.fromisocalendar(weeks.year, week, weekday)
            reason = _ruled_out(day, periods=periods, busy=busy, taken=taken, earliest=earliest)
            if reason is None:
                free_this_week.append(day)
            else:
                ruled_out.append(reason)
        free.append(free_this_week)

    # The weekdays free in the most weeks come first, so the weeks share their weekdays.
    free_in_weeks = Counter(day.isoweekday() for days in free for day in days)
    rank = {
        weekday: position
        for position, weekday in enumerate(
            sorted(
                WEEKDAY_PREFERENCE, key=lambda d: (-free_in_weeks[d], WEEKDAY_PREFERENCE.index(d))
            )
        )
    }
    chosen = []
    for days, quota in zip(free, _spread(count, [len(days) for days in free]), strict=True):
        chosen += sorted(days, key=lambda day: rank[day.isoweekday()])[:quota]
    return CourseDayProposal(weeks=weeks, wanted=count, dates=sorted(chosen), ruled_out=ruled_out)


def _ruled_out(
    day: dt.date,
    *,
    periods: Collection[HolidayPeriod],
    busy: Mapping[dt.date, Sequence[str]],
    taken: Mapping[dt.date, int],
    earliest: dt.date | None,
) -> RuledOut | None:
    if earliest is not None and day < earliest:
        return RuledOut(day, Reason.PAST)
    if day in taken:
        return RuledOut(day, Reason.TAKEN, (str(taken[day]),))
    if is_public_holiday(day):
        return RuledOut(day, Reason.PUBLIC_HOLIDAY)
    names = tuple(period.name for period in periods if period.starts_on <= day <= period.ends_on)
    if names:
        return RuledOut(day, Reason.HOLIDAY_PERIOD, names)
    if busy.get(day):
        return RuledOut(day, Reason.FACILITATOR_BUSY, tuple(busy[day]))
    return None


def course_day_proposal(
    *,
    pilot: Pilot,
    weeks: CourseWeeks,
    facilitator_ids: Iterable[int],
    today: dt.date,
) -> CourseDayProposal:
    """Dates for the pilot's course days that are not scheduled yet (four queries)."""
    existing = list(CourseDay.objects.filter(pilot=pilot).order_by().values_list("date", "number"))
    weekdays = [
        dt.date.fromisocalendar(weeks.year, week, weekday)
        for week in weeks.weeks
        for weekday in range(1, 6)
    ]
    municipality_id = pilot.department.municipality_id
    periods = HolidayPeriod.objects.filter(
        municipality_id=municipality_id, starts_on__lte=weekdays[-1], ends_on__gte=weekdays[0]
    ).order_by("starts_on", "pk")
    busy = facilitators_busy(
        municipality_id=municipality_id,
        person_ids=facilitator_ids,
        dates=weekdays,
        exclude_pilot_id=pilot.pk,
    )
    return propose_course_days(
        weeks=weeks,
        count=max(COURSE_DAYS_PER_PILOT - len(existing), 0),
        holiday_periods=list(periods),
        busy=busy,
        taken=dict(existing),
        earliest=today + dt.timedelta(days=1),
    )
