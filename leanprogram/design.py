"""The design system's colour pairs and their contrast, for the style page and its test.

static/css/app.css holds the tokens; this module names the pairs the pages use (text on a
background, a control's edge on white) and computes their WCAG contrast ratio, so the style page
shows real numbers and tests/test_design.py fails when a token drifts below AA.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# WCAG 2.1: 4.5:1 for text (1.4.3), 3:1 for the parts of a control (1.4.11).
TEXT_MINIMUM = 4.5
UI_MINIMUM = 3.0


@dataclass(frozen=True)
class Pair:
    token: str
    foreground: str
    background: str
    use: str
    minimum: float = TEXT_MINIMUM

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.foreground, self.background)

    @property
    def swatch_class(self) -> str:
        return "swatch--" + self.token.removeprefix("--lp-")


PAIRS = [
    Pair("--lp-navy-700", "#0a3d62", "#ffffff", _("Brand, primary buttons, headings")),
    Pair("--lp-navy-900", "#05263f", "#ffffff", _("Headings, primary button when pointed at")),
    Pair("--lp-navy-500", "#0a5c8a", "#ffffff", _("Links")),
    Pair("--lp-teal-700", "#0b6e6e", "#ffffff", _("Accent: header edge, summary edge")),
    Pair("--lp-ink", "#1b2733", "#ffffff", _("Body text")),
    Pair("--lp-ink-muted", "#4a5866", "#f4f6f8", _("Secondary text, on the grey surface too")),
    Pair(
        "--lp-line-strong", "#7b8794", "#ffffff", _("The edge of a field or a control"), UI_MINIMUM
    ),
    Pair("--lp-success-ink", "#155724", "#e3f1e6", _("Status: done, present")),
    Pair("--lp-warning-ink", "#7a4b00", "#fff3d6", _("Status: needs a look, excused")),
    Pair("--lp-danger-ink", "#8a1c1c", "#fbe5e5", _("Status: overdue, absent, failed")),
    Pair("--lp-info-ink", "#0b6e6e", "#e3f2f1", _("Status: information")),
    Pair("--lp-progress-ink", "#0a3d62", "#e6eef5", _("Status: under way")),
    Pair("--lp-plan-ink", "#5a2a82", "#efe7f6", _("Status: planning")),
    Pair("--lp-neutral-ink", "#3d4a57", "#eceff2", _("Status: not started, closed")),
    Pair("--lp-focus", "#ffbf47", "#0a3d62", _("Focus ring on the header"), UI_MINIMUM),
]


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
