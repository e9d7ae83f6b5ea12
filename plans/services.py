"""Every write on a project plan: saving the plan and its parts, its way to approval, the board's
status changes and the indicators' measurements.

Each service takes keyword-only plain values (or a form's cleaned data), checks that the user may
do it (`scope_for(user).require(...)`, so the admin, a shell or a task is refused what the person
may not do), validates with the models' `full_clean()` and holds its own transaction.

Locks are taken in one order everywhere: the plan row first (`plan_lock`), then its parts.
Two writes on the same plan therefore queue behind each other instead of deadlocking.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Prefetch, UniqueConstraint
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pilots.access import scope_for
from pilots.invitations import reminders_sweep_request
from pilots.models import Pilot
from plans.models import (
    Indicator,
    Measure,
    Measurement,
    MeasureNote,
    PlanSnapshot,
    PlanTransition,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Waste,
)

Status = ProjectPlan.Status
SUBMITTED, RETURNED, APPROVED = PlanTransition.Transition

# The plan's own fields that its edit page changes; status and dates belong to the workflow.
PLAN_FIELDS = ("starts_on", "current_state", "future_state")
# The parts of a plan, by the name `plan_update` takes them under, and the fields it may set.
PLAN_PARTS: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "goals": (QualityGoal, ("text", "programme_goal")),
    "wastes": (Waste, ("kind", "description")),
    "causes": (RootCause, ("problem", "whys", "root_cause")),
    "measures": (
        Measure,
        (
            "title",
            "description",
            "owner",
            "deadline",
            "status",
            "effort",
            "effect",
            "hours_identified_per_week",
            "hours_realised_per_week",
        ),
    ),
    "indicators": (Indicator, ("name", "unit", "baseline", "target")),
}
# More rows than this in one part of a plan is not a plan but a mistake or an attack.
MAX_ROWS_PER_PART = 200

SUBMITTABLE = (Status.DRAFT, Status.RETURNED)
REVIEWABLE = (Status.SUBMITTED,)


class PlanConflict(Exception):
    """The plan was saved by someone else after the caller loaded it."""

    def __init__(self, *, expected_version: int, current_version: int):
        super().__init__(
            f"plan is at version {current_version}, the edit was made from {expected_version}"
        )
        self.expected_version = expected_version
        self.current_version = current_version


def plan_lock(pk: int) -> ProjectPlan:
    """The plan row, locked until the transaction ends: the first lock of every plan write."""
    return ProjectPlan.objects.select_for_update().get(pk=pk)


# Saving the plan from its edit page


def plan_update(
    *,
    pilot: Pilot,
    user,
    expected_version: int,
    fields: Mapping[str, Any],
    parts: Mapping[str, Sequence[Mapping[str, Any]]],
) -> ProjectPlan:
    """Save the plan's own fields and its parts as one change; the first save starts the plan.

    `fields` holds values for `PLAN_FIELDS`. `parts` maps a name of `PLAN_PARTS` to its rows,
    each a mapping of that part's fields plus `id` (None for a new row) and `delete` (True to
    remove the row). Rows left out stay as they are.

    Raises PlanConflict when the plan is no longer at `expected_version`, and ValidationError
    (keyed `part-index-field`) when a row is invalid; either way nothing is saved. Any change,
    also one to a single measure, moves the version on; a save that changes nothing leaves it.
    The status stays as it is: an approved plan keeps working, its snapshot is kept apart.
    """
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(pilot))
    unknown = set(fields) - set(PLAN_FIELDS)
    unknown |= {f"parts[{name}]" for name in parts if name not in PLAN_PARTS}
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    for rows in parts.values():
        if len(rows) > MAX_ROWS_PER_PART:
            raise ValidationError(
                _("A part of the plan can have at most %(max)s rows.") % {"max": MAX_ROWS_PER_PART},
                code="too_many_rows",
            )
    with transaction.atomic():
        locked, created = plan_lock_or_start(pilot=pilot, user=user)
        if not created and locked.version != expected_version:
            raise PlanConflict(expected_version=expected_version, current_version=locked.version)
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        errors: dict[str, list[str]] = {}
        try:
            locked.full_clean(exclude=["pilot"], validate_unique=False)
        except ValidationError as error:
            errors.update(error.message_dict)
        work = []
        for name, rows in parts.items():
            model, allowed = PLAN_PARTS[name]
            work.append(_part_changes(locked, name, model, allowed, rows, errors))
        if errors:
            raise ValidationError(errors)
        if not changed and not any(deletions or saves for deletions, saves in work):
            return locked
        # The plan row first, its parts after it: `plan_changes_since` finds the start of a
        # save by the plan's history record of the new version.
        locked.version += 1
        locked._history_user = user
        locked.save(update_fields=[*changed, "version", "updated_at"])
        # Deletions before saves, so a row removed and added again under the same name is allowed.
        for deletions, _saves in work:
            for obj in deletions:
                obj._history_user = user
                obj.delete()
        for _deletions, saves in work:
            for obj in saves:
                obj._history_user = user
                obj.save()
    return locked


def plan_lock_or_start(*, pilot: Pilot, user) -> tuple[ProjectPlan, bool]:
    """The pilot's plan, locked; started as an empty draft (version 1) if it has none yet."""
    locked = ProjectPlan.objects.select_for_update().filter(pilot=pilot).first()
    created = False
    if locked is None:
        try:
            with transaction.atomic():
                locked = ProjectPlan(pilot=pilot)
                locked._history_user = user
                locked.save()
                created = True
        except IntegrityError:
            # Two first saves at once: the other one started it, and now holds the lock until
            # it commits; its version decides whether this save is a conflict.
            locked = ProjectPlan.objects.select_for_update().get(pilot=pilot)
    locked.pilot = pilot
    return locked, created


