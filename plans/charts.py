"""Run charts drawn on the server as SVG: no JavaScript, readable by screen readers, printable.

`run_chart` computes the geometry and the texts, a pure function of its arguments (and the active
language, for the labels and the decimal separator), so it is tested without a database; the
template `plans/_run_chart.svg` draws it, escaping every text.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilots.fte import format_number as pilots_format_number

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 150, 24, 64
MIN_LABEL_GAP = 84  # px between date labels, so "dd.mm.yyyy" never overlap
LABEL_HEIGHT = 16
INSET = 16  # keeps the first and last points off the axes

LINE_COLOUR = "#0a3d62"
BASELINE_COLOUR = "#595959"
TARGET_COLOUR = "#146c43"
TEXT_COLOUR = "#212529"
GRID_COLOUR = "#d0d4d9"


def format_number(value) -> str:
    """12.50 → "12,5" in Norwegian, "12.5" in English; 100.00 → "100": as on the pages, with
    every decimal a tick on the axis has (0.125)."""
    return pilots_format_number(value, places=None)


def format_day(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _y_scale(values: Sequence[float]) -> tuple[float, float, list[float]]:
    low, high = min(values), max(values)
    # Some room above and below, so no line runs along the frame.
    pad = (high - low) * 0.08 or abs(low) * 0.1 or 1.0
    low, high = low - pad, high + pad
    step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks, tick = [], low
    while tick <= high + step / 1000:
        ticks.append(round(tick, 10))
        tick += step
    return low, high, ticks


def _f(number: float) -> str:
    return f"{number:.1f}"


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class GuideLine:
    """The baseline or the target: a dashed line across the plot, labelled on the right."""

    css: str
    y: str
    label_y: str
    colour: str
    dash: str
    label: str


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    label: str


@dataclass(frozen=True)
class DateLabel:
    x: str
    text: str


@dataclass(frozen=True)
class RunChart:
    """Everything `plans/_run_chart.svg` draws, as ready-made coordinates and texts.

    The template escapes the texts; nothing here is marked safe.
    """

    chart_id: str
    title: str
    description: str
    unit: str
    date_axis_label: str
    ticks: list[Tick]
    lines: list[GuideLine]
    points: list[Point]
    polyline: str
    date_labels: list[DateLabel]
    empty_text: str
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    line_colour: str = LINE_COLOUR
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR

    @property
    def tick_label_x(self) -> int:
        return self.plot_left - 8

    @property
    def middle_x(self) -> str:
        return _f((self.plot_left + self.plot_right) / 2)

    @property
    def middle_y(self) -> str:
        return _f((self.plot_top + self.plot_bottom) / 2)

    @property
    def date_axis_y(self) -> int:
        return self.height - 8

    @property
    def date_label_y(self) -> int:
        return self.plot_bottom + 20

    @property
    def guide_label_x(self) -> int:
        return self.plot_right + 8


def run_chart(
    *,
    points: Sequence[tuple[dt.date, Decimal]],
    baseline: Decimal,
    target: Decimal,
    title: str,
    unit: str,
    chart_id: str = "run-chart",
) -> RunChart:
    """A run chart: the measurements joined by a line, with the baseline and target drawn across.

    The chart names itself (`<title>`) and describes its data (`<desc>`); the page shows the same
    numbers as a table as well. Render it with `{% include "plans/_run_chart.svg" %}`.
    """
    points = sorted(points)
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    values = [float(value) for _day, value in points] + [float(baseline), float(target)]
    low, high, ticks = _y_scale(values)

    def y(value) -> float:
        return plot_bottom - (float(value) - low) / (high - low) * (plot_bottom - plot_top)

    if len(points) > 1:
        first, last = points[0][0].toordinal(), points[-1][0].toordinal()
        span = max(last - first, 1)

        def x(day: dt.date) -> float:
            inner = plot_right - plot_left - 2 * INSET
            return plot_left + INSET + (day.toordinal() - first) / span * inner
    else:

        def x(day: dt.date) -> float:
            return (plot_left + plot_right) / 2

    # Baseline and target: different dash patterns and a text label each, never colour alone.
    baseline_y, target_y = y(baseline), y(target)
    baseline_label_y, target_label_y = baseline_y, target_y
    if abs(baseline_y - target_y) < LABEL_HEIGHT:
        middle = (baseline_y + target_y) / 2
        upper, lower = middle - LABEL_HEIGHT / 2, middle + LABEL_HEIGHT / 2
        if baseline >= target:
            baseline_label_y, target_label_y = upper, lower
        else:
            baseline_label_y, target_label_y = lower, upper
    lines = [
        GuideLine(
            css="baseline",
            y=_f(baseline_y),
            label_y=_f(baseline_label_y),
            colour=BASELINE_COLOUR,
            dash="8 5",
            label=_("Baseline %(value)s") % {"value": format_number(baseline)},
        ),
        GuideLine(
            css="target",
            y=_f(target_y),
            label_y=_f(target_label_y),
            colour=TARGET_COLOUR,
            dash="2 4",
            label=_("Target %(value)s") % {"value": format_number(target)},
        ),
    ]
    return RunChart(
        chart_id=chart_id,
        title=title,
        description=_chart_description(points, baseline, target, unit),
        unit=unit,
        date_axis_label=_("Date"),
        ticks=[Tick(y=_f(y(tick)), label=format_number(Decimal(str(tick)))) for tick in ticks],
        lines=lines,
        points=[
            Point(
                x=_f(x(day)),
                y=_f(y(value)),
                label=f"{format_day(day)}: {format_number(value)} {unit}",
            )
            for day, value in points
        ],
        # A single point gets its marker but no line.
        polyline=(
            " ".join(f"{_f(x(day))},{_f(y(value))}" for day, value in points)
            if len(points) > 1
            else ""
        ),
        date_labels=[
            DateLabel(x=_f(x(day)), text=format_day(day))
            for day in _labelled_days([day for day, _value in points], x)
        ],
        empty_text=_("No measurements yet"),
    )


def _labelled_days(days: list[dt.date], x) -> list[dt.date]:
    """The first and last dates, and those between that leave room for their labels."""
    unique = sorted(set(days))
    if len(unique) <= 1:
        return unique
    chosen = [unique[0]]
    for day in unique[1:-1]:
        if x(day) - x(chosen[-1]) >= MIN_LABEL_GAP and x(unique[-1]) - x(day) >= MIN_LABEL_GAP:
            chosen.append(day)
    if x(unique[-1]) - x(chosen[-1]) < MIN_LABEL_GAP and len(chosen) > 1:
        chosen.pop()
    chosen.append(unique[-1])
    return chosen


def _chart_description(
    points: Sequence[tuple[dt.date, Decimal]], baseline: Decimal, target: Decimal, unit: str
) -> str:
    goal = _("Baseline %(baseline)s %(unit)s, target %(target)s %(unit)s.") % {
        "baseline": format_number(baseline),
        "target": format_number(target),
        "unit": unit,
    }
    if not points:
        return f"{_('No measurements yet.')} {goal}"
    (first_day, _first), (last_day, last_value) = points[0], points[-1]
    summary = ngettext(
        "%(count)s measurement, on %(first)s: %(value)s %(unit)s.",
        "%(count)s measurements from %(first)s to %(last)s; the latest is %(value)s %(unit)s.",
        len(points),
    ) % {
        "count": len(points),
        "first": format_day(first_day),
        "last": format_day(last_day),
        "value": format_number(last_value),
        "unit": unit,
    }
    return f"{summary} {goal}"
