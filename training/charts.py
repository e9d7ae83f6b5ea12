"""Attendance as horizontal bars drawn on the server as SVG, and the numbers table every chart
shows beside it.

`share_bar_chart` is a pure function of its arguments (and the active language), tested without
a database; `training/_share_bar_chart.svg` draws it and `components/_chart_numbers.html` shows the
same numbers as a table under "Show the numbers". The dashboard (attendance per pilot) and the
attendance summary (attendance per meeting and course day) both draw it.

Each series has its own colour from the app's tokens *and* its own fill (solid or hatched), and
every bar carries its figure in words, so nothing is told by colour alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from pilots.fte import format_number

WIDTH = 720
LEFT, RIGHT = 16, 200  # the bars run from LEFT to WIDTH - RIGHT; their figures sit after them
TOP = 8
LABEL_ROW = 20
BAR_ROW = 22
BAR_HEIGHT = 14
GROUP_GAP = 10
LEGEND_ROW = 22
MAX_LABEL = 80  # characters; longer names are shortened in the chart, whole in the table

TEXT_COLOUR = "#1b2733"  # --lp-ink
GRID_COLOUR = "#c9d1d9"  # --lp-line
# Series colours from the tokens, each 6:1 or more against white; the second is hatched.
SERIES_STYLES = (
    ("#0a3d62", ""),  # --lp-navy-700, solid
    ("#0b6e6e", "hatch"),  # --lp-teal-700, hatched
    ("#5a2a82", "dots"),  # --lp-plan-ink, dotted
)


def _f(number: float) -> str:
    return f"{number:.1f}"


def percent(part: int, whole: int) -> int | None:
    """A whole per cent, or None where nothing was counted (shown as "not recorded")."""
    if not whole:
        return None
    return round(100 * part / whole)


@dataclass(frozen=True)
class ChartTable:
    """The chart's numbers as a table: a caption, column headings, and rows whose first cell is
    the row's heading. Every cell is text, formatted for the active language."""

    caption: str
    headings: list[str]
    rows: list[list[str]]
    summary: str = ""

    def __post_init__(self):
        if not self.summary:
            object.__setattr__(self, "summary", _("Show the numbers"))

    @property
    def labelled_rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each row's heading and its cells with their column's heading (the phone's card)."""
        return [(row[0], list(zip(self.headings[1:], row[1:], strict=True))) for row in self.rows]


@dataclass(frozen=True)
class ShareBar:
    """One figure of one group: `part` of `whole`."""

    series: str
    part: int
    whole: int


@dataclass(frozen=True)
class ShareGroup:
    label: str
    bars: list[ShareBar]


@dataclass(frozen=True)
class DrawnBar:
    css: str
    x: str
    y: str
    width: str
    height: str
    colour: str
    pattern: str
    text_x: str
    text_y: str
    text: str

    @property
    def drawn(self) -> bool:
        """A share of nothing draws no bar, only its figure."""
        return float(self.width) > 0


@dataclass(frozen=True)
class GroupLabel:
    y: str
    text: str


@dataclass(frozen=True)
class Legend:
    x: str
    y: str
    text_x: str
    text_y: str
    colour: str
    pattern: str
    text: str


@dataclass(frozen=True)
class Gridline:
    x: str
    label: str


@dataclass(frozen=True)
class ShareBarChart:
    chart_id: str
    title: str
    description: str
    table: ChartTable
    bars: list[DrawnBar]
    labels: list[GroupLabel]
    legend: list[Legend]
    gridlines: list[Gridline]
    height: int
    plot_top: int
    plot_bottom: int
    empty_text: str = ""
    width: int = WIDTH
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR
    # (id, kind, colour) of each fill pattern the bars use: "hatch" or "dots".
    patterns: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def grid_label_y(self) -> int:
        return self.plot_top - 6


def fill_patterns(chart_id: str, styles) -> list[tuple[str, str, str]]:
    return sorted(
        {(f"{chart_id}-{pattern}", pattern, colour) for colour, pattern in styles if pattern}
    )


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _figure(bar: ShareBar) -> str:
    share = percent(bar.part, bar.whole)
    if share is None:
        return _("not recorded")
    return _("%(percent)s %% (%(part)s of %(whole)s)") % {
        "percent": format_number(share),
        "part": bar.part,
        "whole": bar.whole,
    }


def share_bar_chart(
    *,
    groups: Sequence[ShareGroup],
    series: Sequence[str],
    title: str,
    group_heading: str,
    chart_id: str,
    empty_text: str = "",
) -> ShareBarChart:
    """Horizontal bars, 0 to 100 %, one bar per series in each group, the group's name above
    its bars (so long names never run into the bars), the figure after each bar."""
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    inner = plot_right - plot_left
    styles = {name: SERIES_STYLES[i % len(SERIES_STYLES)] for i, name in enumerate(series)}
    legend_rows = len(series)
    plot_top = TOP + legend_rows * LEGEND_ROW + 24
    legend = [
        Legend(
            x=_f(plot_left),
            y=_f(TOP + row * LEGEND_ROW + 3),
            text_x=_f(plot_left + 24),
            text_y=_f(TOP + row * LEGEND_ROW + 10),
            colour=styles[name][0],
            pattern=f"{chart_id}-{styles[name][1]}" if styles[name][1] else "",
            text=name,
        )
        for row, name in enumerate(series)
    ]
    bars, labels = [], []
    y = plot_top + 6
    for group in groups:
        labels.append(GroupLabel(y=_f(y + 14), text=_short(group.label)))
        y += LABEL_ROW
        for bar in group.bars:
            colour, pattern = styles[bar.series]
            share = percent(bar.part, bar.whole) or 0
            width = inner * share / 100
            bars.append(
                DrawnBar(
                    css="bar",
                    x=_f(plot_left),
                    y=_f(y + (BAR_ROW - BAR_HEIGHT) / 2),
                    width=_f(width),
                    height=_f(BAR_HEIGHT),
                    colour=colour,
                    pattern=f"{chart_id}-{pattern}" if pattern else "",
                    text_x=_f(plot_left + width + 6),
                    text_y=_f(y + BAR_ROW / 2),
                    text=f"{bar.series}: {_figure(bar)}",
                )
            )
            y += BAR_ROW
        y += GROUP_GAP
    plot_bottom = max(int(y), plot_top + 40)
    gridlines = [
        Gridline(x=_f(plot_left + inner * tick / 100), label=f"{tick} %")
        for tick in (0, 25, 50, 75, 100)
    ]
    table = ChartTable(
        caption=title,
        headings=[group_heading, *series],
        rows=[[group.label, *(_figure(bar) for bar in group.bars)] for group in groups],
    )
    description = (
        " ".join(
            f"{group.label}: "
            + "; ".join(f"{bar.series} {_figure(bar)}" for bar in group.bars)
            + "."
            for group in groups
        )
        or empty_text
    )
    return ShareBarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        table=table,
        bars=bars,
        labels=labels,
        legend=legend,
        gridlines=gridlines,
        height=plot_bottom + 8,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        empty_text=empty_text if not groups else "",
        patterns=fill_patterns(chart_id, styles.values()),
    )


def attendance_summary_chart(summary) -> ShareBarChart:
    """The attendance summary's bottom line as bars: of the department's people listed, the share
    present at each meeting and course day (and at any session, where there are several)."""
    people = len(summary.rows)
    present = _("Present")
    groups = [
        ShareGroup(
            label=f"{event.label}, {event.date.strftime('%d.%m.%Y')}",
            bars=[ShareBar(present, count, people)],
        )
        for event, count in summary.present_counts
    ]
    if summary.information_sessions > 1:
        groups.insert(
            summary.information_sessions,
            ShareGroup(
                label=_("Information meeting, any session"),
                bars=[ShareBar(present, summary.information_meeting_attended, people)],
            ),
        )
    return share_bar_chart(
        groups=groups,
        series=[present],
        title=_("Share of the department's %(count)s people present") % {"count": people},
        group_heading=_("Meeting or course day"),
        chart_id=f"attendance-{summary.pilot.pk}-chart",
    )
