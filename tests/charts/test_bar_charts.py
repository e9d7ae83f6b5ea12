"""The new charts as pure functions: well-formed SVG with a title and a description, the same
numbers in the table, bars that differ by more than colour."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from plans.charts_bars import gains_over_time_chart, measures_by_status_chart
from plans.measure_history import MonthState
from tests.charts.svg import NS, svg_root, texts
from training.charts import ShareBar, ShareGroup, share_bar_chart

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _state(month, not_started=0, in_progress=0, done=0, dropped=0, identified="0", realised="0"):
    return MonthState(
        month=month,
        statuses={
            "not_started": not_started,
            "in_progress": in_progress,
            "done": done,
            "dropped": dropped,
        },
        hours_identified=D(identified),
        hours_realised=D(realised),
    )


STATES = [
    _state(dt.date(2027, 1, 1), not_started=3, identified="7.5"),
    _state(dt.date(2027, 2, 1), not_started=1, in_progress=2, identified="37.5", realised="6"),
    _state(
        dt.date(2027, 3, 1), in_progress=1, done=2, dropped=1, identified="40", realised="18.75"
    ),
]


def _bars(root):
    return [rect for rect in root.iter(f"{NS}rect") if rect.get("class") == "bar"]


def test_gains_chart_is_an_image_with_title_description_and_the_numbers_as_a_table():
    chart = gains_over_time_chart(STATES, hours_per_fte_week=D("37.5"), chart_id="g")
    root = svg_root(render_to_string("plans/_month_bar_chart.svg", {"chart": chart}))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "g-title g-desc"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 720 ")
    assert root.find(f"{NS}title").text == "Gains identified and realised, month by month"
    desc = root.find(f"{NS}desc").text
    assert "from January 2027 to March 2027" in desc
    assert "40 hours per week identified (1.1 FTE), 18.75 realised (0.5 FTE)" in desc
    assert chart.table.headings == [
        "Month",
        "Hours per week identified",
        "Hours per week realised",
        "FTE identified",
        "FTE realised",
    ]
    assert chart.table.rows == [
        ["January 2027", "7.5", "0", "0.2", "0.0"],
        ["February 2027", "37.5", "6", "1.0", "0.2"],
        ["March 2027", "40", "18.75", "1.1", "0.5"],
    ]
    # One bar per month and figure, a zero draws none; each names its month and figure.
    labels = [bar.find(f"{NS}title").text for bar in _bars(root)]
    assert len(labels) == 5
    assert "March 2027, Hours per week realised: 18.75 hours per week" in labels
    assert texts(root, "month-label") == ["01.2027", "02.2027", "03.2027"]


def test_gains_bars_grow_with_the_hours_and_differ_by_fill_not_colour_alone():
    chart = gains_over_time_chart(STATES, hours_per_fte_week=D("37.5"), chart_id="g")
    root = svg_root(render_to_string("plans/_month_bar_chart.svg", {"chart": chart}))

    bars = _bars(root)
    heights = [float(bar.get("height")) for bar in bars]
    # January identified (7.5) is lower than March identified (40).
    assert heights[0] < heights[3]
    fills = {bar.get("fill") for bar in bars}
    assert "#0a3d62" in fills and "url(#g-hatch)" in fills
    assert root.find(f"{NS}defs/{NS}pattern[@id='g-hatch']") is not None
    assert texts(root, "legend-text") == ["Hours per week identified", "Hours per week realised"]


def test_gains_chart_numbers_in_norwegian():
    with translation.override("nb"):
        chart = gains_over_time_chart(STATES, hours_per_fte_week=D("37.5"))

    assert chart.table.rows[2][2:] == ["18,75", "1,1", "0,5"]
    assert chart.table.rows[0][0] == "januar 2027"


def test_status_chart_stacks_the_counts_and_tables_them():
    chart = measures_by_status_chart(STATES, chart_id="m")
    root = svg_root(render_to_string("plans/_month_bar_chart.svg", {"chart": chart}))

    assert chart.table.headings == [
        "Month",
        "Not started",
        "In progress",
        "Done",
        "Dropped",
        "All measures",
    ]
    assert chart.table.rows[2] == ["March 2027", "0", "1", "2", "1", "4"]
    desc = root.find(f"{NS}desc").text
    assert "At the end of March 2027: 4 measures; not started 0, in progress 1, done 2" in desc
    # March: three segments stacked, each starting where the one below ends.
    march = [bar for bar in _bars(root) if bar.find(f"{NS}title").text.startswith("March")]
    assert len(march) == 3
    for lower, upper in zip(march, march[1:], strict=False):
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(
            float(lower.get("y")), abs=0.11
        )
    # Four statuses, four different fills (solid, dots, hatch, cross).
    assert (
        len(
            {
                swatch.get("fill")
                for swatch in root.iter(f"{NS}rect")
                if swatch.get("class") == "legend-swatch"
            }
        )
        == 4
    )
    # Whole numbers on the axis.
    assert all("." not in label for label in texts(root, "tick-label"))


def test_empty_month_charts_say_so():
    chart = measures_by_status_chart([])
    root = svg_root(render_to_string("plans/_month_bar_chart.svg", {"chart": chart}))

    assert texts(root, "empty") == ["No measures yet."]
    assert chart.table.rows == []


def test_many_months_keep_their_labels_apart():
    states = [_state(dt.date(2025 + n // 12, n % 12 + 1, 1), done=n) for n in range(24)]
    chart = measures_by_status_chart(states)

    xs = [float(tick.x) for tick in chart.month_ticks]
    assert len(xs) < 24
    assert all(b - a >= 64 for a, b in zip(xs, xs[1:], strict=False))


def test_share_bars_show_each_figure_in_words_and_in_the_table():
    chart = share_bar_chart(
        groups=[
            ShareGroup("Omsorg Sør", [ShareBar("Course days", 9, 12), ShareBar("Meeting", 0, 0)]),
            ShareGroup("NAV", [ShareBar("Course days", 5, 5), ShareBar("Meeting", 1, 4)]),
        ],
        series=["Course days", "Meeting"],
        title="Attendance",
        group_heading="Department",
        chart_id="a",
    )
    root = svg_root(render_to_string("training/_share_bar_chart.svg", {"chart": chart}))

    assert root.find(f"{NS}title").text == "Attendance"
    assert texts(root, "group-label") == ["Omsorg Sør", "NAV"]
    assert texts(root, "bar-label") == [
        "Course days: 75 % (9 of 12)",
        "Meeting: not recorded",
        "Course days: 100 % (5 of 5)",
        "Meeting: 25 % (1 of 4)",
    ]
    assert chart.table.rows == [
        ["Omsorg Sør", "75 % (9 of 12)", "not recorded"],
        ["NAV", "100 % (5 of 5)", "25 % (1 of 4)"],
    ]
    # A share of nothing draws no bar, only its words.
    widths = [float(bar.get("width")) for bar in _bars(root)]
    assert widths == pytest.approx([504 * 0.75, 504, 504 * 0.25])  # 100 %: the whole plot
    # The group's name sits on its own row above its bars: never on top of them.
    label_y = [float(y) for y in _attr(root, "group-label", "y")]
    bar_y = [float(bar.get("y")) for bar in _bars(root)]
    assert label_y[0] < bar_y[0] < label_y[1] < bar_y[1] < bar_y[2]


def _attr(root, css, name):
    return [t.get(name) for t in root.iter(f"{NS}text") if t.get("class") == css]


def test_share_bars_escape_names():
    chart = share_bar_chart(
        groups=[ShareGroup('<script>"x"</script>', [ShareBar("Present", 1, 2)])],
        series=["Present"],
        title="<b>",
        group_heading="Department",
        chart_id="a",
    )
    svg = render_to_string("training/_share_bar_chart.svg", {"chart": chart})

    assert "<script>" not in svg and "<b>" not in svg
    svg_root(svg)
