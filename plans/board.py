"""The plan at work: the improvement board, the effort/effect matrix, indicators and gains.

Scoped reads first (every measure and indicator comes through the user's pilots), then the two
writes (a measure's status, a new measurement), then the read models the pages show. Every page
costs a fixed number of queries, whatever the number of measures.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pilots.access import scope_for
from pilots.models import Pilot, Programme
from pilots.selectors import pilots_for_user
from plans.models import Indicator, Measure, Measurement, ProjectPlan

OPEN_STATUSES = (Measure.Status.NOT_STARTED, Measure.Status.IN_PROGRESS)
ZERO = Decimal("0")

# Scoped reads


def plan_for_pilot(pilot: Pilot) -> ProjectPlan | None:
    """The pilot's plan, or None before the department has started one."""
    return ProjectPlan.objects.filter(pilot=pilot).first()


def measures_for_user(user) -> QuerySet[Measure]:
    return Measure.objects.filter(plan__pilot__in=pilots_for_user(user))


def measure_get_for_user(user, pk: int) -> Measure:
    measures = measures_for_user(user).select_related("plan__pilot__department")
    return get_object_or_404(measures, pk=pk)


def indicators_for_user(user) -> QuerySet[Indicator]:
    return Indicator.objects.filter(plan__pilot__in=pilots_for_user(user))


def indicator_get_for_user(user, pk: int) -> Indicator:
    indicators = indicators_for_user(user).select_related(
        "plan__pilot__department", "plan__pilot__programme"
    )
    return get_object_or_404(indicators, pk=pk)


# Writes


def measure_set_status(*, measure: Measure, user, status: str) -> Measure:
    """Move a measure to another column of the board."""
    if not scope_for(user).can_lead(measure.plan.pilot.department_id):
        raise PermissionDenied
    if status not in Measure.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses on the board.")})
    with transaction.atomic():
        locked = Measure.objects.select_for_update().get(pk=measure.pk)
        if locked.status != status:
            locked.status = status
            locked._history_user = user
            locked.save(update_fields=["status", "updated_at"])
            # The board changes the plan too: an edit form opened before this click must see
            # a conflict instead of saving the old status back over it.
            ProjectPlan.objects.filter(pk=locked.plan_id).update(version=F("version") + 1)
    measure.status = locked.status
    return measure


def measurement_add(
    *, indicator: Indicator, user, measured_on: dt.date, value: Decimal, note: str = ""
) -> Measurement:
    """Record one measurement of an indicator; one per day (the database holds to that too)."""
    if not scope_for(user).can_lead(indicator.plan.pilot.department_id):
        raise PermissionDenied
    duplicate = ValidationError(
        {
            "measured_on": _("There is already a measurement on %(date)s.")
            % {"date": date_format(measured_on, "SHORT_DATE_FORMAT")}
        },
        code="duplicate_date",
    )
    measurement = Measurement(
        indicator=indicator, measured_on=measured_on, value=value, note=note.strip()
    )
    measurement.full_clean(exclude=["indicator"], validate_constraints=False)
    if Measurement.objects.filter(indicator=indicator, measured_on=measured_on).exists():
        raise duplicate
    measurement._history_user = user
    try:
        with transaction.atomic():
            measurement.save()
    except IntegrityError as error:
        # Two people saving the same day at once: the unique constraint decides.
        raise duplicate from error
    return measurement


# The improvement board


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str
    measures: list[Measure]


def board_columns(plan: ProjectPlan | None, *, today: dt.date) -> list[BoardColumn]:
    """The plan's measures by status, each with `is_overdue`; one query for the whole board."""
    measures = (
        list(
            plan.measures.select_related("owner").order_by(
                F("deadline").asc(nulls_last=True), "title", "pk"
            )
        )
        if plan is not None
        else []
    )
    by_status: dict[str, list[Measure]] = {status: [] for status in Measure.Status.values}
    for measure in measures:
        measure.is_overdue = bool(
            measure.deadline and measure.deadline < today and measure.status in OPEN_STATUSES
        )
        by_status[measure.status].append(measure)
    return [
        BoardColumn(status=status, label=Measure.Status(status).label, measures=by_status[status])
        for status in Measure.Status.values
    ]


# The effort/effect matrix

LEVELS = Measure.Level.values


