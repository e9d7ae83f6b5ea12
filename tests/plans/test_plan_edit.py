"""The plan page and its edit form: who may see and change what, validation, and query budgets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots.models import ProgrammeGoal
from plans.forms import PlanEditForms, PlanPartForm
from plans.models import Indicator, Measure, Measurement, ProjectPlan, QualityGoal, Waste
from plans.services import MAX_ROWS_PER_PART
from tests.factories import MeasureFactory, ProgrammeFactory, ProjectPlanFactory
from tests.plans import add_rows, edit_url, form_data

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def detail_url(pilot) -> str:
    return reverse("plans:plan_detail", kwargs={"pilot_pk": pilot.pk})


def history_url(pilot) -> str:
    return reverse("plans:plan_history", kwargs={"pilot_pk": pilot.pk})


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The assertions read the English msgids, whatever the catalogs say.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a, starts_on=dt.date(2027, 2, 15))


def _measure_row(title, owner, **extra):
    row = {
        "title": title,
        "description": "",
        "owner": str(owner.pk),
        "deadline": "2027-04-01",
        "status": "not_started",
        "effort": "low",
        "effect": "high",
        "hours_identified_per_week": "2.5",
        "hours_realised_per_week": "0",
    }
    row.update(extra)
    return row


# Editing


def test_leader_adds_three_measures_and_an_indicator_in_one_post(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["current_state"] = "Morgenmøtet tar 40 minutter."
    data = add_rows(
        data,
        "measures",
        [
            _measure_row("Fast struktur på morgenmøtet", cast.tore),
            _measure_row("Kjøreliste dagen før", cast.siri, deadline="15.03.2027"),
            _measure_row("Felles nøkkelskap", cast.ola, status="in_progress"),
        ],
    )
    data = add_rows(
        data,
        "indicators",
        [{"name": "Tid på morgenmøtet", "unit": "minutter", "baseline": "40", "target": "15"}],
    )

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 302
    assert response["Location"] == detail_url(cast.pilot_a)
    plan_a.refresh_from_db()
    assert plan_a.current_state == "Morgenmøtet tar 40 minutter."
    assert plan_a.version == 2
    measures = {m.title: m for m in plan_a.measures.all()}
    assert set(measures) == {
        "Fast struktur på morgenmøtet",
        "Kjøreliste dagen før",
        "Felles nøkkelskap",
    }
    assert measures["Kjøreliste dagen før"].owner == cast.siri
    assert measures["Kjøreliste dagen før"].deadline == dt.date(2027, 3, 15)
    assert measures["Felles nøkkelskap"].status == Measure.Status.IN_PROGRESS
    assert measures["Fast struktur på morgenmøtet"].hours_identified_per_week == Decimal("2.5")
    indicator = plan_a.indicators.get()
    assert (indicator.name, indicator.baseline, indicator.target) == (
        "Tid på morgenmøtet",
        Decimal("40"),
        Decimal("15"),
    )


def test_hours_take_a_decimal_comma_in_norwegian(client, cast, plan_a, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    row = _measure_row("Komma", cast.siri, hours_identified_per_week="1,25")
    data = add_rows(data, "measures", [row])

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    assert plan_a.measures.get().hours_identified_per_week == Decimal("1.25")
    page = client.get(edit_url(cast.pilot_a)).content.decode()
    assert 'value="1,25"' in page


def test_opening_the_edit_page_writes_nothing_and_the_first_save_starts_the_plan(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(edit_url(cast.pilot_a))

    assert response.status_code == 200
    assert not ProjectPlan.objects.exists()
    data = form_data(response)
    assert data["version"] == "1"
    data["current_state"] = "Første utkast"
    data = add_rows(data, "measures", [_measure_row("Første tiltak", cast.siri)])

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    plan = ProjectPlan.objects.get(pilot=cast.pilot_a)
    assert (plan.status, plan.current_state) == (ProjectPlan.Status.DRAFT, "Første utkast")
    assert list(plan.measures.values_list("title", flat=True)) == ["Første tiltak"]
    assert {record.history_user for record in plan.history.all()} == {cast.users.tore}


def test_first_save_checks_deadlines_against_the_new_plans_start(client, cast):
    # The forms cannot tell (the plan is not saved yet); plan_update can, and says so on the row.
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["starts_on"] = "2027-05-01"
    data = add_rows(data, "measures", [_measure_row("For tidlig", cast.siri)])

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    row = response.context["forms"].formsets["measures"].forms[0]
    assert list(row.errors) == ["deadline"]
    assert row["title"].value() == "For tidlig"
    assert not ProjectPlan.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "guide", "superuser"])
def test_programme_people_can_edit_any_plan_in_their_municipality(client, cast, plan_a, who):
    client.force_login(getattr(cast.users, who))
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["future_state"] = "Fem minutter morgenmøte."

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.future_state == "Fem minutter morgenmøte."


def test_quality_goal_links_to_a_goal_of_the_pilots_programme(client, cast, plan_a):
    goal = ProgrammeGoal.objects.create(
        programme=cast.programme, order=1, text="Størst mulig verdiskaping"
    )
    client.force_login(cast.users.tore)
    data = add_rows(
        form_data(client.get(edit_url(cast.pilot_a))),
        "goals",
        [{"text": "Kortere morgenmøter", "programme_goal": str(goal.pk)}],
    )

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    assert plan_a.goals.get().programme_goal == goal
    page = client.get(detail_url(cast.pilot_a)).content.decode()
    assert "Kortere morgenmøter" in page
    assert "Størst mulig verdiskaping" in page


def test_quality_goal_cannot_link_to_another_programmes_goal(client, cast, plan_a):
    elsewhere = ProgrammeGoal.objects.create(
        programme=ProgrammeFactory(municipality=cast.municipality), order=1, text="Annet mål"
    )
    client.force_login(cast.users.tore)
    response = client.get(edit_url(cast.pilot_a))
    assert "Annet mål" not in response.content.decode()
    data = add_rows(
        form_data(response),
        "goals",
        [{"text": "Kortere morgenmøter", "programme_goal": str(elsewhere.pk)}],
    )

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    goal_form = response.context["forms"].formsets["goals"].forms[0]
    assert "programme_goal" in goal_form.errors
    assert not QualityGoal.objects.exists()


def test_waste_root_cause_and_goal_are_saved_and_shown(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data = add_rows(data, "wastes", [{"kind": "waiting", "description": "Venter på nøkler"}])
    data = add_rows(
        data,
        "causes",
        [
            {
                "problem": "Morgenmøtet drar ut",
                "whys": "Ingen agenda\nIngen eier møtet\nUklart ansvar",
                "root_cause": "Uklart ansvar",
            }
        ],
    )

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    page = client.get(detail_url(cast.pilot_a)).content.decode()
    assert "Venter på nøkler" in page
    assert "<ol><li>Ingen agenda</li><li>Ingen eier møtet</li><li>Uklart ansvar</li></ol>" in page


def test_removing_a_row_deletes_it_and_keeps_the_others(client, cast, plan_a):
    keep = MeasureFactory(plan=plan_a, title="Behold")
    drop = MeasureFactory(plan=plan_a, title="Fjern")
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    index = next(k for k, v in data.items() if k.endswith("-id") and v == str(drop.pk))
    data[index.replace("-id", "-DELETE")] = "on"

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    assert list(plan_a.measures.values_list("pk", flat=True)) == [keep.pk]


def test_add_row_without_javascript_keeps_everything_typed(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["current_state"] = "Skrevet, ikke lagret"
    data = add_rows(data, "measures", [_measure_row("Halvferdig tiltak", cast.siri)])

    response = client.post(edit_url(cast.pilot_a), {**data, "add_measures": "1"})

    assert response.status_code == 200
    forms = response.context["forms"]
    assert forms.plan_form["current_state"].value() == "Skrevet, ikke lagret"
    rows = forms.formsets["measures"].forms
    assert len(rows) == 2
    assert rows[0]["title"].value() == "Halvferdig tiltak"
    assert rows[1]["status"].value() == "not_started"
    assert not forms.has_errors
    assert not Measure.objects.exists()
    # The empty new row, left as it is, does not stop the save.
    again = client.post(edit_url(cast.pilot_a), form_data(response))
    assert again.status_code == 302
    assert list(plan_a.measures.values_list("title", flat=True)) == ["Halvferdig tiltak"]


def test_edit_page_has_an_empty_row_template_for_javascript(client, cast, plan_a):
    client.force_login(cast.users.tore)

    page = client.get(edit_url(cast.pilot_a)).content.decode()

    assert "<template data-formset-template>" in page
    assert 'name="measures-__prefix__-title"' in page
    assert 'name="add_measures"' in page
    assert "js/plan_edit.js" in page


def test_changing_only_a_measure_moves_the_version_on(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Gammel tittel")
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["measures-0-title"] = "Ny tittel"

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    plan_a.refresh_from_db()
    measure.refresh_from_db()
    assert (plan_a.version, measure.title) == (2, "Ny tittel")


def test_saving_without_changes_keeps_the_version(client, cast, plan_a):
    MeasureFactory(plan=plan_a)
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    plan_a.refresh_from_db()
    assert plan_a.version == 1


def test_approved_plan_stays_approved_when_edited(client, cast, plan_a):
    ProjectPlan.objects.filter(pk=plan_a.pk).update(status=ProjectPlan.Status.APPROVED)
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["future_state"] = "Justert etter godkjenning"

    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.APPROVED
    assert plan_a.future_state == "Justert etter godkjenning"


# Validation


def test_deadline_before_the_plan_starts_is_refused_on_the_deadline(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["current_state"] = "Beholdes"
    data = add_rows(
        data, "measures", [_measure_row("For tidlig", cast.siri, deadline="2027-01-10")]
    )

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    forms = response.context["forms"]
    row = forms.formsets["measures"].forms[0]
    assert list(row.errors) == ["deadline"]
    assert row["title"].value() == "For tidlig"
    assert forms.plan_form["current_state"].value() == "Beholdes"
    assert not Measure.objects.exists()
    plan_a.refresh_from_db()
    assert (plan_a.current_state, plan_a.version) == ("", 1)


def test_deadline_is_checked_against_a_start_date_changed_in_the_same_save(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["starts_on"] = "2027-05-01"
    data = add_rows(data, "measures", [_measure_row("Før ny start", cast.siri)])

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    assert "deadline" in response.context["forms"].formsets["measures"].forms[0].errors


def test_owner_outside_the_department_is_refused(client, cast, plan_a):
    client.force_login(cast.users.tore)
    response = client.get(edit_url(cast.pilot_a))
    assert cast.kari.full_name not in response.content.decode()
    data = add_rows(
        form_data(response), "measures", [_measure_row("Feil eier", cast.kari, description="Tekst")]
    )

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    row = response.context["forms"].formsets["measures"].forms[0]
    assert list(row.errors) == ["owner"]
    assert row["description"].value() == "Tekst"
    assert not Measure.objects.exists()


def test_over_long_title_and_text_are_refused_and_the_rest_kept(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["future_state"] = "x" * 5001
    data["current_state"] = "Beholdes"
    data = add_rows(data, "measures", [_measure_row("t" * 201, cast.siri)])

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    forms = response.context["forms"]
    assert list(forms.plan_form.errors) == ["future_state"]
    assert list(forms.formsets["measures"].forms[0].errors) == ["title"]
    assert forms.plan_form["current_state"].value() == "Beholdes"
    page = response.content.decode()
    # The error summary at the top links to each field with an error.
    assert 'href="#id_future_state"' in page
    assert 'href="#id_measures-0-title"' in page


def test_required_fields_are_asked_for_on_the_row(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data = add_rows(data, "measures", [_measure_row("", cast.siri, description="Uten tittel")])
    data = add_rows(data, "wastes", [{"kind": "other", "description": ""}])
    data = add_rows(data, "indicators", [{"name": "Ventetid", "unit": "", "baseline": "3"}])

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    formsets = response.context["forms"].formsets
    assert list(formsets["measures"].forms[0].errors) == ["title"]
    assert list(formsets["wastes"].forms[0].errors) == ["description"]
    assert set(formsets["indicators"].forms[0].errors) == {"unit", "target"}
    assert not Waste.objects.exists()


def test_two_indicators_with_the_same_name_are_refused(client, cast, plan_a):
    client.force_login(cast.users.tore)
    row = {"name": "Ventetid", "unit": "min", "baseline": "3", "target": "1"}
    data = add_rows(form_data(client.get(edit_url(cast.pilot_a))), "indicators", [row, row])

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    assert response.context["forms"].formsets["indicators"].non_form_errors()
    assert not Indicator.objects.exists()


def test_text_with_html_is_shown_escaped(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["current_state"] = XSS
    data = add_rows(data, "measures", [_measure_row(XSS, cast.siri)])
    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    for url in (detail_url(cast.pilot_a), edit_url(cast.pilot_a), history_url(cast.pilot_a)):
        page = client.get(url).content.decode()
        assert XSS not in page
        assert XSS_ESCAPED in page


def test_a_date_far_in_the_future_is_a_form_error_not_a_crash(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["starts_on"] = "31.12.9999"
    data = add_rows(
        data, "measures", [_measure_row("Langt fram", cast.siri, deadline="9999-12-31")]
    )

    response = client.post(edit_url(cast.pilot_a), data)

    assert response.status_code == 400
    forms = response.context["forms"]
    assert list(forms.plan_form.errors) == ["starts_on"]
    assert list(forms.formsets["measures"].forms[0].errors) == ["deadline"]
    assert not Measure.objects.exists()


# More rows than a plan may have


PARTS = ("goals", "wastes", "causes", "measures", "indicators")


def _bomb(**rows) -> dict:
    """The forged POST: every part claims 100,000 new rows."""
    data = {
        "version": "1",
        "starts_on": "2027-02-15",
        "current_state": "Skrevet",
        "future_state": "",
    }
    for prefix in PARTS:
        data[f"{prefix}-TOTAL_FORMS"] = "100000"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return {**data, **rows}


@pytest.fixture
def built_rows(monkeypatch):
    """Every row form built while the test runs (the page's five empty row templates too)."""
    built = []
    original = PlanPartForm.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(PlanPartForm, "__init__", counting)
    return built


def test_a_forged_row_count_is_refused_with_400_before_the_rows_are_built(
    client, cast, plan_a, built_rows
):
    client.force_login(cast.users.tore)

    response = client.post(edit_url(cast.pilot_a), _bomb())

    assert response.status_code == 400
    assert len(built_rows) <= MAX_ROWS_PER_PART
    assert len(response.content) < 100_000
    page = response.content.decode()
    assert f"A part of the plan can have at most {MAX_ROWS_PER_PART} rows." in page
    assert response.context["forms"].plan_form["current_state"].value() == "Skrevet"
    plan_a.refresh_from_db()
    assert (plan_a.version, plan_a.current_state) == (1, "")


def test_a_forged_row_count_keeps_the_rows_the_user_typed(client, cast, plan_a, built_rows):
    client.force_login(cast.users.tore)
    typed = {f"measures-7-{name}": value for name, value in _measure_row("Ekte", cast.siri).items()}

    response = client.post(edit_url(cast.pilot_a), _bomb(**typed))

    assert response.status_code == 400
    rows = response.context["forms"].formsets["measures"].forms
    assert [row["title"].value() for row in rows] == ["Ekte"]
    assert len(built_rows) <= MAX_ROWS_PER_PART
    assert not Measure.objects.exists()


def test_formsets_build_no_more_than_the_maximum_rows(cast, plan_a, built_rows):
    # Behind the view's check, the formsets themselves stop at the maximum.
    forms = PlanEditForms(plan=plan_a, data=_bomb())

    assert not forms.is_valid()
    assert all(len(fs.forms) == MAX_ROWS_PER_PART for fs in forms.formsets.values())
    assert forms.formsets["measures"].non_form_errors()
    assert len(built_rows) == len(PARTS) * MAX_ROWS_PER_PART


def test_add_row_and_rebase_stop_at_the_maximum(cast, plan_a):
    full = _bomb(**{"measures-TOTAL_FORMS": str(MAX_ROWS_PER_PART)})

    added = PlanEditForms.with_added_row(full, "measures", plan=plan_a)
    rebased = PlanEditForms(plan=plan_a).rebased(_bomb(), current=plan_a, base=None)

    assert added["measures-TOTAL_FORMS"] == str(MAX_ROWS_PER_PART)
    assert all(int(rebased[f"{prefix}-TOTAL_FORMS"]) <= MAX_ROWS_PER_PART for prefix in PARTS)


def test_saving_the_most_rows_a_part_may_have_works(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    rows = [{"kind": "waiting", "description": f"Venting {n}"} for n in range(MAX_ROWS_PER_PART)]

    assert client.post(edit_url(cast.pilot_a), add_rows(data, "wastes", rows)).status_code == 302

    assert Waste.objects.count() == MAX_ROWS_PER_PART


# Who may see and change the plan


@pytest.mark.parametrize("url", [detail_url, edit_url, history_url])
def test_leader_cannot_open_another_departments_plan(client, cast, plan_a, url):
    client.force_login(cast.users.kari)

    assert client.get(url(cast.pilot_a)).status_code == 404


@pytest.mark.parametrize("url", [detail_url, edit_url, history_url])
def test_person_from_another_municipality_gets_404(client, cast, plan_a, url):
    client.force_login(cast.users.outsider)

    assert client.get(url(cast.pilot_a)).status_code == 404


@pytest.mark.parametrize("url", [detail_url, edit_url, history_url])
def test_anonymous_is_sent_to_login(client, cast, plan_a, url):
    response = client.get(url(cast.pilot_a))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_can_read_the_plan_but_not_edit_it(client, cast, plan_a):
    MeasureFactory(plan=plan_a, title="Synlig tiltak")
    client.force_login(cast.users.staff_a)

    detail = client.get(detail_url(cast.pilot_a))
    assert detail.status_code == 200
    assert "Synlig tiltak" in detail.content.decode()
    assert edit_url(cast.pilot_a) not in detail.content.decode()
    assert client.get(history_url(cast.pilot_a)).status_code == 200
    assert client.get(edit_url(cast.pilot_a)).status_code == 403
    assert client.post(edit_url(cast.pilot_a), {"version": "1"}).status_code == 403


def test_staff_sees_no_plan_yet_and_no_draft_is_started(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.get(detail_url(cast.pilot_a))

    assert response.status_code == 200
    assert "No plan yet." in response.content.decode()
    assert not ProjectPlan.objects.exists()


def test_leader_opening_the_plan_page_writes_nothing_and_is_invited_to_start(client, cast):
    client.force_login(cast.users.tore)

    response = client.get(detail_url(cast.pilot_a))

    assert response.status_code == 200
    assert not ProjectPlan.objects.exists()
    page = response.content.decode()
    assert "No plan yet." in page
    assert "Start the plan" in page and edit_url(cast.pilot_a) in page


# The plan page


def test_plan_page_shows_measures_indicators_and_gains(client, cast, plan_a):
    cast.programme.hours_per_fte_week = Decimal("37.5")
    cast.programme.save()
    MeasureFactory(
        plan=plan_a,
        title="Forsinket tiltak",
        owner=cast.siri,
        deadline=dt.date(2020, 3, 1),
        hours_identified_per_week=Decimal("30"),
        hours_realised_per_week=Decimal("7.5"),
    )
    MeasureFactory(
        plan=plan_a,
        title="Ferdig tiltak",
        deadline=dt.date(2020, 3, 1),
        status=Measure.Status.DONE,
        hours_identified_per_week=Decimal("7.5"),
    )
    MeasureFactory(
        plan=plan_a,
        title="Droppet tiltak",
        status=Measure.Status.DROPPED,
        hours_identified_per_week=Decimal("100"),
    )
    indicator = Indicator.objects.create(
        plan=plan_a, name="Ventetid", unit="min", baseline=10, target=5
    )
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 3, 1), value=9)
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 3, 8), value=7)
    client.force_login(cast.users.staff_a)

    response = client.get(detail_url(cast.pilot_a))

    page = response.content.decode()
    assert "01.03.2020" in page
    assert page.count("Overdue") == 1  # the done measure is not overdue
    assert reverse("plans:indicator_detail", kwargs={"pk": indicator.pk}) in page
    assert "08.03.2027" in page
    gains = response.context["page"].gains
    assert (gains.hours_identified, gains.hours_realised) == (Decimal("37.5"), Decimal("7.5"))
    assert ">1.0<" in page  # 37.5 hours per week is one full-time equivalent
    assert ">0.2<" in page
    for name in ("plan_board", "plan_matrix", "plan_history"):
        assert reverse(f"plans:{name}", kwargs={"pilot_pk": cast.pilot_a.pk}) in page
    assert "plan-print" in page  # the print layout (static/css/plan_form.css) applies inside it
    assert "data-print" in page


