"""Template filters shared by every app's pages."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pilots.fte import format_fte, format_hours, format_number
from pilots.models import Pilot

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
    """Hours per week as typed, in the active language's format ("2,5" in bokmål)."""
    return format_hours(hours_per_week)


@register.filter
def number(value) -> str:
    """A figure people read, e.g. an indicator's value: "27,5" in bokmål, "27.5" in English.

    Not for attribute values a machine reads (SVG coordinates, inputs): those keep the dot.
    """
    return format_number(value)


# The tone of each phase's badge: the text carries the meaning, the tone only repeats it.
_PHASE_TONES = {
    Pilot.Phase.PLANNED: "neutral",
    Pilot.Phase.INFORMATION: "info",
    Pilot.Phase.COURSE: "progress",
    Pilot.Phase.PLANNING: "plan",
    Pilot.Phase.FOLLOW_UP: "warning",
    Pilot.Phase.SELF_SUFFICIENT: "success",
}


def _badge(tone: str, label, *, closed: bool = False) -> str:
    """The markup of components/_badge.html, for badges drawn once per row of a table: two
    nested includes per row cost more than the rest of the row."""
    return format_html(
        '<span class="badge badge--{}{}">{}</span>',
        tone,
        " badge--closed" if closed else "",
        capfirst(label),
    )


@register.filter
def phase_badge(pilot) -> str:
    """The pilot's phase as a badge; a closed pilot's has a hollow dot."""
    tone = _PHASE_TONES.get(pilot.phase)
    return _badge(tone or "neutral", pilot.get_phase_display(), closed=tone is None)


# The tone of each attendance status's badge (training.models.Attendance.Status).
_ATTENDANCE_TONES = {"present": "success", "absent": "danger", "excused": "warning"}


@register.filter
def attendance_badge(status: str, label) -> str:
    """An attendance status as a badge, or "not recorded" when there is none."""
    tone = _ATTENDANCE_TONES.get(status)
    if tone is None:
        return format_html('<span class="text-body-secondary small">{}</span>', _("not recorded"))
    return _badge(tone, label)
