"""The follow-up policy is edited in the admin: numbers and cadence per programme."""

import pytest
from django.urls import reverse

from followup.models import FollowUpPolicy, FollowUpStep
from followup.policies import follow_up_policy_ensure
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_administrator_edits_a_programmes_numbers_and_cadence(cast, client):
    policy = follow_up_policy_ensure(programme=cast.programme)
    steps = list(policy.steps.order_by("pk"))
    client.force_login(cast.users.superuser)
    url = reverse("admin:followup_followuppolicy_change", args=[policy.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "plan_submit_days" in page.content.decode()

    data = {
        "programme": cast.programme.pk,
        "reminders_enabled": "on",
        "send_hour": 7,
        "late_after_days": 7,
        "event_notice_working_days": 3,
        "absence_notice_working_days": 1,
        "plan_submit_days": 10,
        "plan_escalation_days": 5,
        "quiet_plan_days": 21,
        "follow_up_notice_days": 7,
        "follow_up_overdue_days": 2,
        "digest_weekday": 5,
        "steps-TOTAL_FORMS": len(steps) + 1,
        "steps-INITIAL_FORMS": len(steps),
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for n, step in enumerate(steps):
        data.update(
            {
                f"steps-{n}-id": step.pk,
                f"steps-{n}-policy": policy.pk,
                f"steps-{n}-amount": step.amount,
                f"steps-{n}-unit": step.unit,
            }
        )
    data.update({f"steps-{len(steps)}-amount": 9, f"steps-{len(steps)}-unit": "months"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.plan_submit_days, policy.send_hour, policy.digest_weekday) == (10, 7, 5)
    assert policy.steps.filter(amount=9, unit=FollowUpStep.Unit.MONTHS).exists()


@pytest.mark.parametrize("programmes", [2, 30])
def test_policy_list_costs_the_same_queries_with_more_programmes(
    admin_client, django_assert_num_queries, programmes
):
    for _ in range(programmes):
        follow_up_policy_ensure(programme=ProgrammeFactory())
    # Each list: session, user, the municipalities of the list filter, the count of rows twice
    # (filtered and in total), one page of rows with their programme, the user's person (layout)
    with django_assert_num_queries(7):
        response = admin_client.get(reverse("admin:followup_followuppolicy_changelist"))
    assert response.context["cl"].result_count == programmes
    with django_assert_num_queries(7):
        response = admin_client.get(reverse("admin:followup_followupstep_changelist"))
    assert response.status_code == 200


def test_missing_policy_is_created_with_the_defaults(cast):
    assert not FollowUpPolicy.objects.filter(programme=cast.programme).exists()
    policy = follow_up_policy_ensure(programme=cast.programme)
    assert follow_up_policy_ensure(programme=cast.programme.pk) == policy
    assert sorted((s.unit, s.amount) for s in policy.steps.all()) == [
        ("months", 3),
        ("months", 6),
        ("months", 12),
        ("weeks", 2),
        ("weeks", 6),
    ]
    assert (policy.event_notice_working_days, policy.quiet_plan_days) == (2, 30)
