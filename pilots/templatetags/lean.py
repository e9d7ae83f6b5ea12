"""Template filters shared by every app's pages."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

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
    """Hours per week shown as full-time equivalents with one decimal."""
    if not hours_per_fte_week:
        return ""
    return f"{float(hours_per_week or 0) / float(hours_per_fte_week):.1f}"
