"""Issue 10: mail goes out on Norwegian working days at the programme's send hour, deadlines the
app sets fall on working days, and a returned plan is chased like a draft."""

import datetime as dt
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from followup.models import FollowUpMeeting, FollowUpPolicy, Reminder
from followup.moments import (
    Holidays,
    is_working,
    is_working_moment,
    weekly_digest_day,
    working_calendar_load,
    working_day_on_or_after,
    working_days_before,
    working_moment_after,
    working_moment_before,
)
from followup.policies import follow_up_policy_ensure
from pilots.calendar import OSLO
from pilots.models import HolidayPeriod, Pilot
from plans.models import ProjectPlan
from plans.services import plan_return
from tests.factories import ProjectPlanFactory
from tests.followup.conftest import A_DAYS, mails_of, oslo, schedule_course_days

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
Status = Reminder.Status
TORE = "tore.meltzer@harstad.kommune.no"
JORUNN = "jorunn.ervik@harstad.kommune.no"
DIGESTS = (Kind.COORDINATOR_DIGEST, Kind.MEASURES_OVERDUE)


class Policy:
    """The two numbers the moment helpers read."""

    def __init__(self, send_hour=8):
        self.send_hour = send_hour


# Troms' school winter holiday, ISO week 9 of 2027 (01.03–07.03).
WINTER_WEEK_9 = Holidays(((dt.date(2027, 3, 1), dt.date(2027, 3, 7)),))


# --- The moment helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2027, 3, 24), dt.date(2027, 3, 24)),  # an ordinary Wednesday
        (dt.date(2027, 3, 25), dt.date(2027, 3, 30)),  # Maundy Thursday … Easter Monday
        (dt.date(2027, 3, 29), dt.date(2027, 3, 30)),  # Easter Monday
        (dt.date(2027, 5, 6), dt.date(2027, 5, 7)),  # Ascension Day
        (dt.date(2027, 5, 17), dt.date(2027, 5, 18)),  # 17 May, also Whit Monday in 2027
        (dt.date(2027, 5, 1), dt.date(2027, 5, 3)),  # 1 May is a Saturday in 2027
        (dt.date(2027, 12, 24), dt.date(2027, 12, 24)),  # Christmas Eve is no public holiday
        (dt.date(2027, 12, 25), dt.date(2027, 12, 27)),  # Christmas Day, a Saturday
        (dt.date(2027, 3, 28), dt.date(2027, 3, 30)),  # the summer-time Sunday, then Easter
        (dt.date(2027, 10, 31), dt.date(2027, 11, 1)),  # the winter-time Sunday
    ],
)
def test_working_moment_after_is_the_send_hour_of_the_next_working_day(day, expected):
    moment = working_moment_after(day, Policy(8), Holidays())
    assert moment == dt.datetime.combine(expected, dt.time(8), tzinfo=OSLO)
    assert moment.astimezone(OSLO).hour == 8


def test_moments_across_the_clock_changes_keep_the_local_hour():
    # 02:00 does not exist on 28.03.2027, but the moment lands on Tuesday 30.03 in summer time.
    assert working_moment_after(dt.date(2027, 3, 28), Policy(2)) == dt.datetime(
        2027, 3, 30, 0, 0, tzinfo=dt.UTC
    )
    # 02:00 happens twice on 31.10.2027; the moment is Monday 01.11, winter time.
    assert working_moment_after(dt.date(2027, 10, 31), Policy(2)) == dt.datetime(
        2027, 11, 1, 1, 0, tzinfo=dt.UTC
    )
    # About something coming on the Monday after a clock change: the Friday before, local hour.
    assert working_moment_before(dt.date(2027, 10, 31), Policy(8)) == dt.datetime(
        2027, 10, 29, 6, 0, tzinfo=dt.UTC
    )
    assert working_moment_before(dt.date(2027, 3, 28), Policy(8)) == dt.datetime(
        2027,
        3,
        24,
        7,
        0,
        tzinfo=dt.UTC,  # Wednesday before Easter, still winter time
    )


def test_working_moment_before_brings_a_notice_forward():
    assert working_moment_before(dt.date(2027, 5, 17), Policy(9)) == oslo(2027, 5, 14, 9)
    assert working_moment_before(dt.date(2027, 5, 6), Policy(9)) == oslo(2027, 5, 5, 9)
    assert working_moment_before(dt.date(2027, 5, 5), Policy(9)) == oslo(2027, 5, 5, 9)


