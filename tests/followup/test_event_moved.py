"""One notice to the people in a course day or information meeting when it moves or is cancelled."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from followup.models import Reminder
from tests.followup.conftest import DEAD_BROKER, celery_broker, mails_of
from training.models import EventChange, SessionChoice
from training.services import (
    course_day_schedule,
    information_meeting_delete,
    information_meeting_schedule,
)

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
Status = Reminder.Status
IN_A_MONTH = timezone.localdate() + dt.timedelta(days=30)
A_WEEK_LATER = IN_A_MONTH + dt.timedelta(days=7)


def _to():
    return sorted(m.to[0] for m in mails_of(Kind.EVENT_MOVED))


def _schedule_day(cast, *, date=IN_A_MONTH, place="Rom 1", day=None):
    day, _warnings = course_day_schedule(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        number=1,
        date=date,
        starts_at=dt.time(9),
        ends_at=dt.time(15),
        place=place,
        topic="Verdistrøm",
        facilitators=[cast.monica],
        course_day=day,
    )
    return day


def _schedule_meeting(cast, *, hour, date=IN_A_MONTH, meeting=None):
    moment = timezone.make_aware(dt.datetime.combine(date, dt.time(hour)))
    meeting, _warnings = information_meeting_schedule(
        user=cast.users.coordinator,
        pilot=cast.pilot_a,
        starts_at=moment,
        ends_at=moment + dt.timedelta(hours=1),
        place="Kantina",
        notes="",
        meeting=meeting,
    )
    return meeting


@pytest.fixture
def department_a(cast):
    """Everyone in pilot A's department, and the guide who leads its course day."""
    return sorted(p.email for p in (cast.tore, cast.siri, cast.ola, cast.monica))


def test_a_course_day_moved_tells_each_person_in_it_once(cast, sweep, department_a):
    day = _schedule_day(cast)
    sweep(timezone.now())
    assert _to() == []  # scheduling is not moving

    _schedule_day(cast, day=day, date=A_WEEK_LATER, place="Rom 2")
    sweep(timezone.now())
    sweep(timezone.now() + dt.timedelta(minutes=5))

    assert _to() == department_a
    [to_ola] = [m for m in mails_of(Kind.EVENT_MOVED) if m.to == [cast.ola.email]]
    assert to_ola.extra_headers["Content-Language"] == "en"
    assert to_ola.subject == f"Course day 1 for {cast.dept_a.name} has moved"
    assert f"Was: {IN_A_MONTH:%A} {IN_A_MONTH:%d.%m.%Y}, 09:00–15:00, Rom 1" in to_ola.body
    assert f"Now: {A_WEEK_LATER:%A} {A_WEEK_LATER:%d.%m.%Y}, 09:00–15:00, Rom 2" in to_ola.body


def test_saving_a_course_day_unchanged_or_changing_its_topic_is_no_move(cast, sweep):
    day = _schedule_day(cast)
    _schedule_day(cast, day=day)

    sweep(timezone.now())

    assert not EventChange.objects.exists()
    assert _to() == []


def test_two_moves_before_the_sweep_are_one_notice_from_the_first_time_to_the_last(
    cast, sweep, department_a
):
    day = _schedule_day(cast)
    _schedule_day(cast, day=day, date=IN_A_MONTH + dt.timedelta(days=1))
    _schedule_day(cast, day=day, date=A_WEEK_LATER, place="Rom 2")

    sweep(timezone.now())

    assert _to() == department_a
    [to_ola] = [m for m in mails_of(Kind.EVENT_MOVED) if m.to == [cast.ola.email]]
    assert f"Was: {IN_A_MONTH:%A} {IN_A_MONTH:%d.%m.%Y}" in to_ola.body
    assert f"Now: {A_WEEK_LATER:%A} {A_WEEK_LATER:%d.%m.%Y}" in to_ola.body