@dataclass(frozen=True)
class MatrixCell:
    effort: str
    effect: str
    measures: list[Measure]

    @property
    def is_quick_win(self) -> bool:
        return self.effort == Measure.Level.LOW and self.effect == Measure.Level.HIGH


@dataclass(frozen=True)
class MatrixRow:
    effect: str
    label: str
    cells: list[MatrixCell]


# Whole phrases, so each table header reads on its own and translates as a unit.
EFFORT_LABELS = {
    Measure.Level.LOW: gettext_lazy("Low effort"),
    Measure.Level.MEDIUM: gettext_lazy("Medium effort"),
    Measure.Level.HIGH: gettext_lazy("High effort"),
}
EFFECT_LABELS = {
    Measure.Level.LOW: gettext_lazy("Low effect"),
    Measure.Level.MEDIUM: gettext_lazy("Medium effect"),
    Measure.Level.HIGH: gettext_lazy("High effect"),
}


def matrix_rows(plan: ProjectPlan | None) -> list[MatrixRow]:
    """Effect high → low down the rows, effort low → high across; one query."""
    grid: dict[tuple[str, str], list[Measure]] = {
        (effort, effect): [] for effort in LEVELS for effect in LEVELS
    }
    if plan is not None:
        for measure in plan.measures.select_related("owner").order_by("title", "pk"):
            grid[(measure.effort, measure.effect)].append(measure)
    return [
        MatrixRow(
            effect=effect,
            label=EFFECT_LABELS[effect],
            cells=[MatrixCell(effort, effect, grid[(effort, effect)]) for effort in LEVELS],
        )
        for effect in reversed(LEVELS)
    ]


def matrix_effort_levels() -> list[tuple[str, str]]:
    return [(level, EFFORT_LABELS[level]) for level in LEVELS]


# Gains: hours per week freed, identified and realised, and the same in full-time equivalents


def fte(hours: Decimal, hours_per_fte_week: Decimal) -> Decimal:
    """Hours per week as full-time equivalents, one decimal, rounded half up."""
    if not hours_per_fte_week:
        return ZERO
    return (Decimal(hours) / Decimal(hours_per_fte_week)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Gains:
    hours_identified: Decimal
    hours_realised: Decimal
    hours_per_fte_week: Decimal

    @property
    def fte_identified(self) -> Decimal:
        return fte(self.hours_identified, self.hours_per_fte_week)

    @property
    def fte_realised(self) -> Decimal:
        return fte(self.hours_realised, self.hours_per_fte_week)


def _hours_sum(field: str, prefix: str = "") -> Coalesce:
    # A dropped measure frees no time, so neither its identified nor its realised hours count.
    dropped = Q(**{f"{prefix}status": Measure.Status.DROPPED})
    return Coalesce(
        Sum(f"{prefix}{field}", filter=~dropped),
        Value(ZERO),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def plan_gains(plan: ProjectPlan) -> Gains:
    """The gains of one plan (its pilot's programme gives the hours in a full-time equivalent)."""
    sums = plan.measures.aggregate(
        identified=_hours_sum("hours_identified_per_week"),
        realised=_hours_sum("hours_realised_per_week"),
    )
    return Gains(
        hours_identified=sums["identified"],
        hours_realised=sums["realised"],
        hours_per_fte_week=plan.pilot.programme.hours_per_fte_week,
    )


@dataclass(frozen=True)
class PilotGains:
    pilot: Pilot
    has_plan: bool
    gains: Gains


def programme_gains_rows(*, user, programme: Programme) -> tuple[list[PilotGains], Gains]:
    """Per pilot of the programme the user may see, and the programme's totals; one query."""
    prefix = "plan__measures__"
    pilots = (
        pilots_for_user(user)
        .filter(programme=programme)
        .annotate(
            identified=_hours_sum("hours_identified_per_week", prefix),
            realised=_hours_sum("hours_realised_per_week", prefix),
            plan_pk=Max("plan__pk"),
        )
        .order_by("department__name", "pk")
    )
    rows = [
        PilotGains(
            pilot=pilot,
            has_plan=pilot.plan_pk is not None,
            gains=Gains(pilot.identified, pilot.realised, programme.hours_per_fte_week),
        )
        for pilot in pilots
    ]
    total = Gains(
        hours_identified=sum((row.gains.hours_identified for row in rows), ZERO),
        hours_realised=sum((row.gains.hours_realised for row in rows), ZERO),
        hours_per_fte_week=programme.hours_per_fte_week,
    )
    return rows, total
