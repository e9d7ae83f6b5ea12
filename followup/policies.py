"""Each programme's follow-up policy: found, or made with the defaults when it is missing."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from followup.models import FollowUpPolicy, FollowUpStep
from pilots.models import Programme


def follow_up_policy_ensure(*, programme: Programme | int) -> FollowUpPolicy:
    """The programme's policy, created with the default numbers and cadence if it has none."""
    programme_id = getattr(programme, "pk", programme)
    policy = FollowUpPolicy.objects.filter(programme_id=programme_id).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            policy = FollowUpPolicy.objects.create(programme_id=programme_id)
            FollowUpStep.objects.bulk_create(
                FollowUpStep(policy=policy, amount=amount, unit=unit)
                for amount, unit in FollowUpStep.DEFAULTS
            )
    except IntegrityError:
        # Another process created it between our read and our write; theirs is as good.
        policy = FollowUpPolicy.objects.get(programme_id=programme_id)
    return policy


def follow_up_policies_load(
    *, programme_ids: Iterable[int], create_missing: bool
) -> dict[int, FollowUpPolicy]:
    """Policies by programme id; missing ones are created, or stand in unsaved with defaults."""
    programme_ids = set(programme_ids)
    policies = {
        policy.programme_id: policy
        for policy in FollowUpPolicy.objects.filter(programme_id__in=programme_ids)
    }
    for programme_id in programme_ids - policies.keys():
        policies[programme_id] = (
            follow_up_policy_ensure(programme=programme_id)
            if create_missing
            else FollowUpPolicy(programme_id=programme_id)
        )
    return policies
