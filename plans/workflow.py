"""The plan's way to approval: draft → submitted → approved, or returned with a comment and back.

Each transition locks the plan row, checks the version the caller saw (a stale page never moves a
plan), bumps the version, and after commit queues one e-mail task for the people concerned.
Approved plans stay editable; what was approved is kept unchanged in a `PlanSnapshot`.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from pilots.access import scope_for
from plans.models import Indicator, Measure, PlanSnapshot, ProjectPlan
from plans.notifications import APPROVED, RETURNED, SUBMITTED
from plans.tasks import send_plan_transition_email

Status = ProjectPlan.Status

SUBMITTABLE = (Status.DRAFT, Status.RETURNED)
REVIEWABLE = (Status.SUBMITTED,)


def plan_submit(*, plan: ProjectPlan, user, expected_version: int | None) -> ProjectPlan:
    """Send a draft or returned plan to the lean coordinator and guide for review."""
    if not scope_for(user).can_lead(plan.pilot.department_id):
        raise PermissionDenied
    return _move(
        plan=plan,
        user=user,
        expected_version=expected_version,
        allowed_from=SUBMITTABLE,
        to=Status.SUBMITTED,
        transition=SUBMITTED,
        refusal=_("Only a draft or a returned plan can be submitted; this plan is %(status)s."),
    )


def plan_return(*, plan: ProjectPlan, user, expected_version: int, comment: str) -> ProjectPlan:
    """Send a submitted plan back to the department with a comment on what to improve."""
    if not scope_for(user).can_manage_programme():
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": _("Write a comment telling the department what to improve.")}
        )
    return _move(
        plan=plan,
        user=user,
        expected_version=expected_version,
        allowed_from=REVIEWABLE,
        to=Status.RETURNED,
        transition=RETURNED,
        refusal=_("Only a submitted plan can be returned; this plan is %(status)s."),
        comment=comment,
    )


def plan_approve(*, plan: ProjectPlan, user, expected_version: int) -> ProjectPlan:
    """Approve a submitted plan and keep a snapshot of it as it stands."""
    if not scope_for(user).can_manage_programme():
        raise PermissionDenied
    return _move(
        plan=plan,
        user=user,
        expected_version=expected_version,
        allowed_from=REVIEWABLE,
        to=Status.APPROVED,
        transition=APPROVED,
        refusal=_("Only a submitted plan can be approved; this plan is %(status)s."),
    )


def _move(
    *,
    plan: ProjectPlan,
    user,
    expected_version: int | None,
    allowed_from: tuple[str, ...],
    to: str,
    transition: str,
    refusal: str,
    comment: str = "",
) -> ProjectPlan:
    with transaction.atomic():
        locked = ProjectPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.version != expected_version:
            raise ValidationError(
                _(
                    "Someone else changed the plan while you had it open (it is now version "
                    "%(version)s). Nothing was changed; open the plan again and check it."
                )
                % {"version": locked.version},
                code="stale_version",
            )
        if locked.status not in allowed_from:
            raise ValidationError(
                refusal % {"status": Status(locked.status).label}, code="illegal_transition"
            )
        now = timezone.now()
        locked.status = to
        locked.version += 1
        if transition == SUBMITTED:
            locked.submitted_at = now
        elif transition == RETURNED:
            locked.return_comment = comment
        else:
            locked.approved_at = now
            locked.return_comment = ""
        # simple_history records who did it, also when no request is around (shell, tasks).
        locked._history_user = user
        locked.save(
            update_fields=[
                "status",
                "version",
                "submitted_at",
                "approved_at",
                "return_comment",
                "updated_at",
            ]
        )
        if transition == APPROVED:
            PlanSnapshot.objects.create(
                plan=locked,
                plan_version=locked.version,
                approved_at=now,
                approved_by=user,
                data=plan_snapshot_data(locked),
            )
        plan_id, actor_id = locked.pk, user.pk
        # robust: the transition is saved; a broker that is down must not turn that into an
        # error page. The failure is logged.
        transaction.on_commit(
            lambda: send_plan_transition_email.delay(plan_id, transition, actor_id), robust=True
        )
    for name in ("status", "version", "submitted_at", "approved_at", "return_comment"):
        setattr(plan, name, getattr(locked, name))
    return plan


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _date(value) -> str | None:
    return value.isoformat() if value else None


def plan_snapshot_data(plan: ProjectPlan) -> dict:
    """The whole plan as plain JSON: what was approved, readable without the live rows."""
    plan = (
        ProjectPlan.objects.select_related("pilot__department", "pilot__programme")
        .prefetch_related(
            "goals__programme_goal",
            "wastes",
            "root_causes",
            Prefetch("measures", queryset=Measure.objects.select_related("owner")),
            Prefetch("indicators", queryset=Indicator.objects.prefetch_related("measurements")),
        )
        .get(pk=plan.pk)
    )
    return {
        "department": plan.pilot.department.name,
        "programme": plan.pilot.programme.name,
        "version": plan.version,
        "status": plan.status,
        "starts_on": _date(plan.starts_on),
        "current_state": plan.current_state,
        "future_state": plan.future_state,
        "goals": [
            {
                "text": goal.text,
                "programme_goal": goal.programme_goal.text if goal.programme_goal else None,
            }
            for goal in plan.goals.all()
        ],
        "wastes": [
            {"kind": waste.kind, "description": waste.description} for waste in plan.wastes.all()
        ],
        "root_causes": [
            {"problem": cause.problem, "whys": cause.whys, "root_cause": cause.root_cause}
            for cause in plan.root_causes.all()
        ],
        "measures": [
            {
                "title": measure.title,
                "description": measure.description,
                "owner": measure.owner.full_name if measure.owner else None,
                "deadline": _date(measure.deadline),
                "status": measure.status,
                "effort": measure.effort,
                "effect": measure.effect,
                "hours_identified_per_week": _decimal(measure.hours_identified_per_week),
                "hours_realised_per_week": _decimal(measure.hours_realised_per_week),
            }
            for measure in plan.measures.all()
        ],
        "indicators": [
            {
                "name": indicator.name,
                "unit": indicator.unit,
                "baseline": _decimal(indicator.baseline),
                "target": _decimal(indicator.target),
                "measurements": [
                    {
                        "measured_on": _date(measurement.measured_on),
                        "value": _decimal(measurement.value),
                        "note": measurement.note,
                    }
                    for measurement in indicator.measurements.all()
                ],
            }
            for indicator in plan.indicators.all()
        ],
    }