def test_leader_sees_the_submit_form_on_a_draft(client, cast, plan_a):
    client.force_login(cast.users.tore)

    page = client.get(detail_url(cast.pilot_a)).content.decode()

    assert reverse("plans:plan_submit", kwargs={"pilot_pk": cast.pilot_a.pk}) in page
    assert "Submit for review" in page
    assert 'name="version" value="1"' in page
    assert reverse("plans:plan_review", kwargs={"pilot_pk": cast.pilot_a.pk}) not in page


def test_coordinator_sees_the_review_form_on_a_submitted_plan(client, cast, plan_a):
    ProjectPlan.objects.filter(pk=plan_a.pk).update(status=ProjectPlan.Status.SUBMITTED, version=4)
    client.force_login(cast.users.coordinator)

    page = client.get(detail_url(cast.pilot_a)).content.decode()

    assert reverse("plans:plan_review", kwargs={"pilot_pk": cast.pilot_a.pk}) in page
    assert 'name="comment"' in page
    assert 'name="decision" value="approve"' in page
    assert 'name="decision" value="return"' in page
    assert 'name="version" value="4"' in page
    assert "Submit for review" not in page


def test_leader_sees_no_review_form_and_staff_no_workflow_at_all(client, cast, plan_a):
    ProjectPlan.objects.filter(pk=plan_a.pk).update(status=ProjectPlan.Status.SUBMITTED)
    client.force_login(cast.users.tore)
    assert 'name="decision"' not in client.get(detail_url(cast.pilot_a)).content.decode()
    ProjectPlan.objects.filter(pk=plan_a.pk).update(status=ProjectPlan.Status.DRAFT)
    client.force_login(cast.users.staff_a)
    assert "Submit for review" not in client.get(detail_url(cast.pilot_a)).content.decode()


