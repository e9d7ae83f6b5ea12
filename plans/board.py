"""The improvement board (forbedringstavle): the new ideas, and the plan's measures in columns
by status."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Window

from pilots.models import Pilot
from plans.models import Measure, ProjectPlan, Suggestion
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
            with_latest_note(plan.measures.select_related("owner", "suggestion")).order_by(
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


# Enough for a board meeting; more than this waiting is a backlog the leader sees counted.
NEW_IDEAS_SHOWN = 50


@dataclass(frozen=True)
class NewIdeas:
    suggestions: list[Suggestion]
    total: int

    @property
    def not_shown(self) -> int:
        return self.total - len(self.suggestions)


def board_new_ideas(pilot: Pilot) -> NewIdeas:
    """The suggestions nobody has answered yet, the longest waiting first (one query).

    The total is counted in the same query (a window over all new ones), so a backlog beyond
    what the column shows costs nothing extra.
    """
    suggestions = list(
        Suggestion.objects.filter(pilot=pilot, status=Suggestion.Status.NEW)
        .select_related("author")
        .annotate(new_total=Window(Count("pk")))
        .order_by("created_at", "pk")[:NEW_IDEAS_SHOWN]
    )
    total = suggestions[0].new_total if suggestions else 0
    return NewIdeas(suggestions=suggestions, total=total)
