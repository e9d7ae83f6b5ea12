"""The plan's way to approval: who may move it, what is refused, who hears about it by e-mail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from followup.models import Reminder
from followup.reminders.sweep import reminders_sweep
from leanprogram.celery import app as celery_app
from pilots.models import ProgrammeRole
from plans import services
from plans.models import (
    Indicator,
    Measure,
    Measurement,
    PlanSnapshot,
    PlanTransition,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Waste,
)
from tests.factories import MeasureFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, client):
    # The assertions read the English msgids; the catalogs are checked in test_translations.
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    # The Celery app read its configuration once; the setting alone would not reach it.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a)


@pytest.fixture
def plan_b(cast):
    return ProjectPlanFactory(pilot=cast.pilot_b)


def _coordinator(plan):
    return ProgrammeRole.objects.get(
        programme=plan.pilot.programme, role=ProgrammeRole.Role.LEAN_COORDINATOR
    ).person.user


def _settled(step, **kwargs):
    """Make a step before the one a test is about, its e-mails sent and out of the way."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        step(**kwargs)
    mail.outbox.clear()


def _submitted(plan):
    """The plan submitted through the service (version 1 → 2), by the programme's coordinator."""
    _settled(
        services.plan_submit, plan=plan, user=_coordinator(plan), expected_version=plan.version
    )
    plan.refresh_from_db()
    return plan


def _returned(plan, comment="Mål mangler."):
    plan = _submitted(plan)
    _settled(
        services.plan_return,
        plan=plan,
        user=_coordinator(plan),
        expected_version=plan.version,
        comment=comment,
    )
    plan.refresh_from_db()
    return plan


def _approved(plan):
    plan = _submitted(plan)
    _settled(
        services.plan_approve, plan=plan, user=_coordinator(plan), expected_version=plan.version
    )
    plan.refresh_from_db()
    return plan


def _submit(client, plan, **data):
    url = reverse("plans:plan_submit", kwargs={"pilot_pk": plan.pilot_id})
    return client.post(url, {"version": plan.version, **data})


def _review(client, plan, decision, comment="", version=None):
    url = reverse("plans:plan_review", kwargs={"pilot_pk": plan.pilot_id})
    data = {"decision": decision, "comment": comment, "version": version or plan.version}
    return client.post(url, data)


def _detail_url(plan):
    return reverse("plans:plan_detail", kwargs={"pilot_pk": plan.pilot_id})


# Submitting


def test_leader_submits_own_departments_plan(client, cast, plan_a):
    client.force_login(cast.users.tore)

    response = _submit(client, plan_a)

    assert response.status_code == 302
    assert response.url == _detail_url(plan_a)
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED
    assert plan_a.submitted_at is not None
    assert plan_a.version == 2


@pytest.mark.parametrize("who", ["coordinator", "guide"])
def test_coordinator_and_guide_may_submit_on_the_departments_behalf(client, cast, plan_a, who):
    client.force_login(getattr(cast.users, who))

    assert _submit(client, plan_a).status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED


def test_leader_cannot_submit_other_departments_plan(client, cast, plan_a):
    client.force_login(cast.users.kari)

    assert _submit(client, plan_a).status_code == 404
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.DRAFT


def test_staff_cannot_submit_their_departments_plan(client, cast, plan_a):
    client.force_login(cast.users.staff_a)

    assert _submit(client, plan_a).status_code == 403
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.DRAFT


def test_coordinator_from_another_municipality_gets_404(client, cast, plan_a):
    client.force_login(cast.users.outsider)

    assert _submit(client, plan_a).status_code == 404
    assert _review(client, _submitted(plan_a), "approve").status_code == 404


def test_anonymous_is_sent_to_login(client, plan_a):
    response = _submit(client, plan_a)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_workflow_views_accept_only_post(client, cast, plan_a):
    client.force_login(cast.users.coordinator)

    for name in ("plans:plan_submit", "plans:plan_review"):
        assert client.get(reverse(name, kwargs={"pilot_pk": plan_a.pilot_id})).status_code == 405


def test_pilot_without_plan_has_nothing_to_submit(client, cast):
    client.force_login(cast.users.tore)

    url = reverse("plans:plan_submit", kwargs={"pilot_pk": cast.pilot_a.pk})
    assert client.post(url, {"version": 1}).status_code == 404


