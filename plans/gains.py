"""Gains: the hours per week a plan's measures free, identified and realised.

One rule for every page: a dropped measure frees no time, so neither its identified nor its
realised hours count. The sums are taken in the database, for one plan or for every pilot of a
programme at once; turning hours into full-time equivalents is `pilots.fte`'s job, done where the
figure is shown (the `fte` template filter).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce

from pilots.collation import norwegian
from pilots.models import Pilot, Programme
from pilots.selectors import pilots_for_user
from plans.measure_history import MonthState, measure_months
from plans.models import Measure

ZERO = Decimal("0")


@dataclass(frozen=True)
class Gains:
    hours_identified: Decimal
    hours_realised: Decimal


def _hours_sum(field: str, prefix: str) -> Coalesce:
    dropped = Q(**{f"{prefix}status": Measure.Status.DROPPED})
    return Coalesce(
        Sum(f"{prefix}{field}", filter=~dropped),
        Value(ZERO),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def gains_annotations(prefix: str) -> dict[str, Coalesce]:
    """`gains_identified` and `gains_realised` for a query that reaches measures by `prefix`.

    `"measures__"` from a plan, `"plan__measures__"` from a pilot; read the result back with
    `gains_of`.
    """
    return {
        "gains_identified": _hours_sum("hours_identified_per_week", prefix),
        "gains_realised": _hours_sum("hours_realised_per_week", prefix),
    }


def gains_of(annotated) -> Gains:
    return Gains(
        hours_identified=annotated.gains_identified, hours_realised=annotated.gains_realised
    )


@dataclass(frozen=True)
class PilotGains:
    pilot: Pilot
    has_plan: bool
    gains: Gains


def programme_gains_rows(*, user, programme: Programme) -> tuple[list[PilotGains], Gains]:
    """Per pilot of the programme the user may see, and the programme's totals; one query."""
    pilots = (
        pilots_for_user(user)
        .filter(programme=programme)
        .annotate(**gains_annotations("plan__measures__"), plan_pk=Max("plan__pk"))
        .order_by(norwegian("department__name"), "pk")
    )
    rows = [
        PilotGains(
            pilot=pilot,
            has_plan=pilot.plan_pk is not None,
            gains=gains_of(pilot),
        )
        for pilot in pilots
    ]
    total = Gains(
        hours_identified=sum((row.gains.hours_identified for row in rows), ZERO),
        hours_realised=sum((row.gains.hours_realised for row in rows), ZERO),
    )
    return rows, total


def programme_gains_months(*, user, programme: Programme, today: dt.date) -> list[MonthState]:
    """The programme's gains (and its measures by status) at the end of each month, over the
    pilots the user may see; two queries."""
    return measure_months(pilots_for_user(user).filter(programme=programme), today=today)
