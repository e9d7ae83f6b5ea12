"""A coordinator sets a phase by hand, with a reason; it is logged, shown, and respected."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from followup.phases import phases_follow_events
from pilots.models import PhaseChange, Pilot
from pilots.services import pilot_advance_phase
from tests.factories import CourseDayFactory, InformationMeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def test_a_move_by_hand_needs_a_reason(cast):
    with pytest.raises(ValidationError) as error:
        pilot_advance_phase(pilot=cast.pilot_a, user=cast.users.coordinator, reason="  ")
    assert "reason" in error.value.message_dict
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.PLANNED
    assert not PhaseChange.objects.exists()


def test_posting_without_a_reason_changes_nothing_and_says_why(client, cast, english):
    client.force_login(cast.users.coordinator)
    url = reverse("pilots:pilot_advance_phase", kwargs={"pk": cast.pilot_a.pk})
    response = client.post(url, {"expected_phase": "planned"}, follow=True)
    assert "Say why the pilot moves on" in response.content.decode()
    cast.pilot_a.refresh_from_db()
    assert cast.pilot_a.phase == Pilot.Phase.PLANNED


def test_a_move_by_hand_is_logged_and_the_events_leave_it_alone(cast):
    pilot = pilot_advance_phase(
        pilot=cast.pilot_a, user=cast.users.coordinator, reason="Avdelingen starter tidlig"
    )
    change = PhaseChange.objects.get()
    assert (change.from_phase, change.to_phase, change.reason, change.changed_by) == (
        "planned",
        "information",
        "Avdelingen starter tidlig",
        cast.users.coordinator,
    )
    # The course has begun, but the coordinator holds the phase.
    CourseDayFactory(pilot=pilot, number=1, date=dt.date(2027, 2, 16))
    assert cast.pilot_a.pk not in phases_follow_events(today=dt.date(2027, 2, 17))
    pilot.refresh_from_db()
    assert pilot.phase == Pilot.Phase.INFORMATION


def test_handed_back_the_phase_follows_events_again(client, cast):
    pilot_advance_phase(pilot=cast.pilot_a, user=cast.users.coordinator, reason="Tidlig start")
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    client.force_login(cast.users.coordinator)
    url = reverse("pilots:pilot_phase_follow_events", kwargs={"pk": cast.pilot_a.pk})
    assert client.post(url).status_code == 302

    moved = phases_follow_events(today=dt.date(2027, 2, 16))

    assert moved[cast.pilot_a.pk] == Pilot.Phase.COURSE
    cast.pilot_a.refresh_from_db()
    assert (cast.pilot_a.phase, cast.pilot_a.phase_set_by_hand) == (Pilot.Phase.COURSE, False)


def test_history_on_the_pilot_page_says_who_why_and_what_happened(client, cast, english):
    InformationMeetingFactory(pilot=cast.pilot_a)
    phases_follow_events(today=dt.date(2027, 1, 10))
    pilot_advance_phase(pilot=cast.pilot_a, user=cast.users.coordinator, reason="Kurset flyttet")
    client.force_login(cast.users.coordinator)

    html = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk})).content
    html = " ".join(html.decode().split())

    assert "Phase history" in html
    assert "from “planned” to “information” (automatically: an information meeting was" in html
    assert "from “information” to “course” (by " in html
    assert "Kurset flyttet" in html
    assert "set by hand" in html
    assert reverse("pilots:pilot_phase_follow_events", kwargs={"pk": cast.pilot_a.pk}) in html
