"""The effort/effect matrix: the plan's measures in a three-by-three grid, quick wins marked."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from plans.models import Measure, ProjectPlan

LEVELS = Measure.Level.values


@dataclass(frozen=True)
class MatrixCell:
    effort: str
    effect: str
    measures: list[Measure]

    @property
    def is_quick_win(self) -> bool:
        return self.effort == Measure.Level.LOW and self.effect == Measure.Level.HIGH

    @property
    def effort_label(self) -> str:
        """The cell's column heading, which labels the cell where a phone stacks the rows."""
        return EFFORT_LABELS[self.effort]


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