def test_a_municipality_holiday_period_is_days_off_where_it_applies():
    assert not is_working(dt.date(2027, 3, 3), WINTER_WEEK_9)
    assert is_working(dt.date(2027, 3, 3), Holidays())  # another municipality
    assert working_day_on_or_after(dt.date(2027, 2, 27), WINTER_WEEK_9) == dt.date(2027, 3, 8)
    assert working_moment_before(dt.date(2027, 3, 4), Policy(8), WINTER_WEEK_9) == oslo(
        2027, 2, 26, 8
    )
    # Two working days before Tuesday 09.03, counting past the holiday week: Friday 26.02.
    assert working_days_before(dt.date(2027, 3, 9), 2, WINTER_WEEK_9) == dt.date(2027, 2, 26)


def test_the_calendar_reads_each_municipalitys_periods_in_one_query(
    cast, django_assert_num_queries
):
    HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie (Troms)",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 7),
    )
    with django_assert_num_queries(1):
        calendar = working_calendar_load(programme_ids=[cast.programme.pk])
    assert calendar.for_programme(cast.programme.pk) == WINTER_WEEK_9
    assert calendar.for_programme(cast.programme.pk + 1000) == Holidays()


@pytest.mark.parametrize(
    ("today", "weekday", "expected"),
    [
        (dt.date(2027, 3, 10), 1, dt.date(2027, 3, 8)),  # an ordinary Monday
        (dt.date(2027, 3, 31), 1, dt.date(2027, 3, 30)),  # Easter Monday → Tuesday
        (dt.date(2027, 5, 19), 1, dt.date(2027, 5, 18)),  # Whit Monday and 17 May → Tuesday
        (dt.date(2027, 5, 3), 4, dt.date(2027, 5, 7)),  # Thursday is Ascension Day → Friday
        (dt.date(2027, 3, 22), 5, dt.date(2027, 3, 24)),  # Good Friday: none after in the week
        (dt.date(2027, 3, 10), 6, dt.date(2027, 3, 12)),  # a Saturday digest: Friday
    ],
)
def test_the_weekly_digest_day(today, weekday, expected):
    assert weekly_digest_day(today, weekday) == expected


def test_the_weekly_digest_has_no_day_in_a_week_off():
    assert weekly_digest_day(dt.date(2027, 3, 3), 1, WINTER_WEEK_9) is None


def test_a_working_moment_is_a_working_day_from_the_send_hour():
    assert is_working_moment(oslo(2027, 3, 30, 8, 0), 8)
    assert not is_working_moment(oslo(2027, 3, 30, 7, 59), 8)
    assert not is_working_moment(oslo(2027, 3, 29, 12), 8)  # Easter Monday
    assert not is_working_moment(oslo(2027, 3, 13, 12), 8)  # Saturday
    assert not is_working_moment(oslo(2027, 3, 3, 12), 8, WINTER_WEEK_9)


# --- Deadlines the app sets ---------------------------------------------------------------------


def test_follow_up_meetings_move_off_a_municipality_holiday_period(cast):
    HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie (Troms)",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 7),
    )
    # Last course day Friday 19.02.2027: the 2-week meeting would be 05.03, in week 9.
    meetings = schedule_course_days(cast.pilot_a, [dt.date(2027, 2, 16), dt.date(2027, 2, 19)])
    due = sorted(meeting.due_on for meeting in meetings)
    assert due[0] == dt.date(2027, 3, 8)
    assert all(is_working(day) for day in due)


# --- Returned plans -----------------------------------------------------------------------------


@pytest.fixture
def english(cast):
    """The mails' texts are asserted in English."""
    for person in (cast.tore, cast.jorunn):
        person.language = "en"
        person.save(update_fields=["language"])


