"""An information meeting held in several sessions: choosing one, being put on one, and counting
whoever came to any of them.

Tore's pilot (A) holds its information meeting twice on Wednesday 3 February 2027, at 14:00 for
the day shift and at 19:00 for the evening shift. The clock stands on Monday 1 February.
"""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.models import DepartmentRole
from tests.conftest import REQUEST_QUERIES
from tests.factories import DepartmentRoleFactory, InformationMeetingFactory, PersonFactory
from training.models import Attendance, SessionChoice
from training.selectors import attendance_summary_for_pilot, information_sessions_for_person
from training.services import UnknownPeopleError, session_choices_assign, session_choose

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
MONDAY = dt.datetime(2027, 2, 1, 12, 0, tzinfo=OSLO)


def oslo(day, hour, minute=0):
    return dt.datetime(2027, 2, day, hour, minute, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("django.utils.timezone.now", return_value=MONDAY) as now:
        yield now


@pytest.fixture
def day_session(cast):
    return InformationMeetingFactory(
        pilot=cast.pilot_a, starts_at=oslo(3, 14), ends_at=oslo(3, 15), place="Personalrommet"
    )


@pytest.fixture
def evening_session(cast):
    return InformationMeetingFactory(
        pilot=cast.pilot_a, starts_at=oslo(3, 19), ends_at=oslo(3, 20), place="Personalrommet"
    )


@pytest.fixture
def sessions(day_session, evening_session):
    return [day_session, evening_session]


def _choose_url(pilot):
    return reverse("training:information_sessions", kwargs={"pilot_pk": pilot.pk})


def _assign_url(pilot):
    return reverse("training:information_sessions_assign", kwargs={"pilot_pk": pilot.pk})


def _chosen(pilot) -> dict[str, int]:
    return dict(
        SessionChoice.objects.filter(pilot=pilot).values_list("person__full_name", "meeting_id")
    )


# --- Choosing one's own session -------------------------------------------------------------------


def test_staff_chooses_a_session_and_can_change_it(client, cast, sessions):
    day_session, evening_session = sessions
    client.force_login(cast.users.staff_a)

    page = client.get(_choose_url(cast.pilot_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Wednesday 03.02.2027" in html
    assert "14:00–15:00" in html and "19:00–20:00" in html
    assert html.count('type="radio"') == 2

    response = client.post(_choose_url(cast.pilot_a), {"session": evening_session.pk})
    assert response.status_code == 302
    assert _chosen(cast.pilot_a) == {"Siri Olsen": evening_session.pk}

    client.post(_choose_url(cast.pilot_a), {"session": day_session.pk})
    assert _chosen(cast.pilot_a) == {"Siri Olsen": day_session.pk}
    page = client.get(_choose_url(cast.pilot_a))
    assert "Your session: 03.02.2027 at 14:00" in page.content.decode()
    assert page.context["form"].initial == {"session": day_session.pk}
    choice = SessionChoice.objects.get()
    assert choice.chosen_by == cast.users.staff_a


def test_choosing_nothing_or_a_session_of_another_pilot_is_a_form_error(client, cast, sessions):
    other = InformationMeetingFactory(
        pilot=cast.pilot_b, starts_at=oslo(4, 14), ends_at=oslo(4, 15)
    )
    client.force_login(cast.users.staff_a)

    for data in ({}, {"session": other.pk}, {"session": "x"}):
        response = client.post(_choose_url(cast.pilot_a), data)
        assert response.status_code == 400, data
        assert list(response.context["form"].errors) == ["session"]
    assert not SessionChoice.objects.exists()


def test_a_session_that_has_started_cannot_be_chosen(client, cast, clock, sessions):
    day_session, evening_session = sessions
    clock.return_value = oslo(3, 16)
    client.force_login(cast.users.staff_a)

    page = client.get(_choose_url(cast.pilot_a))
    assert page.content.decode().count('type="radio"') == 1
    response = client.post(_choose_url(cast.pilot_a), {"session": day_session.pk})
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        session_choose(user=cast.users.staff_a, pilot=cast.pilot_a, meeting=day_session)
    assert not SessionChoice.objects.exists()


def test_service_refuses_a_session_of_another_pilot(cast, sessions):
    other = InformationMeetingFactory(
        pilot=cast.pilot_b, starts_at=oslo(4, 14), ends_at=oslo(4, 15)
    )

    with pytest.raises(ValidationError):
        session_choose(user=cast.users.staff_a, pilot=cast.pilot_a, meeting=other)


def test_whoever_attended_a_session_has_nothing_left_to_choose(client, cast, clock, sessions):
    day_session, _evening = sessions
    Attendance.objects.create(
        person=cast.siri, information_meeting=day_session, status=Attendance.Status.PRESENT
    )
    client.force_login(cast.users.staff_a)

    html = client.get(_choose_url(cast.pilot_a)).content.decode()

    assert "You attended the information meeting on 03.02.2027" in html
    assert 'type="radio"' not in html


def test_one_meeting_has_nothing_to_choose(client, cast, day_session):
    client.force_login(cast.users.staff_a)

    html = client.get(_choose_url(cast.pilot_a)).content.decode()

    assert "The information meeting is held once" in html
    assert 'type="radio"' not in html


def test_leader_chooses_for_himself_too(client, cast, sessions):
    client.force_login(cast.users.tore)

    response = client.post(_choose_url(cast.pilot_a), {"session": sessions[1].pk})

    assert response.status_code == 302
    assert _chosen(cast.pilot_a) == {"Tore Meltzer": sessions[1].pk}


@pytest.mark.parametrize(
    ("role", "status"),
    [("kari", 404), ("outsider", 404), ("coordinator", 403), ("guide", 403), ("superuser", 403)],
)
def test_who_may_not_choose_a_session_here(client, cast, sessions, role, status):
    client.force_login(getattr(cast.users, role))

    assert client.get(_choose_url(cast.pilot_a)).status_code == status
    assert client.post(_choose_url(cast.pilot_a), {"session": sessions[0].pk}).status_code == status
    assert not SessionChoice.objects.exists()


def test_whose_role_has_ended_may_not_choose(client, cast, sessions):
    DepartmentRole.objects.filter(person=cast.siri).update(ends_on=MONDAY.date())
    client.force_login(cast.users.staff_a)

    # Siri no longer sees the department's pilot at all.
    assert client.get(_choose_url(cast.pilot_a)).status_code == 404
    with pytest.raises(PermissionDenied):
        session_choose(user=cast.users.staff_a, pilot=cast.pilot_a, meeting=sessions[0])


def test_choose_page_keeps_its_query_count_with_many_sessions_and_people(client, cast, sessions):
    client.force_login(cast.users.staff_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_choose_url(cast.pilot_a)).status_code == 200
        return len(queries)

    few = count()
    for hour in range(8, 18):
        meeting = InformationMeetingFactory(
            pilot=cast.pilot_a, starts_at=oslo(5, hour), ends_at=oslo(5, hour, 45)
        )
        for _ in range(3):
            person = PersonFactory(municipality=cast.municipality)
            DepartmentRole.objects.create(department=cast.dept_a, person=person, role="staff")
            SessionChoice.objects.create(person=person, pilot=cast.pilot_a, meeting=meeting)
    many = count()

    # The request's own, the pilot, the sessions with how many chose each, the person's choice,
    # and the session they attended.
    assert many == few == REQUEST_QUERIES + 4


# --- Putting people on sessions -------------------------------------------------------------------


def _assign_data(cast, **sessions_by_name):
    people = {"tore": cast.tore, "siri": cast.siri, "ola": cast.ola}
    return {
        f"session_{people[name].pk}": "" if meeting is None else meeting.pk
        for name, meeting in sessions_by_name.items()
    }


def test_leader_puts_people_on_sessions_and_takes_them_off(client, cast, sessions):
    day_session, evening_session = sessions
    SessionChoice.objects.create(person=cast.ola, pilot=cast.pilot_a, meeting=day_session)
    client.force_login(cast.users.tore)

    page = client.get(_assign_url(cast.pilot_a))
    assert page.status_code == 200
    assert page.context["form"].initial == {f"session_{cast.ola.pk}": day_session.pk}

    response = client.post(
        _assign_url(cast.pilot_a),
        _assign_data(cast, tore=day_session, siri=evening_session, ola=None),
    )

    assert response.status_code == 302
    assert _chosen(cast.pilot_a) == {
        "Tore Meltzer": day_session.pk,
        "Siri Olsen": evening_session.pk,
    }
    assert SessionChoice.objects.get(person=cast.siri).chosen_by == cast.users.tore


def test_coordinator_assigns_and_the_page_counts_each_session(client, cast, sessions):
    day_session, evening_session = sessions
    client.force_login(cast.users.coordinator)
    client.post(
        _assign_url(cast.pilot_a),
        _assign_data(cast, tore=day_session, siri=evening_session, ola=evening_session),
    )

    page = client.get(_assign_url(cast.pilot_a))

    counts = {s.pk: s.chosen_count for s in page.context["sessions"]}
    assert counts == {day_session.pk: 1, evening_session.pk: 2}
    assert page.context["not_chosen"] == 0


def test_assigning_someone_outside_the_department_is_refused(client, cast, sessions):
    client.force_login(cast.users.tore)

    response = client.post(
        _assign_url(cast.pilot_a),
        {**_assign_data(cast, siri=sessions[0]), f"session_{cast.kari.pk}": sessions[0].pk},
    )

    assert response.status_code == 400
    assert not SessionChoice.objects.exists()
    with pytest.raises(UnknownPeopleError):
        session_choices_assign(
            user=cast.users.tore, pilot=cast.pilot_a, choices={cast.kari.pk: sessions[0].pk}
        )


def test_assigning_a_session_of_another_pilot_is_refused(client, cast, sessions):
    other = InformationMeetingFactory(
        pilot=cast.pilot_b, starts_at=oslo(4, 14), ends_at=oslo(4, 15)
    )
    client.force_login(cast.users.coordinator)

    response = client.post(_assign_url(cast.pilot_a), _assign_data(cast, siri=other))

    assert response.status_code == 400
    with pytest.raises(ValidationError):
        session_choices_assign(
            user=cast.users.coordinator, pilot=cast.pilot_a, choices={cast.siri.pk: other.pk}
        )
    assert not SessionChoice.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("staff_a", 403), ("kari", 404), ("outsider", 404), ("anonymous", 302)]
)
def test_who_may_not_assign_sessions(client, cast, sessions, role, status):
    if role != "anonymous":
        client.force_login(getattr(cast.users, role))

    assert client.get(_assign_url(cast.pilot_a)).status_code == status
    response = client.post(_assign_url(cast.pilot_a), _assign_data(cast, siri=sessions[0]))
    assert response.status_code == status
    assert not SessionChoice.objects.exists()


def test_assign_page_keeps_its_query_count_with_many_people(client, cast, sessions):
    client.force_login(cast.users.tore)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_assign_url(cast.pilot_a)).status_code == 200
        return len(queries)

    few = count()
    for n in range(30):
        role = DepartmentRoleFactory(department=cast.dept_a)
        SessionChoice.objects.create(
            person=role.person, pilot=cast.pilot_a, meeting=sessions[n % 2]
        )
        Attendance.objects.create(
            person=role.person, information_meeting=sessions[n % 2], status="present"
        )
    many = count()

    # The request's own, the pilot, the sessions, the people and their roles, who chose which
    # session, who attended which.
    assert many == few == REQUEST_QUERIES + 6


