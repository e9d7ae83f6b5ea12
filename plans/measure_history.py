"""Measures month by month: how many stood in each status, and the gains they held, at the end of
each month.

The source is the measures' change history (django-simple-history's `HistoricalMeasure`: every
save, status change and deletion, with its time), so a month shows what the plans said then, not
what they say now. Measures written without a history record (bulk loads) count from the month
they were created, as they stand today. Two queries whatever the number of measures: the last
history record of each measure in each month (the database picks it), and the measures without
any; the months are then carried forward in Python, one step per month and measure.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from pilots.calendar import OSLO
from pilots.models import Pilot
from plans.models import Measure

ZERO = Decimal("0")
MONTHS_SHOWN = 24


@dataclass
class MonthState:
    """The measures as they stood at the end of `month` (its first day)."""

    month: dt.date
    statuses: dict[str, int] = field(default_factory=dict)
    hours_identified: Decimal = ZERO
    hours_realised: Decimal = ZERO

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def measure_months(
    pilots: QuerySet[Pilot], *, today: dt.date, months: int = MONTHS_SHOWN
) -> list[MonthState]:
    """The measures of the plans of `pilots`, deleted ones included while they stood, over the
    last `months` months up to today's, from the first month any of them existed; empty when none
    ever did. Gains leave dropped measures out, as `plans.gains` does."""
    history = Measure.history.model
    measures = Measure.objects.filter(plan__pilot__in=pilots)
    in_month = TruncMonth("history_date", tzinfo=OSLO)
    later_same_month = history.objects.annotate(month=in_month).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id")),
        id=OuterRef("id"),
        month=OuterRef("month"),
    )
    changes = (
        history.objects.filter(plan__pilot__in=pilots)
        .annotate(month=in_month)
        .filter(~Exists(later_same_month))
        .order_by("month", "id")
        .values_list(
            "month",
            "id",
            "history_type",
            "status",
            "hours_identified_per_week",
            "hours_realised_per_week",
        )
    )
    unrecorded = (
        measures.filter(~Exists(history.objects.filter(id=OuterRef("pk"))))
        .annotate(month=TruncMonth("created_at", tzinfo=OSLO))
        .order_by()
        .values_list(
            "month", "pk", "status", "hours_identified_per_week", "hours_realised_per_week"
        )
    )
    steps: list[tuple[dt.date, int, str, str, Decimal, Decimal]] = [
        (_as_date(month), pk, kind, status, identified, realised)
        for month, pk, kind, status, identified, realised in changes
    ]
    steps += [
        (_as_date(month), pk, "+", status, identified, realised)
        for month, pk, status, identified, realised in unrecorded
    ]
    if not steps:
        return []
    steps.sort(key=lambda step: (step[0], step[1]))
    current = _month(today)
    first = max(steps[0][0], _months_before(current, months - 1))
    standing: dict[int, tuple[str, Decimal, Decimal]] = {}
    result: list[MonthState] = []
    position = 0
    month = steps[0][0]
    while month <= current:
        while position < len(steps) and steps[position][0] <= month:
            _month_of, pk, kind, status, identified, realised = steps[position]
            if kind == "-":
                standing.pop(pk, None)
            else:
                standing[pk] = (status, identified, realised)
            position += 1
        if month >= first:
            result.append(_state(month, standing))
        month = _next_month(month)
    return result


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _months_before(month: dt.date, count: int) -> dt.date:
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return dt.date(year, index + 1, 1)


def _state(month: dt.date, standing: dict[int, tuple[str, Decimal, Decimal]]) -> MonthState:
    state = MonthState(month=month, statuses=dict.fromkeys(Measure.Status.values, 0))
    for status, identified, realised in standing.values():
        state.statuses[status] += 1
        if status != Measure.Status.DROPPED:
            state.hours_identified += identified
            state.hours_realised += realised
    return state
