"""Helpers for the calendar tests: the reminder tests' sweep, and reading an invitation."""

import email

from icalendar import Calendar

from tests.followup.conftest import eager, oslo, sweep  # noqa: F401 (fixtures for these tests)


def calendar_part(message) -> tuple[str, Calendar]:
    """The METHOD parameter of the mail's text/calendar part, and the calendar it holds."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def attachment(message) -> tuple[str, Calendar]:
    parsed = email.message_from_bytes(message.message().as_bytes())
    for part in parsed.walk():
        if part.get_filename():
            return part.get_filename(), Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no attachment")


def events(calendar: Calendar) -> list:
    return [c for c in calendar.walk() if c.name == "VEVENT"]