# --- Attendance across sessions -------------------------------------------------------------------


def test_mark_all_present_leaves_who_chose_the_other_session(client, cast, clock, sessions):
    day_session, evening_session = sessions
    SessionChoice.objects.create(person=cast.ola, pilot=cast.pilot_a, meeting=evening_session)
    clock.return_value = oslo(3, 15, 30)
    client.force_login(cast.users.tore)
    url = reverse("training:meeting_attendance", kwargs={"pk": day_session.pk})

    page = client.get(url)
    assert "Chose the session on 03.02.2027 at 19:00" in page.content.decode()
    response = client.post(url, {"all_present": "1"})

    assert response.status_code == 302
    assert dict(
        Attendance.objects.filter(information_meeting=day_session).values_list(
            "person__full_name", "status"
        )
    ) == {"Tore Meltzer": "present", "Siri Olsen": "present"}


def test_present_at_any_session_counts_as_attending(client, cast, clock, sessions):
    day_session, evening_session = sessions
    clock.return_value = oslo(4, 9)
    Attendance.objects.create(person=cast.siri, information_meeting=day_session, status="present")
    Attendance.objects.create(person=cast.ola, information_meeting=day_session, status="absent")
    Attendance.objects.create(
        person=cast.ola, information_meeting=evening_session, status="present"
    )
    Attendance.objects.create(
        person=cast.tore, information_meeting=evening_session, status="absent"
    )

    summary = attendance_summary_for_pilot(pilot=cast.pilot_a)
    attended = {row.person.full_name: row.information_meeting_attended for row in summary.rows}
    assert attended == {"Ola Nilsen": True, "Siri Olsen": True, "Tore Meltzer": False}
    assert summary.information_meeting_attended == 2

    client.force_login(cast.users.coordinator)
    page = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk}))
    html = page.content.decode()
    assert "2 of 3 people in the department have attended the information meeting." in html
    assert page.context["information_attendance"].attended == 2


