"""Time travel through every reminder kind: who gets what, when, and who does not."""

import datetime as dt

import pytest
from django.core import mail

from followup.models import FollowUpMeeting, Reminder
from followup.policies import follow_up_policy_ensure
from pilots.models import Pilot
from plans.models import Measure, ProjectPlan
from tests.factories import (
    CourseDayFactory,
    InformationMeetingFactory,
    MeasureFactory,
    ProjectPlanFactory,
)
from tests.followup.conftest import (
    A_DAYS,
    B_DAYS,
    mails_of,
    oslo,
    outbox,
    recipients,
    schedule_course_days,
    to_of,
)
from training.models import Attendance

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind

TORE = "tore.meltzer@harstad.kommune.no"
KARI = "kari.hanssen@harstad.kommune.no"
SIRI = "siri.olsen@harstad.kommune.no"
OLA = "ola.nilsen@harstad.kommune.no"
JORUNN = "jorunn.ervik@harstad.kommune.no"
MONICA = "monica.lindstrom@harstad.kommune.no"


@pytest.fixture(autouse=True)
def _english(cast):
    """Texts are asserted in English; the language tests below set languages themselves."""
    for person in (cast.tore, cast.kari, cast.siri, cast.jorunn, cast.monica):
        person.language = "en"
        person.save(update_fields=["language"])


def _kinds() -> list[tuple[str, str]]:
    return sorted(
        Reminder.objects.filter(status=Reminder.Status.SENT).values_list("kind", "recipient__email")
    )


# --- 1. Meetings and course days coming -------------------------------------------------------


def test_staff_are_reminded_two_working_days_before_a_course_day(cast, sweep):
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))  # Tuesday

    sweep(oslo(2027, 2, 12, 7, 55))  # Friday, before the send hour
    assert to_of(Kind.EVENT_COMING) == []

    sweep(oslo(2027, 2, 12, 8, 0))
    # Everyone in Tore's department, once each (Ola is staff and union rep); nobody else.
    assert to_of(Kind.EVENT_COMING) == [OLA, SIRI, TORE]
    by_address = {message.to[0]: message for message in mails_of(Kind.EVENT_COMING)}
    assert by_address[OLA].subject == ("Reminder: course day 1 for Omsorg Sør, hjemmetjenesten 2")
    assert f"/programme/pilots/{cast.pilot_a.pk}/" in by_address[SIRI].body
    assert "16.02.2027" in by_address[SIRI].body

    sweep(oslo(2027, 2, 12, 8, 5))
    sweep(oslo(2027, 2, 15, 8, 0))
    assert len(mails_of(Kind.EVENT_COMING)) == 3


def test_information_meeting_reminder_skips_who_already_sent_word(cast, sweep):
    meeting = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=oslo(2027, 2, 3, 14),  # Wednesday
        ends_at=oslo(2027, 2, 3, 15),
    )
    Attendance.objects.create(
        person=cast.siri, information_meeting=meeting, status=Attendance.Status.EXCUSED
    )
    sweep(oslo(2027, 2, 1, 8, 0))  # Monday: two working days before
    assert to_of(Kind.EVENT_COMING) == [OLA, TORE]
    assert mails_of(Kind.EVENT_COMING)[0].subject == (
        "Reminder: information meeting for Omsorg Sør, hjemmetjenesten 2"
    )


def test_event_reminder_counts_working_days_over_easter(cast, sweep):
    # Tuesday after Easter 2027: Monday, Friday and Thursday before are public holidays.
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 3, 30))
    sweep(oslo(2027, 3, 22, 12))
    assert to_of(Kind.EVENT_COMING) == []
    sweep(oslo(2027, 3, 23, 8))
    assert to_of(Kind.EVENT_COMING) == [OLA, SIRI, TORE]


