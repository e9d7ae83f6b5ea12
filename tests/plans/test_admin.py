"""The plans admin: the workflow goes through the services, and bad input is a form error."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from leanprogram.celery import app as celery_app
from plans import services
from plans.models import Indicator, PlanSnapshot, ProjectPlan
from tests.factories import MeasureFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db

PARTS = ("goals", "wastes", "root_causes", "measures", "indicators")


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def admin(client, cast, settings):
    # The assertions read the English msgids.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.users.superuser)
    return client


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a, starts_on=None)


def _change_url(plan):
    return reverse("admin:plans_projectplan_change", args=[plan.pk])


def _changelist_url():
    return reverse("admin:plans_projectplan_changelist")


def _inlines(**rows):
    """Management forms for the plan's inlines, with `rows` (a list of dicts) for some."""
    data = {}
    for prefix in PARTS:
        given = rows.get(prefix, [])
        initial = sum(1 for row in given if row.get("id"))
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(given)),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, row in enumerate(given):
            data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def test_status_dates_and_version_are_read_only(admin, plan_a):
    response = admin.get(_change_url(plan_a))

    editable = set(response.context["adminform"].form.fields)
    assert editable.isdisjoint({"status", "submitted_at", "approved_at", "version"})

    admin.post(
        _change_url(plan_a),
        {"pilot": plan_a.pilot_id, "status": "approved", "current_state": "Ny", **_inlines()},
    )

    plan_a.refresh_from_db()
    assert (plan_a.status, plan_a.current_state, plan_a.version) == ("draft", "Ny", 2)
    assert not PlanSnapshot.objects.exists()


def _submitted_and_told(cast, plan, capture):
    """Submitted, and the reviewers' e-mails already sent: the test is about the review's."""
    with capture(execute=True):
        services.plan_submit(plan=plan, user=cast.users.tore, expected_version=1)
    mail.outbox.clear()


def test_approve_action_goes_through_the_workflow(
    admin, cast, plan_a, django_capture_on_commit_callbacks
):
    _submitted_and_told(cast, plan_a, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            _changelist_url(), {"action": "approve_plans", "_selected_action": [plan_a.pk]}
        )

    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.APPROVED
    snapshot = PlanSnapshot.objects.get(plan=plan_a)
    assert snapshot.approved_by == cast.users.superuser
    assert [message.to for message in mail.outbox] == [[cast.tore.email]]
    assert plan_a.history.first().history_user == cast.users.superuser


def test_return_action_asks_for_a_comment_first(
    admin, cast, plan_a, django_capture_on_commit_callbacks
):
    _submitted_and_told(cast, plan_a, django_capture_on_commit_callbacks)
    selected = {"action": "return_plans", "_selected_action": [plan_a.pk]}

    asked = admin.post(_changelist_url(), selected)
    empty = admin.post(_changelist_url(), {**selected, "apply": "1", "comment": "  "})
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(_changelist_url(), {**selected, "apply": "1", "comment": "Mer mål."})

    assert asked.status_code == 200 and 'name="comment"' in asked.content.decode()
    assert empty.status_code == 200
    assert done.status_code == 302
    plan_a.refresh_from_db()
    assert (plan_a.status, plan_a.return_comment) == ("returned", "Mer mål.")
    assert [message.to for message in mail.outbox] == [[cast.tore.email]]


def test_an_action_the_workflow_refuses_changes_nothing_and_says_why(admin, plan_a):
    response = admin.post(
        _changelist_url(),
        {"action": "approve_plans", "_selected_action": [plan_a.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Only a submitted plan can be approved" in response.content.decode()
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.DRAFT


@pytest.mark.parametrize("field", ["pilot", "owner"])
def test_an_id_that_is_no_id_is_a_form_error(admin, cast, plan_a, field):
    measure = MeasureFactory(plan=plan_a, title="Tiltak")
    row = {
        "id": str(measure.pk),
        "plan": str(plan_a.pk),
        "title": "Tiltak",
        "owner": "abc" if field == "owner" else "",
        "status": "not_started",
        "effort": "medium",
        "effect": "medium",
        "hours_identified_per_week": "0",
        "hours_realised_per_week": "0",
    }
    pilot = "abc" if field == "pilot" else str(plan_a.pilot_id)

    response = admin.post(_change_url(plan_a), {"pilot": pilot, **_inlines(measures=[row])})

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    plan_a.refresh_from_db()
    assert plan_a.version == 1


def test_two_inline_rows_may_swap_their_names(admin, cast, plan_a):
    first = Indicator.objects.create(plan=plan_a, name="Ventetid", unit="min", baseline=1, target=0)
    second = Indicator.objects.create(plan=plan_a, name="Leting", unit="min", baseline=1, target=0)

    def row(indicator, name):
        return {
            "id": str(indicator.pk),
            "plan": str(plan_a.pk),
            "name": name,
            "unit": "min",
            "baseline": "1",
            "target": "0",
        }

    response = admin.post(
        _change_url(plan_a),
        {
            "pilot": plan_a.pilot_id,
            **_inlines(indicators=[row(first, "Leting"), row(second, "Ventetid")]),
        },
    )
    if connection.vendor == "postgresql":  # SQLite checks every constraint at once anyway
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, second.name) == ("Leting", "Ventetid")


def test_two_inline_rows_with_one_name_are_a_form_error(admin, plan_a):
    first = Indicator.objects.create(plan=plan_a, name="Ventetid", unit="min", baseline=1, target=0)
    second = Indicator.objects.create(plan=plan_a, name="Leting", unit="min", baseline=1, target=0)
    rows = [
        {
            "id": str(i.pk),
            "plan": str(plan_a.pk),
            "name": "Ventetid",
            "unit": "min",
            "baseline": "1",
            "target": "0",
        }
        for i in (first, second)
    ]

    response = admin.post(
        _change_url(plan_a), {"pilot": plan_a.pilot_id, **_inlines(indicators=rows)}
    )

    assert response.status_code == 200
    second.refresh_from_db()
    assert second.name == "Leting"
