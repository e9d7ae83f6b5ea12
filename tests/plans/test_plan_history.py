"""The plan's change history: who changed what and when, across the plan and all its parts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilots.models import ProgrammeGoal
from plans.models import Indicator, Measure, Measurement, ProjectPlan, QualityGoal
from plans.selectors import HISTORY_PAGE_SIZE
from tests.factories import MeasureFactory, ProjectPlanFactory
from tests.plans import add_rows, edit_url, form_data


def history_url(pilot) -> str:
    return reverse("plans:plan_history", kwargs={"pilot_pk": pilot.pk})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The assertions read the English msgids, whatever the catalogs say.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a, starts_on=dt.date(2027, 2, 15))


def test_history_shows_each_change_with_who_made_it_newest_first(client, cast, plan_a):
    client.force_login(cast.users.tore)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["current_state"] = "Lang morgenmøte"
    data = add_rows(
        data,
        "measures",
        [
            {
                "title": "Kortere møte",
                "owner": str(cast.siri.pk),
                "deadline": "2027-03-01",
                "status": "not_started",
                "effort": "low",
                "effect": "high",
                "hours_identified_per_week": "2",
                "hours_realised_per_week": "0",
            }
        ],
    )
    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    client.force_login(cast.users.coordinator)
    data = form_data(client.get(edit_url(cast.pilot_a)))
    data["measures-0-status"] = "in_progress"
    data["measures-0-deadline"] = "2027-03-15"
    assert client.post(edit_url(cast.pilot_a), data).status_code == 302

    response = client.get(history_url(cast.pilot_a))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [(e.who, e.action, e.subject, e.name) for e in entries] == [
        ("Jorunn Ervik", "changed", "Measure", "Kortere møte"),
        ("Tore Meltzer", "created", "Measure", "Kortere møte"),
        ("Tore Meltzer", "changed", "Project plan", ""),
        ("system", "created", "Project plan", ""),
    ]
    assert [(c.label, c.old, c.new) for c in entries[0].changes] == [
        ("Deadline", "01.03.2027", "15.03.2027"),
        ("Status", "not started", "in progress"),
    ]
    assert [(c.label, c.old, c.new) for c in entries[2].changes] == [
        ("Current state", "(empty)", "Lang morgenmøte")
    ]
    page = _text(response.content.decode())
    assert "Deadline: from “01.03.2027” to “15.03.2027”" in page
    assert "Jorunn Ervik" in page


def test_history_shows_times_in_norwegian_time(client, cast, plan_a):
    record = plan_a.history.get()
    record.history_date = dt.datetime(2027, 2, 15, 7, 5, tzinfo=dt.UTC)
    record.save()
    client.force_login(cast.users.tore)

    page = client.get(history_url(cast.pilot_a)).content.decode()

    assert "15.02.2027 08:05" in page


def test_history_names_owners_and_programme_goals_and_records_deletion(client, cast, plan_a):
    goal = ProgrammeGoal.objects.create(programme=cast.programme, order=1, text="Gode tjenester")
    measure = MeasureFactory(plan=plan_a, title="Eierskifte", owner=cast.siri)
    quality_goal = QualityGoal.objects.create(plan=plan_a, text="Færre avvik")
    measure.owner = cast.ola
    measure._history_user = cast.users.tore
    measure.save()
    quality_goal.programme_goal = goal
    quality_goal.save()
    measure._history_user = cast.users.tore
    measure.delete()
    client.force_login(cast.users.staff_a)

    entries = client.get(history_url(cast.pilot_a)).context["entries"]

    deleted, goal_changed, owner_changed = entries[:3]
    assert (deleted.action, deleted.name, deleted.who) == ("deleted", "Eierskifte", "Tore Meltzer")
    assert [(c.label, c.old, c.new) for c in goal_changed.changes] == [
        ("Programme goal it serves", "(empty)", "Gode tjenester")
    ]
    assert [(c.old, c.new) for c in owner_changed.changes] == [("Siri Olsen", "Ola Nilsen")]


def test_history_includes_indicators_and_their_measurements(client, cast, plan_a):
    indicator = Indicator.objects.create(
        plan=plan_a, name="Ventetid", unit="min", baseline=Decimal("10"), target=Decimal("5")
    )
    measurement = Measurement.objects.create(
        indicator=indicator, measured_on=dt.date(2027, 3, 1), value=Decimal("9")
    )
    measurement.value = Decimal("8.5")
    measurement.save()
    client.force_login(cast.users.tore)

    entries = client.get(history_url(cast.pilot_a)).context["entries"]

    changed = entries[0]
    assert (changed.subject, changed.action) == ("Measurement", "changed")
    assert changed.name == "01.03.2027 in “Ventetid”"
    assert [(c.label, c.old, c.new) for c in changed.changes] == [("Value", "9", "8.5")]
    assert [e.subject for e in entries[1:3]] == ["Measurement", "Indicator"]


def test_history_of_another_plan_is_not_mixed_in(client, cast, plan_a):
    other = ProjectPlanFactory(pilot=cast.pilot_b)
    MeasureFactory(plan=other, title="Kari sitt tiltak")
    client.force_login(cast.users.coordinator)

    page = client.get(history_url(cast.pilot_a)).content.decode()

    assert "Kari sitt tiltak" not in page


def test_history_shows_html_escaped(client, cast, plan_a):
    MeasureFactory(plan=plan_a, title="<script>alert(1)</script>")
    client.force_login(cast.users.tore)

    page = client.get(history_url(cast.pilot_a)).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_history_without_a_plan_says_so(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.get(history_url(cast.pilot_a))

    assert response.status_code == 200
    assert "No plan yet." in response.content.decode()
    assert not ProjectPlan.objects.exists()


def test_history_is_paged_at_a_hundred_entries(client, cast, plan_a):
    MeasureFactory.create_batch(HISTORY_PAGE_SIZE + 4, plan=plan_a)
    client.force_login(cast.users.tore)

    first = client.get(history_url(cast.pilot_a))
    second = client.get(history_url(cast.pilot_a), {"page": 2})

    assert len(first.context["entries"]) == HISTORY_PAGE_SIZE
    assert "?page=2" in first.content.decode()
    # 104 measures and the plan itself were created.
    assert len(second.context["entries"]) == 5
    assert second.context["entries"][-1].subject == "Project plan"


def _busy_plan(plan, cast, count: int) -> None:
    """`count` measures and indicators, each created, changed once, with a measurement."""
    goal, _ = ProgrammeGoal.objects.get_or_create(
        programme=plan.pilot.programme, order=1, defaults={"text": "Mål"}
    )
    quality_goal = QualityGoal.objects.create(plan=plan, text="Kvalitetsmål")
    for number in range(count):
        measure = MeasureFactory(plan=plan, owner=cast.siri)
        measure.status = Measure.Status.DONE
        measure.owner = cast.ola
        measure.save()
        indicator = Indicator.objects.create(
            plan=plan, name=f"Indikator {number}", unit="min", baseline=10, target=5
        )
        Measurement.objects.create(indicator=indicator, measured_on=timezone.localdate(), value=9)
    # The newest changes touch every kind of record, so both pages show every kind.
    quality_goal.programme_goal = goal
    quality_goal.save()
    plan.current_state = "Endret"
    plan.save()


def test_history_costs_the_same_queries_for_2_and_40_measures(
    client, cast, django_assert_max_num_queries
):
    small = ProjectPlanFactory(pilot=cast.pilot_a)
    _busy_plan(small, cast, 2)
    big = ProjectPlanFactory(pilot=cast.pilot_b)
    _busy_plan(big, cast, 40)
    client.force_login(cast.users.coordinator)
    client.get(history_url(cast.pilot_a))  # the session settles on the first request

    # Session, user and the scope (5); the pilot and its plan (2); the count and the page of
    # history keys across all seven history tables (2); per kind of record on the page (all
    # seven), its records and their previous versions (14); the names of owners, programme goals
    # and indicators (3) = 26.
    with django_assert_max_num_queries(26), CaptureQueriesContext(connection) as small_run:
        assert client.get(history_url(cast.pilot_a)).status_code == 200
    with CaptureQueriesContext(connection) as big_run:
        response = client.get(history_url(cast.pilot_b))

    assert len(small_run) == len(big_run)
    assert len(response.context["entries"]) == HISTORY_PAGE_SIZE


def test_a_word_changed_deep_in_a_long_text_is_shown_highlighted_not_cut_off(client, cast):
    long_text = " ".join(f"setning{n}" for n in range(700))  # about 7,000 characters
    plan = ProjectPlanFactory(pilot=cast.pilot_a, current_state=long_text)
    plan.current_state = long_text.replace("setning650", "ENDRING")
    plan.version += 1
    plan.save()
    client.force_login(cast.users.tore)

    page = client.get(history_url(cast.pilot_a)).content.decode()

    assert re.search(r'<del class="diff-removed">.*?setning650.*?</del>', page)
    assert re.search(r'<ins class="diff-added">.*?ENDRING.*?</ins>', page)
    assert "setning649" in page  # the words around it
    assert "setning100 " not in page  # and not the whole text