def test_event_reminder_is_dropped_once_the_course_day_has_started(cast, sweep):
    """The worker was down from Friday to Tuesday morning: day 1 is not announced late."""
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))  # Tue 08:30
    CourseDayFactory(pilot=cast.pilot_a, number=2, date=dt.date(2027, 2, 18))  # Thu

    sweep(oslo(2027, 2, 16, 9, 0))
    assert {m.subject for m in mails_of(Kind.EVENT_COMING)} == {
        "Reminder: course day 2 for Omsorg Sør, hjemmetjenesten 2"
    }
    assert to_of(Kind.EVENT_COMING) == [OLA, SIRI, TORE]
    events = Reminder.objects.filter(kind=Kind.EVENT_COMING)
    assert set(events.values_list("period", flat=True)) == {"2027-02-18"}


def test_moved_course_day_cancels_its_pending_reminder(cast, sweep, settings):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.EVENT_COMING,
        recipient=cast.siri,
        pilot=cast.pilot_a,
        subject_key=f"courseday:{day.pk}",
        period="2027-02-16",
        due_at=oslo(2027, 2, 12, 8),
        expires_at=oslo(2027, 2, 16, 8, 30),
    )
    day.date = dt.date(2027, 3, 2)
    day.save()
    sweep(oslo(2027, 2, 12, 8, 5))
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert reminder.cancel_reason == Reminder.CancelReason.NO_LONGER_APPLIES
    assert to_of(Kind.EVENT_COMING) == []


# --- 1b. Absent --------------------------------------------------------------------------------


def test_person_recorded_absent_hears_how_to_catch_up_the_next_working_day(cast, sweep):
    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 19))  # Friday
    Attendance.objects.create(person=cast.siri, course_day=day, status=Attendance.Status.ABSENT)
    Attendance.objects.create(person=cast.ola, course_day=day, status=Attendance.Status.PRESENT)
    Attendance.objects.create(person=cast.tore, course_day=day, status=Attendance.Status.EXCUSED)

    sweep(oslo(2027, 2, 19, 16))
    assert to_of(Kind.ABSENCE) == []
    sweep(oslo(2027, 2, 22, 8))  # Monday
    assert [(m.to[0], m.subject) for m in mails_of(Kind.ABSENCE)] == [
        (SIRI, "We missed you at course day 1")
    ]


def test_person_marked_present_in_the_meantime_gets_no_absence_mail(
    cast, eager, django_capture_on_commit_callbacks
):
    from followup.reminders.sweep import reminders_sweep

    day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 19))
    attendance = Attendance.objects.create(
        person=cast.siri, course_day=day, status=Attendance.Status.ABSENT
    )
    now = oslo(2027, 2, 22, 8)
    with django_capture_on_commit_callbacks() as queued:
        reminders_sweep(now=now, as_of=now)
    # Between the sweep and the worker, the leader corrects the attendance.
    attendance.status = Attendance.Status.PRESENT
    attendance.save()
    for send in queued:
        send()
    assert to_of(Kind.ABSENCE) == []
    reminder = Reminder.objects.get(kind=Reminder.Kind.ABSENCE)
    assert reminder.status == Reminder.Status.CANCELLED
    assert reminder.cancel_reason == Reminder.CancelReason.NO_LONGER_APPLIES


# --- 2. Plan not submitted, then escalated ------------------------------------------------------


def test_plan_not_submitted_reminds_leader_after_seven_days_then_escalates(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)  # last course day Thursday 25.02.2027
    ProjectPlanFactory(pilot=cast.pilot_a)
    schedule_course_days(cast.pilot_b, B_DAYS)
    ProjectPlanFactory(pilot=cast.pilot_b, status=ProjectPlan.Status.SUBMITTED)

    sweep(oslo(2027, 3, 4, 7, 59))
    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_NOT_SUBMITTED).exists()
    sweep(oslo(2027, 3, 4, 8, 0))
    plan_mails = mails_of(Kind.PLAN_NOT_SUBMITTED)
    assert [(m.to[0], m.subject) for m in plan_mails] == [
        (TORE, "The project plan for Omsorg Sør, hjemmetjenesten 2 is not submitted yet")
    ]
    assert f"/plans/pilots/{cast.pilot_a.pk}/plan/" in plan_mails[0].body

    mail.outbox.clear()
    sweep(oslo(2027, 3, 11, 7, 59))
    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_NOT_SUBMITTED_ESCALATION).exists()
    sweep(oslo(2027, 3, 11, 8, 0))
    escalations = Reminder.objects.filter(kind=Reminder.Kind.PLAN_NOT_SUBMITTED_ESCALATION)
    # The coordinator, not the guide; and Tore is not reminded a second time.
    assert [(r.recipient.email, r.status) for r in escalations] == [(JORUNN, "sent")]
    assert Reminder.objects.filter(kind=Reminder.Kind.PLAN_NOT_SUBMITTED).count() == 1
    [escalation_mail] = mails_of(Kind.PLAN_NOT_SUBMITTED_ESCALATION)
    assert escalation_mail.subject == "Still no project plan from Omsorg Sør, hjemmetjenesten 2"
    assert "Tore Meltzer" in escalation_mail.body