def test_returned_plan_shows_the_comment(client, cast, plan_a):
    ProjectPlan.objects.filter(pk=plan_a.pk).update(
        status=ProjectPlan.Status.RETURNED, return_comment="Mangler indikatorer."
    )
    client.force_login(cast.users.tore)

    page = client.get(detail_url(cast.pilot_a)).content.decode()

    assert "Mangler indikatorer." in page
    assert "Submit for review" in page


# Query budgets


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _fill(plan, cast, count):
    MeasureFactory.create_batch(count, plan=plan, owner=cast.siri, deadline=dt.date(2027, 3, 1))
    for number in range(count):
        indicator = Indicator.objects.create(
            plan=plan, name=f"Indikator {number}", unit="min", baseline=10, target=5
        )
        Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 3, 1), value=9)


@pytest.mark.parametrize("url", [detail_url, edit_url])
def test_plan_pages_cost_the_same_queries_for_2_and_40_measures(
    client, cast, url, django_assert_max_num_queries
):
    small = ProjectPlanFactory(pilot=cast.pilot_a)
    _fill(small, cast, 2)
    big = ProjectPlanFactory(pilot=cast.pilot_b)
    _fill(big, cast, 40)
    client.force_login(cast.users.coordinator)
    client.get(url(cast.pilot_a))  # the session settles on the first request

    # Session, user and the scope (5); the pilot (1). The plan page: the plan with its gains,
    # then goals, waste, root causes, measures and indicators with their newest measurement (6)
    # = 12. The edit page: the plan (1), the owners and programme goals to choose from (2), and
    # each part's rows (5) = 14.
    with django_assert_max_num_queries(14):
        small_count = _queries(client, url(cast.pilot_a))
    big_count = _queries(client, url(cast.pilot_b))

    assert small_count == big_count
