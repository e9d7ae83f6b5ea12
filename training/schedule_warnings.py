"""Warnings about when meetings and course days are scheduled.

Nothing here blocks a save: a coordinator may have good reasons to hold a course day in the winter
holiday. The functions only read and return sentences in the current language, so the views can
show them after saving and the pilot page can list them.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from pilots.calendar import OSLO, public_holiday_name
from pilots.models import HolidayPeriod, Municipality, Pilot
from training.models import COURSE_DAYS_PER_PILOT, CourseDay, InformationMeeting


def _short(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def date_warnings(
    *,
    day: dt.date,
    municipality: Municipality | int,
    holiday_periods: Iterable[HolidayPeriod] | None = None,
) -> list[str]:
    """Why `day` may be a poor day for a meeting: public holiday, holiday period or weekend.

    Pass `holiday_periods` (the municipality's periods) when checking many days, to read them once.
    """
    warnings = []
    name = public_holiday_name(day)
    if name:
        warnings.append(
            gettext("%(date)s is a public holiday (%(name)s).")
            % {"date": _short(day), "name": name}
        )
    if holiday_periods is None:
        municipality_id = getattr(municipality, "pk", municipality)
        holiday_periods = HolidayPeriod.objects.filter(
            municipality_id=municipality_id, starts_on__lte=day, ends_on__gte=day
        )
    for period in holiday_periods:
        if period.starts_on <= day <= period.ends_on:
            warnings.append(
                gettext("%(date)s falls in %(period)s (%(starts)s–%(ends)s).")
                % {
                    "date": _short(day),
                    "period": period.name,
                    "starts": _short(period.starts_on),
                    "ends": _short(period.ends_on),
                }
            )
    weekday = day.isoweekday()
    if weekday == 6:
        warnings.append(gettext("%(date)s is a Saturday.") % {"date": _short(day)})
    elif weekday == 7:
        warnings.append(gettext("%(date)s is a Sunday.") % {"date": _short(day)})
    return warnings


def course_day_plan_warnings(
    *, pilot: Pilot, course_days: Iterable[CourseDay] | None = None
) -> list[str]:
    """What is wrong with the pilot's course days as a whole.

    Missing days, days whose dates run against their numbers, and days outside the pilot's course
    weeks. Pass `course_days` when they are already loaded.
    """
    if course_days is None:
        course_days = CourseDay.objects.filter(pilot=pilot).order_by("number")
    days = sorted(course_days, key=lambda d: d.number)
    warnings = []

    missing = sorted(set(range(1, COURSE_DAYS_PER_PILOT + 1)) - {d.number for d in days})
    if missing:
        warnings.append(
            ngettext(
                "Course day %(numbers)s is not scheduled yet.",
                "Course days %(numbers)s are not scheduled yet.",
                len(missing),
            )
            % {"numbers": ", ".join(str(n) for n in missing)}
        )

    for earlier, later in zip(days, days[1:], strict=False):
        values = {
            "earlier": earlier.number,
            "earlier_date": _short(earlier.date),
            "later": later.number,
            "later_date": _short(later.date),
        }
        if later.date < earlier.date:
            warnings.append(
                gettext(
                    "Course day %(later)s (%(later_date)s) is before course day "
                    "%(earlier)s (%(earlier_date)s)."
                )
                % values
            )
        elif later.date == earlier.date:
            warnings.append(
                gettext(
                    "Course days %(earlier)s and %(later)s are on the same date (%(later_date)s)."
                )
                % values
            )

    if pilot.course_year is not None and pilot.course_weeks:
        for day in days:
            iso = day.date.isocalendar()
            if iso.year != pilot.course_year or iso.week not in pilot.course_weeks:
                warnings.append(
                    gettext(
                        "Course day %(number)s (%(date)s, week %(week)s) is outside the pilot's "
                        "course weeks (weeks %(first)s–%(last)s of %(year)s)."
                    )
                    % {
                        "number": day.number,
                        "date": _short(day.date),
                        "week": iso.week,
                        "first": pilot.course_week_first,
                        "last": pilot.course_week_last,
                        "year": pilot.course_year,
                    }
                )
    return warnings


def meeting_local_date(meeting: InformationMeeting) -> dt.date:
    return timezone.localtime(meeting.starts_at, OSLO).date()


def pilot_schedule_warnings(
    *,
    pilot: Pilot,
    course_days: list[CourseDay] | None = None,
    meetings: list[InformationMeeting] | None = None,
) -> list[str]:
    """Every scheduling warning for a pilot, for its overview page.

    A page that has already loaded the course days and meetings passes them in; the holiday
    periods are then the only query.
    """
    if course_days is None:
        course_days = list(CourseDay.objects.filter(pilot=pilot))
    course_days = sorted(course_days, key=lambda day: day.number)
    if meetings is None:
        meetings = list(InformationMeeting.objects.filter(pilot=pilot))
    meetings = sorted(meetings, key=lambda meeting: meeting.starts_at)
    periods = list(HolidayPeriod.objects.filter(municipality_id=pilot.department.municipality_id))
    warnings = course_day_plan_warnings(pilot=pilot, course_days=course_days)
    for day in course_days:
        for warning in date_warnings(
            day=day.date, municipality=pilot.department.municipality_id, holiday_periods=periods
        ):
            warnings.append(
                gettext("Course day %(number)s: %(warning)s")
                % {"number": day.number, "warning": warning}
            )
    for meeting in meetings:
        for warning in date_warnings(
            day=meeting_local_date(meeting),
            municipality=pilot.department.municipality_id,
            holiday_periods=periods,
        ):
            warnings.append(gettext("Information meeting: %(warning)s") % {"warning": warning})
    return warnings
