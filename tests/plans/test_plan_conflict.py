"""No lost edits: a save from an older version of the plan is refused, explained and recoverable."""

import datetime as dt
import re

import pytest
from django.test import Client

from plans.forms import PlanEditForms
from plans.models import Measure, ProjectPlan
from plans.services import PlanConflict, plan_submit, plan_update
from tests.factories import MeasureFactory, ProjectPlanFactory
from tests.plans import add_rows, edit_url, form_data, row_index


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(
        pilot=cast.pilot_a, starts_on=dt.date(2027, 2, 15), current_state="Start"
    )


@pytest.fixture
def tore(client, cast, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.users.tore)
    return client


@pytest.fixture
def jorunn(cast, settings):
    other = Client()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other.force_login(cast.users.coordinator)
    return other


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _new_measure(title, owner) -> dict:
    return {
        "title": title,
        "owner": str(owner.pk),
        "deadline": "2027-03-01",
        "status": "not_started",
        "effort": "low",
        "effect": "high",
        "hours_identified_per_week": "1",
        "hours_realised_per_week": "0",
    }


def test_second_save_from_the_same_version_gets_409_and_nothing_is_lost(cast, plan_a, tore, jorunn):
    shared = MeasureFactory(plan=plan_a, title="Gammel tittel", owner=cast.siri)
    tores_form = form_data(tore.get(edit_url(cast.pilot_a)))
    jorunns_form = form_data(jorunn.get(edit_url(cast.pilot_a)))
    assert tores_form["version"] == jorunns_form["version"] == "1"

    tores_form["current_state"] = "Tore sin nåsituasjon"
    tores_form = add_rows(tores_form, "measures", [_new_measure("Tores nye tiltak", cast.ola)])
    assert tore.post(edit_url(cast.pilot_a), tores_form).status_code == 302

    jorunns_form["future_state"] = "Jorunn sin framtid"
    jorunns_form[f"measures-{row_index(jorunns_form, 'measures', shared.pk)}-title"] = (
        "Jorunns tittel"
    )
    response = jorunn.post(edit_url(cast.pilot_a), jorunns_form)

    # Refused, and explained: who changed what since Jorunn opened the form.
    assert response.status_code == 409
    text = _text(response)
    assert "Someone else saved the plan while you were editing it" in text
    assert "Changed by: Tore Meltzer" in text
    # A text shows its changed words, marked removed and added.
    assert "Current state: [removed: Start ] [added: Tore sin nåsituasjon ]" in text
    assert "Measure “Tores nye tiltak” added" in text
    # Tore's save is intact; nothing of Jorunn's was written.
    plan_a.refresh_from_db()
    shared.refresh_from_db()
    assert (plan_a.current_state, plan_a.future_state, plan_a.version) == (
        "Tore sin nåsituasjon",
        "",
        2,
    )
    assert shared.title == "Gammel tittel"
    assert plan_a.measures.filter(title="Tores nye tiltak").exists()
    # Jorunn's typing is in the form, on top of Tore's save, with the new version.
    forms = response.context["forms"]
    assert forms.plan_form["version"].value() == "2"
    assert 'name="version" value="2"' in response.content.decode()
    assert forms.plan_form["future_state"].value() == "Jorunn sin framtid"
    assert forms.plan_form["current_state"].value() == "Tore sin nåsituasjon"
    titles = {form["title"].value() for form in forms.formsets["measures"].forms}
    assert titles == {"Jorunns tittel", "Tores nye tiltak"}

    # Saving again keeps both people's work.
    assert jorunn.post(edit_url(cast.pilot_a), form_data(response)).status_code == 302
    plan_a.refresh_from_db()
    shared.refresh_from_db()
    assert (plan_a.current_state, plan_a.future_state, plan_a.version) == (
        "Tore sin nåsituasjon",
        "Jorunn sin framtid",
        3,
    )
    assert shared.title == "Jorunns tittel"
    assert sorted(plan_a.measures.values_list("title", flat=True)) == [
        "Jorunns tittel",
        "Tores nye tiltak",
    ]


