"""iCalendar (RFC 5545) for the programme's events: invitations, one-off downloads and feeds.

One builder for all three, so that an event carries the same UID wherever it comes from: a
calendar that got a course day by invitation, by download and by a feed shows it once, and an
update (a raised SEQUENCE) replaces what it holds. The `icalendar` library escapes text and
folds lines; this module decides what goes in.

Times are never floating: timed events carry TZID=Europe/Oslo and the calendar its VTIMEZONE,
DTSTAMP is in UTC, and deadlines are all-day items (VALUE=DATE). The VTIMEZONE is the compact
rule-based one (last Sunday of March and of October) that Outlook, Google and Apple all read;
the one generated from zoneinfo lists every change as an RDATE and ends in 2037.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from followup.models import FollowUpMeeting
from pilots.calendar import OSLO, local_moment
from plans.models import Measure
from training.models import CourseDay, InformationMeeting

PRODID = "-//leanprogram//Lean programme calendar//EN"
TZID = "Europe/Oslo"


class Method:
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str


@dataclass
class Item:
    """One event as calendars get it. `start`/`end` are aware datetimes, or dates for an
    all-day item (`end` then the day after, as RFC 5545 has it)."""

    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    sequence: int = 0
    location: str = ""
    description: str = ""
    url: str = ""
    attendees: list[Attendee] = field(default_factory=list)
    cancelled: bool = False


def uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "leanprogram"


def event_uid(subject_key: str) -> str:
    """The stable UID of an event, from its subject key (`courseday:12` → `courseday-12@…`)."""
    return f"{subject_key.replace(':', '-')}@{uid_domain()}"


def organizer() -> vCalAddress:
    """The programme's sender, the address every reminder comes from."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["CN"] = name
    return organizer


def oslo_vtimezone() -> Timezone:
    tz = Timezone()
    tz.add("tzid", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", dt.timedelta(hours=1))
    summer.add("tzoffsetto", dt.timedelta(hours=2))
    summer.add("dtstart", dt.datetime(1970, 3, 29, 2, 0))  # noqa: DTZ001 (local by definition)
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", dt.timedelta(hours=2))
    winter.add("tzoffsetto", dt.timedelta(hours=1))
    winter.add("dtstart", dt.datetime(1970, 10, 25, 3, 0))  # noqa: DTZ001 (local by definition)
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def calendar_build(
    items: Iterable[Item],
    *,
    method: str = Method.PUBLISH,
    name: str = "",
    now: dt.datetime | None = None,
) -> bytes:
    """The calendar as bytes (CRLF lines folded at 75 octets)."""
    stamp = (now or timezone.now()).astimezone(dt.UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", TZID)
        # Ask subscribers to look again every hour (Google and Outlook decide for themselves).
        cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
    cal.add_component(oslo_vtimezone())
    with_attendees = method != Method.PUBLISH
    for item in items:
        cal.add_component(_event(item, stamp=stamp, with_attendees=with_attendees))
    return cal.to_ical()


def _event(item: Item, *, stamp: dt.datetime, with_attendees: bool) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", item.sequence)
    if isinstance(item.start, dt.datetime):
        event.add("dtstart", item.start.astimezone(OSLO))
        event.add("dtend", item.end.astimezone(OSLO))
    else:
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("transp", "TRANSPARENT")
    event.add("summary", item.summary)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if with_attendees:
        event.add("organizer", organizer())
        for attendee in item.attendees:
            address = vCalAddress(f"mailto:{attendee.email}")
            address.params["CN"] = attendee.name
            address.params["CUTYPE"] = "INDIVIDUAL"
            address.params["ROLE"] = "REQ-PARTICIPANT"
            address.params["PARTSTAT"] = "NEEDS-ACTION"
            address.params["RSVP"] = "TRUE"
            event.add("attendee", address)
    return event


# --- The programme's events as items, in the active language ----------------------------------


def _page(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


def course_day_item(day: CourseDay) -> Item:
    """Needs `day.pilot.department` (select it)."""
    department = day.pilot.department.name
    url = _page("programme:pilot_detail", pk=day.pilot_id)
    return Item(
        uid=event_uid(f"courseday:{day.pk}"),
        summary=_("Course day %(number)s: %(department)s")
        % {"number": day.number, "department": department},
        start=local_moment(day.date, day.starts_at),
        end=local_moment(day.date, day.ends_at),
        sequence=day.calendar_sequence,
        location=day.place,
        description="\n".join(part for part in (day.topic, url) if part),
        url=url,
    )


def information_meeting_item(meeting: InformationMeeting) -> Item:
    """Needs `meeting.pilot.department` (select it)."""
    url = _page("training:information_sessions", pilot_pk=meeting.pilot_id)
    return Item(
        uid=event_uid(f"meeting:{meeting.pk}"),
        summary=_("Information meeting: %(department)s")
        % {"department": meeting.pilot.department.name},
        start=meeting.starts_at,
        end=meeting.ends_at,
        sequence=meeting.calendar_sequence,
        location=meeting.place,
        description=url,
        url=url,
    )


def follow_up_meeting_item(meeting: FollowUpMeeting) -> Item:
    """Needs `meeting.pilot.department` and `meeting.step` (select them). A meeting without a
    planned time is an all-day item on the day it is planned for, or due."""
    url = _page("followup:pilot_follow_up", pilot_pk=meeting.pilot_id)
    day = meeting.meeting_day
    if meeting.is_planned and meeting.starts_at and meeting.ends_at:
        start, end = local_moment(day, meeting.starts_at), local_moment(day, meeting.ends_at)
    else:
        start, end = day, day + dt.timedelta(days=1)
    return Item(
        uid=event_uid(f"followup:{meeting.pk}"),
        summary=_("Follow-up meeting %(label)s: %(department)s")
        % {"label": meeting.display_label(), "department": meeting.pilot.department.name},
        start=start,
        end=end,
        sequence=meeting.calendar_sequence,
        location=meeting.place,
        description=url,
        url=url,
    )


def measure_deadline_item(measure: Measure) -> Item:
    """Needs `measure.plan.pilot.department` (select it)."""
    url = _page("plans:plan_detail", pilot_pk=measure.plan.pilot_id)
    return Item(
        uid=event_uid(f"measure:{measure.pk}"),
        summary=_("Deadline: %(measure)s") % {"measure": measure.title},
        start=measure.deadline,
        end=measure.deadline + dt.timedelta(days=1),
        description="\n".join((measure.plan.pilot.department.name, url)),
        url=url,
    )