def test_submitted_plan_cannot_be_submitted_again(client, cast, plan_a):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.tore)

    response = _submit(client, plan_a)

    assert response.status_code == 400
    assert "Only a draft or a returned plan can be submitted" in response.content.decode()


def test_returned_plan_can_be_submitted_again(client, cast, plan_a):
    plan_a = _returned(plan_a)
    client.force_login(cast.users.tore)

    assert _submit(client, plan_a).status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED


def test_submit_from_a_stale_page_is_refused_with_409(client, cast, plan_a):
    client.force_login(cast.users.tore)

    response = client.post(
        reverse("plans:plan_submit", kwargs={"pilot_pk": plan_a.pilot_id}), {"version": 7}
    )

    assert response.status_code == 409
    assert "Someone else changed the plan" in response.content.decode()
    plan_a.refresh_from_db()
    assert (plan_a.status, plan_a.version) == (ProjectPlan.Status.DRAFT, 1)


@pytest.mark.parametrize("data", [{}, {"version": "x"}])
def test_submit_without_a_valid_version_is_a_conflict(client, cast, plan_a, data):
    client.force_login(cast.users.tore)

    url = reverse("plans:plan_submit", kwargs={"pilot_pk": plan_a.pilot_id})
    assert client.post(url, data).status_code == 409
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.DRAFT


# Reviewing


def test_leader_cannot_approve_own_plan(client, cast, plan_a):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.tore)

    assert _review(client, plan_a, "approve").status_code == 403
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED


def test_staff_cannot_review(client, cast, plan_a):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.staff_a)

    assert _review(client, plan_a, "return", "Nei.").status_code == 403


@pytest.mark.parametrize("who", ["coordinator", "guide"])
def test_coordinator_and_guide_approve_a_submitted_plan(client, cast, plan_a, who):
    plan_a = _submitted(plan_a)
    client.force_login(getattr(cast.users, who))

    response = _review(client, plan_a, "approve")

    assert response.status_code == 302
    assert response.url == _detail_url(plan_a)
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.APPROVED
    assert plan_a.approved_at is not None
    assert plan_a.version == 3


@pytest.mark.parametrize("who", ["coordinator", "guide"])
def test_coordinator_and_guide_return_a_plan_with_a_comment(client, cast, plan_a, who):
    plan_a = _submitted(plan_a)
    client.force_login(getattr(cast.users, who))

    response = _review(client, plan_a, "return", "  Beskriv nåsituasjonen bedre.  ")

    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.RETURNED
    assert plan_a.return_comment == "Beskriv nåsituasjonen bedre."
    assert plan_a.version == 3


def test_return_without_comment_is_refused_with_400_on_the_comment(client, cast, plan_a):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.coordinator)

    response = _review(client, plan_a, "return", "   ")

    assert response.status_code == 400
    form = response.context["review_form"]
    assert form.errors["comment"] == ["Write a comment telling the department what to improve."]
    assert form["decision"].value() == "return"  # the choice is kept for the next try
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED


def test_return_without_comment_is_refused_by_the_service_too(cast, plan_a):
    plan_a = _submitted(plan_a)

    with pytest.raises(ValidationError) as refusal:
        services.plan_return(
            plan=plan_a, user=cast.users.coordinator, expected_version=2, comment=""
        )

    assert "comment" in refusal.value.message_dict


def test_review_with_unknown_decision_is_refused_with_400(client, cast, plan_a):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.coordinator)

    assert _review(client, plan_a, "publish").status_code == 400


def test_approving_a_draft_is_refused(client, cast, plan_a):
    client.force_login(cast.users.coordinator)

    response = _review(client, plan_a, "approve")

    assert response.status_code == 400
    assert "Only a submitted plan can be approved" in response.content.decode()
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.DRAFT
    assert not PlanSnapshot.objects.exists()


def test_returning_an_approved_plan_is_refused(client, cast, plan_a):
    plan_a = _approved(plan_a)
    client.force_login(cast.users.coordinator)

    response = _review(client, plan_a, "return", "For sent.")

    assert response.status_code == 400
    assert "For sent." in response.content.decode()  # what they typed is not lost


def test_review_from_a_stale_page_is_refused_with_409(client, cast, plan_a):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.guide)

    response = _review(client, plan_a, "approve", version=1)

    assert response.status_code == 409
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED


