"""Calendar invitations through the outbox: sent once, updated on a move, taken back on a
cancellation, each a real invitation with a text/calendar part and an .ics file."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from followup.models import Reminder
from followup.services import follow_up_meeting_plan
from tests.calendar.conftest import attachment, calendar_part, events, oslo
from tests.factories import CourseDayFactory, InformationMeetingFactory
from tests.followup.conftest import mails_of
from training.models import SessionChoice
from training.services import (
    course_day_schedule,
    information_meeting_delete,
    information_meeting_schedule,
)

Kind = Reminder.Kind
INVITE, CANCEL = Kind.CALENDAR_INVITATION, Kind.CALENDAR_CANCELLATION
# A Monday four weeks before the course weeks: no other reminder is due yet.
MONDAY = oslo(2027, 1, 11, 9)
TORE = "tore.meltzer@harstad.kommune.no"
SIRI = "siri.olsen@harstad.kommune.no"
OLA = "ola.nilsen@harstad.kommune.no"
KARI = "kari.hanssen@harstad.kommune.no"


def _to(kind) -> list[str]:
    return sorted(message.to[0] for message in mails_of(kind))


def _by_recipient(kind) -> dict:
    return {message.to[0]: message for message in mails_of(kind)}


def _sequence(message) -> int:
    return events(calendar_part(message)[1])[0]["SEQUENCE"]


def _uid(message) -> str:
    return str(events(calendar_part(message)[1])[0]["UID"])


def _move(cast, day, **changes):
    values = {
        "number": day.number,
        "date": day.date,
        "starts_at": day.starts_at,
        "ends_at": day.ends_at,
        "place": day.place,
        "topic": day.topic,
        "facilitators": day.facilitators.all(),
        **changes,
    }
    return course_day_schedule(
        user=cast.users.coordinator, pilot=day.pilot, course_day=day, **values
    )[0]


@pytest.fixture
def course_day(cast):
    return CourseDayFactory(
        pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16), place="Rådhuset, møterom 2"
    )


def test_a_course_day_is_sent_as_an_invitation_to_everyone_in_it(cast, sweep, course_day):
    course_day.facilitators.set([cast.monica])
    CourseDayFactory(pilot=cast.pilot_b, number=1, date=dt.date(2027, 2, 17))

    sweep(MONDAY)

    sent = _by_recipient(INVITE)
    assert sorted(sent) == sorted([TORE, SIRI, OLA, KARI, "monica.lindstrom@harstad.kommune.no"])
    # Each in their own language (Ola reads English), and the outbox keeps the text as sent.
    message = sent[OLA]
    assert message.subject == "Invitation: Course day 1: Omsorg Sør, hjemmetjenesten 2"
    assert message.extra_headers["Content-Language"] == "en"
    assert sent[SIRI].extra_headers["Content-Language"] == "nb"
    assert [mimetype for _content, mimetype in message.alternatives] == [
        "text/html",
        "text/calendar",
    ]
    method, calendar = calendar_part(message)
    assert method == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    assert 'text/calendar; charset="utf-8"; method="REQUEST"' in message.message().as_string()
    (event,) = events(calendar)
    assert event["UID"] == f"courseday-{course_day.pk}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    assert event["LOCATION"] == "Rådhuset, møterom 2"
    assert event.decoded("DTSTART") == oslo(2027, 2, 16, 8, 30)
    assert str(event["ATTENDEE"]) == f"mailto:{OLA}"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    filename, attached = attachment(message)
    assert filename == "invite.ics"
    assert events(attached)[0]["UID"] == event["UID"]
    stored = Reminder.objects.get(kind=INVITE, recipient=cast.ola)
    assert stored.email_subject == message.subject
    assert "Rådhuset, møterom 2" in stored.email_body


def test_sweeping_again_sends_no_invitation_twice(cast, sweep, course_day):
    sweep(MONDAY)
    sweep(MONDAY + dt.timedelta(minutes=5))
    sweep(MONDAY + dt.timedelta(days=1))

    assert _to(INVITE) == sorted([TORE, SIRI, OLA])
    assert Reminder.objects.filter(kind=INVITE).count() == 3


def test_a_moved_course_day_keeps_its_uid_raises_its_sequence_and_is_sent_once_more(
    cast, sweep, course_day, django_capture_on_commit_callbacks
):
    sweep(MONDAY)
    first = {m.to[0]: events(calendar_part(m)[1])[0] for m in mails_of(INVITE)}
    with django_capture_on_commit_callbacks(execute=True):
        moved = _move(cast, course_day, starts_at=dt.time(9, 0), place="Kulturhuset")
    assert moved.calendar_sequence == 1

    sweep(MONDAY + dt.timedelta(minutes=5))
    sweep(MONDAY + dt.timedelta(minutes=10))

    assert _to(INVITE) == sorted([TORE, SIRI, OLA] * 2)
    updates = [m for m in mails_of(INVITE) if _sequence(m) == 1]
    assert sorted(m.to[0] for m in updates) == sorted([OLA, SIRI, TORE])
    update = next(m for m in updates if m.to[0] == OLA)
    assert update.subject == "Updated invitation: Course day 1: Omsorg Sør, hjemmetjenesten 2"
    (event,) = events(calendar_part(update)[1])
    assert event["UID"] == first[OLA]["UID"]
    assert event["SEQUENCE"] == 1
    assert event["LOCATION"] == "Kulturhuset"
    assert event.decoded("DTSTART").hour == 9


def test_a_change_of_topic_alone_is_no_move(cast, sweep, course_day):
    sweep(MONDAY)
    assert _move(cast, course_day, topic="Verdistrømmer").calendar_sequence == 0

    sweep(MONDAY + dt.timedelta(minutes=5))

    assert len(mails_of(INVITE)) == 3


def test_a_move_before_the_invitation_went_out_sends_only_the_new_time(cast, sweep, course_day):
    from followup.reminders.sweep import reminders_sweep

    # Stored, not sent: the dry run of a sweep would roll back, so store by a sweep whose
    # claims are never delivered (no eager tasks here), then move.
    reminders_sweep(now=MONDAY, as_of=MONDAY)
    Reminder.objects.filter(kind=INVITE).update(status=Reminder.Status.PENDING, claim_token=None)
    _move(cast, course_day, place="Kulturhuset")

    sweep(MONDAY + dt.timedelta(minutes=5))

    assert _to(INVITE) == sorted([TORE, SIRI, OLA])
    assert {events(calendar_part(m)[1])[0]["SEQUENCE"] for m in mails_of(INVITE)} == {1}
    old = Reminder.objects.filter(kind=INVITE, period="0")
    assert set(old.values_list("status", flat=True)) == {Reminder.Status.CANCELLED}


def test_a_cancelled_information_meeting_is_taken_back_with_method_cancel(
    cast, sweep, django_capture_on_commit_callbacks
):
    meeting = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=oslo(2027, 1, 27, 14),
        ends_at=oslo(2027, 1, 27, 15),
    )
    sweep(MONDAY)
    assert _to(INVITE) == sorted([TORE, SIRI, OLA])
    uid = f"meeting-{meeting.pk}@127.0.0.1"
    with django_capture_on_commit_callbacks(execute=True):
        information_meeting_delete(meeting=meeting, user=cast.users.coordinator)

    sweep(MONDAY + dt.timedelta(minutes=5))
    sweep(MONDAY + dt.timedelta(minutes=10))

    assert _to(CANCEL) == sorted([TORE, SIRI, OLA])
    message = _by_recipient(CANCEL)[OLA]
    assert message.subject == "Cancelled: Information meeting: Omsorg Sør, hjemmetjenesten 2"
    method, calendar = calendar_part(message)
    assert method == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    (event,) = events(calendar)
    assert event["UID"] == uid
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == oslo(2027, 1, 27, 14)
    assert "is cancelled" in message.body


def test_whoever_chooses_another_session_gets_the_other_taken_back(cast, sweep):
    day = information_meeting_schedule(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        starts_at=oslo(2027, 1, 27, 14),
        ends_at=oslo(2027, 1, 27, 15),
        place="Personalrommet",
        notes="",
    )[0]
    evening = information_meeting_schedule(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        starts_at=oslo(2027, 1, 28, 19),
        ends_at=oslo(2027, 1, 28, 20),
        place="Personalrommet",
        notes="",
    )[0]
    sweep(MONDAY)
    assert len(_to(INVITE)) == 6  # three people, two sessions each

    SessionChoice.objects.create(person=cast.ola, pilot=cast.pilot_a, meeting=evening)
    sweep(MONDAY + dt.timedelta(minutes=5))

    assert _to(CANCEL) == [OLA]
    (event,) = events(calendar_part(mails_of(CANCEL)[0])[1])
    assert event["UID"] == f"meeting-{day.pk}@127.0.0.1"
    assert "no longer expected" in mails_of(CANCEL)[0].body


def test_a_planned_follow_up_meeting_invites_its_participants(cast, sweep, objects):
    meeting = objects.follow_up
    follow_up_meeting_plan(
        user=cast.users.tore,
        meeting=meeting,
        planned_on=dt.date(2027, 3, 12),
        starts_at=dt.time(10),
        ends_at=dt.time(11),
        place="Vaktrommet",
        participants=[cast.tore, cast.monica],
    )
    sweep(MONDAY)
    uid = f"followup-{meeting.pk}@127.0.0.1"
    assert sorted(m.to[0] for m in mails_of(INVITE) if _uid(m) == uid) == [
        "monica.lindstrom@harstad.kommune.no",
        TORE,
    ]

    follow_up_meeting_plan(
        user=cast.users.tore,
        meeting=meeting,
        planned_on=dt.date(2027, 3, 12),
        starts_at=dt.time(12),
        ends_at=dt.time(13),
        place="Vaktrommet",
        participants=[cast.tore],
    )
    meeting.refresh_from_db()
    assert meeting.calendar_sequence == 1
    sweep(MONDAY + dt.timedelta(minutes=5))

    updates = [m for m in mails_of(INVITE) if _uid(m) == uid and _sequence(m) == 1]
    assert [m.to[0] for m in updates] == [TORE]
    assert _to(CANCEL) == ["monica.lindstrom@harstad.kommune.no"]
    (event,) = events(calendar_part(mails_of(CANCEL)[0])[1])
    assert event["UID"] == uid
    assert event["SEQUENCE"] == 2


def test_an_event_that_has_begun_is_neither_invited_nor_cancelled(cast, sweep, course_day):
    sweep(oslo(2027, 2, 16, 9))

    assert mails_of(INVITE) == []
    assert len(mail.outbox) == len(mails_of(Kind.EVENT_COMING))


def test_an_event_months_away_is_invited_once_it_comes_within_three_months(cast, sweep):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 6, 1))

    sweep(MONDAY)
    assert mails_of(INVITE) == []

    sweep(oslo(2027, 3, 2, 9))
    assert _to(INVITE) == sorted([TORE, SIRI, OLA])
    assert {_uid(m) for m in mails_of(INVITE)} == {f"courseday-{day.pk}@127.0.0.1"}


def test_the_outbox_names_a_calendar_invitation(cast, sweep, course_day, client, settings):
    sweep(MONDAY)
    client.force_login(cast.users.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(reverse("followup:outbox"))

    assert "Calendar invitation" in page.content.decode()
