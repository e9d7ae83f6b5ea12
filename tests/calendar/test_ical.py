"""The iCalendar builder: what RFC 5545 asks of every calendar we hand out."""

import datetime as dt

import pytest
from icalendar import Calendar

from followup import ical
from pilots.calendar import OSLO
from tests.calendar.conftest import events

NOW = dt.datetime(2027, 1, 11, 8, 0, tzinfo=dt.UTC)


def _item(**kwargs) -> ical.Item:
    values = {
        "uid": ical.event_uid("courseday:12"),
        "summary": "Kursdag 1",
        "start": dt.datetime(2027, 2, 16, 8, 30, tzinfo=OSLO),
        "end": dt.datetime(2027, 2, 16, 15, 30, tzinfo=OSLO),
    }
    return ical.Item(**{**values, **kwargs})


def test_a_calendar_has_its_header_and_the_oslo_time_zone():
    calendar = Calendar.from_ical(ical.calendar_build([_item()], now=NOW))

    assert calendar["VERSION"] == "2.0"
    assert "leanprogram" in calendar["PRODID"]
    assert calendar["METHOD"] == "PUBLISH"
    zones = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Oslo"]
    # The rule-based zone agrees with zoneinfo in winter and summer.
    assert zones[0].to_tz().utcoffset(dt.datetime(2027, 2, 16, 12)) == dt.timedelta(hours=1)  # noqa: DTZ001
    assert zones[0].to_tz().utcoffset(dt.datetime(2027, 7, 1, 12)) == dt.timedelta(hours=2)  # noqa: DTZ001


def test_timed_events_carry_their_zone_and_the_stamp_is_utc():
    raw = ical.calendar_build([_item()], now=NOW).decode()

    assert "DTSTART;TZID=Europe/Oslo:20270216T083000" in raw
    assert "DTEND;TZID=Europe/Oslo:20270216T153000" in raw
    assert "DTSTAMP:20270111T080000Z" in raw
    (event,) = events(Calendar.from_ical(raw))
    assert event.decoded("DTSTART").tzinfo is not None
    assert event["UID"] == "courseday-12@127.0.0.1"
    assert event["SEQUENCE"] == 0


def test_an_all_day_item_is_a_date_and_ends_the_day_after():
    deadline = dt.date(2027, 3, 1)
    raw = ical.calendar_build(
        [_item(start=deadline, end=deadline + dt.timedelta(days=1))], now=NOW
    ).decode()

    assert "DTSTART;VALUE=DATE:20270301" in raw
    assert "DTEND;VALUE=DATE:20270302" in raw


def test_text_is_escaped_and_long_lines_are_folded_at_75_octets():
    summary = "Kurs, dag 1; «ventetid» \\ omsorg\nandre linje " + "æøå " * 40
    raw = ical.calendar_build(
        [_item(summary=summary, location="Rådhuset, møterom 2; 3. etg", description=summary)],
        now=NOW,
    )

    text = raw.decode()
    assert "SUMMARY:Kurs\\, dag 1\\; «ventetid» \\\\ omsorg\\nandre linje" in text
    assert "LOCATION:Rådhuset\\, møterom 2\\; 3. etg" in text
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "a long line was folded"
    (event,) = events(Calendar.from_ical(raw))
    assert str(event["SUMMARY"]) == summary


@pytest.mark.parametrize("method", [ical.Method.REQUEST, ical.Method.CANCEL])
def test_an_invitation_names_organizer_and_attendee(method, settings):
    settings.DEFAULT_FROM_EMAIL = "Leanprogrammet <lean@harstad.kommune.no>"
    item = _item(
        attendees=[ical.Attendee("siri.olsen@harstad.kommune.no", "Siri Olsen")],
        cancelled=method == ical.Method.CANCEL,
        sequence=2,
    )
    calendar = Calendar.from_ical(ical.calendar_build([item], method=method, now=NOW))

    assert calendar["METHOD"] == method
    (event,) = events(calendar)
    assert str(event["ORGANIZER"]) == "mailto:lean@harstad.kommune.no"
    assert event["ORGANIZER"].params["CN"] == "Leanprogrammet"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:siri.olsen@harstad.kommune.no"
    assert attendee.params["CN"] == "Siri Olsen"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    assert event["SEQUENCE"] == 2
    assert event["STATUS"] == ("CANCELLED" if method == ical.Method.CANCEL else "CONFIRMED")


def test_a_published_calendar_lists_no_attendees():
    item = _item(attendees=[ical.Attendee("siri.olsen@harstad.kommune.no", "Siri Olsen")])
    raw = ical.calendar_build([item], now=NOW).decode()

    assert "ATTENDEE" not in raw
    assert "siri.olsen" not in raw
