"""Warnings about when meetings and course days are scheduled.

Nothing here blocks a save: a coordinator may have good reasons to hold a course day in the winter
holiday. The functions only read and return sentences in the current language, so the views can
show them after saving and the pilot page can list them.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from pilots.calendar import OSLO, local_moment, public_holiday_name
from pilots.collation import norwegian_sort_key
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


@dataclass(frozen=True)
class _Booking:
    """A course day or information meeting as a span of time that holds people and a room."""

    key: tuple[str, int]
    label: str
    place: str
    starts: dt.datetime
    ends: dt.datetime
    room: str
    # Person id → name of the course day's facilitators (none for a meeting).
    facilitators: Mapping[int, str]

    def overlaps(self, other: "_Booking") -> bool:
        return self.starts < other.ends and other.starts < self.ends


def _room(place: str) -> str:
    """Rooms compare without regard to case or spacing: "Kursrommet " is "kursrommet"."""
    return " ".join(place.split()).casefold()


def _time_span(starts: dt.datetime, ends: dt.datetime) -> str:
    starts, ends = timezone.localtime(starts, OSLO), timezone.localtime(ends, OSLO)
    return f"{_short(starts.date())} {starts:%H:%M}–{ends:%H:%M}"


def _course_day_booking(day: CourseDay) -> _Booking:
    starts, ends = local_moment(day.date, day.starts_at), local_moment(day.date, day.ends_at)
    label = gettext("course day %(number)s of %(department)s (%(when)s)") % {
        "number": day.number,
        "department": day.pilot.department.name,
        "when": _time_span(starts, ends),
    }
    return _Booking(
        key=("course_day", day.pk),
        label=label,
        place=day.place,
        starts=starts,
        ends=ends,
        room=_room(day.place),
        facilitators={person.pk: person.full_name for person in day.facilitators.all()},
    )


def _meeting_booking(meeting: InformationMeeting) -> _Booking:
    label = gettext("the information meeting of %(department)s (%(when)s)") % {
        "department": meeting.pilot.department.name,
        "when": _time_span(meeting.starts_at, meeting.ends_at),
    }
    return _Booking(
        key=("meeting", meeting.pk),
        label=label,
        place=meeting.place,
        starts=meeting.starts_at,
        ends=meeting.ends_at,
        room=_room(meeting.place),
        facilitators={},
    )


def course_days_on(*, municipality_id: int, dates: Iterable[dt.date]) -> QuerySet[CourseDay]:
    """The municipality's course days on these dates, with their pilots and facilitators."""
    return (
        CourseDay.objects.filter(
            pilot__department__municipality_id=municipality_id, date__in=list(dates)
        )
        .select_related("pilot__department")
        .prefetch_related("facilitators")
        .order_by("date", "starts_at", "pk")
    )


def facilitators_busy(
    *,
    municipality_id: int,
    person_ids: Iterable[int],
    dates: Iterable[dt.date],
    exclude_pilot_id: int | None = None,
) -> dict[dt.date, list[str]]:
    """Date → the names of those people who facilitate a course day then (of another pilot).

    The same query as the double-booking warnings (`course_days_on`), so a day proposed as free
    is one that would not be warned about. Two queries whatever the data.
    """
    wanted = set(person_ids)
    if not wanted:
        return {}
    busy: dict[dt.date, set[str]] = {}
    for day in course_days_on(municipality_id=municipality_id, dates=dates):
        if day.pilot_id == exclude_pilot_id:
            continue
        names = {p.full_name for p in day.facilitators.all() if p.pk in wanted}
        if names:
            busy.setdefault(day.date, set()).update(names)
    return {day: sorted(names, key=norwegian_sort_key) for day, names in busy.items()}


def double_booking_warnings(
    *,
    municipality_id: int,
    course_days: Iterable[CourseDay] = (),
    meetings: Iterable[InformationMeeting] = (),
) -> list[str]:
    """Facilitators or rooms booked twice at once, for the given course days and meetings.

    They are compared with every course day and information meeting of the municipality's pilots
    (their own pilot's too). Three queries whatever the data: the course days on the same dates
    with their facilitators, and the meetings that overlap in time.
    """
    day_pks = {day.pk for day in course_days}
    meeting_pks = {meeting.pk for meeting in meetings}
    spans = [(m.starts_at, m.ends_at) for m in meetings]
    spans += [
        (local_moment(day.date, day.starts_at), local_moment(day.date, day.ends_at))
        for day in course_days
    ]
    if not spans:
        return []
    dates = {timezone.localtime(moment, OSLO).date() for span in spans for moment in span}
    in_municipality = Q(pilot__department__municipality_id=municipality_id)
    nearby = [
        _course_day_booking(day)
        for day in course_days_on(municipality_id=municipality_id, dates=dates)
    ]
    overlapping = reduce(or_, (Q(starts_at__lt=ends, ends_at__gt=starts) for starts, ends in spans))
    nearby += [
        _meeting_booking(meeting)
        for meeting in InformationMeeting.objects.filter(in_municipality, overlapping)
        .select_related("pilot__department")
        .order_by("starts_at", "pk")
    ]
    nearby.sort(key=lambda booking: (booking.starts, booking.key))
    wanted = {("course_day", pk) for pk in day_pks} | {("meeting", pk) for pk in meeting_pks}
    # The bookings asked about come from the same queries, so their facilitators are loaded too.
    mine = [booking for booking in nearby if booking.key in wanted]
    warnings, seen = [], set()
    for booking in mine:
        for other in nearby:
            pair = frozenset((booking.key, other.key))
            if other.key == booking.key or pair in seen or not booking.overlaps(other):
                continue
            seen.add(pair)
            warnings += _clash_sentences(booking, other)
    return warnings


def _clash_sentences(booking: _Booking, other: _Booking) -> list[str]:
    sentences = []
    if booking.room and booking.room == other.room:
        sentences.append(
            gettext("Double booking: %(place)s is booked for both %(first)s and %(second)s.")
            % {"place": booking.place.strip(), "first": booking.label, "second": other.label}
        )
    shared = sorted(
        booking.facilitators[pk] for pk in booking.facilitators.keys() & other.facilitators.keys()
    )
    if shared:
        sentences.append(
            ngettext(
                "Double booking: %(names)s facilitates both %(first)s and %(second)s.",
                "Double booking: %(names)s facilitate both %(first)s and %(second)s.",
                len(shared),
            )
            % {
                "names": get_text_list(shared, gettext("and")),
                "first": booking.label,
                "second": other.label,
            }
        )
    return sentences


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
    periods and the double bookings (`double_booking_warnings`) are then the only queries.
    """
    if course_days is None:
        course_days = list(CourseDay.objects.filter(pilot=pilot))
    course_days = sorted(course_days, key=lambda day: day.number)
    if meetings is None:
        meetings = list(InformationMeeting.objects.filter(pilot=pilot))
    meetings = sorted(meetings, key=lambda meeting: meeting.starts_at)
    municipality_id = pilot.department.municipality_id
    periods = list(HolidayPeriod.objects.filter(municipality_id=municipality_id))
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
    warnings += double_booking_warnings(
        municipality_id=municipality_id, course_days=course_days, meetings=meetings
    )
    return warnings