def _part_changes(
    plan: ProjectPlan,
    name: str,
    model: type[Model],
    allowed: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
    errors: dict[str, list[str]],
) -> tuple[list[Model], list[Model]]:
    """The rows of one part to delete and to save, validated; errors go into `errors`."""
    existing = {obj.pk: obj for obj in model._default_manager.filter(plan=plan)}
    deletions, saves, seen = [], [], set()
    for index, row in enumerate(rows):
        key = f"{name}-{index}"
        unknown = set(row) - {*allowed, "id", "delete"}
        if unknown:
            raise ValueError(f"{key}: not editable here: {', '.join(sorted(unknown))}")
        pk = row.get("id")
        if pk is not None and (pk in seen or pk not in existing):
            errors[f"{key}-id"] = [_("This row is not part of the plan.")]
            continue
        seen.add(pk)
        if row.get("delete"):
            if pk is not None:
                deletions.append(existing[pk])
            continue
        obj = existing[pk] if pk is not None else model(plan=plan)
        obj.plan = plan
        before = {f: getattr(obj, model._meta.get_field(f).attname) for f in allowed}
        for field_name in allowed:
            if field_name in row:
                _assign(obj, field_name, row[field_name])
        after = {f: getattr(obj, model._meta.get_field(f).attname) for f in allowed}
        if pk is not None and before == after:
            continue
        try:
            obj.full_clean(exclude=["plan"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                errors[f"{key}-{field_name}"] = messages
            continue
        saves.append(obj)
    _check_unique(name, model, existing, deletions, saves, errors)
    return deletions, saves


def _assign(obj: Model, name: str, value: Any) -> None:
    field = obj._meta.get_field(name)
    if field.is_relation and value is not None and not isinstance(value, Model):
        setattr(obj, field.attname, value)  # an id, from a shell or a task
    else:
        setattr(obj, name, value)


def _check_unique(name, model, existing, deletions, saves, errors) -> None:
    """The part's unique constraints, checked on the rows as they will stand after the save.

    Checked here on the whole part rather than row by row against the database, so that two rows
    that swap their names are allowed; the database's deferred constraint holds to it as well.
    """
    deleted = {obj.pk for obj in deletions}
    final = {pk: obj for pk, obj in existing.items() if pk not in deleted}
    final.update({obj.pk or id(obj): obj for obj in saves})
    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        columns = [f for f in constraint.fields if f != "plan"]
        seen = set()
        for obj in final.values():
            values = tuple(getattr(obj, f) for f in columns)
            if values in seen:
                errors[f"{name}-{'-'.join(columns)}"] = [
                    _("Two rows of the same part cannot have the same %(field)s.")
                    % {"field": model._meta.get_field(columns[0]).verbose_name}
                ]
            seen.add(values)


# The plan's way to approval: draft → submitted → approved, or returned with a comment and back.
# Each transition locks the plan row, checks the version the caller saw (a stale page never moves
# a plan), bumps the version and records the step as a `PlanTransition`, from which the outbox
# derives the e-mails to the people concerned; after commit it asks for a sweep so they go at once.
# Approved plans stay editable; what was approved is kept unchanged in a `PlanSnapshot`.


def plan_submit(*, plan: ProjectPlan, user, expected_version: int | None) -> ProjectPlan:
    """Send a draft or returned plan to the lean coordinator and guide for review."""
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(plan.pilot))
    return _move(
        plan=plan,
        user=user,
        expected_version=expected_version,
        allowed_from=SUBMITTABLE,
        to=Status.SUBMITTED,
        transition=SUBMITTED,
        refusal=_("Only a draft or a returned plan can be submitted; this plan is %(status)s."),
    )


def plan_return(
    *, plan: ProjectPlan, user, expected_version: int | None, comment: str
) -> ProjectPlan:
    """Send a submitted plan back to the department with a comment on what to improve."""
    scope = scope_for(user)
    scope.require(scope.can_review_plan(plan.pilot))
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


def plan_approve(
    *, plan: ProjectPlan, user, expected_version: int | None, comment: str = ""
) -> ProjectPlan:
    """Approve a submitted plan and keep a snapshot of it as it stands, with the optional comment.

    The comment goes to the department leader in the approval e-mail and stays on the snapshot.
    """
    scope = scope_for(user)
    scope.require(scope.can_review_plan(plan.pilot))
    return _move(
        plan=plan,
        user=user,
        expected_version=expected_version,
        allowed_from=REVIEWABLE,
        to=Status.APPROVED,
        transition=APPROVED,
        refusal=_("Only a submitted plan can be approved; this plan is %(status)s."),
        comment=(comment or "").strip(),
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
        locked = plan_lock(plan.pk)
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
            locked.returned_at = now
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
                "returned_at",
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
                comment=comment,
            )
        PlanTransition.objects.create(
            plan=locked, transition=transition, actor=user, comment=comment, at=now
        )
        # The step is saved and its e-mails with it: a broker that is down only delays them
        # until the periodic sweep, and must not turn the step into an error page.
        transaction.on_commit(reminders_sweep_request)
    for name in (
        "status",
        "version",
        "submitted_at",
        "approved_at",
        "return_comment",
        "returned_at",
    ):
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


# The plan at work: the board and the indicators


def measure_status_choices(*, user, measure: Measure) -> tuple[str, ...]:
    """The statuses `user` may give `measure` (its current one included), or none at all.

    Whoever may edit the plan: every status. The measure's owner: the working statuses
    (`Measure.OWNER_STATUSES`), unless the measure was dropped. The board and the owner's own page
    show the moves this allows; `measure_record_progress` holds to it.
    """
    scope = scope_for(user)
    pilot = measure.plan.pilot
    if scope.can_edit_plan(pilot):
        return tuple(Measure.Status.values)
    if (
        scope.can_update_measure(pilot, owner_id=measure.owner_id)
        and measure.status in Measure.OWNER_STATUSES
    ):
        return Measure.OWNER_STATUSES
    return ()


def measure_set_status(*, measure: Measure, user, status: str) -> Measure:
    """Move a measure to another column of the board; the same column changes nothing."""
    return measure_record_progress(measure=measure, user=user, status=status)


def measure_record_progress(*, measure: Measure, user, status: str, note: str = "") -> Measure:
    """Give a measure a status and, if written, a note on how it is going.

    The plan's editors and the measure's owner may (`Scope.can_update_measure`), each to the
    statuses `measure_status_choices` gives them. A change of status moves the plan's version on,
    so an edit form opened before it sees a conflict instead of saving the old status back. A
    note is kept as a `MeasureNote` with its author, and counts as life in the plan (the measure's
    `updated_at`), so a plan whose owners keep writing does not read as going quiet.
    """
    scope = scope_for(user)
    pilot = measure.plan.pilot
    scope.require(scope.can_update_measure(pilot, owner_id=measure.owner_id))
    if status not in Measure.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses on the board.")})
    note = (note or "").strip()
    if len(note) > MeasureNote.MAX_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note to %(max)s characters.") % {"max": MeasureNote.MAX_LENGTH}}
        )
    with transaction.atomic():
        # The plan row first, the measure after it, as `plan_update` takes them.
        plan = plan_lock(measure.plan_id)
        locked = Measure.objects.select_for_update().get(pk=measure.pk)
        locked.plan = measure.plan
        # Asked again of the row as it stands: the owner or the status may have changed since
        # the page was loaded.
        scope.require(status in measure_status_choices(user=user, measure=locked))
        changed = locked.status != status
        if changed:
            plan.version += 1
            plan._history_user = user
            plan.save(update_fields=["version", "updated_at"])
            locked.status = status
            locked._history_user = user
            locked.save(update_fields=["status", "updated_at"])
        if note:
            MeasureNote.objects.create(
                measure=locked,
                author_id=scope.person_id,
                text=note,
                status=status if changed else "",
            )
            if not changed:
                # Not `save()`: that would add a history record that changes nothing.
                Measure.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    measure.status = locked.status
    return measure