def test_service_refuses_a_leader_who_tries_to_approve(cast, plan_a):
    plan_a = _submitted(plan_a)

    with pytest.raises(PermissionDenied):
        services.plan_approve(plan=plan_a, user=cast.users.tore, expected_version=2)


def test_approved_plan_stays_editable_and_is_not_locked(cast, plan_a):
    plan_a = _approved(plan_a)

    services.plan_update(
        pilot=cast.pilot_a,
        user=cast.users.tore,
        expected_version=plan_a.version,
        fields={"current_state": "Endret etter godkjenning."},
        parts={},
    )

    plan_a.refresh_from_db()
    assert plan_a.current_state == "Endret etter godkjenning."
    assert plan_a.status == ProjectPlan.Status.APPROVED
    assert PlanSnapshot.objects.get(plan=plan_a).data["current_state"] == ""


def test_history_records_who_moved_the_plan(cast, plan_a):
    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=1)

    latest = plan_a.history.first()
    assert latest.status == ProjectPlan.Status.SUBMITTED
    assert latest.history_user == cast.users.tore


# The approved snapshot


def test_approval_keeps_a_snapshot_of_the_whole_plan(client, cast, plan_a):
    services.plan_update(
        pilot=cast.pilot_a,
        user=cast.users.tore,
        expected_version=1,
        fields={"current_state": "Mye leting etter utstyr.", "starts_on": dt.date(2027, 3, 1)},
        parts={},
    )
    plan_a.refresh_from_db()
    QualityGoal.objects.create(plan=plan_a, text="Mer tid hos brukeren")
    Waste.objects.create(plan=plan_a, kind=Waste.Kind.MOTION, description="Leting")
    RootCause.objects.create(
        plan=plan_a, problem="Leting", whys="Rot\nIngen faste plasser", root_cause="Ingen 5S"
    )
    MeasureFactory(
        plan=plan_a,
        title="Fast plass for utstyr",
        owner=cast.tore,
        deadline=dt.date(2027, 4, 1),
        hours_identified_per_week=Decimal("7.50"),
    )
    indicator = Indicator.objects.create(
        plan=plan_a, name="Tid til leting", unit="min/dag", baseline=30, target=10
    )
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 3, 8), value=25)
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.coordinator)

    _review(client, plan_a, "approve")

    snapshot = PlanSnapshot.objects.get(plan=plan_a)
    assert snapshot.plan_version == 4
    assert snapshot.approved_by == cast.users.coordinator
    assert snapshot.approved_at == ProjectPlan.objects.get(pk=plan_a.pk).approved_at
    data = snapshot.data
    assert data["current_state"] == "Mye leting etter utstyr."
    assert data["starts_on"] == "2027-03-01"
    assert data["goals"] == [{"text": "Mer tid hos brukeren", "programme_goal": None}]
    assert data["wastes"] == [{"kind": "motion", "description": "Leting"}]
    assert data["root_causes"][0]["root_cause"] == "Ingen 5S"
    assert data["measures"][0] | {"title": "Fast plass for utstyr"} == data["measures"][0]
    assert data["measures"][0]["owner"] == "Tore Meltzer"
    assert data["measures"][0]["hours_identified_per_week"] == "7.50"
    assert data["indicators"][0]["measurements"] == [
        {"measured_on": "2027-03-08", "value": "25.00", "note": ""}
    ]


def test_snapshot_is_taken_at_the_approved_version_after_a_return(cast, plan_a):
    coordinator = cast.users.coordinator
    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=1)
    services.plan_return(plan=plan_a, user=coordinator, expected_version=2, comment="Mer.")
    assert not PlanSnapshot.objects.exists()
    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=3)
    services.plan_approve(plan=plan_a, user=coordinator, expected_version=4)

    assert list(PlanSnapshot.objects.values_list("plan_version", flat=True)) == [5]


# E-mails


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_submission_emails_the_programmes_coordinator_and_guide_once_each(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    client.force_login(cast.users.tore)

    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, plan_a)

    assert _recipients() == [cast.jorunn.email, cast.monica.email]
    for message in mail.outbox:
        assert settings.SITE_URL + _detail_url(plan_a) in message.body
        assert "Omsorg Sør, hjemmetjenesten 2" in message.subject
        assert "Tore Meltzer" in message.body