def test_escalation_reaches_a_coordinator_who_opted_out_of_digests(cast, sweep):
    cast.jorunn.receives_digests = False
    cast.jorunn.save()
    schedule_course_days(cast.pilot_a, A_DAYS)
    sweep(oslo(2027, 3, 11, 8, 0))  # Thursday: no digest day, and no plan at all
    assert (Reminder.Kind.PLAN_NOT_SUBMITTED_ESCALATION, JORUNN) in _kinds()
    assert (Reminder.Kind.COORDINATOR_DIGEST, JORUNN) not in _kinds()


def test_plan_submitted_between_sweep_and_send_cancels_the_reminder(
    cast, eager, django_capture_on_commit_callbacks
):
    from followup.reminders.sweep import reminders_sweep

    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    now = oslo(2027, 3, 4, 8, 0)
    with django_capture_on_commit_callbacks() as queued:
        reminders_sweep(now=now, as_of=now)
    ProjectPlan.objects.filter(pk=plan.pk).update(status=ProjectPlan.Status.SUBMITTED)
    for send in queued:
        send()
    assert to_of(Kind.PLAN_NOT_SUBMITTED) == []
    assert Reminder.objects.get(kind=Reminder.Kind.PLAN_NOT_SUBMITTED).status == "cancelled"


# --- 3. Follow-up meetings ----------------------------------------------------------------------