def test_a_returned_plan_gets_the_reminder_and_then_the_escalation(cast, english, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)  # last course day Thursday 25.02.2027
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.DRAFT)
    sweep(oslo(2027, 3, 4, 8))  # due a week later: the draft reminder
    [draft_mail] = mails_of(Kind.PLAN_NOT_SUBMITTED)
    assert (
        draft_mail.subject
        == "The project plan for Omsorg Sør, hjemmetjenesten 2 is not submitted yet"
    )

    # Submitted, then returned on Wednesday 10.03, after the first due day: a week to fix it.
    ProjectPlan.objects.filter(pk=plan.pk).update(
        status=ProjectPlan.Status.RETURNED, returned_at=oslo(2027, 3, 10, 14)
    )
    sweep(oslo(2027, 3, 16, 8))
    assert len(mails_of(Kind.PLAN_NOT_SUBMITTED)) == 1
    sweep(oslo(2027, 3, 17, 8))
    reminders = mails_of(Kind.PLAN_NOT_SUBMITTED)
    assert [m.to[0] for m in reminders] == [TORE, TORE]
    returned_mail = reminders[-1]
    assert returned_mail.subject == (
        "The returned project plan for Omsorg Sør, hjemmetjenesten 2 is not resubmitted yet"
    )
    assert "returned on 10.03.2027" in returned_mail.body
    assert "17.03.2027" in returned_mail.body

    sweep(oslo(2027, 3, 24, 8))  # a week after it was due again: the coordinator is told
    [escalation] = [
        m for m in mails_of(Kind.PLAN_NOT_SUBMITTED_ESCALATION) if "resubmitted" in m.subject
    ]
    assert escalation.to == [JORUNN]
    assert (
        escalation.subject == "Still no resubmitted project plan from Omsorg Sør, hjemmetjenesten 2"
    )
    assert "returned on 10.03.2027" in escalation.body
    assert "7 days ago" in escalation.body
    assert Reminder.objects.filter(status=Status.SENT).values("period").distinct().count() >= 2


def test_a_plan_returned_before_its_due_day_keeps_that_day_and_moves_off_a_holiday(
    cast, english, sweep
):
    policy = follow_up_policy_ensure(programme=cast.programme)
    policy.plan_submit_days = 3  # 25.02 + 3 = Sunday 28.02: due Monday 01.03
    policy.save()
    schedule_course_days(cast.pilot_a, A_DAYS)
    ProjectPlanFactory(
        pilot=cast.pilot_a, status=ProjectPlan.Status.RETURNED, returned_at=oslo(2027, 2, 26, 9)
    )
    sweep(oslo(2027, 2, 28, 8))
    assert mails_of(Kind.PLAN_NOT_SUBMITTED) == []
    sweep(oslo(2027, 3, 1, 8))
    [reminder] = mails_of(Kind.PLAN_NOT_SUBMITTED)
    assert "01.03.2027" in reminder.body and "returned on 26.02.2027" in reminder.body


def test_the_coordinator_digest_counts_a_returned_plan_late_from_its_new_due_day(
    cast, english, sweep
):
    schedule_course_days(cast.pilot_a, A_DAYS)  # first due 04.03.2027
    ProjectPlanFactory(
        pilot=cast.pilot_a, status=ProjectPlan.Status.RETURNED, returned_at=oslo(2027, 3, 10, 14)
    )
    sweep(oslo(2027, 3, 15, 8))  # due again 17.03: not late yet
    sweep(oslo(2027, 3, 22, 8))
    first, second = mails_of(Kind.COORDINATOR_DIGEST)
    assert "plan not submitted" not in first.body
    assert "plan not submitted" in second.body


def test_a_submitted_plan_is_not_chased_and_returning_it_records_when(cast, sweep):
    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.SUBMITTED)
    sweep(oslo(2027, 3, 4, 8))
    assert mails_of(Kind.PLAN_NOT_SUBMITTED) == []
    plan.refresh_from_db()
    returned = plan_return(
        plan=plan, user=cast.users.coordinator, expected_version=plan.version, comment="Mer mål"
    )
    assert returned.status == ProjectPlan.Status.RETURNED
    assert returned.returned_at is not None


# --- A year of sweeps over the demo -------------------------------------------------------------