def test_return_emails_the_department_leader_with_the_comment(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.guide)

    with django_capture_on_commit_callbacks(execute=True):
        _review(client, plan_a, "return", "Legg til en indikator & en måling.")

    assert _recipients() == [cast.tore.email]
    (message,) = mail.outbox
    # A plain-text e-mail: the comment exactly as written, not HTML-escaped.
    assert "Legg til en indikator & en måling." in message.body
    assert settings.SITE_URL + _detail_url(plan_a) in message.body


def test_approval_emails_the_leader_in_their_own_language(
    client, cast, plan_b, django_capture_on_commit_callbacks
):
    plan_b = _submitted(plan_b)
    client.force_login(cast.users.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        _review(client, plan_b, "approve")

    (message,) = mail.outbox
    assert message.to == [cast.kari.email]
    assert cast.kari.language == "nn"
    assert message.extra_headers["Content-Language"] == "nn"
    assert message.message()["Content-Language"] == "nn"
    assert settings.SITE_URL + _detail_url(plan_b) in message.body


def test_return_email_is_written_in_the_recipients_language(
    client, cast, plan_b, django_capture_on_commit_callbacks
):
    plan_b = _submitted(plan_b)
    client.force_login(cast.users.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        _review(client, plan_b, "return", "Mål mangler.")

    (message,) = mail.outbox
    with translation.override("nn"):
        comment_heading = gettext("Comment:")
        subject = gettext("Project plan returned with a comment: %(department)s") % {
            "department": "NAV flyktningetjenesten"
        }
    assert comment_heading in message.body
    assert message.subject == subject


def test_each_recipient_gets_their_own_language(
    client, cast, plan_b, django_capture_on_commit_callbacks
):
    cast.monica.language = "en"
    cast.monica.save()
    client.force_login(cast.users.kari)

    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, plan_b)

    languages = {m.to[0]: m.extra_headers["Content-Language"] for m in mail.outbox}
    assert languages == {cast.jorunn.email: "nb", cast.monica.email: "en"}


def test_the_person_who_acts_gets_no_email_about_it(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    client.force_login(cast.users.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, plan_a)

    assert _recipients() == [cast.monica.email]


def test_emails_are_sent_only_after_commit(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    client.force_login(cast.users.tore)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _submit(client, plan_a)

    assert mail.outbox == []
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    assert len(mail.outbox) == 2


def test_refused_transition_sends_no_email(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    client.force_login(cast.users.coordinator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _review(client, plan_a, "approve")

    assert callbacks == []
    assert mail.outbox == []


def test_inactive_people_get_no_email(client, cast, plan_a, django_capture_on_commit_callbacks):
    cast.monica.is_active = False
    cast.monica.save()
    client.force_login(cast.users.tore)

    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, plan_a)

    assert _recipients() == [cast.jorunn.email]


def test_one_email_per_transition_and_recipient_through_the_outbox(
    cast, plan_a, django_capture_on_commit_callbacks
):
    steps = [
        (services.plan_submit, cast.users.tore, {}),
        (services.plan_return, cast.users.coordinator, {"comment": "Mer."}),
        (services.plan_submit, cast.users.tore, {}),
        (services.plan_approve, cast.users.guide, {}),
    ]
    sent = []
    for version, (step, user, extra) in enumerate(steps, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            step(plan=plan_a, user=user, expected_version=version, **extra)
        sent.append(_recipients())
        mail.outbox.clear()

    leaders, reviewers = [cast.tore.email], [cast.jorunn.email, cast.monica.email]
    assert sent == [reviewers, leaders, reviewers, leaders]
    rows = Reminder.objects.filter(kind=Reminder.Kind.PLAN_TRANSITION)
    assert rows.count() == 6
    assert set(rows.values_list("status", flat=True)) == {Reminder.Status.SENT}
    # Sweeping again sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=timezone.now() + dt.timedelta(minutes=5))
    assert mail.outbox == []


def test_measures_are_untouched_by_the_workflow(cast, plan_a):
    measure = MeasureFactory(plan=plan_a, status=Measure.Status.IN_PROGRESS)

    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=1)

    measure.refresh_from_db()
    assert measure.status == Measure.Status.IN_PROGRESS


def test_submit_succeeds_while_the_broker_is_down_and_the_mails_go_with_the_next_sweep(
    client, cast, plan_a, django_capture_on_commit_callbacks, caplog
):
    from tests.followup.conftest import DEAD_BROKER, celery_broker

    client.force_login(cast.users.tore)

    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, plan_a)

    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == ProjectPlan.Status.SUBMITTED
    assert mail.outbox == []
    assert "Could not ask for a reminder sweep" in caplog.text  # logged, not raised
    assert "e-mail" in client.get(_detail_url(plan_a)).content.decode()

    # The broker is back: the periodic sweep sends what the step recorded, once.
    for minutes in (5, 10):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_sweep(now=timezone.now() + dt.timedelta(minutes=minutes))
    assert _recipients() == [cast.jorunn.email, cast.monica.email]


def test_each_step_is_recorded_with_its_actor_and_comment(cast, plan_a):
    plan_a = _returned(plan_a, comment="Mål mangler.")
    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=plan_a.version)

    steps = PlanTransition.objects.filter(plan=plan_a).order_by("at", "pk")
    assert [(s.transition, s.actor, s.comment) for s in steps] == [
        ("submitted", cast.users.coordinator, ""),
        ("returned", cast.users.coordinator, "Mål mangler."),
        ("submitted", cast.users.tore, ""),
    ]


def test_a_transition_nobody_hears_about_makes_no_email(
    cast, plan_a, django_capture_on_commit_callbacks
):
    cast.jorunn.is_active = cast.monica.is_active = False
    cast.jorunn.save()
    cast.monica.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=1)

    assert not Reminder.objects.filter(kind=Reminder.Kind.PLAN_TRANSITION).exists()
    assert mail.outbox == []


def test_the_return_email_keeps_its_own_comment_after_the_next_return(
    cast, plan_a, django_capture_on_commit_callbacks
):
    plan_a = _submitted(plan_a)
    # Steps recorded but not mailed yet (no sweep ran): each mail says its own step's comment.
    services.plan_return(
        plan=plan_a, user=cast.users.guide, expected_version=plan_a.version, comment="Første."
    )
    plan_a.refresh_from_db()
    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=plan_a.version)
    plan_a.refresh_from_db()
    services.plan_return(
        plan=plan_a, user=cast.users.guide, expected_version=plan_a.version, comment="Andre."
    )

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=timezone.now())

    returns = sorted(m.body for m in mail.outbox if m.to == [cast.tore.email])
    assert len(returns) == 2
    assert ("Første." in returns[0]) != ("Første." in returns[1])
    assert ("Andre." in returns[0]) != ("Andre." in returns[1])


