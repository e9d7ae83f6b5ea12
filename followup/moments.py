"""When the programme's mail may go out, and which days its deadlines may fall on: the one rule.

A working day is Monday to Friday, not a Norwegian public holiday and not inside a holiday period
of the pilot's municipality (`pilots.models.HolidayPeriod`: the school winter holiday, the
common summer holiday). A reminder goes out on a working day at or after the programme's send
hour. Something that falls due on a day off waits for the next working day
(`working_moment_after`); a reminder about an event coming (a course day, an information
meeting, a follow-up meeting) is brought forward to the last working day before instead
(`working_moment_before`), since after the event it is of no use.

Every reminder kind asks this module, the cadence puts follow-up meetings on working days with
it, and the sweep asks `is_working_moment` before it lets a stored reminder out. Nothing here
reads the clock: the caller's `now` (the sweep's, or `--now`) is the moment.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pilots.calendar import OSLO, at_local, is_working_day, week_day
from pilots.models import Programme

# The longest run of days off a due moment may be pushed across (a summer holiday period and
# the weekends around it): query windows are widened by this much so a moved reminder is found.
LONGEST_DAYS_OFF = dt.timedelta(days=45)


@dataclass(frozen=True)
class Holidays:
    """A municipality's holiday periods, as (first day, last day) pairs."""

    periods: tuple[tuple[dt.date, dt.date], ...] = ()

    def __contains__(self, day: dt.date) -> bool:
        return any(first <= day <= last for first, last in self.periods)


NO_HOLIDAYS = Holidays()


@dataclass
class WorkingCalendar:
    """The holiday periods of every municipality in a sweep, read with one query."""

    by_municipality: dict[int, Holidays] = field(default_factory=dict)
    municipality_of: dict[int, int] = field(default_factory=dict)

    def for_programme(self, programme_id: int) -> Holidays:
        municipality_id = self.municipality_of.get(programme_id)
        return self.by_municipality.get(municipality_id, NO_HOLIDAYS)

    def for_municipality(self, municipality_id: int | None) -> Holidays:
        return self.by_municipality.get(municipality_id, NO_HOLIDAYS)


def working_calendar_load(*, programme_ids: Iterable[int]) -> WorkingCalendar:
    """The programmes' municipalities and their holiday periods, in one query whatever their
    number (a period is a handful of rows a year, so old ones are read too)."""
    rows = Programme.objects.filter(pk__in=list(programme_ids)).values_list(
        "pk",
        "municipality_id",
        "municipality__holiday_periods__starts_on",
        "municipality__holiday_periods__ends_on",
    )
    periods: dict[int, set[tuple[dt.date, dt.date]]] = defaultdict(set)
    calendar = WorkingCalendar()
    for programme_id, municipality_id, starts_on, ends_on in rows.order_by():
        calendar.municipality_of[programme_id] = municipality_id
        if starts_on is not None:
            periods[municipality_id].add((starts_on, ends_on))
    calendar.by_municipality = {mid: Holidays(tuple(sorted(p))) for mid, p in periods.items()}
    return calendar


def is_working(day: dt.date, holidays: Holidays = NO_HOLIDAYS) -> bool:
    return is_working_day(day) and day not in holidays


def working_day_on_or_after(day: dt.date, holidays: Holidays = NO_HOLIDAYS) -> dt.date:
    while not is_working(day, holidays):
        day += dt.timedelta(days=1)
    return day


def working_day_on_or_before(day: dt.date, holidays: Holidays = NO_HOLIDAYS) -> dt.date:
    while not is_working(day, holidays):
        day -= dt.timedelta(days=1)
    return day


def working_days_after(day: dt.date, count: int, holidays: Holidays = NO_HOLIDAYS) -> dt.date:
    """The working day `count` working days after `day` (Friday, 1 → the Monday after)."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working(day, holidays):
            count -= 1
    return day


def working_days_before(day: dt.date, count: int, holidays: Holidays = NO_HOLIDAYS) -> dt.date:
    """The working day `count` working days before `day` (Monday, 2 → the Thursday before)."""
    while count > 0:
        day -= dt.timedelta(days=1)
        if is_working(day, holidays):
            count -= 1
    return day


def working_moment_after(day: dt.date, policy, holidays: Holidays = NO_HOLIDAYS) -> dt.datetime:
    """The send hour of `day`, or of the next working day when `day` is a day off."""
    return at_local(working_day_on_or_after(day, holidays), policy.send_hour)


def working_moment_before(day: dt.date, policy, holidays: Holidays = NO_HOLIDAYS) -> dt.datetime:
    """The send hour of `day`, or of the last working day before it when `day` is a day off:
    for a reminder of something coming, which must not arrive after it."""
    return at_local(working_day_on_or_before(day, holidays), policy.send_hour)


def weekly_digest_day(
    today: dt.date, iso_weekday: int, holidays: Holidays = NO_HOLIDAYS
) -> dt.date | None:
    """The day of this ISO week's digest: the policy's weekday, or the next working day when
    that is a day off. A digest never leaves its week (that would make two in the next one):
    when no working day follows in the week, the last one before the weekday is taken, and a
    week with no working day at all has no digest."""
    nominal = week_day(today, iso_weekday)
    monday = week_day(today, 1)
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    later = [d for d in days if d >= nominal and is_working(d, holidays)]
    if later:
        return later[0]
    earlier = [d for d in days if d < nominal and is_working(d, holidays)]
    return earlier[-1] if earlier else None


def is_working_moment(now: dt.datetime, send_hour: int, holidays: Holidays = NO_HOLIDAYS) -> bool:
    """Whether mail may go out at `now`: on a working day, at or after the send hour. A reminder
    whose moment has passed while the sweep was not running (or that waited for a retry) still
    waits for this."""
    local_now = now.astimezone(OSLO)
    return is_working(local_now.date(), holidays) and local_now.hour >= send_hour
