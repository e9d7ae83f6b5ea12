"""The design system: AA contrast of its colour pairs, the words rule, the style page, and the
breadcrumb root that depends on who is looking."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from leanprogram.design import PAIRS, TEXT_MINIMUM, UI_MINIMUM, contrast_ratio

APP_CSS = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()


def test_contrast_ratio_matches_the_wcag_examples():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The palest grey on white that still passes for text.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair.token)
def test_every_colour_pair_meets_wcag_aa(pair):
    assert pair.minimum in (TEXT_MINIMUM, UI_MINIMUM)
    assert pair.ratio >= pair.minimum, f"{pair.token}: {pair.ratio:.2f}:1 < {pair.minimum}:1"


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair.token)
def test_the_checked_colours_are_the_ones_in_app_css(pair):
    # A token changed in app.css without its pair here would show a ratio the page does not have.
    match = re.search(rf"{re.escape(pair.token)}:\s*(#[0-9a-fA-F]{{6}})", APP_CSS)
    assert match, f"{pair.token} is not defined in app.css"
    assert match.group(1).lower() == pair.foreground


def test_the_style_page_swatches_show_the_checked_colours():
    swatches = (Path(settings.BASE_DIR) / "static" / "css" / "style_guide.css").read_text()
    for pair in PAIRS:
        if pair.token == "--lp-line-strong":
            # An edge colour, not a text colour: shown as a border.
            assert f"border: 3px solid {pair.foreground}" in swatches
            continue
        colours = f"color: {pair.foreground}; background: {pair.background};"
        assert f".{pair.swatch_class} {{ {colours} }}" in swatches


def test_words_are_never_broken_anywhere_but_in_breakable_elements():
    rules = re.findall(r"([^{}]+)\{[^}]*overflow-wrap:\s*anywhere", APP_CSS)
    assert [selector.strip() for selector in rules] == [".breakable"]
    assert "hyphens: manual" in APP_CSS


@pytest.mark.django_db
def test_style_page_is_public_and_shows_every_token(client, django_assert_max_num_queries):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # Only the session: the page reads nothing from the database.
    with django_assert_max_num_queries(1):
        response = client.get(reverse("style_guide"))
    assert response.status_code == 200
    html = response.content.decode()
    for pair in PAIRS:
        assert pair.token in html
    assert 'class="empty-state"' in html
    assert "table-stack" in html
    statement = client.get(reverse("accessibility")).content.decode()
    assert reverse("style_guide") in statement


@pytest.mark.django_db
def test_breadcrumbs_start_at_the_dashboard_for_a_coordinator_and_at_my_tasks_for_a_leader(
    client, cast
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("training:attendance_summary", kwargs={"pk": cast.pilot_a.pk})
    trail = re.compile(r'<ol class="breadcrumb">\s*<li class="breadcrumb-item"><a href="([^"]+)">')

    client.force_login(cast.users.coordinator)
    assert trail.search(client.get(url).content.decode()).group(1) == reverse("programme:dashboard")

    client.force_login(cast.users.tore)
    assert trail.search(client.get(url).content.decode()).group(1) == reverse("my_tasks")
