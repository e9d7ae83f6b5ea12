"""Wall-screen links: a read-only board behind a revocable token (plans.screens)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import BoardScreen, Suggestion
from plans.screens import board_screen_token
from tests.factories import MeasureFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, client):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a)


@pytest.fixture
def screen(cast):
    return BoardScreen.objects.create(pilot=cast.pilot_a, label="Vaktrommet")


def _create_url(pilot):
    return reverse("plans:board_screen_create", kwargs={"pilot_pk": pilot.pk})


def _revoke_url(screen):
    return reverse("plans:board_screen_revoke", kwargs={"pk": screen.pk})


def _screen_url(screen):
    return reverse("board_screen", kwargs={"token": board_screen_token(screen)})


# Making and withdrawing


@pytest.mark.parametrize("who", ["tore", "coordinator", "guide"])
def test_leader_and_programme_people_make_a_screen_link(client, cast, who):
    client.force_login(getattr(cast.users, who))

    response = client.post(_create_url(cast.pilot_a), {"label": "Ved vaktrommet"})

    assert response.status_code == 302
    assert response.url.endswith("#screens")
    screen = BoardScreen.objects.get()
    assert (screen.pilot, screen.label) == (cast.pilot_a, "Ved vaktrommet")
    assert screen.created_by == getattr(cast.users, who)


def test_leader_of_another_department_cannot_make_a_link_for_it(client, cast):
    client.force_login(cast.users.kari)

    assert client.post(_create_url(cast.pilot_a), {"label": "x"}).status_code == 404
    assert not BoardScreen.objects.exists()


def test_staff_cannot_make_a_screen_link(client, cast):
    client.force_login(cast.users.staff_a)

    assert client.post(_create_url(cast.pilot_a), {"label": "x"}).status_code == 403
    assert not BoardScreen.objects.exists()


def test_a_link_without_a_place_is_refused_with_the_board_shown(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(_create_url(cast.pilot_a), {"label": "   "})

    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert not BoardScreen.objects.exists()


def test_the_board_lists_the_links_to_copy_for_its_leader_only(client, cast, screen):
    client.force_login(cast.users.tore)
    board = reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk})

    html = client.get(board).content.decode()

    assert "Vaktrommet" in html
    assert board_screen_token(screen) in html
    client.force_login(cast.users.staff_a)
    staff_html = client.get(board).content.decode()
    assert board_screen_token(screen) not in staff_html
    assert 'id="screens"' not in staff_html


def test_leader_withdraws_a_link_and_it_stops_working(client, cast, screen):
    client.force_login(cast.users.tore)

    response = client.post(_revoke_url(screen))

    assert response.status_code == 302
    screen.refresh_from_db()
    assert screen.revoked_at is not None
    client.logout()
    assert client.get(_screen_url(screen)).status_code == 404


def test_leader_of_another_department_cannot_withdraw_a_link(client, cast, screen):
    client.force_login(cast.users.kari)

    assert client.post(_revoke_url(screen)).status_code == 404
    screen.refresh_from_db()
    assert screen.revoked_at is None


def test_staff_cannot_withdraw_a_link(client, cast, screen):
    client.force_login(cast.users.staff_a)

    assert client.post(_revoke_url(screen)).status_code == 403


# The screen


def test_the_screen_shows_that_pilots_board_read_only_without_a_login(client, cast, plan_a, screen):
    MeasureFactory(plan=plan_a, title="Fast plass for nøklene", owner=cast.siri)
    MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_b), title="Tiltak i NAV")
    Suggestion.objects.create(pilot=cast.pilot_a, author=cast.siri, text="Ny vogn")

    response = client.get(_screen_url(screen))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Fast plass for nøklene" in html
    assert "Tiltak i NAV" not in html
    assert "Ny vogn" in html
    # No author of a suggestion, no way to change anything, nowhere to go.
    assert "From</dt>" not in html
    assert "<form" not in html
    assert "navbar" not in html
    assert "Leave the wall-screen view" not in html
    assert 'data-hx-trigger="every 60s"' in html
    assert f'data-hx-get="{_screen_url(screen)}"' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Cache-Control"] == "no-store"


def test_the_screen_refresh_gets_the_live_part_only(client, cast, plan_a, screen):
    MeasureFactory(plan=plan_a, title="Fast plass for nøklene")

    response = client.get(_screen_url(screen), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "Fast plass for nøklene" in html
    assert "<html" not in html
    assert "Updated at" in html


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1-" + "A" * 43, "0-" + "A" * 43],
)
def test_a_forged_or_malformed_token_is_not_found(client, cast, screen, token):
    assert client.get(reverse("board_screen", kwargs={"token": token})).status_code == 404


def test_a_token_for_another_row_does_not_open_it(client, cast, screen):
    other = BoardScreen.objects.create(pilot=cast.pilot_b, label="NAV")
    mac = board_screen_token(screen).split("-", 1)[1]

    response = client.get(reverse("board_screen", kwargs={"token": f"{other.pk}-{mac}"}))

    assert response.status_code == 404


def test_a_new_nonce_ends_the_old_link(client, cast, screen):
    old = _screen_url(screen)
    BoardScreen.objects.filter(pk=screen.pk).update(nonce="another-nonce")

    assert client.get(old).status_code == 404


def test_a_withdrawn_link_answers_the_refresh_with_404(client, cast, screen):
    screen.revoked_at = timezone.now()
    screen.save()

    response = client.get(_screen_url(screen), headers={"HX-Request": "true"})

    assert response.status_code == 404


def test_the_screen_notes_when_it_was_last_shown_at_most_every_few_minutes(client, cast, screen):
    client.get(_screen_url(screen))
    screen.refresh_from_db()
    first = screen.last_seen_at
    assert first is not None

    with CaptureQueriesContext(connection) as queries:
        client.get(_screen_url(screen))
    screen.refresh_from_db()

    assert screen.last_seen_at == first
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1, "one conditional update, which changes no row"

    BoardScreen.objects.filter(pk=screen.pk).update(last_seen_at=first - dt.timedelta(minutes=6))
    client.get(_screen_url(screen))
    screen.refresh_from_db()
    assert screen.last_seen_at > first - dt.timedelta(minutes=6)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_screen_costs_the_same_with_2_and_40_measures(
    client, cast, plan_a, screen, django_assert_num_queries
):
    url = _screen_url(screen)
    MeasureFactory.create_batch(2, plan=plan_a, owner=cast.siri)
    few = _queries(client, url)
    MeasureFactory.create_batch(38, plan=plan_a, owner=cast.ola)
    for number in range(10):
        Suggestion.objects.create(pilot=cast.pilot_a, author=cast.siri, text=f"Idé {number}")

    many = _queries(client, url)

    assert few == many
    # The screen with its pilot (1); the last-seen update (1); the plan, its measures with
    # their owners, and the new ideas (3).
    with django_assert_num_queries(5):
        client.get(url)
