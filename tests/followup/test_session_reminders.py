"""Reminders for an information meeting held in several sessions, and for people who have left.

Tore's pilot (A) holds its information meeting on Wednesday 3 February 2027 at 14:00 (day shift)
and on Monday 8 February at 19:00 (evening shift). Two working days before: Monday 1 February at
08:00 for the first, Thursday 4 February at 08:00 for the second.
"""

import datetime as dt

import pytest

from followup.models import Reminder
from pilots.models import DepartmentRole
from plans.models import ProjectPlan
from tests.factories import (
    CourseDayFactory,
    InformationMeetingFactory,
    MeasureFactory,
    ProjectPlanFactory,
)
from tests.followup.conftest import A_DAYS, mails_of, oslo, schedule_course_days, to_of
from training.models import Attendance, SessionChoice

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind

TORE = "tore.meltzer@harstad.kommune.no"
SIRI = "siri.olsen@harstad.kommune.no"
OLA = "ola.nilsen@harstad.kommune.no"

CHOOSE = "Reminder: information meeting for Omsorg Sør, hjemmetjenesten 2 – choose your session"
ONE = "Reminder: information meeting for Omsorg Sør, hjemmetjenesten 2"


@pytest.fixture(autouse=True)
def _english(cast):
    for person in (cast.tore, cast.siri, cast.ola):
        person.language = "en"
        person.save(update_fields=["language"])


@pytest.fixture
def sessions(cast):
    day = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=oslo(2027, 2, 3, 14),
        ends_at=oslo(2027, 2, 3, 15),
        place="Personalrommet",
    )
    evening = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=oslo(2027, 2, 8, 19),
        ends_at=oslo(2027, 2, 8, 20),
        place="Personalrommet",
    )
    return day, evening


def _choose(cast, person, meeting):
    SessionChoice.objects.update_or_create(
        person=person, pilot=cast.pilot_a, defaults={"meeting": meeting}
    )


def _sent(kind=Kind.EVENT_COMING) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mails_of(kind))


# --- Before choosing: one reminder of all the sessions --------------------------------------------


def test_before_choosing_everyone_gets_one_reminder_listing_every_session(cast, sweep, sessions):
    sweep(oslo(2027, 2, 1, 7, 59))
    assert _sent() == []

    sweep(oslo(2027, 2, 1, 8, 0))

    assert _sent() == [(OLA, CHOOSE), (SIRI, CHOOSE), (TORE, CHOOSE)]
    body = {m.to[0]: m.body for m in mails_of(Kind.EVENT_COMING)}[SIRI]
    assert "Wednesday 03.02.2027, 14:00–15:00, Personalrommet" in body
    assert "Monday 08.02.2027, 19:00–20:00, Personalrommet" in body
    assert f"/training/pilots/{cast.pilot_a.pk}/information-meeting/" in body
    keys = set(Reminder.objects.filter(kind=Kind.EVENT_COMING).values_list("subject_key", "period"))
    assert keys == {(f"meetings:{cast.pilot_a.pk}", "2027-02-03")}

    # Nor one per session later: Thursday is the second session's notice day.
    sweep(oslo(2027, 2, 4, 8, 0))
    sweep(oslo(2027, 2, 8, 8, 0))
    assert len(mails_of(Kind.EVENT_COMING)) == 3


def test_the_reminder_of_all_sessions_lists_only_those_still_ahead(cast, sweep, sessions):
    """The sweeps were down until after the first session: the reminder still goes out, before
    the second session, and lists only that one."""
    sweep(oslo(2027, 2, 4, 9, 0))

    assert _sent() == [(OLA, CHOOSE), (SIRI, CHOOSE), (TORE, CHOOSE)]
    body = mails_of(Kind.EVENT_COMING)[0].body
    assert "03.02.2027" not in body
    assert "Monday 08.02.2027, 19:00–20:00" in body


# --- After choosing: only one's own session -------------------------------------------------------


def test_who_chose_is_reminded_of_their_own_session_only(cast, sweep, sessions):
    _day, evening = sessions
    _choose(cast, cast.siri, evening)

    sweep(oslo(2027, 2, 1, 8, 0))
    assert _sent() == [(OLA, CHOOSE), (TORE, CHOOSE)]

    sweep(oslo(2027, 2, 4, 8, 0))
    assert _sent() == [(OLA, CHOOSE), (SIRI, ONE), (TORE, CHOOSE)]
    message = {m.to[0]: m for m in mails_of(Kind.EVENT_COMING)}[SIRI]
    assert "Monday 08.02.2027, 19:00–20:00" in message.body
    assert "03.02.2027" not in message.body
    assert "This is the session you chose." in message.body
    assert (
        Reminder.objects.get(kind=Kind.EVENT_COMING, recipient=cast.siri).subject_key
        == f"meeting:{evening.pk}"
    )


