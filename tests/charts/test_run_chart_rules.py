"""The run-chart rules on known series, the median, and how the run chart shows them."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from plans.charts import Run, median, run_chart, run_chart_rules
from tests.charts.svg import svg_root

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"


# The median


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([7], D("7")),
        ([3, 1, 2], D("2")),
        ([4, 1, 3, 2], D("2.5")),
        ([D("1.5"), D("2.25")], D("1.875")),
        ([5, 5, 5, 5], D("5")),
        ([10, 1, 10, 1, 10], D("10")),
    ],
)
def test_median_of_odd_and_even_counts(values, expected):
    assert median(values) == expected


# Shifts: 6 or more points on one side of the median


def test_six_points_above_the_median_make_a_shift():
    values = [4, 6, 4, 6, 4, 6, 4, 8, 8, 8, 8, 8, 8]
    assert median(values) == D("6")

    shifts, _trends = run_chart_rules(values)

    # The four 4s below the median, with 6s on it between them, are no shift.
    assert shifts == [Run(7, 12, "above", 6)]


def test_five_points_on_one_side_are_no_shift():
    values = [2, 9, 1, 2, 1, 2, 1, 9, 9, 9, 9]  # median 2: the 1s and 2s are below or on it

    shifts, _trends = run_chart_rules(values)

    assert median(values) == D("2")
    assert shifts == []


def test_shift_below_the_median():
    values = [9, 8, 9, 8, 9, 1, 2, 1, 2, 1, 2, 8]  # median 8: the 6 low points below it

    shifts, _trends = run_chart_rules(values)

    assert shifts == [Run(5, 10, "below", 6)]


def test_points_on_the_median_neither_break_nor_count():
    # Median 5: six 6s above it with two 5s on the median among them; five 1s below it.
    values = [1, 1, 1, 1, 1, 6, 6, 5, 6, 5, 6, 6, 6, 1]
    assert median(values) == D("5")

    shifts, _trends = run_chart_rules(values)

    assert shifts == [Run(5, 12, "above", 6)]


def test_only_five_off_the_median_with_one_on_it_is_no_shift():
    values = [6, 6, 5, 6, 6, 6, 1]

    shifts, _trends = run_chart_rules(values, centre=5)

    assert shifts == []


def test_fewer_than_six_points_never_make_a_shift():
    assert run_chart_rules([1, 2, 3, 9, 9])[0] == []
    assert run_chart_rules([])[0] == []
    assert run_chart_rules([4])[0] == []


def test_all_points_on_the_median_make_no_shift_and_no_trend():
    assert run_chart_rules([5] * 12) == ([], [])


def test_two_shifts_on_either_side():
    values = [1] * 6 + [9] * 6  # median 5

    shifts, _trends = run_chart_rules(values)

    assert shifts == [Run(0, 5, "below", 6), Run(6, 11, "above", 6)]


# Trends: 5 or more points all going up or all going down


def test_five_points_going_up_make_a_trend():
    _shifts, trends = run_chart_rules([5, 1, 2, 3, 4, 5, 2])

    assert trends == [Run(1, 5, "up", 5)]


def test_four_points_going_down_are_no_trend():
    _shifts, trends = run_chart_rules([9, 8, 7, 6, 7, 8, 7])

    assert trends == []


def test_five_points_going_down_make_a_trend():
    _shifts, trends = run_chart_rules([3, 9, 8, 7, 6, 5, 6])

    assert trends == [Run(1, 5, "down", 5)]


def test_equal_neighbours_neither_break_nor_count():
    # 1, 2, 2, 3, 4: the repeated 2 counts once, so four points rise: no trend yet.
    assert run_chart_rules([1, 2, 2, 3, 4])[1] == []
    # One more rise makes five; the repeat lies inside the trend.
    assert run_chart_rules([1, 2, 2, 3, 4, 5])[1] == [Run(0, 5, "up", 5)]


def test_repeats_at_the_ends_belong_to_the_next_run():
    _shifts, trends = run_chart_rules([1, 1, 2, 3, 4, 5, 5, 4])

    assert trends == [Run(1, 5, "up", 5)]


def test_a_peak_ends_one_trend_and_starts_the_next():
    _shifts, trends = run_chart_rules([1, 2, 3, 4, 5, 4, 3, 2, 1])

    assert trends == [Run(0, 4, "up", 5), Run(4, 8, "down", 5)]


def test_fewer_than_five_points_never_make_a_trend():
    assert run_chart_rules([1, 2, 3, 4])[1] == []


def test_a_long_rise_is_one_trend_counting_every_point():
    values = list(range(12))

    shifts, trends = run_chart_rules(values)

    assert trends == [Run(0, 11, "up", 12)]
    # A long trend crosses the median: six below it, then six above.
    assert shifts == [Run(0, 5, "below", 6), Run(6, 11, "above", 6)]


def test_decimals_are_compared_exactly():
    values = [D("0.1"), D("0.2"), D("0.30"), D("0.3"), D("0.4"), D("0.5"), D("0.6")]

    _shifts, trends = run_chart_rules(values)

    assert trends == [Run(0, 6, "up", 6)]


# The chart


def _chart_svg(values, language="en", **kwargs) -> str:
    start = dt.date(2027, 1, 4)
    points = [(start + dt.timedelta(weeks=n), D(str(v))) for n, v in enumerate(values)]
    with translation.override(language):
        chart = run_chart(
            points=points,
            baseline=kwargs.pop("baseline", D("30")),
            target=kwargs.pop("target", D("10")),
            title="Ventetid",
            unit="min",
            **kwargs,
        )
        return render_to_string("plans/_run_chart.svg", {"chart": chart})


SHIFTED = [20, 22, 21, 23, 22, 24, 12, 13, 12, 11, 12, 13]  # median 16.5, no trend


def test_chart_draws_the_median_as_a_labelled_line():
    svg = _chart_svg([20, 12, 15, D("12.5")], language="nb")

    assert 'class="median"' in svg
    assert "Median 13,75" in svg
    root = svg_root(svg)
    median_line = root.find(f"{SVG}line[@class='median']")
    assert median_line.get("stroke-dasharray") not in {"8 5", "2 4"}


def test_chart_marks_the_points_of_a_shift_with_squares_and_says_so():
    svg = _chart_svg(SHIFTED)

    root = svg_root(svg)
    squares = root.findall(f"{SVG}path[@class='marker-shift']")
    # Above and below the median, 6 points in a row each.
    assert len(squares) == 12
    desc = root.find(f"{SVG}desc").text
    assert "Median 16.5 min." in desc
    assert "A shift above the median: 6 points from 04.01.2027 to 08.02.2027." in desc
    assert "A shift below the median: 6 points from 15.02.2027 to 22.03.2027." in desc
    assert "part of a shift below the median" in svg
    legend = [t.text for t in root.findall(f"{SVG}text[@class='legend-text']")]
    assert legend == ["Square: a shift, 6 or more points in a row on one side of the median"]
    assert root.find(f"{SVG}path[@class='legend-shift']") is not None


def test_chart_marks_a_trend_with_triangles_pointing_its_way():
    svg = _chart_svg([30, 28, 25, 20, 18, 15, 16])

    root = svg_root(svg)
    triangles = root.findall(f"{SVG}path[@class='marker-trend']")
    assert len(triangles) == 6
    assert "A trend going down: 6 points from 04.01.2027 to 08.02.2027." in svg
    legend = [t.text for t in root.findall(f"{SVG}text[@class='legend-text']")]
    assert legend == ["Triangle: a trend, 5 or more points in a row going up or going down"]
    # The chart grows to hold the legend, which sits below the date labels.
    width, height = map(float, root.get("viewBox").split()[2:])
    legend_y = float(root.find(f"{SVG}text[@class='legend-text']").get("y"))
    date_y = max(float(t.get("y")) for t in root.findall(f"{SVG}text[@class='date-label']"))
    assert date_y < legend_y < height


def test_chart_without_signals_says_so_and_has_no_legend():
    svg = _chart_svg([20, 22, 19, 23])

    assert "No shift and no trend." in svg
    assert "marker-" not in svg and "legend-" not in svg
    assert 'viewBox="0 0 720 360"' in svg


def test_rules_can_be_left_out():
    svg = _chart_svg(SHIFTED, rules=False)

    assert 'class="median"' not in svg and "marker-" not in svg and "Median" not in svg


def test_guide_labels_never_overlap_when_the_lines_coincide():
    svg = _chart_svg([10, 10, 10], baseline=D("10"), target=D("10"))

    label = r'<text class="(?:baseline|target|median)-label" x="[\d.]+" y="([\d.]+)"'
    ys = sorted(float(y) for y in re.findall(label, svg))
    assert len(ys) == 3
    assert all(b - a >= 16 for a, b in zip(ys, ys[1:], strict=False))


def test_marker_colours_meet_the_graphics_contrast_on_white():
    from plans.charts import MEDIAN_COLOUR, SHIFT_COLOUR, TREND_COLOUR

    for colour in (MEDIAN_COLOUR, SHIFT_COLOUR, TREND_COLOUR):
        assert _contrast(colour, "#ffffff") >= 3


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
