"""Writes on a project plan from its edit page: starting a draft, and saving the plan.

Every save goes through `plan_update`, which locks the plan row, refuses a save made from an older
version (`PlanConflict`) and moves the version on, so two people editing at once never silently
overwrite each other. Who did what is recorded by simple_history on every row.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.forms.models import BaseInlineFormSet

from pilots.access import scope_for
from pilots.models import Pilot
from plans.models import ProjectPlan

# The plan's own fields that its edit page changes; status and dates belong to the workflow.
EDITABLE_FIELDS = ("starts_on", "current_state", "future_state")


class PlanConflict(Exception):
    """The plan was saved by someone else after the caller loaded it."""

    def __init__(self, *, expected_version: int, current_version: int):
        super().__init__(
            f"plan is at version {current_version}, the edit was made from {expected_version}"
        )
        self.expected_version = expected_version
        self.current_version = current_version


def plan_ensure(*, pilot: Pilot, user) -> ProjectPlan:
    """The pilot's plan, started as an empty draft the first time its leader opens it."""
    plan = ProjectPlan.objects.filter(pilot=pilot).first()
    if plan is None:
        if not scope_for(user).can_lead(pilot.department_id):
            raise PermissionDenied
        try:
            with transaction.atomic():
                plan = ProjectPlan(pilot=pilot)
                plan._history_user = user
                plan.save()
        except IntegrityError:
            # Opened twice at once: the other request made it.
            plan = ProjectPlan.objects.get(pilot=pilot)
    plan.pilot = pilot
    return plan


def plan_update(
    *,
    plan: ProjectPlan,
    expected_version: int,
    fields: Mapping[str, Any],
    formsets: Iterable[BaseInlineFormSet],
    user,
) -> ProjectPlan:
    """Save the plan's own fields and its parts (validated inline formsets) as one change.

    Raises PlanConflict when the plan is no longer at `expected_version`. Any change, also one
    to a single measure, moves the version on; a save that changes nothing leaves it. The status
    stays as it is: an approved plan keeps working, and its approved snapshot is kept apart.
    """
    if not scope_for(user).can_lead(plan.pilot.department_id):
        raise PermissionDenied
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    formsets = list(formsets)
    with transaction.atomic():
        locked = ProjectPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.version != expected_version:
            raise PlanConflict(expected_version=expected_version, current_version=locked.version)
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        if not changed and not any(formset.has_changed() for formset in formsets):
            return _refresh(plan, locked)
        # The plan row first, its parts after it: `plan_changes_since` finds the start of a
        # save by the plan's history record of the new version.
        for name in changed:
            setattr(locked, name, fields[name])
        locked.version += 1
        locked._history_user = user
        locked.save(update_fields=[*changed, "version", "updated_at"])
        for formset in formsets:
            _save_parts(formset, user)
    return _refresh(plan, locked)


def _save_parts(formset: BaseInlineFormSet, user) -> None:
    rows = formset.save(commit=False)
    # Deletions before saves, so a row removed and added again under the same name is allowed.
    for obj in formset.deleted_objects:
        obj._history_user = user
        obj.delete()
    for obj in rows:
        obj._history_user = user
        obj.save()


def _refresh(plan: ProjectPlan, locked: ProjectPlan) -> ProjectPlan:
    for name in (*EDITABLE_FIELDS, "version", "status", "updated_at"):
        setattr(plan, name, getattr(locked, name))
    return plan