def test_who_chose_the_first_session_is_reminded_of_it_when_the_others_hear_of_all(
    cast, sweep, sessions
):
    day, _evening = sessions
    _choose(cast, cast.ola, day)

    sweep(oslo(2027, 2, 1, 8, 0))

    assert _sent() == [(OLA, ONE), (SIRI, CHOOSE), (TORE, CHOOSE)]
    sweep(oslo(2027, 2, 4, 8, 0))
    assert len(mails_of(Kind.EVENT_COMING)) == 3


def test_choosing_after_the_reminder_of_all_sessions_went_out_sends_nothing_more(
    cast, sweep, sessions
):
    day, evening = sessions
    sweep(oslo(2027, 2, 1, 8, 0))
    _choose(cast, cast.siri, evening)
    _choose(cast, cast.ola, day)

    sweep(oslo(2027, 2, 1, 8, 5))
    sweep(oslo(2027, 2, 4, 8, 0))

    assert _sent() == [(OLA, CHOOSE), (SIRI, CHOOSE), (TORE, CHOOSE)]
    assert not Reminder.objects.filter(
        kind=Kind.EVENT_COMING, subject_key__startswith="meeting:"
    ).exists()


def test_choosing_while_the_reminder_of_all_waits_cancels_it_for_the_own_session(
    cast, sweep, sessions
):
    """The reminder of all sessions was stored but not sent yet (a worker was down)."""
    _day, evening = sessions
    waiting = Reminder.objects.create(
        kind=Kind.EVENT_COMING,
        recipient=cast.siri,
        pilot=cast.pilot_a,
        subject_key=f"meetings:{cast.pilot_a.pk}",
        period="2027-02-03",
        due_at=oslo(2027, 2, 1, 8),
        expires_at=oslo(2027, 2, 8, 19),
    )
    _choose(cast, cast.siri, evening)

    sweep(oslo(2027, 2, 1, 8, 5))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.cancel_reason) == ("cancelled", "no_longer_applies")
    assert SIRI not in to_of(Kind.EVENT_COMING)

    sweep(oslo(2027, 2, 4, 8, 0))
    assert (SIRI, ONE) in _sent()


def test_who_came_to_a_session_hears_nothing_of_the_others(cast, sweep, sessions):
    day, evening = sessions
    _choose(cast, cast.siri, evening)
    Attendance.objects.create(person=cast.siri, information_meeting=day, status="present")

    sweep(oslo(2027, 2, 4, 8, 0))

    assert SIRI not in to_of(Kind.EVENT_COMING)


def test_who_sent_word_for_every_session_ahead_gets_no_reminder_of_them(cast, sweep, sessions):
    for meeting in sessions:
        Attendance.objects.create(person=cast.siri, information_meeting=meeting, status="excused")

    sweep(oslo(2027, 2, 1, 8, 0))

    assert to_of(Kind.EVENT_COMING) == [OLA, TORE]


# --- Absence: only from one's own session ---------------------------------------------------------

AFTER_BOTH = oslo(2027, 2, 9, 9, 0)  # the working day after the second session


def _absence_keys() -> set[tuple[str, str]]:
    return set(
        Reminder.objects.filter(kind=Kind.ABSENCE).values_list("recipient__email", "subject_key")
    )


def test_absence_counts_only_from_the_chosen_session(cast, sweep, sessions):
    day, evening = sessions
    _choose(cast, cast.siri, evening)
    _choose(cast, cast.ola, day)
    for person in (cast.siri, cast.ola):
        for meeting in sessions:
            Attendance.objects.create(person=person, information_meeting=meeting, status="absent")

    sweep(AFTER_BOTH)

    assert _absence_keys() == {(SIRI, f"meeting:{evening.pk}"), (OLA, f"meeting:{day.pk}")}
    assert len(mails_of(Kind.ABSENCE)) == 2