def test_pilot_page_shows_how_many_chose_each_session_and_the_viewers_own(client, cast, sessions):
    day_session, evening_session = sessions
    SessionChoice.objects.create(person=cast.siri, pilot=cast.pilot_a, meeting=evening_session)
    SessionChoice.objects.create(person=cast.ola, pilot=cast.pilot_a, meeting=evening_session)
    client.force_login(cast.users.staff_a)

    page = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk}))

    chosen = {meeting.pk: meeting.chosen for meeting in page.context["meetings"]}
    assert chosen == {day_session.pk: 0, evening_session.pk: 2}
    assert page.context["my_session"] == evening_session
    assert "Your session: 03.02.2027 at 19:00." in page.content.decode()


# --- For "my tasks" -------------------------------------------------------------------------------


def test_sessions_for_a_person_say_whether_a_choice_is_needed(cast, clock, sessions):
    day_session, evening_session = sessions
    InformationMeetingFactory(pilot=cast.pilot_b, starts_at=oslo(4, 14), ends_at=oslo(4, 15))

    [entry] = information_sessions_for_person(cast.siri)
    assert (entry.pilot, entry.sessions, entry.needs_choice) == (cast.pilot_a, sessions, True)

    SessionChoice.objects.create(person=cast.siri, pilot=cast.pilot_a, meeting=evening_session)
    [entry] = information_sessions_for_person(cast.siri)
    assert (entry.chosen, entry.needs_choice) == (evening_session, False)

    SessionChoice.objects.all().delete()
    Attendance.objects.create(person=cast.siri, information_meeting=day_session, status="present")
    [entry] = information_sessions_for_person(cast.siri)
    assert (entry.attended, entry.needs_choice) == (day_session, False)

    # Kari's pilot has one meeting: nothing to choose there.
    [entry] = information_sessions_for_person(cast.kari)
    assert (entry.has_choice, entry.needs_choice) == (False, False)