def test_follow_up_meeting_due_in_seven_days_reminds_leader_and_guide(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    meeting = FollowUpMeeting.objects.get(pilot=cast.pilot_a, due_on=dt.date(2027, 3, 11))

    sweep(oslo(2027, 3, 3, 12))
    assert to_of(Kind.FOLLOW_UP_DUE) == []
    sweep(oslo(2027, 3, 4, 8))
    assert to_of(Kind.FOLLOW_UP_DUE) == [MONICA, TORE]
    message = mails_of(Kind.FOLLOW_UP_DUE)[0]
    assert message.subject == "Follow-up meeting for Omsorg Sør, hjemmetjenesten 2 due 11.03.2027"
    assert f"/follow-up/pilots/{cast.pilot_a.pk}/" in message.body
    assert meeting.step.amount == 2
    assert "(after 2 weeks)" in message.body


def test_overdue_follow_up_meeting_goes_to_the_coordinator_unless_held(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    schedule_course_days(cast.pilot_b, B_DAYS)
    FollowUpMeeting.objects.filter(pilot=cast.pilot_b, due_on=dt.date(2027, 3, 12)).update(
        held_on=dt.date(2027, 3, 12)
    )
    sweep(oslo(2027, 3, 12, 8))  # Friday: A's meeting was due yesterday
    sweep(oslo(2027, 3, 13, 8))  # Saturday: B's was due yesterday, but it was held
    overdue = Reminder.objects.filter(kind=Reminder.Kind.FOLLOW_UP_OVERDUE)
    assert [(r.recipient.email, r.pilot_id) for r in overdue] == [(JORUNN, cast.pilot_a.pk)]
    assert (JORUNN, "Overdue follow-up meeting: Omsorg Sør, hjemmetjenesten 2") in outbox()


# --- 4. Overdue measures: one weekly digest per person ------------------------------------------


def _overdue_measures(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    for title, owner, deadline in [
        ("Kjørelister dagen før", cast.siri, dt.date(2027, 3, 5)),
        ("Fast plass for nøkler", cast.siri, dt.date(2027, 3, 10)),
        ("Stående rapport", cast.ola, dt.date(2027, 3, 9)),
        ("Ferdig tiltak", cast.ola, dt.date(2027, 3, 1)),
    ]:
        MeasureFactory(plan=plan, title=title, owner=owner, deadline=deadline)
    Measure.objects.filter(title="Ferdig tiltak").update(status=Measure.Status.DONE)


def test_overdue_measures_come_as_one_weekly_digest_per_owner_copied_to_the_leader(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    _overdue_measures(cast)

    sweep(oslo(2027, 3, 15, 7, 0))  # Monday, before the send hour
    assert not Reminder.objects.filter(kind=Reminder.Kind.MEASURES_OVERDUE).exists()
    sweep(oslo(2027, 3, 15, 8, 0))
    digests = {m.to[0]: m for m in mails_of(Kind.MEASURES_OVERDUE)}
    assert sorted(digests) == [OLA, SIRI, TORE]
    assert digests[SIRI].body.count("Kjørelister dagen før") == 1
    assert "Fast plass for nøkler" in digests[SIRI].body
    assert "Stående rapport" not in digests[SIRI].body
    assert digests[OLA].subject == "Weekly digest: 1 measure past its deadline"
    # The leader's copy lists everyone's overdue measures, and not the finished one.
    for title in ("Kjørelister dagen før", "Fast plass for nøkler", "Stående rapport"):
        assert title in digests[TORE].body
    assert "Ferdig tiltak" not in digests[TORE].body

    sweep(oslo(2027, 3, 17, 12, 0))  # the same week: nothing new
    assert len(mails_of(Kind.MEASURES_OVERDUE)) == 3
    sweep(oslo(2027, 3, 22, 8, 0))  # next Monday: one more each
    assert to_of(Kind.MEASURES_OVERDUE) == [OLA, OLA, SIRI, SIRI, TORE, TORE]


def test_owner_who_opted_out_gets_no_digest_but_stays_in_the_leaders(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    _overdue_measures(cast)
    cast.siri.receives_digests = False
    cast.siri.save()
    sweep(oslo(2027, 3, 15, 8, 0))
    digests = {m.to[0]: m for m in mails_of(Kind.MEASURES_OVERDUE)}
    assert sorted(digests) == [OLA, TORE]
    assert "Kjørelister dagen før" in digests[TORE].body


# --- 5. The plan is going quiet -----------------------------------------------------------------


def test_quiet_plan_during_follow_up_reminds_the_leader_once(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    measure = MeasureFactory(plan=plan, owner=cast.siri, deadline=dt.date(2027, 12, 1))
    Pilot.objects.filter(pk=cast.pilot_a.pk).update(phase=Pilot.Phase.FOLLOW_UP)
    ProjectPlan.objects.filter(pk=plan.pk).update(updated_at=oslo(2027, 4, 1, 15))
    Measure.objects.filter(pk=measure.pk).update(updated_at=oslo(2027, 4, 6, 10))

    sweep(oslo(2027, 5, 1, 8))  # 30 days after the plan, but the measure moved later
    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_QUIET).exists()
    sweep(oslo(2027, 5, 6, 8))  # 30 days after the measure, but Ascension Day
    assert mails_of(Kind.PLAN_QUIET) == []
    sweep(oslo(2027, 5, 7, 8))
    quiet = mails_of(Kind.PLAN_QUIET)
    assert [(m.to[0], m.subject) for m in quiet] == [
        (TORE, "The project plan for Omsorg Sør, hjemmetjenesten 2 is going quiet")
    ]
    assert "06.04.2027" in quiet[0].body
    assert f"/plans/pilots/{cast.pilot_a.pk}/plan/board/" in quiet[0].body
    sweep(oslo(2027, 5, 20, 8))
    assert len(mails_of(Kind.PLAN_QUIET)) == 1


def test_quiet_plan_outside_follow_up_is_not_chased(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    # Not approved yet: the pilot is still planning (followup/phases.py), not in follow-up.
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.SUBMITTED)
    ProjectPlan.objects.filter(pk=plan.pk).update(updated_at=oslo(2027, 4, 1, 15))
    sweep(oslo(2027, 5, 6, 8))
    assert Pilot.objects.get(pk=cast.pilot_a.pk).phase == Pilot.Phase.PLANNING
    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_QUIET).exists()


# --- 6. The coordinators' weekly digest ---------------------------------------------------------


def test_coordinator_digest_goes_weekly_to_coordinators_only(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    _overdue_measures(cast)
    Pilot.objects.filter(pk=cast.pilot_a.pk).update(phase=Pilot.Phase.FOLLOW_UP)
    sweep(oslo(2027, 3, 15, 8))
    digests = mails_of(Kind.COORDINATOR_DIGEST)
    assert [(m.to[0], m.subject) for m in digests] == [
        (JORUNN, "Weekly digest for LæringsLEAN, week 11")
    ]
    body = digests[0].body
    assert "Omsorg Sør, hjemmetjenesten 2" in body
    # Overdue: the follow-up meeting due 11.03 and three measures.
    assert "1 follow-up meeting overdue" in body
    assert "3 measures past their deadline" in body
    sweep(oslo(2027, 3, 19, 8))
    assert len(mails_of(Kind.COORDINATOR_DIGEST)) == 1


def test_coordinator_who_opted_out_gets_no_digest(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    cast.jorunn.receives_digests = False
    cast.jorunn.save()
    sweep(oslo(2027, 3, 15, 8))
    assert to_of(Kind.COORDINATOR_DIGEST) == []
    assert not Reminder.objects.filter(recipient=cast.jorunn, kind=Kind.COORDINATOR_DIGEST)


# --- Settings per programme ---------------------------------------------------------------------


def test_programme_numbers_come_from_its_policy(cast, sweep):
    policy = follow_up_policy_ensure(programme=cast.programme)
    policy.plan_submit_days = 3
    policy.send_hour = 13
    policy.save()
    schedule_course_days(cast.pilot_a, A_DAYS)
    # Due 28.02.2027 (the last course day and 3 days), a Sunday: the next working day.
    sweep(oslo(2027, 2, 28, 13, 0))
    sweep(oslo(2027, 3, 1, 12, 55))
    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_NOT_SUBMITTED).exists()
    sweep(oslo(2027, 3, 1, 13, 0))
    assert Reminder.objects.get(kind=Reminder.Kind.PLAN_NOT_SUBMITTED).recipient == cast.tore


def test_programme_with_reminders_off_sends_nothing(cast, sweep):
    policy = follow_up_policy_ensure(programme=cast.programme)
    policy.reminders_enabled = False
    policy.save()
    schedule_course_days(cast.pilot_a, A_DAYS)
    sweep(oslo(2027, 3, 15, 8))
    assert [to for to in recipients() if to.endswith("harstad.kommune.no")] == []


def test_closed_pilot_gets_no_reminders(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    Pilot.objects.filter(pk=cast.pilot_a.pk).update(phase=Pilot.Phase.CLOSED)
    sweep(oslo(2027, 3, 15, 8))
    assert not Reminder.objects.filter(pilot=cast.pilot_a).exists()


# --- Language -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_each_reminder_is_written_in_its_recipients_language(cast, sweep, language):
    from django.utils import translation
    from django.utils.translation import gettext

    cast.tore.language = language
    cast.tore.save()
    schedule_course_days(cast.pilot_a, A_DAYS)
    sweep(oslo(2027, 3, 4, 8, 0))
    [message] = mails_of(Kind.PLAN_NOT_SUBMITTED)
    with translation.override(language):
        expected = gettext("The project plan for %(department)s is not submitted yet") % {
            "department": cast.dept_a.name
        }
        greeting = gettext("Hello %(name)s,") % {"name": "Tore Meltzer"}
    assert message.subject == expected
    assert message.body.startswith(greeting)
    assert message.extra_headers["Content-Language"] == language
    # Dates are dd.mm.yyyy in every language.
    assert "25.02.2027" in message.body
