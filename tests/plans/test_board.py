"""The improvement board (one-click status changes, with and without htmx) and the matrix."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Measure
from tests.factories import MeasureFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, client):
    # The assertions read the English msgids; the catalogs are checked in test_translations.
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


Status = Measure.Status
Level = Measure.Level


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a)


def _board_url(pilot, **query):
    url = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
    return url + ("?fullscreen=1" if query.get("fullscreen") else "")


def _status_url(measure):
    return reverse("plans:measure_set_status", kwargs={"pk": measure.pk})


def _column(html: str, status: str) -> str:
    """The HTML of one board column."""
    match = re.search(
        rf'<section class="board-column board-column--{status}".*?</section>', html, re.S
    )
    assert match, f"no column {status}"
    return match.group(0)


# Reading the board


def test_board_shows_each_measure_in_its_status_column(client, cast, plan_a):
    for status in Status.values:
        MeasureFactory(plan=plan_a, title=f"Tiltak {status}", status=status)
    client.force_login(cast.users.tore)

    response = client.get(_board_url(cast.pilot_a))

    assert response.status_code == 200
    html = response.content.decode()
    for status in Status.values:
        column = _column(html, status)
        assert f"Tiltak {status}" in column
        assert [
            m.title for m in response.context["columns"][Status.values.index(status)].measures
        ] == [f"Tiltak {status}"]
    assert html.count("<h1") == 1


def test_card_shows_title_owner_and_deadline(client, cast, plan_a):
    MeasureFactory(
        plan=plan_a, title="Fast plass for utstyr", owner=cast.siri, deadline=dt.date(2027, 4, 30)
    )
    client.force_login(cast.users.tore)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    assert "Fast plass for utstyr" in html
    assert "Siri Olsen" in html
    assert "30.04.2027" in html


def test_overdue_cards_are_marked_with_text_not_colour_alone(client, cast, plan_a):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    MeasureFactory(plan=plan_a, title="For sent", deadline=yesterday, status=Status.IN_PROGRESS)
    MeasureFactory(plan=plan_a, title="Ferdig i tide", deadline=yesterday, status=Status.DONE)
    MeasureFactory(plan=plan_a, title="I rute", deadline=timezone.localdate())
    client.force_login(cast.users.tore)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    cards = {
        title: card
        for card in re.findall(r'<li id="measure-\d+".*?</li>', html, re.S)
        for title in ("For sent", "Ferdig i tide", "I rute")
        if title in card
    }
    assert "Overdue" in cards["For sent"] and "board-card--overdue" in cards["For sent"]
    assert "Overdue" not in cards["Ferdig i tide"]
    assert "Overdue" not in cards["I rute"]


def test_leader_sees_move_buttons_for_every_other_status(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Tavlemøte hver tirsdag")
    client.force_login(cast.users.tore)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    card = re.search(rf'<li id="measure-{measure.pk}".*?</li>', html, re.S).group(0)
    assert card.count(f'action="{_status_url(measure)}"') == 3
    assert f'data-hx-post="{_status_url(measure)}"' in card
    assert 'data-hx-target="#board"' in card and 'data-hx-swap="outerHTML"' in card
    assert 'name="status" value="not_started"' not in card
    assert "Move “Tavlemøte hver tirsdag” to" in card


def test_staff_reads_the_board_but_sees_no_buttons(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Synlig for alle")
    client.force_login(cast.users.staff_a)

    response = client.get(_board_url(cast.pilot_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Synlig for alle" in html
    assert _status_url(measure) not in html
    assert '<button type="submit"' not in html.split('id="board"')[1]


def test_leader_cannot_open_other_departments_board(client, cast, plan_a):
    client.force_login(cast.users.kari)

    assert client.get(_board_url(cast.pilot_a)).status_code == 404


def test_board_without_a_plan_says_so(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.get(_board_url(cast.pilot_a))

    assert response.status_code == 200
    assert "has no project plan yet" in response.content.decode()


def test_full_screen_mode_leaves_out_the_site_header_and_footer(client, cast, plan_a):
    MeasureFactory(plan=plan_a, title="På veggen")
    client.force_login(cast.users.tore)

    normal = client.get(_board_url(cast.pilot_a)).content.decode()
    wall = client.get(_board_url(cast.pilot_a, fullscreen=True)).content.decode()

    assert "navbar" in normal and "site-footer" in normal
    assert "navbar" not in wall and "site-footer" not in wall
    assert "board-page--wall" in wall
    assert "På veggen" in wall
    assert "Leave the wall-screen view" in wall
    assert 'name="fullscreen" value="1"' in wall
    assert "?fullscreen=1" in normal


def test_board_loads_its_stylesheet_with_print_rules(client, cast, plan_a, settings):
    client.force_login(cast.users.tore)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    # static/css/board.css is part of the one bundle every page links (`make css`).
    assert "build/app.css" in html
    bundle = (settings.BASE_DIR / "static/build/app.css").read_text()
    assert re.search(r"@media print\{[^@]*\.board-card__moves", bundle)
    assert "js/board.js" in html


# Moving a card


def test_leader_moves_a_card_without_javascript_and_returns_to_the_board(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Ny rutine")
    client.force_login(cast.users.tore)

    response = client.post(_status_url(measure), {"status": "done"})

    assert response.status_code == 302
    assert response.url == _board_url(cast.pilot_a)
    measure.refresh_from_db()
    assert measure.status == Status.DONE
    follow = client.get(response.url)
    assert "“Ny rutine” moved to “done”." in follow.content.decode()


def test_a_move_bumps_the_plan_version_so_an_open_edit_form_sees_a_conflict(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Ny rutine")
    version_before = plan_a.version
    client.force_login(cast.users.tore)

    client.post(_status_url(measure), {"status": "in_progress"})

    plan_a.refresh_from_db()
    assert plan_a.version == version_before + 1


def test_full_screen_mode_is_kept_after_a_move(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a)
    client.force_login(cast.users.tore)

    response = client.post(_status_url(measure), {"status": "in_progress", "fullscreen": "1"})

    assert response.url == _board_url(cast.pilot_a, fullscreen=True)


def test_htmx_move_answers_with_the_board_fragment(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Ny rutine")
    client.force_login(cast.users.tore)

    response = client.post(_status_url(measure), {"status": "in_progress"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "plans/fragment_board.html"
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="board"')
    assert "Ny rutine" in _column(html, "in_progress")
    assert 'data-hx-swap-oob="true"' in html
    assert "“Ny rutine” moved to “in progress”." in html
    assert f'data-focus-after-swap="measure-{measure.pk}"' in html
    measure.refresh_from_db()
    assert measure.status == Status.IN_PROGRESS


def test_htmx_refresh_of_the_board_returns_the_fragment(client, cast, plan_a):
    client.force_login(cast.users.staff_a)

    response = client.get(_board_url(cast.pilot_a), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.content.decode()


@pytest.mark.parametrize("who", ["coordinator", "guide"])
def test_coordinator_and_guide_move_cards(client, cast, plan_a, who):
    measure = MeasureFactory(plan=plan_a)
    client.force_login(getattr(cast.users, who))

    assert client.post(_status_url(measure), {"status": "dropped"}).status_code == 302
    measure.refresh_from_db()
    assert measure.status == Status.DROPPED


def test_staff_cannot_move_cards(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a)
    client.force_login(cast.users.staff_a)

    assert client.post(_status_url(measure), {"status": "done"}).status_code == 403
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


@pytest.mark.parametrize("who", ["kari", "outsider"])
def test_others_do_not_find_the_measure(client, cast, plan_a, who):
    measure = MeasureFactory(plan=plan_a)
    client.force_login(getattr(cast.users, who))

    assert client.post(_status_url(measure), {"status": "done"}).status_code == 404
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


def test_unknown_status_is_refused_with_400(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a)
    client.force_login(cast.users.tore)

    response = client.post(_status_url(measure), {"status": "finished"})

    assert response.status_code == 400
    assert "Choose one of the statuses on the board." in response.content.decode()
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


def test_status_change_by_get_changes_nothing_and_leads_to_the_board(client, cast, plan_a):
    """A move posted after the session expired is sent to the login page with this address as
    `next`; after logging in, the GET lands on the board."""
    measure = MeasureFactory(plan=plan_a)
    client.force_login(cast.users.tore)

    response = client.get(_status_url(measure))

    assert response.status_code == 302
    assert response.url == _board_url(cast.pilot_a)
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


def test_status_change_is_recorded_in_the_history_with_its_author(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a)
    client.force_login(cast.users.tore)

    client.post(_status_url(measure), {"status": "done"})

    latest = measure.history.first()
    assert (latest.status, latest.history_user) == (Status.DONE, cast.users.tore)


# The effort/effect matrix


def _matrix_url(pilot):
    return reverse("plans:plan_matrix", kwargs={"pilot_pk": pilot.pk})


def test_matrix_places_each_measure_by_effort_and_effect(client, cast, plan_a):
    MeasureFactory(plan=plan_a, title="Rask gevinst", effort=Level.LOW, effect=Level.HIGH)
    MeasureFactory(plan=plan_a, title="Stort løft", effort=Level.HIGH, effect=Level.HIGH)
    MeasureFactory(plan=plan_a, title="Lite verdt", effort=Level.HIGH, effect=Level.LOW)
    client.force_login(cast.users.staff_a)

    response = client.get(_matrix_url(cast.pilot_a))

    assert response.status_code == 200
    cells = {
        (cell.effort, cell.effect): [m.title for m in cell.measures]
        for row in response.context["rows"]
        for cell in row.cells
    }
    assert len(cells) == 9
    assert cells[("low", "high")] == ["Rask gevinst"]
    assert cells[("high", "high")] == ["Stort løft"]
    assert cells[("high", "low")] == ["Lite verdt"]
    assert sum(len(titles) for titles in cells.values()) == 3
    assert [row.effect for row in response.context["rows"]] == ["high", "medium", "low"]


def test_matrix_is_an_accessible_table_with_quick_wins_marked(client, cast, plan_a):
    MeasureFactory(plan=plan_a, title="Rask gevinst", effort=Level.LOW, effect=Level.HIGH)
    client.force_login(cast.users.tore)

    html = client.get(_matrix_url(cast.pilot_a)).content.decode()

    assert "<caption" in html
    assert html.count('<th scope="col">') == 3
    assert html.count('<th scope="row">') == 3
    quick_win = re.search(r'<td class="[^"]*matrix-quick-win".*?</td>', html, re.S).group(0)
    assert "matrix-cell--low-high" in quick_win
    assert "Quick wins" in quick_win and "Rask gevinst" in quick_win
    assert "low effort and high effect" in html


def test_leader_cannot_open_other_departments_matrix(client, cast, plan_a):
    client.force_login(cast.users.kari)

    assert client.get(_matrix_url(cast.pilot_a)).status_code == 404


# Query budgets


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# Session and user (2); the scope: person, department roles, programme role (3); the pilot, its
# plan and its measures with their owners (3); on the board also the new ideas (1) and, for its
# leader, the wall-screen links (1). The idle clock started at login, so this request does not
# save the session.
@pytest.mark.parametrize(("url_for", "budget"), [(_board_url, 10), (_matrix_url, 8)])
def test_board_and_matrix_cost_the_same_with_2_and_40_measures(
    client, cast, plan_a, url_for, budget, django_assert_num_queries
):
    client.force_login(cast.users.tore)
    url = url_for(cast.pilot_a)
    MeasureFactory.create_batch(2, plan=plan_a, owner=cast.siri)
    client.get(url)  # warm the session

    few = _queries(client, url)
    for number in range(38):
        MeasureFactory(
            plan=plan_a,
            owner=cast.ola if number % 2 else cast.siri,
            status=Status.values[number % 4],
            effort=Level.values[number % 3],
            effect=Level.values[(number // 3) % 3],
            deadline=dt.date(2027, 1, 1) + dt.timedelta(days=number),
        )
    many = _queries(client, url)

    assert few == many
    with django_assert_num_queries(budget):
        client.get(url)


def test_htmx_move_has_a_fixed_query_budget(client, cast, plan_a, django_assert_num_queries):
    measures = MeasureFactory.create_batch(40, plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.tore)

    # Session, user and the scope (5); the measure with its pilot (1); the move: savepoint, the
    # plan locked, the measure locked, the plan's version and its history, the measure's status
    # and its history, release (8); the board again: the plan, its measures and the new ideas (3).
    with django_assert_num_queries(17):
        client.post(_status_url(measures[0]), {"status": "done"}, HTTP_HX_REQUEST="true")