def test_conflict_shows_a_changed_measure_field_by_field(cast, plan_a, tore, jorunn):
    measure = MeasureFactory(plan=plan_a, title="Ryddig lager", status="not_started")
    tores_form = form_data(tore.get(edit_url(cast.pilot_a)))
    jorunns_form = form_data(jorunn.get(edit_url(cast.pilot_a)))
    tores_form[f"measures-{row_index(tores_form, 'measures', measure.pk)}-status"] = "done"
    assert tore.post(edit_url(cast.pilot_a), tores_form).status_code == 302
    jorunns_form["future_state"] = "Noe annet"

    response = jorunn.post(edit_url(cast.pilot_a), jorunns_form)

    assert response.status_code == 409
    text = _text(response)
    assert "Measure “Ryddig lager” changed:" in text
    assert "Status: from “not started” to “done”" in text
    # Jorunn never touched the status: the form now shows Tore's.
    row = response.context["forms"].formsets["measures"].forms[0]
    assert row["status"].value() == "done"


def test_row_the_other_removed_comes_back_only_if_you_changed_it(cast, plan_a, tore, jorunn):
    edited = MeasureFactory(plan=plan_a, title="Endres av Jorunn")
    untouched = MeasureFactory(plan=plan_a, title="Urørt")
    tores_form = form_data(tore.get(edit_url(cast.pilot_a)))
    jorunns_form = form_data(jorunn.get(edit_url(cast.pilot_a)))
    for measure in (edited, untouched):
        tores_form[f"measures-{row_index(tores_form, 'measures', measure.pk)}-DELETE"] = "on"
    assert tore.post(edit_url(cast.pilot_a), tores_form).status_code == 302
    jorunns_form[f"measures-{row_index(jorunns_form, 'measures', edited.pk)}-title"] = (
        "Jorunns versjon"
    )

    response = jorunn.post(edit_url(cast.pilot_a), jorunns_form)

    assert response.status_code == 409
    text = _text(response)
    assert "Measure “Endres av Jorunn” removed" in text
    assert "Measure “Urørt” removed" in text
    rows = response.context["forms"].formsets["measures"].forms
    assert [(row["title"].value(), row.instance.pk) for row in rows] == [("Jorunns versjon", None)]
    assert jorunn.post(edit_url(cast.pilot_a), form_data(response)).status_code == 302
    assert list(plan_a.measures.values_list("title", flat=True)) == ["Jorunns versjon"]


def test_form_opened_before_the_plan_was_submitted_gets_409(cast, plan_a, tore):
    form = form_data(tore.get(edit_url(cast.pilot_a)))
    plan_submit(plan=plan_a, user=cast.users.coordinator, expected_version=1)
    form["current_state"] = "Etter innsending"

    response = tore.post(edit_url(cast.pilot_a), form)

    assert response.status_code == 409
    text = _text(response)
    assert "Changed by: Jorunn Ervik" in text
    assert "Status: from “draft” to “submitted”" in text
    assert response.context["forms"].plan_form["current_state"].value() == "Etter innsending"
    plan_a.refresh_from_db()
    assert plan_a.current_state == "Start"


def test_plan_update_refuses_a_stale_version_and_changes_nothing(cast, plan_a):
    MeasureFactory(plan=plan_a, title="Urørt")
    plan_a.pilot = cast.pilot_a
    data = {
        "version": "1",
        "starts_on": "2027-02-15",
        "current_state": "Ny tekst",
        "future_state": "",
    }
    for prefix in ("goals", "wastes", "causes", "indicators"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data = add_rows(
        {**data, "measures-TOTAL_FORMS": "0", "measures-INITIAL_FORMS": "0"},
        "measures",
        [_new_measure("Nytt", cast.siri)],
    )
    forms = PlanEditForms(plan=plan_a, data=data)
    assert forms.is_valid()
    ProjectPlan.objects.filter(pk=plan_a.pk).update(version=2)

    with pytest.raises(PlanConflict) as raised:
        plan_update(
            pilot=cast.pilot_a,
            user=cast.users.tore,
            expected_version=1,
            fields=forms.plan_fields(),
            parts=forms.parts(),
        )

    assert (raised.value.expected_version, raised.value.current_version) == (1, 2)
    plan_a.refresh_from_db()
    assert (plan_a.current_state, plan_a.version) == ("Start", 2)
    assert list(Measure.objects.values_list("title", flat=True)) == ["Urørt"]
