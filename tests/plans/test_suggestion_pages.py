"""Improvement suggestions in the browser's eyes: the phone form, the board's column of new ideas,
the leader's page for answering one or making it a measure, and the pilot page's counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.models import DepartmentRole
from plans.models import SUGGESTION_MAX_LENGTH, Measure, ProjectPlan, Suggestion
from plans.suggestions import suggestion_answer, suggestion_to_measure
from tests.conftest import REQUEST_QUERIES
from tests.factories import MeasureFactory, PersonFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db

Status = Suggestion.Status
IDEA = "Kan vi ha en billader i hver bil? Telefonene går tomme før vakta er slutt."


@pytest.fixture(autouse=True)
def _english(settings, client):
    # The assertions read the English msgids; the catalogs are checked in test_translations.
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _form_url(pilot) -> str:
    return reverse("plans:pilot_suggestions", kwargs={"pilot_pk": pilot.pk})


def _detail_url(suggestion) -> str:
    return reverse("plans:suggestion_detail", kwargs={"pk": suggestion.pk})


def _answer_url(suggestion) -> str:
    return reverse("plans:suggestion_answer", kwargs={"pk": suggestion.pk})


def _measure_url(suggestion) -> str:
    return reverse("plans:suggestion_measure", kwargs={"pk": suggestion.pk})


def _board_url(pilot, *, fullscreen=False) -> str:
    url = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
    return f"{url}?fullscreen=1" if fullscreen else url


def _suggest(pilot, author=None, text=IDEA, **fields) -> Suggestion:
    return Suggestion.objects.create(pilot=pilot, author=author, text=text, **fields)


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return match.group(1).strip()


def _ideas_column(html: str) -> str:
    match = re.search(r'<section class="board-column board-column--ideas".*?</section>', html, re.S)
    assert match, "no column of new ideas"
    return match.group(0)


def _allow_anonymous(cast, allowed: bool) -> None:
    cast.programme.allow_anonymous_suggestions = allowed
    cast.programme.save(update_fields=["allow_anonymous_suggestions"])


# The form


def test_staff_opens_the_form_with_the_anonymous_choice_and_who_sees_the_name(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.get(_form_url(cast.pilot_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'name="text"' in html and 'name="anonymous"' in html
    assert "not even in its change history" in html
    assert "Colleagues see the suggestion without a name." in html
    # Cut silently at maxlength by the browser would lose what was pasted: the form says it.
    assert "maxlength" not in re.search(r"<textarea[^>]*>", html).group(0)


def test_the_anonymous_choice_is_gone_when_the_programme_does_not_allow_it(client, cast):
    _allow_anonymous(cast, False)
    client.force_login(cast.users.staff_a)

    html = client.get(_form_url(cast.pilot_a)).content.decode()

    assert 'name="anonymous"' not in html
    assert "Answers to anonymous suggestions" not in html


def test_sending_thanks_the_sender_and_lists_the_suggestion(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.post(_form_url(cast.pilot_a), {"text": IDEA}, follow=True)

    assert response.redirect_chain == [(_form_url(cast.pilot_a), 302)]
    html = response.content.decode()
    assert "Thank you for your suggestion!" in html
    suggestion = Suggestion.objects.get()
    assert suggestion.author == cast.siri
    mine = re.search(
        r'<ol class="suggestion-list" aria-labelledby="my-suggestions">.*?</ol>', html, re.S
    )
    assert "billader i hver bil" in mine.group(0)
    assert "Not answered yet." in mine.group(0)


def test_an_anonymous_suggestion_from_the_page_stores_no_user_anywhere(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.post(_form_url(cast.pilot_a), {"text": IDEA, "anonymous": "on"}, follow=True)

    assert "It was sent without your name." in response.content.decode()
    suggestion = Suggestion.objects.get()
    assert suggestion.author is None
    # The history middleware knows the request's user; the service must not let it write it.
    assert [(r.history_user_id, r.author_id) for r in suggestion.history.all()] == [(None, None)]
    assert response.context["mine"] == []


def test_an_empty_suggestion_is_a_form_error(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.post(_form_url(cast.pilot_a), {"text": "  "})

    assert response.status_code == 400
    assert "Write your suggestion before you send it." in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_too_long_suggestion_comes_back_whole(client, cast):
    client.force_login(cast.users.staff_a)
    text = ("Lang tekst. " * 100)[: SUGGESTION_MAX_LENGTH + 40].strip()

    response = client.post(_form_url(cast.pilot_a), {"text": text, "anonymous": "on"})

    assert response.status_code == 400
    html = response.content.decode()
    assert _textarea(html, "text") == text
    assert re.search(r'name="anonymous"[^>]*checked', html)
    assert not Suggestion.objects.exists()


def test_anonymous_from_a_page_opened_before_it_was_turned_off_keeps_the_text(client, cast):
    client.force_login(cast.users.staff_a)
    _allow_anonymous(cast, False)

    response = client.post(_form_url(cast.pilot_a), {"text": IDEA, "anonymous": "on"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "no longer takes anonymous suggestions" in html
    assert _textarea(html, "text") == IDEA
    # Shown again with its error, so that it can be unticked.
    assert 'name="anonymous"' in html
    assert not Suggestion.objects.exists()


def test_my_list_shows_answers_and_measures_but_not_others_suggestions(client, cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    answered = _suggest(cast.pilot_a, cast.siri, "Nøkkelbokser hos brukerne")
    converted = _suggest(cast.pilot_a, cast.siri, "Billader i bilene")
    _suggest(cast.pilot_a, cast.ola, "Olas idé")
    anonymous = _suggest(cast.pilot_a, None, "Anonym idé")
    suggestion_answer(suggestion=answered, user=cast.users.tore, answer="Vi avklarer med brukerne.")
    suggestion_to_measure(suggestion=converted, user=cast.users.tore, title="Billader i hver bil")
    suggestion_answer(suggestion=anonymous, user=cast.users.tore, answer="Takk, vi prøver.")
    MeasureFactory(plan=plan)
    client.force_login(cast.users.staff_a)

    response = client.get(_form_url(cast.pilot_a))

    assert response.context["mine"] == [converted, answered]
    html = response.content.decode()
    assert "Answer from Tore Meltzer" in html
    assert "Vi avklarer med brukerne." in html
    assert "It became the measure “Billader i hver bil” (not started)." in html
    assert "Olas idé" not in html
    assert response.context["anonymous_answers"] == [anonymous]
    assert "Takk, vi prøver." in html


def test_the_form_is_for_people_of_the_department(client, cast):
    for user, status in (
        (cast.users.coordinator, 403),
        (cast.users.superuser, 403),
        (cast.users.kari, 404),
        (cast.users.outsider, 404),
    ):
        client.force_login(user)
        assert client.get(_form_url(cast.pilot_a)).status_code == status
        assert client.post(_form_url(cast.pilot_a), {"text": IDEA}).status_code == status
    assert not Suggestion.objects.exists()


def test_the_form_page_costs_the_same_with_2_and_30_suggestions(client, cast):
    client.force_login(cast.users.staff_a)
    url = _form_url(cast.pilot_a)
    client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    for n in range(2):
        _suggest(cast.pilot_a, cast.siri, f"Idé {n}")
    few = queries()
    for n in range(28):
        suggestion = _suggest(cast.pilot_a, cast.siri if n % 2 else None, f"Flere ideer {n}")
        suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="Takk!")
    many = queries()

    assert few == many
    # The request's own, the pilot, my suggestions, the answers to anonymous ones.
    assert many == REQUEST_QUERIES + 3


# The board's column of new ideas


def test_the_leader_sees_new_ideas_with_names_and_a_way_to_handle_them(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    named = _suggest(cast.pilot_a, cast.ola, "Ola foreslår faste ruter")
    anonymous = _suggest(cast.pilot_a, None, "Noen foreslår stående rapport")
    _suggest(cast.pilot_a, cast.siri, "Allerede besvart", status=Status.ANSWERED, answer="Ja")
    client.force_login(cast.users.tore)

    column = _ideas_column(client.get(_board_url(cast.pilot_a)).content.decode())

    assert "Ola foreslår faste ruter" in column and "Ola Nilsen" in column
    assert "Noen foreslår stående rapport" in column and "anonymous" in column
    assert "Allerede besvart" not in column
    assert "(2 suggestions)" in column
    assert _detail_url(named) in column and _detail_url(anonymous) in column


def test_staff_read_new_ideas_without_names_and_without_buttons(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    _suggest(cast.pilot_a, cast.ola, "Ola foreslår faste ruter")
    own = _suggest(cast.pilot_a, cast.siri, "Siri foreslår billader")
    client.force_login(cast.users.staff_a)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    column = _ideas_column(html)
    assert "Ola foreslår faste ruter" in column
    assert "Ola Nilsen" not in column and "anonymous" not in column
    own_card = re.search(rf'<li id="suggestion-{own.pk}".*?</li>', column, re.S).group(0)
    assert "you" in own_card
    assert "/suggestions/" not in column.replace(_form_url(cast.pilot_a), "")
    assert _form_url(cast.pilot_a) in html


def test_the_wall_screen_shows_no_names_even_to_the_leader(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    _suggest(cast.pilot_a, cast.ola, "Ola foreslår faste ruter")
    client.force_login(cast.users.tore)

    column = _ideas_column(client.get(_board_url(cast.pilot_a, fullscreen=True)).content.decode())

    assert "Ola foreslår faste ruter" in column
    assert "Ola Nilsen" not in column
    assert "/suggestions/" not in column


def test_new_ideas_show_before_the_department_has_a_plan(client, cast):
    _suggest(cast.pilot_a, cast.siri, "Før planen")
    client.force_login(cast.users.tore)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    assert "Før planen" in _ideas_column(html)
    assert "has no project plan yet" in html
    assert "board-column--not_started" not in html


def test_a_measure_made_from_a_suggestion_says_so_on_the_board(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    suggestion = _suggest(cast.pilot_a, cast.siri)
    measure = suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title="Billader")
    other = MeasureFactory(plan=measure.plan, title="Fra kursdagene")
    client.force_login(cast.users.staff_a)

    html = client.get(_board_url(cast.pilot_a)).content.decode()

    card = re.search(rf'<li id="measure-{measure.pk}".*?</li>', html, re.S).group(0)
    other_card = re.search(rf'<li id="measure-{other.pk}".*?</li>', html, re.S).group(0)
    assert "From an improvement suggestion" in card
    assert "From an improvement suggestion" not in other_card
    assert IDEA not in _ideas_column(html)


def test_the_board_costs_the_same_with_2_and_30_suggestions(client, cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    MeasureFactory.create_batch(3, plan=plan, owner=cast.siri)
    client.force_login(cast.users.tore)
    url = _board_url(cast.pilot_a)
    client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        return len(context), response

    for n in range(2):
        _suggest(cast.pilot_a, cast.siri, f"Idé {n}")
    few, _response = queries()
    for n in range(28):
        measure = MeasureFactory(plan=plan)
        _suggest(cast.pilot_a, cast.ola if n % 2 else None, f"Flere {n}")
        _suggest(cast.pilot_a, cast.siri, f"Ble tiltak {n}", status=Status.MEASURE, measure=measure)
    many, response = queries()

    assert few == many
    assert response.context["new_ideas"].total == 30


def test_a_long_backlog_is_counted_not_all_shown(client, cast):
    from plans import board

    ProjectPlanFactory(pilot=cast.pilot_a)
    for n in range(board.NEW_IDEAS_SHOWN + 3):
        _suggest(cast.pilot_a, cast.siri, f"Idé nummer {n}")
    client.force_login(cast.users.tore)

    response = client.get(_board_url(cast.pilot_a))

    ideas = response.context["new_ideas"]
    assert (len(ideas.suggestions), ideas.total, ideas.not_shown) == (board.NEW_IDEAS_SHOWN, 53, 3)
    assert ideas.suggestions[0].text == "Idé nummer 0"  # the longest waiting first
    assert "3 newer suggestions are waiting behind these." in response.content.decode()


# Answering a suggestion or making it a measure


def test_the_handling_page_prefills_the_measure_from_the_suggestion(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.siri, f"{IDEA}\nDet gjelder alle bilene.")
    client.force_login(cast.users.tore)

    response = client.get(_detail_url(suggestion))

    assert response.status_code == 200
    form = response.context["measure_form"]
    assert (
        form["title"].value()
        == "Kan vi ha en billader i hver bil? Telefonene går tomme før vakta er slutt."
    )
    assert form["description"].value() == suggestion.text
    assert form["owner"].value() == cast.siri.pk
    html = response.content.decode()
    assert "Siri Olsen" in html
    assert html.count("<h1") == 1


def test_the_leader_makes_it_a_measure_and_returns_to_the_board(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)

    response = client.post(
        _measure_url(suggestion),
        {
            "title": "Billader i hver bil",
            "description": IDEA,
            "owner": cast.siri.pk,
            "deadline": "2027-04-30",
            "answer": "Takk! Du eier tiltaket.",
        },
        follow=True,
    )

    assert response.redirect_chain == [(_board_url(cast.pilot_a), 302)]
    assert "“Billader i hver bil” is now a measure on the board." in response.content.decode()
    measure = Measure.objects.get()
    suggestion.refresh_from_db()
    assert suggestion.measure == measure and suggestion.status == Status.MEASURE
    assert measure.owner == cast.siri


def test_a_measure_without_a_title_keeps_everything_typed(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)

    response = client.post(
        _measure_url(suggestion),
        {"title": "", "description": "Min egen beskrivelse", "answer": "Mitt svar"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert _textarea(html, "description") == "Min egen beskrivelse"
    assert "Mitt svar" in html
    assert not Measure.objects.exists()
    assert not ProjectPlan.objects.exists()


def test_an_owner_from_elsewhere_is_a_form_error_not_a_500(client, cast):
    stranger = PersonFactory(municipality=cast.municipality)
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)

    response = client.post(_measure_url(suggestion), {"title": "X", "owner": stranger.pk})

    assert response.status_code == 400
    assert not Measure.objects.exists()


def test_the_leader_declines_with_a_reason(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)

    response = client.post(
        _answer_url(suggestion), {"answer": "Ikke nå, vi tar det opp i høst.", "decline": "on"}
    )

    assert response.status_code == 302
    assert response.url == _board_url(cast.pilot_a)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.DECLINED
    assert suggestion.answer == "Ikke nå, vi tar det opp i høst."


def test_an_empty_answer_is_a_form_error_and_keeps_the_decline(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)

    response = client.post(_answer_url(suggestion), {"answer": " ", "decline": "on"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Write an answer" in html
    assert re.search(r'name="decline"[^>]*checked', html)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.NEW


def test_a_suggestion_that_became_a_measure_shows_no_forms(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.siri)
    suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title="Billader")
    client.force_login(cast.users.tore)

    html = client.get(_detail_url(suggestion)).content.decode()

    assert "This suggestion became the measure “Billader”." in html
    assert _measure_url(suggestion) not in html and _answer_url(suggestion) not in html

    response = client.post(_answer_url(suggestion), {"answer": "Nei"})
    assert response.status_code == 400
    assert "already become a measure" in response.content.decode()


def test_staff_may_not_handle_suggestions_and_others_do_not_find_them(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.ola)
    for user, status in (
        (cast.users.staff_a, 403),
        (cast.users.kari, 404),
        (cast.users.outsider, 404),
    ):
        client.force_login(user)
        assert client.get(_detail_url(suggestion)).status_code == status
        assert client.post(_answer_url(suggestion), {"answer": "Ja"}).status_code == status
        assert client.post(_measure_url(suggestion), {"title": "Ja"}).status_code == status
    suggestion.refresh_from_db()
    assert suggestion.status == Status.NEW
    assert not Measure.objects.exists()


def test_the_handling_page_costs_the_same_with_few_and_many_people(client, cast):
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)
    url = _detail_url(suggestion)
    client.get(url)

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(30):
        DepartmentRole.objects.create(
            department=cast.dept_a, person=PersonFactory(municipality=cast.municipality)
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(few) == len(many) == REQUEST_QUERIES + 2
    assert len(response.context["measure_form"].fields["owner"].queryset) == 33


def test_inactive_people_cannot_own_the_new_measure(client, cast):
    cast.ola.is_active = False
    cast.ola.save(update_fields=["is_active"])
    suggestion = _suggest(cast.pilot_a, cast.siri)
    client.force_login(cast.users.tore)

    owners = client.get(_detail_url(suggestion)).context["measure_form"].fields["owner"].queryset

    assert cast.ola not in owners and cast.siri in owners


# The pilot page


def test_the_pilot_page_counts_suggestions_and_invites_staff_to_send_one(client, cast):
    _suggest(cast.pilot_a, cast.siri, "Ny")
    _suggest(cast.pilot_a, None, "Besvart", status=Status.ANSWERED, answer="Ja")
    _suggest(cast.pilot_b, None, "I den andre piloten")
    client.force_login(cast.users.staff_a)

    response = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk}))

    html = response.content.decode()
    assert re.search(r"1 new\s*\(of 2\)", html)
    assert _form_url(cast.pilot_a) in html


def test_the_pilot_page_offers_the_form_only_to_the_department(client, cast):
    client.force_login(cast.users.coordinator)

    html = client.get(reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk})).content
    assert _form_url(cast.pilot_a) not in html.decode()
    assert "No suggestions yet." in html.decode()
