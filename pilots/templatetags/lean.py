"""Template filters shared by every app's pages."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from pilots.fte import format_fte, format_hours

register = template.Library()


@register.filter
def isoweek(value) -> str:
    """'uke 7' for a date or datetime, in the current language."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _("week %(number)s") % {"number": value.isocalendar().week}


@register.filter
def fte(hours_per_week, hours_per_fte_week) -> str:
    """Hours per week shown as full-time equivalents, the one rule in `pilots.fte`."""
    return format_fte(hours_per_week, hours_per_fte_week)


@register.filter
def hours(hours_per_week) -> str:
    """Hours per week with one decimal in the active language's format."""
    return format_hours(hours_per_week)