def _non_working(day: dt.date, periods: list[tuple[dt.date, dt.date]]) -> bool:
    """Written out here rather than asked of the code under test."""
    public = {
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 25),
        dt.date(2027, 3, 26),
        dt.date(2027, 3, 28),
        dt.date(2027, 3, 29),
        dt.date(2027, 5, 1),
        dt.date(2027, 5, 6),
        dt.date(2027, 5, 16),
        dt.date(2027, 5, 17),
        dt.date(2027, 12, 25),
        dt.date(2027, 12, 26),
        dt.date(2028, 1, 1),
    }
    return (
        day.isoweekday() > 5
        or day in public
        or any(first <= day <= last for first, last in periods)
    )


@pytest.mark.integration
def test_a_year_of_sweeps_at_8_and_at_0_05_sends_only_on_working_days(
    settings, django_capture_on_commit_callbacks, eager
):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    pilots = list(Pilot.objects.all())
    assert pilots[0].course_year == 2027  # the dates below are 2027's
    periods = list(HolidayPeriod.objects.values_list("starts_on", "ends_on"))
    assert periods, "the demo has Troms' winter holiday"
    send_hour = FollowUpPolicy.objects.get().send_hour
    first = min(
        meeting.starts_at.astimezone(OSLO).date()
        for pilot in pilots
        for meeting in pilot.information_meetings.all()
    )
    last = max(FollowUpMeeting.objects.values_list("due_on", flat=True))
    assert last >= dt.date(2028, 2, 1)  # the 12-month follow-up
    # The plan of one demo pilot is sent back on the Friday after the course weeks.
    plan_pilot = pilots[0]
    ProjectPlan.objects.update_or_create(
        pilot=plan_pilot,
        defaults={"status": ProjectPlan.Status.RETURNED, "returned_at": oslo(2027, 3, 5, 15)},
    )

    sent_at: dict[int, dt.datetime] = {}
    day = first
    while day <= last:
        for at in (oslo(day.year, day.month, day.day, 0, 5), oslo(day.year, day.month, day.day, 8)):
            with django_capture_on_commit_callbacks(execute=True):
                call_command("send_due_reminders", "--now", at.isoformat(), stdout=StringIO())
            for pk in (
                Reminder.objects.filter(status=Status.SENT)
                .exclude(pk__in=sent_at)
                .values_list("pk", flat=True)
            ):
                sent_at[pk] = at
        day += dt.timedelta(days=1)

    sent = {r.pk: r for r in Reminder.objects.filter(pk__in=sent_at)}
    programme_mail = {pk: r for pk, r in sent.items() if r.kind != Kind.INVITATION}
    assert len(programme_mail) > 50, "a year of the demo sends a lot"
    for pk, reminder in programme_mail.items():
        at = sent_at[pk].astimezone(OSLO)
        assert not _non_working(at.date(), periods), (reminder.kind, at)
        assert at.hour >= send_hour, (reminder.kind, at)
        assert reminder.due_at <= sent_at[pk]

    # Each reminder is sent once: one e-mail per sent row, and no row sent twice.
    assert len(mail.outbox) == len(sent)
    message_ids = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
    assert max(message_ids.values()) == 1

    # Weekly digests: once an ISO week per person, on Monday or the next working day.
    digest_days = defaultdict(list)
    for pk, reminder in programme_mail.items():
        if reminder.kind in DIGESTS:
            digest_days[(reminder.kind, reminder.recipient_id)].append(sent_at[pk].date())
    assert digest_days
    all_days = set()
    for days in digest_days.values():
        weeks = Counter(d.isocalendar()[:2] for d in days)
        assert max(weeks.values()) == 1
        for sent_on in days:
            monday = sent_on - dt.timedelta(days=sent_on.weekday())
            expected = monday
            while _non_working(expected, periods):
                expected += dt.timedelta(days=1)
            assert sent_on == expected
            all_days.add(sent_on)
    assert dt.date(2027, 3, 30) in all_days  # after Easter Monday
    assert dt.date(2027, 5, 18) in all_days  # after Whit Monday, 17 May
    assert {dt.date(2027, 3, 29), dt.date(2027, 5, 17)}.isdisjoint(all_days)

    # The returned plan was chased: the leader, then the coordinators.
    kinds = {r.kind for r in sent.values() if r.pilot_id == plan_pilot.pk}
    assert {Kind.PLAN_NOT_SUBMITTED, Kind.PLAN_NOT_SUBMITTED_ESCALATION} <= kinds
    # About 140 s alone on a busy 2-core machine: hence `integration`, and no time assertion.
