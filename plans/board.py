"""The improvement board (forbedringstavle): the plan's measures in columns by status."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from plans.models import Measure, ProjectPlan
from plans.selectors import with_latest_note


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str
    measures: list[Measure]


def board_columns(plan: ProjectPlan | None, *, today: dt.date) -> list[BoardColumn]:
    """The plan's measures by status, each with `overdue` set and its latest progress note
    (`plans.selectors.with_latest_note`); one query for the whole board."""
    measures = (
        list(
            with_latest_note(plan.measures.select_related("owner")).order_by(
                F("deadline").asc(nulls_last=True), "title", "pk"
            )
        )
        if plan is not None
        else []
    )
    by_status: dict[str, list[Measure]] = {status: [] for status in Measure.Status.values}
    for measure in measures:
        measure.overdue = measure.is_overdue(today)
        by_status[measure.status].append(measure)
    return [
        BoardColumn(status=status, label=Measure.Status(status).label, measures=by_status[status])
        for status in Measure.Status.values
    ]
