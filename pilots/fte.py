"""Numbers as people read them, and full-time equivalents (årsverk): one rule for every page,
mail, chart and export.

Every figure is shown with the active language's decimal separator (a comma in bokmål and
nynorsk) and without trailing zeros: hours per week and an indicator's values as they were
typed ("2,5", "1,25", "4"), a full-time equivalent with one decimal ("0,2"). A plan's gains are
hours per week freed; the programme says how many hours a full-time equivalent works in a week.
That figure is rounded once, here, half up to one decimal, so the plan page, the gains page, a
reminder and a spreadsheet never disagree about the same hours.

Text people read gets the comma; numbers a machine reads (SVG coordinates, form values of
hidden inputs) keep the dot and do not come through here.
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


def format_number(value, *, places: int | None = 2) -> str:
    """A figure without trailing zeros, rounded half up to at most `places` decimals (None: as
    it is), in the active language's format: 27.50 → "27,5" in bokmål, "27.5" in English;
    100.00 → "100". Nothing (None or "") is shown as nothing."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = number.normalize()
    return number_format(number, decimal_pos=max(0, -number.as_tuple().exponent), use_l10n=True)


def format_fte(hours_per_week, hours_per_fte_week) -> str:
    """Hours per week shown as full-time equivalents: "0,2" in bokmål, "0.2" in English."""
    return format_decimal(fte(hours_per_week, hours_per_fte_week))


def format_hours(hours_per_week) -> str:
    """Hours per week as typed, at most two decimals: "2,5" in bokmål, "2.5" in English."""
    return format_number(hours_per_week or 0)