# The approval comment


def test_approval_comment_is_kept_on_the_snapshot_shown_and_mailed(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.guide)

    with django_capture_on_commit_callbacks(execute=True):
        response = _review(
            client, plan_a, "approve", "  Godt jobbet – følg opp målingene & tavla.  "
        )

    assert response.status_code == 302
    snapshot = PlanSnapshot.objects.get(plan=plan_a)
    assert snapshot.comment == "Godt jobbet – følg opp målingene & tavla."
    (message,) = mail.outbox
    assert message.to == [cast.tore.email]
    # Plain text: the comment exactly as written, not HTML-escaped.
    assert "Godt jobbet – følg opp målingene & tavla." in message.body
    client.force_login(cast.users.staff_a)
    page = client.get(_detail_url(plan_a)).content.decode()
    assert "Comment on the approval" in page
    assert "Godt jobbet – følg opp målingene &amp; tavla." in page


def test_approval_without_a_comment_mails_and_shows_no_comment(
    client, cast, plan_a, django_capture_on_commit_callbacks
):
    plan_a = _submitted(plan_a)
    client.force_login(cast.users.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        _review(client, plan_a, "approve", "   ")

    assert PlanSnapshot.objects.get(plan=plan_a).comment == ""
    (message,) = mail.outbox
    assert "Comment:" not in message.body
    assert "Comment on the approval" not in client.get(_detail_url(plan_a)).content.decode()


def test_approval_comment_from_a_shell_is_kept_and_a_leader_is_still_refused(cast, plan_a):
    plan_a = _submitted(plan_a)

    with pytest.raises(PermissionDenied):
        services.plan_approve(
            plan=plan_a, user=cast.users.tore, expected_version=plan_a.version, comment="Selv."
        )
    services.plan_approve(
        plan=plan_a, user=cast.users.coordinator, expected_version=plan_a.version, comment="Ok."
    )

    assert PlanSnapshot.objects.get(plan=plan_a).comment == "Ok."