def measurement_add(
    *, indicator: Indicator, user, measured_on: dt.date, value: Decimal, note: str = ""
) -> Measurement:
    """Record one measurement of an indicator; one per day (the database holds to that too)."""
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(indicator.plan.pilot))
    duplicate = _measurement_duplicate(measured_on)
    measurement = Measurement(
        indicator=indicator, measured_on=measured_on, value=value, note=note.strip()
    )
    measurement.full_clean(exclude=["indicator"], validate_constraints=False)
    measurement._history_user = user
    try:
        with transaction.atomic():
            plan_lock(indicator.plan_id)
            if Measurement.objects.filter(indicator=indicator, measured_on=measured_on).exists():
                raise duplicate
            measurement.save()
    except IntegrityError as error:
        # The indicator was removed meanwhile, or the unique constraint caught a double save.
        raise duplicate from error
    return measurement


def _measurement_duplicate(measured_on: dt.date) -> ValidationError:
    return ValidationError(
        {
            "measured_on": _("There is already a measurement on %(date)s.")
            % {"date": date_format(measured_on, "SHORT_DATE_FORMAT")}
        },
        code="duplicate_date",
    )


def measurement_update(
    *, measurement: Measurement, user, measured_on: dt.date, value: Decimal, note: str = ""
) -> Measurement:
    """Correct a measurement; its history keeps the value it had, and who changed it."""
    indicator = measurement.indicator
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(indicator.plan.pilot))
    duplicate = _measurement_duplicate(measured_on)
    measurement.measured_on = measured_on
    measurement.value = value
    measurement.note = note.strip()
    measurement.full_clean(exclude=["indicator"], validate_constraints=False)
    measurement._history_user = user
    try:
        with transaction.atomic():
            plan_lock(indicator.plan_id)
            others = Measurement.objects.filter(indicator=indicator, measured_on=measured_on)
            if others.exclude(pk=measurement.pk).exists():
                raise duplicate
            saved = Measurement.objects.filter(pk=measurement.pk).exists()
            if not saved:
                raise ValidationError(
                    _("The measurement was deleted meanwhile; nothing was changed."),
                    code="gone",
                )
            measurement.save(update_fields=["measured_on", "value", "note"])
    except IntegrityError as error:
        raise duplicate from error
    return measurement


def measurement_delete(*, measurement: Measurement, user) -> None:
    """Delete a measurement entered by mistake; its history keeps it, and who deleted it."""
    indicator = measurement.indicator
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(indicator.plan.pilot))
    with transaction.atomic():
        plan_lock(indicator.plan_id)
        measurement._history_user = user
        measurement.delete()
