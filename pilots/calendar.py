"""The Norwegian calendar: local dates in Europe/Oslo, public holidays, working days, ISO weeks.

Every page, mail, schedule warning and reminder asks this module, so "a working day" and "a
public holiday" mean the same thing everywhere. Due moments are a local date plus a clock time:
working with dates rather than adding hours to instants is what keeps the change to and from
summer time from moving, doubling or skipping anything; the database stores instants in UTC.
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as public_holidays
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

OSLO = ZoneInfo("Europe/Oslo")

# The `holidays` package names Norwegian holidays in Norwegian ("no") or English ("en_US").
_NORWEGIAN_LANGUAGES = ("nb", "nn", "no")


def local_date(moment: dt.datetime) -> dt.date:
    """The date in Norway at an aware instant."""
    return moment.astimezone(OSLO).date()


def local_today() -> dt.date:
    """Today's date in Norway."""
    return local_date(timezone.now())


def local_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """A clock time on a date in Norway (a course day's start), as an aware datetime.

    A time that does not exist (02:xx on the last Sunday of March) lands an hour later; one that
    exists twice (02:xx on the last Sunday of October) is its first occurrence.
    """
    aware = dt.datetime.combine(day, time, tzinfo=OSLO)
    # zoneinfo keeps a non-existent wall time as given; a round trip through UTC normalises it.
    return aware.astimezone(dt.UTC).astimezone(OSLO)


def at_local(day: dt.date, hour: int) -> dt.datetime:
    """`hour` o'clock on `day` in Norway, as an aware datetime."""
    return local_moment(day, dt.time(hour))


def start_of_local_day(day: dt.date) -> dt.datetime:
    return at_local(day, 0)


@lru_cache(maxsize=64)
def _public_holidays(year: int, language: str) -> dict[dt.date, str]:
    return dict(public_holidays.country_holidays("NO", years=year, language=language).items())


def is_public_holiday(day: dt.date) -> bool:
    return day in _public_holidays(day.year, "no")


def public_holiday_name(day: dt.date) -> str | None:
    """The name of the Norwegian public holiday on `day` in the current language, or None."""
    current = (get_language() or "nb").split("-")[0]
    language = "no" if current in _NORWEGIAN_LANGUAGES else "en_US"
    return _public_holidays(day.year, language).get(day)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Norwegian public holiday."""
    return day.isoweekday() <= 5 and not is_public_holiday(day)


def working_days_before(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days before `day` (Monday, 2 → the Thursday before)."""
    current = day
    while count > 0:
        current -= dt.timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def working_days_after(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days after `day` (Friday, 1 → the Monday after)."""
    current = day
    while count > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def iso_week_key(day: dt.date) -> str:
    """'2027-W10': the period of a weekly digest."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_day(day: dt.date, iso_weekday: int) -> dt.date:
    """The given weekday (1 = Monday) in the ISO week of `day`."""
    iso = day.isocalendar()
    return dt.date.fromisocalendar(iso.year, iso.week, iso_weekday)


def end_of_week(day: dt.date) -> dt.datetime:
    """Midnight at the end of the ISO week of `day` (the next Monday, 00:00, Norwegian time)."""
    return start_of_local_day(week_day(day, 1) + dt.timedelta(weeks=1))


# Dates a person may enter anywhere. Far-off years are typing slips, and arithmetic on them
# (a follow-up meeting twelve months after 31.12.9999) would overflow.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def validate_plausible_date(value: dt.date) -> None:
    """Refuse a date outside 2000–2100 with a message in the user's language."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {
                "earliest": date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
                "latest": date_format(LATEST_DATE, "SHORT_DATE_FORMAT"),
            },
            code="implausible_date",
        )
