"""Form fields every app's forms share."""

from django import forms

from pilots.calendar import validate_plausible_date


class PlausibleDateField(forms.DateField):
    """A date between 2000 and 2100: anything else is a typing slip and gets a clear message."""

    default_validators = [validate_plausible_date]


class PlausibleDateTimeField(forms.DateTimeField):
    default_validators = [validate_plausible_date]
