"""The pilot page and moving a pilot along its lifecycle."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilots.models import DepartmentRole, Pilot
from pilots.services import PHASE_ORDER, pilot_advance_phase
from tests.conftest import REQUEST_QUERIES
from tests.factories import InformationMeetingFactory, PersonFactory
from tests.programme.test_dashboard import local, populate_pilot
from training.models import Attendance

pytestmark = pytest.mark.django_db

# The request's own (tests.conftest), then: the pilot, its people with their roles, information
# meetings and course days (each with attendance counts), who attended the information meeting
# at any session, the plan with measure counts, the follow-up meetings, the improvement
# suggestions counted, and for the schedule warnings: the holiday periods, and for double
# bookings the municipality's course days on the same dates, their facilitators and the
# overlapping meetings. A person of the department also reads the session they chose. The
# phase history, with who moved it. The journey picture: the board meetings per week, counted
# in one query (its measure counts come with the plan's). The learning library: the pilot's own
# lessons, and a few earlier processes and other pilots' lessons of its service area (three).
PILOT_PAGE_QUERY_BUDGET = REQUEST_QUERIES + 14 + 3


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_url(pilot) -> str:
    return reverse("programme:pilot_detail", kwargs={"pk": pilot.pk})


def advance_url(pilot) -> str:
    return reverse("pilots:pilot_advance_phase", kwargs={"pk": pilot.pk})


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# The page


def test_anonymous_is_sent_to_login(client, cast):
    response = client.get(page_url(cast.pilot_a))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_coordinator_sees_people_meetings_course_days_plan_and_follow_up(client, cast):
    today = timezone.localdate()
    populate_pilot(cast.pilot_a, today=today, people=[cast.siri, cast.ola, cast.tore])
    client.force_login(cast.users.coordinator)

    response = client.get(page_url(cast.pilot_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Omsorg Sør, hjemmetjenesten 2</h1>" in html
    people = {entry.person: entry.roles_display for entry in response.context["people"]}
    assert people == {
        cast.tore: "department leader",
        cast.siri: "staff",
        cast.ola: "union representative, staff",
    }
    assert response.context["leaders"] == [cast.tore]
    assert "Union representative, staff" in html
    slots = response.context["course_day_slots"]
    assert [slot.number for slot in slots] == [1, 2, 3, 4]
    first, second = slots[0].day, slots[1].day
    assert (first.present, first.absent, first.excused) == (2, 1, 0)
    assert (second.present, second.absent, second.excused) == (1, 0, 1)
    assert slots[3].day is None
    assert "not scheduled" in html
    assert (
        reverse("training:course_day_create", kwargs={"pilot_pk": cast.pilot_a.pk}) + "?number=4"
        in html
    )
    meetings = response.context["meetings"]
    assert len(meetings) == 2
    for name in ("meeting_edit", "meeting_attendance"):
        assert reverse(f"training:{name}", kwargs={"pk": meetings[0].pk}) in html
    for name in ("attendance_summary", "attendance_export"):
        assert reverse(f"training:{name}", kwargs={"pk": cast.pilot_a.pk}) in html
    plan = response.context["plan"]
    assert (plan.measures_open, plan.measures_overdue) == (2, 1)
    assert [m.label for m in response.context["follow_up_meetings"]] == [
        "After 2 weeks",
        "After 6 weeks",
        "After 3 months",
    ]
    assert (today - dt.timedelta(days=29)).strftime("%d.%m.%Y") in html
    assert advance_url(cast.pilot_a) in html
    assert 'name="expected_phase" value="planned"' in html
    assert reverse("pilots:staff_list", kwargs={"pk": cast.dept_a.pk}) in html


def test_pilot_without_plan_or_dates_says_so(client, cast):
    client.force_login(cast.users.guide)

    response = client.get(page_url(cast.pilot_b))

    html = response.content.decode()
    assert response.context["plan"] is None
    assert "The department has no project plan yet." in html
    assert html.count('<td colspan="6">not scheduled</td>') == 4
    assert "Course days 1, 2, 3, 4 are not scheduled yet." in html
    assert "No information meetings yet." in html


def test_leader_cannot_open_other_departments_pilot(client, cast):
    client.force_login(cast.users.tore)

    assert client.get(page_url(cast.pilot_b)).status_code == 404


def test_outsider_cannot_open_harstad_pilots(client, cast):
    client.force_login(cast.users.outsider)

    assert client.get(page_url(cast.pilot_a)).status_code == 404
    assert client.get(page_url(cast.pilot_b)).status_code == 404


def test_leader_may_take_attendance_and_see_staff_but_not_move_the_phase(client, cast):
    populate_pilot(cast.pilot_a, today=timezone.localdate())
    client.force_login(cast.users.tore)

    response = client.get(page_url(cast.pilot_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("pilots:staff_list", kwargs={"pk": cast.dept_a.pk}) in html
    assert reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk}) in html
    assert advance_url(cast.pilot_a) not in html
    assert "/edit/" not in html
    assert reverse("training:course_day_create", kwargs={"pilot_pk": cast.pilot_a.pk}) not in html


def test_staff_reads_the_page_without_any_actions(client, cast):
    populate_pilot(cast.pilot_a, today=timezone.localdate())
    client.force_login(cast.users.staff_a)

    response = client.get(page_url(cast.pilot_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Omsorg Sør, hjemmetjenesten 2" in html
    assert advance_url(cast.pilot_a) not in html
    assert reverse("pilots:staff_list", kwargs={"pk": cast.dept_a.pk}) not in html
    # The one training page for staff: choosing their own session of the information meeting.
    own_session = reverse("training:information_sessions", kwargs={"pilot_pk": cast.pilot_a.pk})
    assert own_session in html
    assert "/training/" not in html.replace(own_session, "")


def test_inactive_people_are_not_listed(client, cast):
    cast.siri.is_active = False
    cast.siri.save(update_fields=["is_active"])
    client.force_login(cast.users.coordinator)

    response = client.get(page_url(cast.pilot_a))

    assert cast.siri not in {entry.person for entry in response.context["people"]}


def test_pilot_page_stays_within_its_query_budget(client, cast, django_assert_max_num_queries):
    populate_pilot(
        cast.pilot_a, today=timezone.localdate(), people=[cast.siri, cast.ola, cast.tore]
    )
    client.force_login(cast.users.coordinator)

    with django_assert_max_num_queries(PILOT_PAGE_QUERY_BUDGET):
        response = client.get(page_url(cast.pilot_a))

    assert response.status_code == 200


def test_pilot_page_query_count_does_not_grow_with_people_and_meetings(client, cast):
    today = timezone.localdate()
    populate_pilot(cast.pilot_a, today=today, people=[cast.siri, cast.ola, cast.tore])
    client.force_login(cast.users.coordinator)
    client.get(page_url(cast.pilot_a))

    with CaptureQueriesContext(connection) as few:
        client.get(page_url(cast.pilot_a))
    meetings = [
        InformationMeetingFactory(
            pilot=cast.pilot_a,
            starts_at=local(today + dt.timedelta(days=n), 9),
            ends_at=local(today + dt.timedelta(days=n), 10),
        )
        for n in range(1, 21)
    ]
    for n in range(50):
        person = PersonFactory(municipality=cast.municipality)
        DepartmentRole.objects.create(department=cast.dept_a, person=person, role="staff")
        if n % 2:
            DepartmentRole.objects.create(department=cast.dept_a, person=person, role="safety_rep")
        Attendance.objects.create(
            person=person, information_meeting=meetings[n % 20], status="present"
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(page_url(cast.pilot_a))

    assert len(response.context["people"]) == 53
    assert len(response.context["meetings"]) == 22
    assert len(many) == len(few)
    assert len(many) <= PILOT_PAGE_QUERY_BUDGET


# Moving to the next phase


def test_coordinator_moves_the_pilot_to_its_next_phase(client, cast):
    before = cast.pilot_a.phase_changed_at
    client.force_login(cast.users.coordinator)

    response = client.post(
        advance_url(cast.pilot_a),
        {"expected_phase": "planned", "reason": "Informasjonsmøtet er avtalt"},
    )

    assert response.status_code == 302
    assert response.url == page_url(cast.pilot_a)
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.INFORMATION
    assert cast.pilot_a.phase_changed_at > before
    assert texts(response) == ["Omsorg Sør, hjemmetjenesten 2 moved to the phase “information”."]


def test_guide_may_move_the_phase_too(client, cast):
    client.force_login(cast.users.guide)

    client.post(
        advance_url(cast.pilot_b),
        {"expected_phase": "planned", "reason": "Informasjonsmøtet er avtalt"},
    )

    cast.pilot_b.refresh_from_db()
    assert cast.pilot_b.phase == Pilot.Phase.INFORMATION


def test_staff_cannot_move_the_phase(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.post(
        advance_url(cast.pilot_a),
        {"expected_phase": "planned", "reason": "Informasjonsmøtet er avtalt"},
    )

    assert response.status_code == 403
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.PLANNED


def test_leader_cannot_move_own_pilots_phase(client, cast):
    client.force_login(cast.users.tore)

    assert client.post(advance_url(cast.pilot_a)).status_code == 403


def test_outsider_gets_404_when_moving_a_harstad_pilot(client, cast):
    client.force_login(cast.users.outsider)

    assert client.post(advance_url(cast.pilot_a)).status_code == 404


def test_anonymous_cannot_move_the_phase(client, cast):
    response = client.post(advance_url(cast.pilot_a))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.PLANNED


def test_moving_the_phase_needs_a_post(client, cast):
    client.force_login(cast.users.coordinator)

    assert client.get(advance_url(cast.pilot_a)).status_code == 405


def test_closed_pilot_cannot_move_on(client, cast):
    Pilot.objects.filter(pk=cast.pilot_a.pk).update(phase=Pilot.Phase.CLOSED)
    client.force_login(cast.users.coordinator)

    response = client.post(
        advance_url(cast.pilot_a), {"expected_phase": "closed", "reason": "Avsluttet"}
    )

    assert response.status_code == 302
    assert texts(response) == ["The pilot is closed; closed is the last phase."]
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.CLOSED
    page = client.get(page_url(cast.pilot_a)).content.decode()
    assert advance_url(cast.pilot_a) not in page


def test_double_submit_with_a_stale_phase_does_not_skip_a_phase(client, cast):
    client.force_login(cast.users.coordinator)

    first = client.post(
        advance_url(cast.pilot_a),
        {"expected_phase": "planned", "reason": "Informasjonsmøtet er avtalt"},
    )
    second = client.post(
        advance_url(cast.pilot_a),
        {"expected_phase": "planned", "reason": "Informasjonsmøtet er avtalt"},
    )

    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.INFORMATION
    assert first.status_code == second.status_code == 302
    # Neither redirect was followed, so both messages wait for the next page.
    assert texts(second) == [
        "Omsorg Sør, hjemmetjenesten 2 moved to the phase “information”.",
        "The pilot has already moved to the phase “information”. Nothing was changed; "
        "check the page and try again.",
    ]


def test_service_walks_the_whole_lifecycle_in_order(cast):
    pilot = cast.pilot_a
    seen = [pilot.phase]
    while pilot.phase != Pilot.Phase.CLOSED:
        pilot = pilot_advance_phase(pilot=pilot, user=cast.users.coordinator, reason="Neste steg")
        seen.append(pilot.phase)

    assert tuple(seen) == PHASE_ORDER
    with pytest.raises(ValidationError):
        pilot_advance_phase(pilot=pilot, user=cast.users.coordinator, reason="Neste steg")


def test_service_refuses_someone_who_cannot_manage_the_programme(cast):
    with pytest.raises(PermissionDenied):
        pilot_advance_phase(pilot=cast.pilot_a, user=cast.users.tore, reason="Neste steg")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="row locks need PostgreSQL; SQLite serialises every write anyway",
)
def test_two_coordinators_clicking_at_once_move_the_pilot_one_phase(cast):
    barrier = threading.Barrier(2)
    outcomes = []

    def click(user):
        try:
            barrier.wait(timeout=5)
            pilot_advance_phase(
                pilot=cast.pilot_a, user=user, reason="Neste steg", expected_phase="planned"
            )
            outcomes.append("moved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=click, args=(user,))
        for user in (cast.users.coordinator, cast.users.guide)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes) == ["moved", "refused"]
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.INFORMATION
