"""Run charts drawn on the server as SVG: no JavaScript, readable by screen readers, printable.

`run_chart` computes the geometry and the texts, a pure function of its arguments (and the active
language, for the labels and the decimal separator), so it is tested without a database; the
template `plans/_run_chart.svg` draws it, escaping every text.

The run-chart rules (`run_chart_rules`) follow Perla, Provost and Murray, "The run chart: a simple
analytical tool for learning from variation in healthcare processes" (BMJ Qual Saf 2011), as the
IHI teaches them:

- The centre line is the median of all the points.
- A *shift* is 6 or more consecutive points all above or all below the median. A point exactly on
  the median neither breaks a shift nor counts towards it.
- A *trend* is 5 or more consecutive points all going up or all going down. When two or more
  neighbours have the same value, only one of them counts: the repeat neither breaks the trend nor
  adds to it. A trend runs from the point where the rise (or fall) starts to the last point that
  rises (or falls); repeats at its ends belong to the next run.

The rules are applied from the first point on; with fewer than 6 points there can be no shift,
with fewer than 5 no trend (the guide advises 10 or more points before reading much into them).
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.utils.text import capfirst
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
# The app's tokens (static/css/app.css), each 6:1 or more against the white background.
MEDIAN_COLOUR = "#7a4b00"  # --lp-warning-ink
SHIFT_COLOUR = "#8a1c1c"  # --lp-danger-ink
TREND_COLOUR = "#5a2a82"  # --lp-plan-ink
LEGEND_ROW = 22

SHIFT_LENGTH = 6
TREND_LENGTH = 5


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


# The run-chart rules


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def median(values: Sequence) -> Decimal | None:
    """The middle value; of an even count, the mean of the two middle ones. None of nothing."""
    ordered = sorted(_decimal(value) for value in values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Run:
    """A shift or a trend: the points `start` to `end` (indexes, both included).

    `count` is how many of them count under the rule: a shift's points on the median and a
    trend's repeated values lie inside the run but are not counted.
    """

    start: int
    end: int
    direction: Literal["above", "below", "up", "down"]
    count: int

    @property
    def indexes(self) -> range:
        return range(self.start, self.end + 1)


def _sign(number: Decimal) -> int:
    return (number > 0) - (number < 0)


def _shifts(values: list[Decimal], centre: Decimal) -> list[Run]:
    shifts: list[Run] = []
    side, start, end, count = 0, 0, 0, 0
    for index, value in enumerate(values):
        here = _sign(value - centre)
        if here == 0:
            continue  # on the median: neither breaks nor counts
        if here == side:
            end, count = index, count + 1
            continue
        if count >= SHIFT_LENGTH:
            shifts.append(Run(start, end, "above" if side > 0 else "below", count))
        side, start, end, count = here, index, index, 1
    if count >= SHIFT_LENGTH:
        shifts.append(Run(start, end, "above" if side > 0 else "below", count))
    return shifts


def _trends(values: list[Decimal]) -> list[Run]:
    trends: list[Run] = []
    direction, start, end, steps = 0, 0, 0, 0
    for index in range(1, len(values)):
        step = _sign(values[index] - values[index - 1])
        if step == 0:
            continue  # a repeated value: neither breaks nor counts
        if step == direction:
            end, steps = index, steps + 1
            continue
        if steps + 1 >= TREND_LENGTH:
            trends.append(Run(start, end, "up" if direction > 0 else "down", steps + 1))
        direction, start, end, steps = step, index - 1, index, 1
    if steps + 1 >= TREND_LENGTH:
        trends.append(Run(start, end, "up" if direction > 0 else "down", steps + 1))
    return trends


def run_chart_rules(values: Sequence, centre=None) -> tuple[list[Run], list[Run]]:
    """The shifts and the trends in `values` (in time order), by the rules in this module's
    docstring; the median of `values` is the centre line unless `centre` is given."""
    numbers = [_decimal(value) for value in values]
    if centre is None:
        centre = median(numbers)
    if centre is None:
        return [], []
    return _shifts(numbers, _decimal(centre)), _trends(numbers)


def _spread_labels(ys: list[float], *, low: float, high: float, gap: float) -> list[float]:
    """The label positions moved apart (in their order) until each is `gap` from the next,
    each cluster centred on where its labels would be, kept between `low` and `high`."""
    order = sorted(range(len(ys)), key=lambda i: (ys[i], i))
    groups = [[i] for i in order]
    placed: dict[int, float] = {i: ys[i] for i in order}
    changed = True
    while changed:
        changed = False
        for number in range(len(groups) - 1):
            upper, lower = groups[number], groups[number + 1]
            if placed[lower[0]] - placed[upper[-1]] < gap - 1e-9:
                merged = upper + lower
                centre = sum(ys[i] for i in merged) / len(merged)
                top = centre - gap * (len(merged) - 1) / 2
                top = min(max(top, low), high - gap * (len(merged) - 1))
                for position, i in enumerate(merged):
                    placed[i] = top + position * gap
                groups[number : number + 2] = [merged]
                changed = True
                break
    return [placed[i] for i in range(len(ys))]


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
class Marker:
    """A shape drawn around a point of a shift (a square) or a trend (a triangle pointing its
    way): shape and colour both tell, and the legend and the description say it in words."""

    css: str
    path: str
    colour: str


@dataclass(frozen=True)
class LegendItem:
    css: str
    path: str
    colour: str
    text_x: str
    y: str
    text: str


def _square(x: float, y: float, half: float = 8.5) -> str:
    return f"M{_f(x - half)} {_f(y - half)}H{_f(x + half)}V{_f(y + half)}H{_f(x - half)}Z"


def _triangle(x: float, y: float, up: bool, size: float = 11) -> str:
    tip, base = (y - size, y + size * 0.65) if up else (y + size, y - size * 0.65)
    return f"M{_f(x)} {_f(tip)}L{_f(x + size)} {_f(base)}L{_f(x - size)} {_f(base)}Z"


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
    markers: list[Marker] = ()
    legend: list[LegendItem] = ()
    median: Decimal | None = None
    shifts: list[Run] = ()
    trends: list[Run] = ()
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
        return self.plot_bottom + BOTTOM - 8

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
    rules: bool = True,
) -> RunChart:
    """A run chart: the measurements joined by a line, with the baseline and target drawn across,
    and (unless `rules` is false) the median with the points of shifts and trends marked.

    The chart names itself (`<title>`) and describes its data (`<desc>`); the page shows the same
    numbers as a table as well. Render it with `{% include "plans/_run_chart.svg" %}`.
    """
    points = sorted(points)
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    centre = median([value for _day, value in points]) if rules else None
    shifts, trends = run_chart_rules([value for _day, value in points]) if rules else ([], [])
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

    # Baseline, target and median: different dash patterns and a text label each, never colour
    # alone; the labels are moved apart where the lines lie close.
    guides = [
        ("baseline", baseline, BASELINE_COLOUR, "8 5", _("Baseline %(value)s")),
        ("target", target, TARGET_COLOUR, "2 4", _("Target %(value)s")),
    ]
    if centre is not None:
        guides.append(("median", centre, MEDIAN_COLOUR, "14 4 3 4", _("Median %(value)s")))
    guide_ys = [y(value) for _css, value, _colour, _dash, _label in guides]
    label_ys = _spread_labels(guide_ys, low=LABEL_HEIGHT / 2, high=plot_bottom, gap=LABEL_HEIGHT)
    lines = [
        GuideLine(
            css=css,
            y=_f(line_y),
            label_y=_f(label_y),
            colour=colour,
            dash=dash,
            label=label % {"value": format_number(value)},
        )
        for (css, value, colour, dash, label), line_y, label_y in zip(
            guides, guide_ys, label_ys, strict=True
        )
    ]
    in_shift = {index: run for run in shifts for index in run.indexes}
    in_trend = {index: run for run in trends for index in run.indexes}
    markers = []
    for index, (day, value) in enumerate(points):
        if index in in_shift:
            markers.append(Marker("shift", _square(x(day), y(value)), SHIFT_COLOUR))
        if index in in_trend:
            up = in_trend[index].direction == "up"
            markers.append(Marker("trend", _triangle(x(day), y(value), up), TREND_COLOUR))
    legend = _legend(shifts, trends, top=plot_bottom + BOTTOM)
    height = HEIGHT + len(legend) * LEGEND_ROW + (8 if legend else 0)
    return RunChart(
        chart_id=chart_id,
        title=title,
        description=_chart_description(points, baseline, target, unit)
        + _rules_description(points, centre, shifts, trends, unit),
        unit=unit,
        date_axis_label=_("Date"),
        ticks=[Tick(y=_f(y(tick)), label=format_number(Decimal(str(tick)))) for tick in ticks],
        lines=lines,
        points=[
            Point(
                x=_f(x(day)),
                y=_f(y(value)),
                label=f"{format_day(day)}: {format_number(value)} {unit}"
                + _point_note(in_shift.get(index), in_trend.get(index)),
            )
            for index, (day, value) in enumerate(points)
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
        markers=markers,
        legend=legend,
        median=centre,
        shifts=shifts,
        trends=trends,
        height=height,
    )


def _run_text(run: Run) -> str:
    return {
        "above": _("a shift above the median"),
        "below": _("a shift below the median"),
        "up": _("a trend going up"),
        "down": _("a trend going down"),
    }[run.direction]


def _point_note(shift: Run | None, trend: Run | None) -> str:
    notes = [_run_text(run) for run in (shift, trend) if run is not None]
    if not notes:
        return ""
    if len(notes) == 1:
        return " (" + _("part of %(run)s") % {"run": notes[0]} + ")"
    return (
        " (" + _("part of %(shift)s and %(trend)s") % {"shift": notes[0], "trend": notes[1]} + ")"
    )


def _legend(shifts: list[Run], trends: list[Run], *, top: float) -> list[LegendItem]:
    items = []
    if shifts:
        items.append(
            (
                "shift",
                SHIFT_COLOUR,
                _square,
                _("Square: a shift, 6 or more points in a row on one side of the median"),
            )
        )
    if trends:
        items.append(
            (
                "trend",
                TREND_COLOUR,
                lambda x, y: _triangle(x, y, True),
                _("Triangle: a trend, 5 or more points in a row going up or going down"),
            )
        )
    legend = []
    for row, (css, colour, shape, text) in enumerate(items):
        row_y = top + 4 + row * LEGEND_ROW + LEGEND_ROW / 2
        legend.append(
            LegendItem(
                css=css,
                path=shape(LEFT - 40.0, row_y),
                colour=colour,
                text_x=_f(LEFT - 24),
                y=_f(row_y),
                text=text,
            )
        )
    return legend


def _rules_description(
    points: Sequence[tuple[dt.date, Decimal]],
    centre: Decimal | None,
    shifts: list[Run],
    trends: list[Run],
    unit: str,
) -> str:
    if centre is None:
        return ""
    parts = [_("Median %(value)s %(unit)s.") % {"value": format_number(centre), "unit": unit}]
    runs = sorted([*shifts, *trends], key=lambda run: (run.start, run.end))
    for run in runs:
        parts.append(
            ngettext(
                "%(what)s: %(count)s point from %(first)s to %(last)s.",
                "%(what)s: %(count)s points from %(first)s to %(last)s.",
                run.count,
            )
            % {
                "what": capfirst(_run_text(run)),
                "count": run.count,
                "first": format_day(points[run.start][0]),
                "last": format_day(points[run.end][0]),
            }
        )
    if not runs:
        parts.append(_("No shift and no trend."))
    return " " + " ".join(parts)


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
