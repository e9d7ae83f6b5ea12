"""Hours per week and full-time equivalents (årsverk): one rule for every page, mail and export.

A plan's gains are hours per week freed; the programme says how many hours a full-time
equivalent works in a week. The figure is rounded once, here, half up to one decimal, and shown
with the active language's decimal separator (a comma in bokmål and nynorsk), so the plan page,
the gains page, a reminder and a spreadsheet never disagree about the same hours.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

ONE_DECIMAL = Decimal("0.1")
ZERO = Decimal("0")


def fte(hours_per_week, hours_per_fte_week) -> Decimal:
    """Hours per week as full-time equivalents, one decimal, rounded half up (6 of 37.5 → 0.2)."""
    if not hours_per_fte_week:
        return ZERO.quantize(ONE_DECIMAL)
    hours = Decimal(str(hours_per_week or 0))
    return (hours / Decimal(str(hours_per_fte_week))).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def format_decimal(value, *, places: int = 1) -> str:
    """A number with `places` decimals in the active language's format ("0,2" in nb and nn)."""
    return number_format(Decimal(str(value or 0)), decimal_pos=places, use_l10n=True)


def format_fte(hours_per_week, hours_per_fte_week) -> str:
    """Hours per week shown as full-time equivalents: "0,2" in bokmål, "0.2" in English."""
    return format_decimal(fte(hours_per_week, hours_per_fte_week))


def format_hours(hours_per_week) -> str:
    """Hours per week with one decimal, in the active language's format."""
    return format_decimal(hours_per_week)
