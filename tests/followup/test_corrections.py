"""Corrections with history in follow-up: board meetings corrected and deleted, someone present at
every board meeting, follow-up meetings never held in the future."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from followup import services
from followup.models import BoardMeeting, FollowUpMeeting
from tests.conftest import REQUEST_QUERIES
from tests.factories import MeasureFactory, ProjectPlanFactory
from tests.followup.conftest import A_DAYS, schedule_course_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, client):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def board(cast):
    return services.board_meeting_log(
        user=cast.users.tore,
        pilot=cast.pilot_a,
        held_on=dt.date(2026, 11, 24),
        minutes="Gjennomgang av tavla.",
        present_count=9,
        measures_touched=[],
    )


def _edit_url(board) -> str:
    return reverse("followup:board_meeting_edit", kwargs={"pk": board.pk})


def _delete_url(board) -> str:
    return reverse("followup:board_meeting_delete", kwargs={"pk": board.pk})


# --- Correcting a board meeting -----------------------------------------------------------------


def test_leader_corrects_a_board_meeting_and_the_history_keeps_the_old_one(cast, client, board):
    measure = MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_a))
    client.force_login(cast.users.tore)
    page = client.get(_edit_url(board))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert 'value="2026-11-24"' in html
    assert _delete_url(board) in html

    response = client.post(
        _edit_url(board),
        {
            "held_on": "2026-11-25",
            "present_count": "7",
            "minutes": "Rettet referat.",
            "measures_touched": [measure.pk],
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk})
    board.refresh_from_db()
    assert (board.held_on, board.present_count, board.minutes) == (
        dt.date(2026, 11, 25),
        7,
        "Rettet referat.",
    )
    assert list(board.measures_touched.all()) == [measure]
    latest, first = board.history.all()[:2]
    assert (latest.history_type, latest.history_user) == ("~", cast.users.tore)
    assert (first.present_count, first.minutes) == (9, "Gjennomgang av tavla.")


def test_follow_up_page_links_each_board_meeting_to_its_correction_for_leaders_only(
    cast, client, board
):
    url = reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk})
    client.force_login(cast.users.tore)
    assert _edit_url(board) in client.get(url).content.decode()
    client.force_login(cast.users.staff_a)
    assert _edit_url(board) not in client.get(url).content.decode()


def test_correcting_onto_another_logged_day_is_refused_on_the_date(cast, client, board):
    other = BoardMeeting.objects.create(
        pilot=cast.pilot_a, held_on=dt.date(2026, 11, 17), present_count=4
    )
    client.force_login(cast.users.coordinator)

    response = client.post(
        _edit_url(other), {"held_on": "2026-11-24", "present_count": "4", "minutes": "Flytt."}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["held_on"]
    assert "Flytt." in response.content.decode()
    other.refresh_from_db()
    assert other.held_on == dt.date(2026, 11, 17)


def test_keeping_the_same_day_is_not_a_duplicate(cast, board):
    services.board_meeting_update(
        user=cast.users.guide,
        meeting=board,
        held_on=board.held_on,
        minutes="Samme dag.",
        present_count=3,
        measures_touched=[],
    )
    board.refresh_from_db()
    assert (board.minutes, board.present_count) == ("Samme dag.", 3)


@pytest.mark.parametrize("typed", ["", "31.02.2027", "1900-01-01"])
def test_a_garbled_date_on_correction_is_a_400_with_the_form(cast, client, board, typed):
    client.force_login(cast.users.tore)
    response = client.post(_edit_url(board), {"held_on": typed, "present_count": "3"})
    assert response.status_code == 400
    assert response.context["form"].errors["held_on"]


def test_staff_other_leaders_and_outsiders_cannot_correct(cast, client, board):
    data = {"held_on": "2026-11-25", "present_count": "2"}
    for user, expected in (
        (cast.users.staff_a, 403),
        (cast.users.kari, 404),
        (cast.users.outsider, 404),
    ):
        client.force_login(user)
        assert client.get(_edit_url(board)).status_code == expected
        assert client.post(_edit_url(board), data).status_code == expected
        assert client.post(_delete_url(board)).status_code == expected
    board.refresh_from_db()
    assert board.held_on == dt.date(2026, 11, 24)


def test_service_refuses_staff_to_correct_or_delete(cast, board):
    with pytest.raises(PermissionDenied):
        services.board_meeting_update(
            user=cast.users.staff_a,
            meeting=board,
            held_on=board.held_on,
            minutes="",
            present_count=1,
            measures_touched=[],
        )
    with pytest.raises(PermissionDenied):
        services.board_meeting_delete(user=cast.users.staff_a, meeting=board)
    assert BoardMeeting.objects.filter(pk=board.pk).exists()


def test_service_refuses_a_measure_of_another_pilot_on_correction(cast, board):
    other = MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_b))
    with pytest.raises(ValidationError) as refusal:
        services.board_meeting_update(
            user=cast.users.tore,
            meeting=board,
            held_on=board.held_on,
            minutes="",
            present_count=2,
            measures_touched=[other],
        )
    assert "measures_touched" in refusal.value.message_dict


# --- Deleting a board meeting -------------------------------------------------------------------


def test_leader_deletes_a_board_meeting_and_the_history_keeps_it(cast, client, board):
    client.force_login(cast.users.tore)

    response = client.post(_delete_url(board))

    assert response.status_code == 302
    assert not BoardMeeting.objects.filter(pk=board.pk).exists()
    deleted = BoardMeeting.history.filter(id=board.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", cast.users.tore)
    assert deleted.minutes == "Gjennomgang av tavla."


def test_delete_is_a_post_only(cast, client, board):
    client.force_login(cast.users.tore)
    assert client.get(_delete_url(board)).status_code == 405
    assert BoardMeeting.objects.filter(pk=board.pk).exists()


# --- Someone present ----------------------------------------------------------------------------


def test_a_board_meeting_with_nobody_present_is_refused_on_the_count(cast, client):
    client.force_login(cast.users.tore)
    url = reverse("followup:board_meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk})

    response = client.post(url, {"held_on": "2026-11-24", "present_count": "0", "minutes": "Ingen"})

    assert response.status_code == 400
    assert response.context["form"].errors["present_count"] == [
        "At least one person must be present at a meeting."
    ]
    assert not BoardMeeting.objects.exists()


def test_correcting_to_nobody_present_is_refused_by_the_service(cast, board):
    with pytest.raises(ValidationError) as refusal:
        services.board_meeting_update(
            user=cast.users.tore,
            meeting=board,
            held_on=board.held_on,
            minutes="",
            present_count=0,
            measures_touched=[],
        )
    assert "present_count" in refusal.value.message_dict


def test_the_database_holds_to_someone_present(cast, board):
    with pytest.raises(IntegrityError), transaction.atomic():
        BoardMeeting.objects.filter(pk=board.pk).update(present_count=0)


# --- Follow-up meetings are not held in the future ----------------------------------------------


@pytest.fixture
def follow_up(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)  # first meeting due 11.03.2027
    return FollowUpMeeting.objects.filter(pilot=cast.pilot_a).order_by("due_on").first()


def test_service_refuses_holding_a_meeting_tomorrow_in_the_users_language(cast, follow_up):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refusal:
        services.follow_up_meeting_hold(
            user=cast.users.coordinator,
            meeting=follow_up,
            held_on=tomorrow,
            notes="",
            attendees=[],
        )
    assert refusal.value.message_dict["held_on"] == [
        "A meeting cannot be recorded as held on a day still to come."
    ]
    follow_up.refresh_from_db()
    assert follow_up.held_on is None


def test_a_meeting_may_be_held_today_before_it_was_due(cast, follow_up):
    today = timezone.localdate()
    FollowUpMeeting.objects.filter(pk=follow_up.pk).update(due_on=today + dt.timedelta(days=14))
    follow_up.refresh_from_db()
    services.follow_up_meeting_hold(
        user=cast.users.guide, meeting=follow_up, held_on=today, notes="Tidlig.", attendees=[]
    )
    follow_up.refresh_from_db()
    assert follow_up.held_on == today


def test_the_leader_records_their_meeting_but_nobody_elses(cast, follow_up):
    """The follow-up reminder asks the department leader to record the meeting when held."""
    for someone_else in (cast.users.kari, cast.users.staff_a, cast.users.outsider):
        with pytest.raises(PermissionDenied):
            services.follow_up_meeting_hold(
                user=someone_else,
                meeting=follow_up,
                held_on=timezone.localdate(),
                notes="",
                attendees=[],
            )

    services.follow_up_meeting_hold(
        user=cast.users.tore,
        meeting=follow_up,
        held_on=timezone.localdate(),
        notes="Holdt med veilederen.",
        attendees=[cast.tore, cast.monica],
    )

    follow_up.refresh_from_db()
    assert follow_up.held_on == timezone.localdate()


@pytest.mark.parametrize("measures", [2, 20])
def test_board_meeting_edit_page_costs_the_same_queries_with_more_measures(
    cast, client, board, django_assert_num_queries, measures
):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    board.measures_touched.set([MeasureFactory(plan=plan) for _ in range(measures)])
    client.force_login(cast.users.tore)
    # The request's own (tests.conftest), then the board meeting with its pilot, the measures it
    # touched, whether the pilot has measures, and the pilot's measures to choose from.
    with django_assert_num_queries(REQUEST_QUERIES + 4):
        response = client.get(_edit_url(board))
    assert response.status_code == 200
