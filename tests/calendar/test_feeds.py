"""Calendar feeds behind secret links, and the one-off .ics download of each event."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from followup.feeds import calendar_feed_token, calendar_feed_url
from followup.models import CalendarFeed, FollowUpMeeting
from pilots.models import DepartmentRole
from plans.models import Measure, ProjectPlan
from tests.calendar.conftest import events
from tests.conftest import REQUEST_QUERIES
from tests.factories import CourseDayFactory, InformationMeetingFactory, PilotFactory
from training.models import SessionChoice

Kind = CalendarFeed.Kind
RENEW = "followup:calendar_feed_renew"


def _make(client, kind="personal", target=None) -> CalendarFeed:
    body = {"kind": kind, **({"target": target} if target else {})}
    response = client.post(reverse(RENEW), body)
    assert response.status_code == 302
    return CalendarFeed.objects.filter(revoked_at__isnull=True).latest("pk")


def _path(feed: CalendarFeed) -> str:
    return reverse("followup:calendar_feed", kwargs={"token": calendar_feed_token(feed)})


def _fetch(client, feed: CalendarFeed) -> tuple[Calendar, str]:
    response = client.get(_path(feed))
    assert response.status_code == 200
    return Calendar.from_ical(response.content), response.content.decode()


def _uids(calendar: Calendar) -> set[str]:
    return {str(event["UID"]) for event in events(calendar)}


@pytest.fixture
def schedule(cast):
    """Pilot A's and pilot B's events, a follow-up meeting each and measure deadlines."""
    a_day = CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    b_day = CourseDayFactory(pilot=cast.pilot_b, number=1, date=dt.date(2027, 2, 17))
    a_meeting = InformationMeetingFactory(pilot=cast.pilot_a)
    b_meeting = InformationMeetingFactory(pilot=cast.pilot_b)
    a_follow_up = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="2 uker", due_on=dt.date(2027, 3, 12)
    )
    b_follow_up = FollowUpMeeting.objects.create(
        pilot=cast.pilot_b, label="2 uker", due_on=dt.date(2027, 3, 13)
    )
    a_plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    b_plan = ProjectPlan.objects.create(pilot=cast.pilot_b)
    siri_measure = Measure.objects.create(
        plan=a_plan, title="Tavlemøte, hver uke", owner=cast.siri, deadline=dt.date(2027, 4, 1)
    )
    tore_measure = Measure.objects.create(
        plan=a_plan, title="Ny rutine", owner=cast.tore, deadline=dt.date(2027, 4, 2)
    )
    kari_measure = Measure.objects.create(
        plan=b_plan, title="Bedre mottak", owner=cast.kari, deadline=dt.date(2027, 4, 3)
    )
    return {
        "a_day": f"courseday-{a_day.pk}@127.0.0.1",
        "b_day": f"courseday-{b_day.pk}@127.0.0.1",
        "a_meeting": f"meeting-{a_meeting.pk}@127.0.0.1",
        "b_meeting": f"meeting-{b_meeting.pk}@127.0.0.1",
        "a_follow_up": f"followup-{a_follow_up.pk}@127.0.0.1",
        "b_follow_up": f"followup-{b_follow_up.pk}@127.0.0.1",
        "siri_measure": f"measure-{siri_measure.pk}@127.0.0.1",
        "tore_measure": f"measure-{tore_measure.pk}@127.0.0.1",
        "kari_measure": f"measure-{kari_measure.pk}@127.0.0.1",
    }


def _cadence(pilot) -> set[str]:
    """The follow-up meetings the course days brought with them (`followup.cadence`)."""
    return {
        f"followup-{pk}@127.0.0.1"
        for pk in FollowUpMeeting.objects.filter(pilot=pilot, step__isnull=False).values_list(
            "pk", flat=True
        )
    }


def test_a_staff_members_feed_holds_their_events_and_deadlines_and_nothing_else(
    cast, client, schedule
):
    client.force_login(cast.users.staff_a)
    feed = _make(client)
    client.logout()
    # The feed speaks its owner's language.
    type(cast.siri).objects.filter(pk=cast.siri.pk).update(language="en")

    calendar, raw = _fetch(client, feed)

    assert _uids(calendar) == {schedule["a_day"], schedule["a_meeting"], schedule["siri_measure"]}
    assert calendar["X-WR-CALNAME"] == "Lean programme: Siri Olsen"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    for event in events(calendar):
        start = event.decoded("DTSTART")
        assert isinstance(start, dt.date)
        if isinstance(start, dt.datetime):
            assert start.tzinfo is not None, "no floating times"
    deadline = next(e for e in events(calendar) if str(e["UID"]) == schedule["siri_measure"])
    assert deadline.decoded("DTSTART") == dt.date(2027, 4, 1)
    assert "DTSTART;VALUE=DATE:20270401" in raw
    assert "Tavlemøte\\, hver uke" in raw
    assert max(len(line.encode()) for line in raw.split("\r\n")) <= 75
    assert "ATTENDEE" not in raw


def test_a_leaders_feed_has_no_other_departments_events(cast, client, schedule):
    client.force_login(cast.users.tore)
    feed = _make(client)

    calendar, raw = _fetch(client, feed)

    assert _uids(calendar) == {
        schedule["a_day"],
        schedule["a_meeting"],
        schedule["a_follow_up"],
        schedule["tore_measure"],
    } | _cadence(cast.pilot_a)
    assert "NAV" not in raw


def test_a_feed_leaves_out_the_session_not_chosen(cast, client, schedule):
    evening = InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=dt.datetime(2027, 1, 21, 18, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 1, 21, 19, tzinfo=dt.UTC),
    )
    SessionChoice.objects.create(person=cast.siri, pilot=cast.pilot_a, meeting=evening)
    client.force_login(cast.users.staff_a)
    feed = _make(client)

    calendar, _raw = _fetch(client, feed)

    assert schedule["a_meeting"] not in _uids(calendar)
    assert f"meeting-{evening.pk}@127.0.0.1" in _uids(calendar)


def test_a_facilitator_gets_the_course_days_they_lead(cast, client, schedule):
    day = CourseDayFactory(pilot=cast.pilot_b, number=2, date=dt.date(2027, 2, 19))
    day.facilitators.set([cast.monica])
    client.force_login(cast.users.guide)
    feed = _make(client)

    calendar, _raw = _fetch(client, feed)

    assert _uids(calendar) == {f"courseday-{day.pk}@127.0.0.1"}


def test_the_feed_answers_with_a_calendar_that_no_one_caches_or_indexes(cast, client, schedule):
    client.force_login(cast.users.staff_a)
    feed = _make(client)
    client.logout()

    response = client.get(_path(feed))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "filename=" in response["Content-Disposition"]


def test_a_renewed_link_turns_the_old_one_into_a_404(cast, client, schedule):
    client.force_login(cast.users.staff_a)
    old = _make(client)
    old_path = _path(old)
    new = _make(client)

    assert new.pk != old.pk
    assert client.get(old_path).status_code == 404
    assert client.get(_path(new)).status_code == 200
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "token", ["1-" + "A" * 43, "nonsense", "99999999-" + "A" * 43, "0-" + "A" * 43]
)
def test_a_forged_token_is_a_404(cast, client, schedule, token):
    client.force_login(cast.users.staff_a)
    feed = _make(client)
    assert client.get(_path(feed)).status_code == 200

    response = client.get(reverse("followup:calendar_feed", kwargs={"token": token}))

    assert response.status_code == 404


def test_a_feed_ends_with_its_owners_access(cast, client, schedule):
    client.force_login(cast.users.staff_a)
    feed = _make(client)
    cast.siri.is_active = False
    cast.siri.save(update_fields=["is_active"])

    assert client.get(_path(feed)).status_code == 404


def test_coordinators_get_feeds_per_pilot_and_programme(cast, client, schedule):
    client.force_login(cast.users.coordinator)
    pilot_feed = _make(client, "pilot", cast.pilot_b.pk)
    programme_feed = _make(client, "programme", cast.programme.pk)

    pilot_calendar, _raw = _fetch(client, pilot_feed)
    programme_calendar, _raw = _fetch(client, programme_feed)

    assert _uids(pilot_calendar) == {
        schedule["b_day"],
        schedule["b_meeting"],
        schedule["b_follow_up"],
        schedule["kari_measure"],
    } | _cadence(cast.pilot_b)
    assert _uids(programme_calendar) == set(schedule.values()) | _cadence(cast.pilot_a) | (
        _cadence(cast.pilot_b)
    )
    page = client.get(reverse("followup:calendars"))
    assert page.status_code == 200
    assert calendar_feed_url(pilot_feed) in page.content.decode()


def test_a_leader_cannot_make_a_pilot_or_programme_feed(cast, client, schedule):
    client.force_login(cast.users.tore)

    for kind, target in (("pilot", cast.pilot_a.pk), ("programme", cast.programme.pk)):
        response = client.post(reverse(RENEW), {"kind": kind, "target": target})
        assert response.status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_coordinator_cannot_make_a_feed_of_another_municipalitys_pilot(cast, client):
    client.force_login(cast.users.coordinator)

    response = client.post(reverse(RENEW), {"kind": "pilot", "target": cast.other_pilot.pk})

    assert response.status_code == 404


def test_a_coordinator_who_loses_the_role_loses_the_programme_feed(cast, client, schedule):
    client.force_login(cast.users.coordinator)
    feed = _make(client, "programme", cast.programme.pk)
    cast.jorunn.programme_roles.update(ends_on=dt.date(2020, 1, 1))

    assert client.get(_path(feed)).status_code == 404


def test_my_tasks_shows_the_link_and_the_button_to_renew_it(cast, client, settings):
    client.force_login(cast.users.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("my_tasks")).content.decode()
    assert "Make a subscription link" in page

    feed = _make(client)
    page = client.get(reverse("my_tasks")).content.decode()

    assert calendar_feed_url(feed) in page
    assert "Make a new link" in page
    assert 'data-copy-from="calendar-url-personal"' in page


def _many_events(cast, count: int):
    for _ in range(count):
        pilot = PilotFactory(programme=cast.programme)
        DepartmentRole.objects.create(
            department=pilot.department, person=cast.tore, role="department_leader"
        )
        for number in range(1, 3):
            CourseDayFactory(pilot=pilot, number=number).facilitators.set([cast.monica])
        InformationMeetingFactory(pilot=pilot)
        FollowUpMeeting.objects.create(
            pilot=pilot, label="6 uker", due_on=dt.date(2027, 4, 1)
        ).participants.set([cast.tore])
        plan = ProjectPlan.objects.create(pilot=pilot)
        Measure.objects.create(
            plan=plan, title="Tiltak", owner=cast.tore, deadline=dt.date(2027, 5, 1)
        )


@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize("who, kind", [("tore", "personal"), ("coordinator", "programme")])
def test_a_feeds_queries_do_not_grow_with_its_events(
    cast, client, django_assert_max_num_queries, count, who, kind
):
    _many_events(cast, count)
    client.force_login(getattr(cast.users, who))
    feed = _make(client, kind, cast.programme.pk if kind == "programme" else None)
    client.logout()

    # The feed, its owner's access (person, roles, programme role), the pilots, and one query
    # per kind of item.
    with django_assert_max_num_queries(10):
        calendar, _raw = _fetch(client, feed)

    assert len(events(calendar)) >= 5 * count


# --- One-off downloads -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, key",
    [
        ("course_day_ics", "day"),
        ("information_meeting_ics", "meeting"),
        ("follow_up_meeting_ics", "follow_up"),
    ],
)
def test_each_event_downloads_as_a_calendar_file(cast, client, objects, name, key):
    client.force_login(cast.users.staff_a)

    with_budget = client.get(reverse(f"followup:{name}", kwargs={"pk": getattr(objects, key).pk}))

    assert with_budget.status_code == 200
    assert with_budget["Content-Type"] == "text/calendar; charset=utf-8"
    assert with_budget["Content-Disposition"].startswith('attachment; filename="')
    calendar = Calendar.from_ical(with_budget.content)
    (event,) = events(calendar)
    assert str(event["UID"]).startswith(("courseday-", "meeting-", "followup-"))
    start = event.decoded("DTSTART")
    assert not isinstance(start, dt.datetime) or start.tzinfo is not None


@pytest.mark.parametrize(
    "name, key",
    [
        ("course_day_ics", "day"),
        ("information_meeting_ics", "meeting"),
        ("follow_up_meeting_ics", "follow_up"),
    ],
)
@pytest.mark.parametrize("who", ["kari", "outsider"])
def test_nobody_downloads_an_event_they_may_not_see(cast, client, objects, name, key, who):
    client.force_login(getattr(cast.users, who))

    response = client.get(reverse(f"followup:{name}", kwargs={"pk": getattr(objects, key).pk}))

    assert response.status_code == 404


def test_a_download_needs_a_login(cast, client, objects):
    response = client.get(reverse("followup:course_day_ics", kwargs={"pk": objects.day.pk}))

    assert response.status_code == 302


def test_a_download_costs_a_few_queries(cast, client, objects, django_assert_max_num_queries):
    client.force_login(cast.users.staff_a)
    url = reverse("followup:course_day_ics", kwargs={"pk": objects.day.pk})

    with django_assert_max_num_queries(REQUEST_QUERIES + 1):
        assert client.get(url).status_code == 200