def test_without_a_choice_absence_counts_only_from_the_last_session(cast, sweep, sessions):
    day, evening = sessions
    Attendance.objects.create(person=cast.siri, information_meeting=day, status="absent")
    Attendance.objects.create(person=cast.siri, information_meeting=evening, status="absent")
    Attendance.objects.create(person=cast.ola, information_meeting=day, status="absent")

    sweep(AFTER_BOTH)

    # Ola was marked absent at the day session only: he may have been expected in the evening.
    assert _absence_keys() == {(SIRI, f"meeting:{evening.pk}")}


def test_present_at_one_session_is_no_absence_from_the_other(cast, sweep, sessions):
    day, evening = sessions
    _choose(cast, cast.siri, evening)
    Attendance.objects.create(person=cast.siri, information_meeting=day, status="present")
    Attendance.objects.create(person=cast.siri, information_meeting=evening, status="absent")

    sweep(AFTER_BOTH)

    assert _absence_keys() == set()


def test_one_session_still_counts_every_absence(cast, sweep):
    meeting = InformationMeetingFactory(
        pilot=cast.pilot_a, starts_at=oslo(2027, 2, 3, 14), ends_at=oslo(2027, 2, 3, 15)
    )
    Attendance.objects.create(person=cast.siri, information_meeting=meeting, status="absent")

    sweep(oslo(2027, 2, 4, 8, 0))

    assert _absence_keys() == {(SIRI, f"meeting:{meeting.pk}")}
    assert mails_of(Kind.ABSENCE)[0].subject == "We missed you at the information meeting"


# --- People who have left -------------------------------------------------------------------------


def test_reminders_stop_for_whose_role_has_ended(cast, sweep):
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))  # notice: Fri 12
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=dt.date(2027, 2, 23))  # notice: Fri 19
    # Siri's last day is Friday 12 February: she is reminded of day 1 that morning, not of day 2.
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 2, 13))

    sweep(oslo(2027, 2, 12, 8, 0))
    assert to_of(Kind.EVENT_COMING) == [OLA, SIRI, TORE]
    sweep(oslo(2027, 2, 19, 8, 0))
    assert to_of(Kind.EVENT_COMING) == [OLA, OLA, SIRI, TORE, TORE]


def test_a_pending_reminder_is_cancelled_when_the_role_ends(cast, sweep):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    waiting = Reminder.objects.create(
        kind=Kind.EVENT_COMING,
        recipient=cast.siri,
        pilot=cast.pilot_a,
        subject_key=f"courseday:{day.pk}",
        period="2027-02-16",
        due_at=oslo(2027, 2, 12, 8),
        expires_at=oslo(2027, 2, 16, 8, 30),
    )
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 2, 12))

    sweep(oslo(2027, 2, 12, 8, 5))

    waiting.refresh_from_db()
    assert (waiting.status, waiting.cancel_reason) == ("cancelled", "no_longer_applies")
    assert SIRI not in to_of(Kind.EVENT_COMING)


def test_a_leader_who_has_left_is_not_chased_for_the_plan(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)  # last course day Thursday 25.02.2027
    ProjectPlanFactory(pilot=cast.pilot_a)
    DepartmentRole.objects.filter(person=cast.tore).update(ends_on=dt.date(2027, 3, 1))

    sweep(oslo(2027, 3, 4, 8, 0))

    assert to_of(Kind.PLAN_NOT_SUBMITTED) == []
    assert not Reminder.objects.filter(kind=Kind.PLAN_NOT_SUBMITTED).exists()


def test_an_owner_who_has_left_gets_no_digest_of_the_departments_measures(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    MeasureFactory(plan=plan, title="Kjørelister", owner=cast.siri, deadline=dt.date(2027, 3, 5))
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 3, 8))

    sweep(oslo(2027, 3, 15, 8, 0))

    # The leader still hears of the measure, with its owner's name.
    assert to_of(Kind.MEASURES_OVERDUE) == [TORE]
    [digest] = mails_of(Kind.MEASURES_OVERDUE)
    assert "Kjørelister" in digest.body
    assert "Siri Olsen" in digest.body


def test_no_absence_notice_for_whose_role_has_ended(cast, sweep):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 19))
    Attendance.objects.create(person=cast.siri, course_day=day, status="absent")
    Attendance.objects.create(person=cast.ola, course_day=day, status="absent")
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=dt.date(2027, 2, 20))

    sweep(oslo(2027, 2, 22, 8, 0))

    assert to_of(Kind.ABSENCE) == [OLA]
