"""Run charts (SVG drawn on the server), measurements of indicators, and gains per programme."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pilots.fte import fte
from plans.charts import run_chart
from plans.models import Indicator, Measure, Measurement
from plans.selectors import plan_page_for_pilot
from tests.factories import MeasureFactory, PilotFactory, ProjectPlanFactory


@pytest.fixture(autouse=True)
def _english(settings, client):
    # The assertions read the English msgids; the catalogs are checked in test_translations.
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


D = Decimal


# The chart itself: geometry from a pure function, drawn by a template


def run_chart_svg(**kwargs) -> str:
    return render_to_string("plans/_run_chart.svg", {"chart": run_chart(**kwargs)})


def _chart(points=(), baseline="30", target="10", title="Tid til leting", unit="min"):
    with translation.override("en"):
        return run_chart_svg(
            points=list(points), baseline=D(baseline), target=D(target), title=title, unit=unit
        )


def _line_y(svg: str, css: str) -> float:
    match = re.search(rf'<line class="{css}" [^>]*y1="([\d.]+)" y2="([\d.]+)"', svg)
    assert match, f"no {css} line"
    assert match.group(1) == match.group(2), "a horizontal line"
    return float(match.group(1))


POINTS = [
    (dt.date(2027, 3, 1), D("28")),
    (dt.date(2027, 3, 8), D("22.5")),
    (dt.date(2027, 3, 15), D("30")),
    (dt.date(2027, 3, 22), D("10")),
]


def test_chart_draws_the_points_joined_by_a_line():
    svg = _chart(POINTS)

    assert svg.count('<circle class="point"') == 4
    polyline = re.search(r'<polyline class="measurements" points="([^"]+)"', svg).group(1)
    coordinates = [tuple(map(float, pair.split(","))) for pair in polyline.split()]
    assert len(coordinates) == 4
    xs = [x for x, _y in coordinates]
    assert xs == sorted(xs)  # oldest on the left


def test_chart_draws_baseline_and_target_lines_with_labels():
    svg = _chart(POINTS)

    assert 'class="baseline-label"' in svg and "Baseline 30" in svg
    assert 'class="target-label"' in svg and "Target 10" in svg
    baseline_y, target_y = _line_y(svg, "baseline"), _line_y(svg, "target")
    assert baseline_y < target_y  # higher values are drawn higher up
    # The points that equal the baseline and the target sit exactly on those lines.
    circles = re.findall(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"', svg)
    assert float(circles[2]) == baseline_y
    assert float(circles[3]) == target_y
    # Baseline and target differ by dash pattern and label, not by colour alone.
    dashes = re.findall(r'<line class="(?:baseline|target)" [^>]*stroke-dasharray="([^"]+)"', svg)
    assert len(set(dashes)) == 2


def test_chart_labels_dates_as_dd_mm_yyyy():
    svg = _chart(POINTS)

    labels = re.findall(r'<text class="date-label"[^>]*>([^<]+)</text>', svg)
    assert labels[0] == "01.03.2027"
    assert labels[-1] == "22.03.2027"
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", label) for label in labels)
    assert "<title>08.03.2027: 22.5 min</title>" in svg


def test_chart_is_an_image_with_title_and_description_for_screen_readers():
    svg = _chart(POINTS)

    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="run-chart-title run-chart-desc"' in svg
    assert '<title id="run-chart-title">Tid til leting</title>' in svg
    desc = re.search(r'<desc id="run-chart-desc">([^<]+)</desc>', svg).group(1)
    assert "4 measurements from 01.03.2027 to 22.03.2027" in desc
    assert "Baseline 30 min, target 10 min." in desc
    assert "<script" not in svg


def test_chart_escapes_names_and_units():
    svg = _chart(POINTS, title='<script>alert("x")</script> & co', unit="<b>min</b>")

    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in svg
    assert "&lt;b&gt;min&lt;/b&gt;" in svg


def test_chart_without_measurements_still_shows_baseline_and_target():
    svg = _chart()

    assert "No measurements yet" in svg
    assert "<circle" not in svg and "<polyline" not in svg
    _line_y(svg, "baseline")
    _line_y(svg, "target")


def test_chart_with_one_point_and_equal_baseline_and_target_keeps_labels_apart():
    svg = _chart([(dt.date(2027, 3, 1), D("5"))], baseline="5", target="5")

    assert svg.count("<circle") == 1
    label_ys = re.findall(r'<text class="(?:baseline|target)-label" x="[\d.]+" y="([\d.]+)"', svg)
    assert abs(float(label_ys[0]) - float(label_ys[1])) >= 16


def test_chart_numbers_follow_the_language():
    with translation.override("nb"):
        svg = run_chart_svg(
            points=POINTS, baseline=D("30"), target=D("12.5"), title="t", unit="min"
        )

    assert "12,5" in svg


# The indicator page


@pytest.fixture
def indicator(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    indicator = Indicator.objects.create(
        plan=plan, name="Tid til leting", unit="min/dag", baseline=30, target=10
    )
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 3, 1), value=28)
    Measurement.objects.create(
        indicator=indicator, measured_on=dt.date(2027, 3, 8), value=D("22.5"), note="Etter 5S"
    )
    return indicator


def _indicator_url(indicator):
    return reverse("plans:indicator_detail", kwargs={"pk": indicator.pk})


@pytest.mark.django_db
def test_staff_reads_the_indicator_with_chart_and_table_but_no_form(client, cast, indicator):
    client.force_login(cast.users.staff_a)

    response = client.get(_indicator_url(indicator))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'role="img"' in html and 'class="baseline"' in html
    assert "<caption" in html
    assert "01.03.2027" in html and "08.03.2027" in html and "Etter 5S" in html
    assert response.context["form"] is None
    assert 'name="measured_on"' not in html


@pytest.mark.django_db
def test_leader_adds_a_measurement_with_a_norwegian_decimal_comma(
    client, cast, indicator, settings
):
    client.force_login(cast.users.tore)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"

    response = client.post(
        _indicator_url(indicator), {"measured_on": "15.03.2027", "value": "18,5", "note": "Bra"}
    )

    assert response.status_code == 302
    assert response.url == _indicator_url(indicator)
    added = indicator.measurements.get(measured_on=dt.date(2027, 3, 15))
    assert (added.value, added.note) == (D("18.5"), "Bra")
    assert added.history.first().history_user == cast.users.tore


@pytest.mark.django_db
def test_coordinator_adds_a_measurement_with_a_decimal_point(client, cast, indicator):
    client.force_login(cast.users.coordinator)

    response = client.post(
        _indicator_url(indicator), {"measured_on": "22.03.2027", "value": "12.25"}
    )

    assert response.status_code == 302
    assert indicator.measurements.get(measured_on=dt.date(2027, 3, 22)).value == D("12.25")


@pytest.mark.django_db
def test_duplicate_date_is_refused_on_the_date_field_keeping_the_rest(client, cast, indicator):
    client.force_login(cast.users.tore)

    response = client.post(
        _indicator_url(indicator), {"measured_on": "01.03.2027", "value": "17", "note": "Igjen"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["measured_on"] == ["There is already a measurement on 01.03.2027."]
    assert list(form.errors) == ["measured_on"]
    html = response.content.decode()
    assert 'value="17"' in html and 'value="Igjen"' in html
    assert indicator.measurements.count() == 2


@pytest.mark.django_db
def test_invalid_number_is_refused_keeping_the_date(client, cast, indicator):
    client.force_login(cast.users.tore)

    response = client.post(
        _indicator_url(indicator), {"measured_on": "29.03.2027", "value": "mange", "note": "x"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["value"]
    assert 'value="29.03.2027"' in response.content.decode()
    assert indicator.measurements.count() == 2


@pytest.mark.django_db
def test_invalid_date_is_refused(client, cast, indicator):
    client.force_login(cast.users.tore)

    response = client.post(_indicator_url(indicator), {"measured_on": "31.02.2027", "value": "3"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["measured_on"]


@pytest.mark.django_db
def test_a_date_far_in_the_future_is_refused_on_the_date_field(client, cast, indicator):
    client.force_login(cast.users.tore)

    response = client.post(_indicator_url(indicator), {"measured_on": "31.12.9999", "value": "3"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["measured_on"]
    assert indicator.measurements.count() == 2


@pytest.mark.django_db
def test_staff_cannot_add_measurements(client, cast, indicator):
    client.force_login(cast.users.staff_a)

    response = client.post(_indicator_url(indicator), {"measured_on": "15.03.2027", "value": "1"})

    assert response.status_code == 403
    assert indicator.measurements.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["kari", "outsider"])
def test_others_do_not_find_the_indicator(client, cast, indicator, who):
    client.force_login(getattr(cast.users, who))

    assert client.get(_indicator_url(indicator)).status_code == 404
    assert client.post(_indicator_url(indicator), {}).status_code == 404


@pytest.mark.django_db
def test_indicator_page_costs_the_same_with_2_and_40_measurements(
    client, cast, indicator, django_assert_max_num_queries
):
    client.force_login(cast.users.tore)
    url = _indicator_url(indicator)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    Measurement.objects.bulk_create(
        Measurement(
            indicator=indicator, measured_on=dt.date(2027, 4, 1) + dt.timedelta(days=n), value=n
        )
        for n in range(38)
    )
    # Session, user and the scope (5); the indicator with its plan's pilot (1); its
    # measurements (1): the same 7 for 40 measurements as for 2.
    assert len(few.captured_queries) == 7
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('<circle class="point"') == 40


# Gains


def test_fte_is_hours_over_the_programmes_full_week_with_one_decimal():
    assert fte(D("37.5"), D("37.5")) == D("1.0")
    assert fte(D("18.75"), D("37.5")) == D("0.5")
    assert fte(D("0"), D("37.5")) == D("0.0")
    assert fte(D("100"), D("37.5")) == D("2.7")
    assert fte(D("6"), D("37.5")) == D("0.2")


@pytest.fixture
def gains_plans(cast):
    plan_a = ProjectPlanFactory(pilot=cast.pilot_a)
    plan_b = ProjectPlanFactory(pilot=cast.pilot_b)
    for plan, identified, realised, status in (
        (plan_a, "20", "20", Measure.Status.DONE),
        (plan_a, "17.5", "17.5", Measure.Status.IN_PROGRESS),
        (plan_a, "100", "0", Measure.Status.DROPPED),
        (plan_b, "7.5", "0", Measure.Status.NOT_STARTED),
    ):
        MeasureFactory(
            plan=plan,
            hours_identified_per_week=D(identified),
            hours_realised_per_week=D(realised),
            status=status,
        )
    return plan_a, plan_b


@pytest.mark.django_db
def test_plan_gains_sum_the_measures_leaving_dropped_ones_out(cast, gains_plans):
    gains = plan_page_for_pilot(cast.pilot_a, today=timezone.localdate()).gains

    assert gains.hours_identified == D("37.5")
    assert gains.hours_realised == D("37.5")


@pytest.mark.django_db
def test_plan_without_measures_has_no_gains(cast):
    ProjectPlanFactory(pilot=cast.pilot_a)

    gains = plan_page_for_pilot(cast.pilot_a, today=timezone.localdate()).gains

    assert (gains.hours_identified, gains.hours_realised) == (D("0"), D("0"))


def _gains_url(programme):
    return reverse("plans:programme_gains", kwargs={"pk": programme.pk})


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coordinator", "guide"])
def test_coordinator_and_guide_see_gains_per_pilot_and_programme_totals(
    client, cast, gains_plans, who
):
    client.force_login(getattr(cast.users, who))

    response = client.get(_gains_url(cast.programme))

    assert response.status_code == 200
    rows = {row.pilot.department.name: row.gains for row in response.context["rows"]}
    assert rows["Omsorg Sør, hjemmetjenesten 2"].hours_identified == D("37.5")
    assert rows["NAV flyktningetjenesten"].hours_identified == D("7.5")
    total = response.context["total"]
    assert (total.hours_identified, total.hours_realised) == (D("45"), D("37.5"))
    html = response.content.decode()
    # Per row: hours identified and realised, then FTE identified and realised.
    cells = re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', html)
    nav, omsorg, total_cells = cells[0:4], cells[4:8], cells[8:12]
    assert nav[2:] == ["0.2", "0.0"]
    assert omsorg[2:] == ["1.0", "1.0"]
    assert total_cells[2:] == ["1.2", "1.0"]
    assert "<caption" in html and '<th scope="row">' in html
    assert "Programme total" in html


@pytest.mark.django_db
def test_gains_count_pilots_without_a_plan_as_zero(client, cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    client.force_login(cast.users.coordinator)

    response = client.get(_gains_url(cast.programme))

    rows = {row.pilot.pk: row for row in response.context["rows"]}
    assert rows[cast.pilot_b.pk].has_plan is False
    assert rows[cast.pilot_b.pk].gains.hours_identified == D("0")
    assert "no plan yet" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["tore", "kari", "staff_a"])
def test_leaders_and_staff_may_not_see_programme_gains(client, cast, who):
    client.force_login(getattr(cast.users, who))

    assert client.get(_gains_url(cast.programme)).status_code == 403


@pytest.mark.django_db
def test_coordinator_from_another_municipality_gets_404_for_gains(client, cast):
    client.force_login(cast.users.outsider)

    assert client.get(_gains_url(cast.programme)).status_code == 404


@pytest.mark.django_db
def test_gains_cost_the_same_with_2_and_40_pilots(client, cast, gains_plans):
    client.force_login(cast.users.coordinator)
    url = _gains_url(cast.programme)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _number in range(38):
        plan = ProjectPlanFactory(pilot=PilotFactory(programme=cast.programme))
        MeasureFactory.create_batch(2, plan=plan, hours_identified_per_week=D("3.75"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["rows"]) == 40
    # Session, user and the scope (5); the programme (1); every pilot with its sums (1); the
    # chart's months: the measures' history and the measures without any (2).
    assert len(few.captured_queries) == 9
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.context["total"].hours_identified == D("45") + 38 * D("7.5")
