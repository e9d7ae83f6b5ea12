"""Form fields and widgets every app's forms share: one date input and one time input.

A date is entered in the browser's own date picker (`<input type="date">`), which shows the
date the Norwegian way on a Norwegian phone and sends ISO `yyyy-mm-dd` whatever the page
language. A browser without a picker shows a text box; the field then takes what people type:
17.02.2027, 17.2.2027 and 17.02.27 as well as 2027-02-17 (`DATE_INPUT_FORMATS` in the format
modules under `leanprogram/formats/`, the same in every language).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from pilots.calendar import validate_plausible_date

# What a person types in a browser without a date picker, shown as the help text.
DATE_HELP = _("Day, month and year, e.g. 17.02.2027.")
TIME_HELP = _("24-hour clock, e.g. 08:30.")


class DateInput(forms.DateInput):
    """The browser's date picker; the value it is given and sends back is ISO yyyy-mm-dd."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    """The browser's time picker, 24-hour hh:mm; without one, 08:30 and 08.30 are both taken."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class PlausibleDateField(forms.DateField):
    """A date between 2000 and 2100: anything else is a typing slip and gets a clear message."""

    widget = DateInput
    default_validators = [validate_plausible_date]
    default_error_messages = {
        "invalid": _("Enter the date as day, month and year, e.g. 17.02.2027."),
    }


class PlausibleDateTimeField(forms.DateTimeField):
    default_validators = [validate_plausible_date]


def date_field(**kwargs) -> PlausibleDateField:
    """The date field of every form: the date picker, with the typing help below it."""
    kwargs.setdefault("help_text", DATE_HELP)
    return PlausibleDateField(**kwargs)


def time_field(**kwargs) -> forms.TimeField:
    """The time field of every form: the time picker, with the typing help below it."""
    kwargs.setdefault("help_text", TIME_HELP)
    return forms.TimeField(widget=TimeInput, **kwargs)