def test_a_notice_not_sent_yet_is_replaced_by_one_with_the_newest_time(
    cast, sweep, department_a, django_capture_on_commit_callbacks
):
    day = _schedule_day(cast)
    _schedule_day(cast, day=day, date=IN_A_MONTH + dt.timedelta(days=1))
    # The broker is down: the notices are stored and wait.
    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        from followup.reminders.sweep import reminders_sweep

        reminders_sweep(now=timezone.now())
    waiting = Reminder.objects.filter(kind=Kind.EVENT_MOVED)
    assert set(waiting.values_list("status", flat=True)) == {Status.PENDING}
    assert waiting.count() == 4

    _schedule_day(cast, day=day, date=A_WEEK_LATER)
    sweep(timezone.now() + dt.timedelta(minutes=1))

    assert _to() == department_a
    [to_ola] = [m for m in mails_of(Kind.EVENT_MOVED) if m.to == [cast.ola.email]]
    assert f"Was: {IN_A_MONTH:%A} {IN_A_MONTH:%d.%m.%Y}" in to_ola.body
    assert f"Now: {A_WEEK_LATER:%A} {A_WEEK_LATER:%d.%m.%Y}" in to_ola.body
    cancelled = Reminder.objects.filter(kind=Kind.EVENT_MOVED, status=Status.CANCELLED)
    assert cancelled.count() == 4
    assert set(cancelled.values_list("cancel_reason", flat=True)) == {
        Reminder.CancelReason.NO_LONGER_APPLIES
    }


def test_a_move_after_the_notice_went_out_is_a_second_notice_from_the_time_told(
    cast, sweep, department_a
):
    day = _schedule_day(cast)
    between = IN_A_MONTH + dt.timedelta(days=1)
    _schedule_day(cast, day=day, date=between)
    sweep(timezone.now())
    _schedule_day(cast, day=day, date=A_WEEK_LATER)
    sweep(timezone.now() + dt.timedelta(minutes=1))

    to_ola = [m.body for m in mails_of(Kind.EVENT_MOVED) if m.to == [cast.ola.email]]
    assert len(to_ola) == 2
    assert len(mails_of(Kind.EVENT_MOVED)) == 2 * len(department_a)
    assert f"Was: {between:%A} {between:%d.%m.%Y}" in to_ola[1]
    assert f"Now: {A_WEEK_LATER:%A} {A_WEEK_LATER:%d.%m.%Y}" in to_ola[1]


def test_a_moved_session_tells_who_chose_it_or_none_and_a_cancelled_one_likewise(cast, sweep):
    day_session = _schedule_meeting(cast, hour=12)
    evening_session = _schedule_meeting(cast, hour=19)
    SessionChoice.objects.create(person=cast.siri, pilot=cast.pilot_a, meeting=day_session)
    SessionChoice.objects.create(person=cast.ola, pilot=cast.pilot_a, meeting=evening_session)

    _schedule_meeting(cast, hour=13, meeting=day_session)
    sweep(timezone.now())

    assert _to() == sorted([cast.siri.email, cast.tore.email])
    [to_siri] = [m for m in mails_of(Kind.EVENT_MOVED) if m.to == [cast.siri.email]]
    assert "12:00–13:00" in to_siri.body
    assert "13:00–14:00" in to_siri.body
    mail.outbox.clear()

    information_meeting_delete(meeting=evening_session, user=cast.users.coordinator)
    sweep(timezone.now() + dt.timedelta(minutes=1))

    # Ola's choice went with the session, so he now hears of the other one's move too (he may
    # come to it); Siri is coming to the other one, Tore heard of its move already.
    assert _to() == sorted([cast.ola.email, cast.ola.email, cast.tore.email])
    [to_tore] = [m for m in mails_of(Kind.EVENT_MOVED) if m.to == [cast.tore.email]]
    with translation.override(cast.tore.language):
        cancelled = gettext("The information meeting for %(department)s is cancelled")
    assert to_tore.subject == cancelled % {"department": cast.dept_a.name}
    assert "19:00–20:00" in to_tore.body
    assert "Now:" not in to_tore.body


def test_a_change_to_an_event_that_has_begun_is_no_notice(cast, sweep):
    day = _schedule_day(cast)
    EventChange.objects.create(
        pilot=cast.pilot_a,
        event_kind=EventChange.EventKind.COURSE_DAY,
        event_id=day.pk,
        number=1,
        old_starts_at=timezone.now() - dt.timedelta(hours=1),
        old_ends_at=timezone.now() + dt.timedelta(hours=5),
        new_starts_at=timezone.now() - dt.timedelta(hours=1),
        new_ends_at=timezone.now() + dt.timedelta(hours=4),
        at=timezone.now(),
    )

    sweep(timezone.now())

    assert _to() == []


def test_a_move_long_ago_is_no_notice(cast, sweep):
    day = _schedule_day(cast)
    _schedule_day(cast, day=day, date=A_WEEK_LATER)
    EventChange.objects.update(at=timezone.now() - dt.timedelta(days=8))

    sweep(timezone.now())

    assert _to() == []
