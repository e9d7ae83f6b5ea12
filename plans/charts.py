"""Run charts drawn on the server as SVG: no JavaScript, readable by screen readers, printable.

`run_chart_svg` is a pure function of its arguments (and the active language, for the labels and
the decimal separator), so it is tested without a database.
"""

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    """12.50 → "12,5" in Norwegian, "12.5" in English; 100.00 → "100"."""
    value = Decimal(str(value))
    whole = value == value.to_integral_value()
    return number_format(value.quantize(Decimal(1)) if whole else value.normalize())


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


def run_chart_svg(
    *,
    points: Sequence[tuple[dt.date, Decimal]],
    baseline: Decimal,
    target: Decimal,
    title: str,
    unit: str,
    chart_id: str = "run-chart",
) -> SafeString:
    """A run chart: the measurements joined by a line, with the baseline and target drawn across.

    Every text passed in is escaped. The chart names itself (`<title>`) and describes its data
    (`<desc>`); the page shows the same numbers as a table as well.
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

    unit_text = escape(unit)
    svg_title = escape(title)
    desc = escape(_chart_description(points, baseline, target, unit))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="run-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="13" fill="{TEXT_COLOUR}">',
        f'<title id="{chart_id}-title">{svg_title}</title>',
        f'<desc id="{chart_id}-desc">{desc}</desc>',
    ]
    # Grid and the value axis.
    for tick in ticks:
        ty = _f(y(tick))
        parts.append(
            f'<line class="grid" x1="{plot_left}" x2="{plot_right}" y1="{ty}" y2="{ty}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{plot_left - 8}" y="{ty}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(format_number(Decimal(str(tick))))}</text>"
        )
    parts.append(
        f'<line class="axis" x1="{plot_left}" x2="{plot_left}" y1="{plot_top}" '
        f'y2="{plot_bottom}" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
        f'<line class="axis" x1="{plot_left}" x2="{plot_right}" y1="{plot_bottom}" '
        f'y2="{plot_bottom}" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
        f'<text class="axis-label" x="16" y="{_f((plot_top + plot_bottom) / 2)}" '
        f'text-anchor="middle" transform="rotate(-90 16 {_f((plot_top + plot_bottom) / 2)})">'
        f"{unit_text}</text>"
        f'<text class="axis-label" x="{_f((plot_left + plot_right) / 2)}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(_("Date"))}</text>'
    )
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
    for css, value, line_y, label_y, colour, dash, label in (
        (
            "baseline",
            baseline,
            baseline_y,
            baseline_label_y,
            BASELINE_COLOUR,
            "8 5",
            _("Baseline %(value)s"),
        ),
        ("target", target, target_y, target_label_y, TARGET_COLOUR, "2 4", _("Target %(value)s")),
    ):
        parts.append(
            f'<line class="{css}" x1="{plot_left}" x2="{plot_right}" y1="{_f(line_y)}" '
            f'y2="{_f(line_y)}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>'
            f'<text class="{css}-label" x="{plot_right + 8}" y="{_f(label_y)}" '
            f'dominant-baseline="middle" fill="{colour}" font-weight="600">'
            f"{escape(label % {'value': format_number(value)})}</text>"
        )
    if not points:
        parts.append(
            f'<text class="empty" x="{_f((plot_left + plot_right) / 2)}" '
            f'y="{_f((plot_top + plot_bottom) / 2)}" text-anchor="middle">'
            f"{escape(_('No measurements yet'))}</text>"
        )
    else:
        # The measurements: a line through the points, and a marker with its own title on each.
        coordinates = " ".join(f"{_f(x(day))},{_f(y(value))}" for day, value in points)
        if len(points) > 1:
            parts.append(
                f'<polyline class="measurements" points="{coordinates}" fill="none" '
                f'stroke="{LINE_COLOUR}" stroke-width="2.5"/>'
            )
        for day, value in points:
            point_label = escape(f"{format_day(day)}: {format_number(value)} {unit}")
            parts.append(
                f'<circle class="point" cx="{_f(x(day))}" cy="{_f(y(value))}" r="5" '
                f'fill="{LINE_COLOUR}"><title>{point_label}</title></circle>'
            )
        parts.extend(
            f'<text class="date-label" x="{_f(x(day))}" y="{plot_bottom + 20}" '
            f'text-anchor="middle">{format_day(day)}</text>'
            for day in _labelled_days([day for day, _value in points], x)
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


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
