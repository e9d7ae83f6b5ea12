"""Month-by-month bar charts drawn on the server as SVG: the programme's gains identified and
realised, and its measures by status.

Pure functions of their arguments (and the active language), tested without a database; the data
comes from `plans.measure_history.measure_months`. `plans/_month_bar_chart.svg` draws a chart and
`components/_chart_numbers.html` shows the same numbers as a table under "Show the numbers".

Each series has a colour from the app's tokens (static/css/app.css), 6:1 or more against white,
*and* its own fill (solid, hatched, dotted, cross-hatched), named in the legend: never colour alone.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pilots.fte import format_fte, format_hours
from plans.charts import _nice_step
from plans.measure_history import MonthState
from plans.models import Measure
from training.charts import ChartTable, fill_patterns

WIDTH = 720
LEFT, RIGHT, BOTTOM = 64, 16, 40
TOP = 8
LEGEND_ROW = 22
PLOT_HEIGHT = 240
MIN_LABEL_GAP = 64  # px between month labels ("03.2027")

TEXT_COLOUR = "#1b2733"  # --lp-ink
GRID_COLOUR = "#c9d1d9"  # --lp-line

IDENTIFIED_STYLE = ("#0a3d62", "")  # --lp-navy-700, solid
REALISED_STYLE = ("#0b6e6e", "hatch")  # --lp-teal-700, hatched
STATUS_STYLES = {
    Measure.Status.NOT_STARTED: ("#3d4a57", "dots"),  # --lp-neutral-ink
    Measure.Status.IN_PROGRESS: ("#0a3d62", ""),  # --lp-navy-700
    Measure.Status.DONE: ("#155724", "hatch"),  # --lp-success-ink
    Measure.Status.DROPPED: ("#8a1c1c", "cross"),  # --lp-danger-ink
}


def _f(number: float) -> str:
    return f"{number:.1f}"


def month_label(month: dt.date) -> str:
    return month.strftime("%m.%Y")


def month_name(month: dt.date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal]
    colour: str
    pattern: str


@dataclass(frozen=True)
class Rect:
    css: str
    x: str
    y: str
    width: str
    height: str
    colour: str
    pattern: str
    label: str


@dataclass(frozen=True)
class LegendEntry:
    x: str
    y: str
    text_x: str
    text_y: str
    colour: str
    pattern: str
    text: str


@dataclass(frozen=True)
class AxisTick:
    y: str
    label: str


@dataclass(frozen=True)
class MonthTick:
    x: str
    label: str


@dataclass(frozen=True)
class MonthBarChart:
    chart_id: str
    title: str
    description: str
    unit: str
    table: ChartTable
    rects: list[Rect]
    legend: list[LegendEntry]
    ticks: list[AxisTick]
    month_ticks: list[MonthTick]
    patterns: list[tuple[str, str, str]]
    plot_top: int
    plot_bottom: int
    height: int
    empty_text: str = ""
    width: int = WIDTH
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR

    @property
    def tick_label_x(self) -> int:
        return self.plot_left - 8

    @property
    def month_label_y(self) -> int:
        return self.plot_bottom + 20

    @property
    def middle_y(self) -> str:
        return _f((self.plot_top + self.plot_bottom) / 2)

    @property
    def middle_x(self) -> str:
        return _f((self.plot_left + self.plot_right) / 2)


def month_bar_chart(
    *,
    months: Sequence[dt.date],
    series: Sequence[Series],
    stacked: bool,
    title: str,
    description: str,
    unit: str,
    table: ChartTable,
    chart_id: str,
    format_value=format_hours,
    whole_numbers: bool = False,
    empty_text: str = "",
) -> MonthBarChart:
    """Bars per month, from zero up: side by side (`stacked=False`) or one on top of the other."""
    legend_columns = 2
    legend_rows = math.ceil(len(series) / legend_columns)
    plot_top = TOP + legend_rows * LEGEND_ROW + 16
    plot_bottom = plot_top + PLOT_HEIGHT
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    column_width = (plot_right - plot_left) / legend_columns
    legend = [
        LegendEntry(
            x=_f(plot_left + (i % legend_columns) * column_width),
            y=_f(TOP + (i // legend_columns) * LEGEND_ROW + 3),
            text_x=_f(plot_left + (i % legend_columns) * column_width + 24),
            text_y=_f(TOP + (i // legend_columns) * LEGEND_ROW + 10),
            colour=one.colour,
            pattern=f"{chart_id}-{one.pattern}" if one.pattern else "",
            text=one.name,
        )
        for i, one in enumerate(series)
    ]
    if stacked:
        highest = max((sum(s.values[i] for s in series) for i in range(len(months))), default=0)
    else:
        highest = max((max(s.values, default=0) for s in series), default=0)
    step = _nice_step(float(highest) or 1.0, 4)
    if whole_numbers:
        step = max(1, math.ceil(step))
    top_value = max(math.ceil(float(highest) / step), 1) * step
    ticks_count = round(top_value / step)

    def y(value) -> float:
        return plot_bottom - float(value) / top_value * (plot_bottom - plot_top)

    ticks = [
        AxisTick(y=_f(y(n * step)), label=format_value(Decimal(str(round(n * step, 10)))))
        for n in range(ticks_count + 1)
    ]
    slot = (plot_right - plot_left) / max(len(months), 1)
    bar_space = slot * 0.7
    rects = []
    for index, month in enumerate(months):
        left = plot_left + index * slot + (slot - bar_space) / 2
        base = Decimal("0")
        for number, one in enumerate(series):
            value = one.values[index]
            label = f"{month_name(month)}, {one.name}: {format_value(value)} {unit}"
            if stacked:
                x, width = left, bar_space
                bottom, top = y(base), y(base + value)
                base += value
            else:
                width = bar_space / len(series)
                x = left + number * width
                bottom, top = y(0), y(value)
            if not value:
                continue
            rects.append(
                Rect(
                    css="bar",
                    x=_f(x),
                    y=_f(top),
                    width=_f(width),
                    height=_f(bottom - top),
                    colour=one.colour,
                    pattern=f"{chart_id}-{one.pattern}" if one.pattern else "",
                    label=label,
                )
            )
    every = max(1, math.ceil(MIN_LABEL_GAP / slot))
    month_ticks = [
        MonthTick(x=_f(plot_left + index * slot + slot / 2), label=month_label(month))
        for index, month in enumerate(months)
        if index % every == 0
    ]
    return MonthBarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        unit=unit,
        table=table,
        rects=rects,
        legend=legend,
        ticks=ticks,
        month_ticks=month_ticks,
        patterns=fill_patterns(chart_id, [(s.colour, s.pattern) for s in series]),
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        height=plot_bottom + BOTTOM,
        empty_text="" if months else empty_text,
    )


def gains_over_time_chart(
    states: Sequence[MonthState], *, hours_per_fte_week, chart_id: str = "gains-chart"
) -> MonthBarChart:
    """Hours per week identified and realised at the end of each month, side by side; the table
    gives them in full-time equivalents (årsverk) too."""
    months = [state.month for state in states]
    identified = _("Hours per week identified")
    realised = _("Hours per week realised")
    table = ChartTable(
        caption=_("Gains at the end of each month"),
        headings=[
            _("Month"),
            identified,
            realised,
            _("FTE identified"),
            _("FTE realised"),
        ],
        rows=[
            [
                month_name(state.month),
                format_hours(state.hours_identified),
                format_hours(state.hours_realised),
                format_fte(state.hours_identified, hours_per_fte_week),
                format_fte(state.hours_realised, hours_per_fte_week),
            ]
            for state in states
        ],
    )
    if states:
        last = states[-1]
        description = _(
            "Gains at the end of each month from %(first)s to %(last)s. At the end of %(last)s: "
            "%(identified)s hours per week identified (%(identified_fte)s FTE), %(realised)s "
            "realised (%(realised_fte)s FTE)."
        ) % {
            "first": month_name(states[0].month),
            "last": month_name(last.month),
            "identified": format_hours(last.hours_identified),
            "identified_fte": format_fte(last.hours_identified, hours_per_fte_week),
            "realised": format_hours(last.hours_realised),
            "realised_fte": format_fte(last.hours_realised, hours_per_fte_week),
        }
    else:
        description = _("No measures yet.")
    return month_bar_chart(
        months=months,
        series=[
            Series(identified, [s.hours_identified for s in states], *IDENTIFIED_STYLE),
            Series(realised, [s.hours_realised for s in states], *REALISED_STYLE),
        ],
        stacked=False,
        title=_("Gains identified and realised, month by month"),
        description=description,
        unit=_("hours per week"),
        table=table,
        chart_id=chart_id,
        empty_text=_("No measures yet."),
    )


def measures_by_status_chart(
    states: Sequence[MonthState], *, chart_id: str = "measures-chart"
) -> MonthBarChart:
    """How many measures stood in each status at the end of each month, stacked."""
    months = [state.month for state in states]
    statuses = list(STATUS_STYLES)
    names = [str(Measure.Status(status).label).capitalize() for status in statuses]
    table = ChartTable(
        caption=_("Measures by status at the end of each month"),
        headings=[_("Month"), *names, _("All measures")],
        rows=[
            [
                month_name(state.month),
                *(str(state.statuses.get(status, 0)) for status in statuses),
                str(state.total),
            ]
            for state in states
        ],
    )
    if states:
        last = states[-1]
        counts = ", ".join(
            f"{name.lower()} {last.statuses.get(status, 0)}"
            for name, status in zip(names, statuses, strict=True)
        )
        description = _(
            "Measures by status at the end of each month from %(first)s to %(last)s. At the end "
            "of %(last)s: %(total)s measures; %(counts)s."
        ) % {
            "first": month_name(states[0].month),
            "last": month_name(last.month),
            "total": last.total,
            "counts": counts,
        }
    else:
        description = _("No measures yet.")
    return month_bar_chart(
        months=months,
        series=[
            Series(
                name,
                [Decimal(state.statuses.get(status, 0)) for state in states],
                *STATUS_STYLES[status],
            )
            for name, status in zip(names, statuses, strict=True)
        ],
        stacked=True,
        title=_("Measures by status, month by month"),
        description=description,
        unit=_("measures"),
        table=table,
        chart_id=chart_id,
        format_value=lambda value: str(int(value)),
        whole_numbers=True,
        empty_text=_("No measures yet."),
    )
