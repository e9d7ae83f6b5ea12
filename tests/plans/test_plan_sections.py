"""The edit page in sections: each saved on its own, with the version check, the error summary,
the contents list and the same access rules as the whole plan."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.forms import EDIT_SECTIONS
from plans.models import Measure, ProjectPlan
from tests.factories import MeasureFactory, ProjectPlanFactory
from tests.plans import add_rows, edit_url, row_index, section_data, section_url


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(
        pilot=cast.pilot_a,
        starts_on=dt.date(2027, 2, 15),
        current_state="Slik er det i dag.",
        future_state="Slik blir det.",
    )


@pytest.fixture
def jorunn(cast, settings):
    other = Client()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other.force_login(cast.users.coordinator)
    return other


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _measure(title, owner, **extra) -> dict:
    row = {
        "title": title,
        "description": "",
        "owner": str(owner.pk),
        "deadline": "2027-04-01",
        "status": "not_started",
        "effort": "low",
        "effect": "high",
        "hours_identified_per_week": "1",
        "hours_realised_per_week": "0",
    }
    row.update(extra)
    return row


# (section, how to change it, how to see the change on the plan)
CHANGES = {
    "goals": (
        lambda data, cast: add_rows(data, "goals", [{"text": "Kortere morgenmøte"}]),
        lambda plan: [g.text for g in plan.goals.all()] == ["Kortere morgenmøte"],
    ),
    "current": (
        lambda data, cast: {**data, "current_state": "Ny beskrivelse av i dag."},
        lambda plan: plan.current_state == "Ny beskrivelse av i dag.",
    ),
    "wastes": (
        lambda data, cast: add_rows(data, "wastes", [{"kind": "waiting", "description": "Kø"}]),
        lambda plan: plan.wastes.get().description == "Kø",
    ),
    "causes": (
        lambda data, cast: add_rows(
            data, "causes", [{"problem": "Treg start", "whys": "a\nb", "root_cause": "Ingen plan"}]
        ),
        lambda plan: plan.root_causes.get().root_cause == "Ingen plan",
    ),
    "future": (
        lambda data, cast: {**data, "future_state": "Bedre.", "starts_on": "2027-03-01"},
        lambda plan: (plan.future_state, plan.starts_on) == ("Bedre.", dt.date(2027, 3, 1)),
    ),
    "measures": (
        lambda data, cast: add_rows(data, "measures", [_measure("Tavlemøte", cast.siri)]),
        lambda plan: plan.measures.get().title == "Tavlemøte",
    ),
    "indicators": (
        lambda data, cast: add_rows(
            data,
            "indicators",
            [{"name": "Ventetid", "unit": "min", "baseline": "9", "target": "3"}],
        ),
        lambda plan: plan.indicators.get().name == "Ventetid",
    ),
}


def test_every_section_has_a_test():
    assert set(CHANGES) == {section.key for section in EDIT_SECTIONS}


@pytest.mark.parametrize("key", list(CHANGES))
def test_each_section_saves_alone_and_leaves_the_rest(client, cast, plan_a, key):
    client.force_login(cast.users.tore)
    page = client.get(section_url(cast.pilot_a, key))
    assert page.status_code == 200
    change, saved = CHANGES[key]
    before = {f: getattr(plan_a, f) for f in ("starts_on", "current_state", "future_state")}

    response = client.post(section_url(cast.pilot_a, key), change(section_data(page, key), cast))

    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(cast.pilot_a)}#section-{key}"
    plan = ProjectPlan.objects.get(pk=plan_a.pk)
    assert saved(plan)
    assert plan.version == plan_a.version + 1
    section = next(s for s in EDIT_SECTIONS if s.key == key)
    for name, value in before.items():
        if name not in section.fields:
            assert getattr(plan, name) == value
    assert plan.history.first().history_user == cast.users.tore


def test_a_section_of_a_plan_not_started_yet_starts_it(client, cast):
    client.force_login(cast.users.tore)
    page = client.get(section_url(cast.pilot_a, "current"))
    data = {**section_data(page, "current"), "current_state": "Første tekst"}

    assert client.post(section_url(cast.pilot_a, "current"), data).status_code == 302

    assert ProjectPlan.objects.get(pilot=cast.pilot_a).current_state == "Første tekst"


def test_saving_the_parts_section_keeps_the_other_parts(client, cast, plan_a):
    kept = MeasureFactory(plan=plan_a, title="Står", owner=cast.siri)
    client.force_login(cast.users.tore)
    page = client.get(edit_url(cast.pilot_a))
    data = add_rows(section_data(page, "goals"), "goals", [{"text": "Mål"}])

    client.post(section_url(cast.pilot_a, "goals"), data)

    assert list(plan_a.measures.all()) == [kept]


def test_sections_saved_one_after_the_other_with_the_new_version(client, cast, plan_a):
    """What the page does in the background: the next section carries the version of the save."""
    client.force_login(cast.users.tore)
    page = client.get(edit_url(cast.pilot_a))
    current = {**section_data(page, "current"), "current_state": "Én"}
    future = {**section_data(page, "future"), "future_state": "To"}
    client.post(section_url(cast.pilot_a, "current"), current)

    future["version"] = str(ProjectPlan.objects.get(pk=plan_a.pk).version)
    assert client.post(section_url(cast.pilot_a, "future"), future).status_code == 302

    plan = ProjectPlan.objects.get(pk=plan_a.pk)
    assert (plan.current_state, plan.future_state) == ("Én", "To")


def test_unknown_section_is_404(client, cast, plan_a):
    client.force_login(cast.users.tore)

    assert client.get(section_url(cast.pilot_a, "nothing")).status_code == 404


# Conflicts


def test_section_saved_from_an_older_version_gets_409_with_the_typing_kept(
    client, cast, plan_a, jorunn
):
    client.force_login(cast.users.tore)
    mine = client.get(edit_url(cast.pilot_a))
    theirs = jorunn.get(edit_url(cast.pilot_a))
    their_data = {**section_data(theirs, "future"), "future_state": "Jorunns fremtid"}
    assert jorunn.post(section_url(cast.pilot_a, "future"), their_data).status_code == 302
    my_data = {**section_data(mine, "current"), "current_state": "Tores nye tekst"}

    response = client.post(section_url(cast.pilot_a, "current"), my_data)

    assert response.status_code == 409
    plan = ProjectPlan.objects.get(pk=plan_a.pk)
    assert plan.current_state == "Slik er det i dag."  # nothing of Tore's is saved
    text = _text(response)
    assert "Someone else saved the plan while you were editing it" in text
    assert "Jorunns fremtid" in text  # what they changed
    section = next(s for s in response.context["forms"].edit_sections if s.key == "current")
    assert section.bound and section.fields[0].value() == "Tores nye tekst"
    assert section.version == plan.version  # saving again goes through
    again = section_data(response, "current")
    assert client.post(section_url(cast.pilot_a, "current"), again).status_code == 302
    plan.refresh_from_db()
    assert (plan.current_state, plan.future_state) == ("Tores nye tekst", "Jorunns fremtid")


def test_measures_section_in_conflict_keeps_the_new_rows_and_the_others_change(
    client, cast, plan_a, jorunn
):
    measure = MeasureFactory(plan=plan_a, title="Gammel", owner=cast.siri)
    client.force_login(cast.users.tore)
    mine = client.get(section_url(cast.pilot_a, "measures"))
    theirs = section_data(jorunn.get(edit_url(cast.pilot_a)), "measures")
    theirs[f"measures-{row_index(theirs, 'measures', measure.pk)}-title"] = "Jorunns tittel"
    jorunn.post(section_url(cast.pilot_a, "measures"), theirs)
    data = add_rows(section_data(mine, "measures"), "measures", [_measure("Tores", cast.siri)])

    response = client.post(section_url(cast.pilot_a, "measures"), data)

    assert response.status_code == 409
    assert Measure.objects.filter(title="Tores").count() == 0
    rows = response.context["forms"].formsets["measures"].forms
    assert [f["title"].value() for f in rows] == ["Jorunns tittel", "Tores"]


# Refusals


def test_invalid_section_gets_400_with_an_error_summary_linking_each_field(client, cast, plan_a):
    client.force_login(cast.users.tore)
    page = client.get(section_url(cast.pilot_a, "measures"))
    data = add_rows(
        section_data(page, "measures"),
        "measures",
        [_measure("", cast.siri, description="Uten tittel"), _measure("OK", cast.siri)],
    )
    data["measures-1-deadline"] = "2026-01-01"  # before the plan starts

    response = client.post(section_url(cast.pilot_a, "measures"), data)

    assert response.status_code == 400
    assert not plan_a.measures.exists()
    page = response.content.decode()
    summary = page[page.index("data-error-summary") : page.index("plan-contents")]
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert 'href="#id_measures-0-title"' in summary
    assert 'href="#id_measures-1-deadline"' in summary
    assert "Measure 1, Title: This field is required." in _text(response)
    # What was typed is on the page, and the section says it is not saved.
    assert "Uten tittel" in page
    section = next(s for s in response.context["forms"].edit_sections if s.key == "measures")
    assert section.status == "has errors"


def test_a_page_without_errors_has_no_error_summary(client, cast, plan_a):
    client.force_login(cast.users.tore)

    page = client.get(edit_url(cast.pilot_a)).content.decode()

    assert "data-error-summary" in page
    assert "There is a problem" not in page


def test_contents_list_links_each_section_and_says_its_status(client, cast, plan_a):
    MeasureFactory.create_batch(3, plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.tore)

    response = client.get(edit_url(cast.pilot_a))

    statuses = {s.key: s.status for s in response.context["forms"].edit_sections}
    assert statuses["measures"] == "3 measures"
    assert statuses["goals"] == "empty"
    assert statuses["current"] == "5 words"
    page = response.content.decode()
    for section in EDIT_SECTIONS:
        assert f'href="#section-{section.key}"' in page
        assert f'id="section-{section.key}"' in page
        assert f'data-draft="plan-{cast.pilot_a.pk}-{section.key}"' in page
    assert f'data-draft-version="{plan_a.version}"' in page


# Who may save a section


@pytest.mark.parametrize("method", ["get", "post"])
def test_leader_of_another_department_cannot_open_or_save_a_section(client, cast, plan_a, method):
    client.force_login(cast.users.kari)

    response = getattr(client, method)(
        section_url(cast.pilot_a, "current"), {"version": "1", "current_state": "Kari var her"}
    )

    assert response.status_code == 404
    assert ProjectPlan.objects.get(pk=plan_a.pk).current_state == "Slik er det i dag."


def test_staff_cannot_save_a_section(client, cast, plan_a):
    client.force_login(cast.users.staff_a)

    response = client.post(
        section_url(cast.pilot_a, "current"), {"version": "1", "current_state": "Siri var her"}
    )

    assert response.status_code == 403
    assert ProjectPlan.objects.get(pk=plan_a.pk).current_state == "Slik er det i dag."


def test_anonymous_post_to_a_section_goes_to_login_and_back_to_the_section(client, cast, plan_a):
    url = section_url(cast.pilot_a, "current")

    response = client.post(url, {"version": "1", "current_state": "x"})

    assert response.status_code == 302
    assert f"next={url}" in response["Location"].replace("%2F", "/")


# Measure descriptions, shown wherever the measure is


def test_measure_description_is_on_the_plan_page_its_print_and_the_board(client, cast, plan_a):
    MeasureFactory(
        plan=plan_a, title="Tavlemøte", owner=cast.siri, description="Hver mandag kl. 9 ved tavla."
    )
    client.force_login(cast.users.tore)

    plan_page = client.get(reverse("plans:plan_detail", args=[cast.pilot_a.pk])).content.decode()
    board = client.get(reverse("plans:plan_board", args=[cast.pilot_a.pk])).content.decode()

    assert '<p class="measure-description' in plan_page
    assert "Hver mandag kl. 9 ved tavla." in plan_page
    # The print is the plan page itself: the description is not among what print leaves out.
    description = plan_page.index("Hver mandag kl. 9")
    assert "no-print" not in plan_page[plan_page.rindex("<section", 0, description) : description]
    assert "Hver mandag kl. 9 ved tavla." in board


def test_print_button_is_an_ordinary_button(client, cast, plan_a):
    client.force_login(cast.users.tore)

    page = client.get(reverse("plans:plan_detail", args=[cast.pilot_a.pk])).content.decode()

    assert 'class="btn btn-outline-primary" data-print' in page


# Query budgets


def _fill(plan, count):
    MeasureFactory.create_batch(count, plan=plan, owner=None, deadline=dt.date(2027, 3, 1))


def test_section_page_and_save_cost_the_same_queries_for_2_and_40_measures(
    client, cast, django_assert_max_num_queries
):
    small = ProjectPlanFactory(pilot=cast.pilot_a)
    _fill(small, 2)
    big = ProjectPlanFactory(pilot=cast.pilot_b)
    _fill(big, 40)
    client.force_login(cast.users.coordinator)
    client.get(section_url(cast.pilot_a, "measures"))  # the session settles on the first request

    counts = []
    for plan in (small, big):
        with CaptureQueriesContext(connection) as page_run:
            page = client.get(section_url(plan.pilot, "measures"))
        data = section_data(page, "measures")
        data["measures-0-title"] = "Endret"
        with CaptureQueriesContext(connection) as save_run:
            assert client.post(section_url(plan.pilot, "measures"), data).status_code == 302
        counts.append((len(page_run), len(save_run)))

    # The edit page as before (14); the save: session, user, scope, pilot, plan, the choices,
    # the part's rows, the lock, the rows again, the changed row and its history, the message.
    assert counts[0][0] <= 14
    assert counts[0] == counts[1]


def test_titles_are_growing_text_areas_kept_to_one_line(client, cast, plan_a):
    client.force_login(cast.users.tore)
    page = client.get(section_url(cast.pilot_a, "measures"))
    assert 'name="measures-__prefix__-title"' in page.content.decode()
    row = _measure("Stående rapport\r\nved tavla", cast.siri)
    data = add_rows(section_data(page, "measures"), "measures", [row])

    client.post(section_url(cast.pilot_a, "measures"), data)

    assert plan_a.measures.get().title == "Stående rapport ved tavla"
    form = page.context["forms"].formsets["measures"].empty_form
    assert form["title"].widget_type == "textarea"
    assert "data-grow" in form.fields["title"].widget.attrs


def test_a_section_changes_only_its_own_fields_even_when_others_are_posted(client, cast, plan_a):
    client.force_login(cast.users.tore)
    page = client.get(section_url(cast.pilot_a, "current"))
    data = {
        **section_data(page, "current"),
        "current_state": "Endret",
        "future_state": "Smuglet inn",
        "starts_on": "2030-01-01",
        "measures-TOTAL_FORMS": "1",
        "measures-INITIAL_FORMS": "0",
        "measures-0-title": "Smuglet tiltak",
    }

    assert client.post(section_url(cast.pilot_a, "current"), data).status_code == 302

    plan = ProjectPlan.objects.get(pk=plan_a.pk)
    assert (plan.current_state, plan.future_state) == ("Endret", "Slik blir det.")
    assert plan.starts_on == dt.date(2027, 2, 15)
    assert not plan.measures.exists()
