"""One number format per language: a decimal comma in bokmål and nynorsk, a point in English,
the same figure on every page, in the chart and in the history; SVG coordinates keep the point."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from pilots.fte import format_fte, format_hours, format_number
from plans.models import Indicator, Measurement
from tests.factories import MeasureFactory, ProjectPlanFactory

D = Decimal
COMMA = {"nb": ",", "nn": ",", "en": "."}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("27.50"), "27,5"),
        (D("100.00"), "100"),
        (D("1.25"), "1,25"),
        (D("0.00"), "0"),
        (D("-2.50"), "-2,5"),
        (D("1.255"), "1,26"),  # half up, at most two decimals
        (12, "12"),
        (None, ""),
    ],
)
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_figure_is_shown_without_trailing_zeros_in_the_language_s_format(language, value, shown):
    with translation.override(language):
        assert format_number(value) == shown.replace(",", COMMA[language])


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_hours_and_ftes_share_the_format(language):
    with translation.override(language):
        assert format_hours(D("2.50")) == f"2{COMMA[language]}5"
        assert format_hours(None) == "0"
        # One decimal, always, for full-time equivalents: 15 of 37.5 hours is 0.4.
        assert format_fte(D("15"), D("37.5")) == f"0{COMMA[language]}4"
        assert format_fte(D("37.5"), D("37.5")) == f"1{COMMA[language]}0"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_template_filters_use_the_language_s_separator(language):
    template = Template("{% load lean %}{{ v|number }} {{ h|hours }} {{ h|fte:37.5 }}")

    with translation.override(language):
        shown = template.render(Context({"v": D("27.50"), "h": D("15.00")}))

    assert shown == "27,5 15 0,4".replace(",", COMMA[language])


@pytest.fixture
def measured_plan(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    MeasureFactory(
        plan=plan,
        hours_identified_per_week=D("12.50"),
        hours_realised_per_week=D("2.50"),
    )
    MeasureFactory(plan=plan, hours_identified_per_week=D("2.50"))
    indicator = Indicator.objects.create(
        plan=plan, name="Tid til rapport", unit="min", baseline=D("42.00"), target=D("15.50")
    )
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2027, 3, 2), value=35)
    Measurement.objects.create(
        indicator=indicator, measured_on=dt.date(2027, 3, 16), value=D("27.50")
    )
    return plan, indicator


def _get(client, language, url):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _cells(html):
    return [cell.strip() for cell in re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', html)]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_plan_page_shows_hours_and_ftes_in_the_language_s_format(
    client, cast, measured_plan, language
):
    client.force_login(cast.users.tore)
    c = COMMA[language]

    html = _get(
        client, language, reverse("plans:plan_detail", kwargs={"pilot_pk": cast.pilot_a.pk})
    )

    cells = _cells(html)
    # Each measure's hours identified and realised, then the plan's gains in hours and FTE.
    assert cells[:4] == [f"12{c}5", f"2{c}5", f"2{c}5", "0"]
    assert cells[-4:] == ["15", f"0{c}4", f"2{c}5", f"0{c}1"]
    # The indicator: target 15.50 and the latest value 27.50.
    assert f"15{c}5" in html and f"27{c}5" in html
    assert f"27{c}50" not in html
    assert f"37{c}5" in html  # hours in a full-time equivalent, in the note under the gains


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_gains_page_shows_hours_and_ftes_in_the_language_s_format(
    client, cast, measured_plan, language
):
    client.force_login(cast.users.coordinator)
    c = COMMA[language]

    html = _get(
        client, language, reverse("plans:programme_gains", kwargs={"pk": cast.programme.pk})
    )

    cells = _cells(html)
    omsorg, total = cells[4:8], cells[8:12]
    assert omsorg == ["15", f"2{c}5", f"0{c}4", f"0{c}1"]
    assert total == omsorg
    assert f"37{c}5" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_indicator_s_table_and_chart_say_the_same_figure(client, cast, measured_plan, language):
    _plan, indicator = measured_plan
    client.force_login(cast.users.tore)
    c = COMMA[language]

    html = _get(client, language, reverse("plans:indicator_detail", kwargs={"pk": indicator.pk}))

    assert f"27{c}5" in _cells(html)
    assert f"16.03.2027: 27{c}5 min" in html  # the chart's point
    assert f"27{c}50" not in html
    # Coordinates in the SVG are for the browser, not for people: always a point.
    start = html.index('class="run-chart"')
    svg = html[start : html.index("</svg>", start)]
    coordinates = re.findall(r' (?:cx|cy|x|y|x1|x2|y1|y2)="([^"]*)"', svg)
    assert len(coordinates) > 20
    assert [value for value in coordinates if not re.fullmatch(r"-?\d+(\.\d+)?", value)] == []
    assert re.search(r'<circle class="point" cx="\d+\.\d" cy="\d+\.\d"', svg)
