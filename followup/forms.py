"""Forms for follow-up meetings, board meetings and the outbox filter; each lists its fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from followup.models import BoardMeeting, FollowUpMeeting, Reminder
from pilots.fields import PlausibleDateField
from pilots.models import Person, Pilot


class NativeDateInput(forms.DateInput):
    """The phone's own date picker; it sends ISO dates whatever the page language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _not_in_future(day):
    if day and day > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    return day


class FollowUpMeetingHoldForm(forms.ModelForm):
    class Meta:
        model = FollowUpMeeting
        fields = ["held_on", "notes", "attendees"]
        field_classes = {"held_on": PlausibleDateField}
        widgets = {
            "held_on": NativeDateInput(),
            "notes": forms.Textarea(attrs={"rows": 6}),
            "attendees": forms.CheckboxSelectMultiple(),
        }

    def __init__(self, *args, attendee_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].required = True
        self.fields["attendees"].queryset = attendee_choices
        self.fields["attendees"].help_text = ""

    def clean_held_on(self):
        return _not_in_future(self.cleaned_data.get("held_on"))


class BoardMeetingForm(forms.ModelForm):
    class Meta:
        model = BoardMeeting
        fields = ["held_on", "present_count", "minutes", "measures_touched"]
        field_classes = {"held_on": PlausibleDateField}
        widgets = {
            "held_on": NativeDateInput(),
            "present_count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "measures_touched": forms.CheckboxSelectMultiple(),
        }

    def __init__(self, *args, measure_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures_touched"].queryset = measure_choices
        self.fields["measures_touched"].help_text = ""

    def clean_held_on(self):
        return _not_in_future(self.cleaned_data.get("held_on"))

    def validate_unique(self):
        # The pilot is not a form field; the service checks "one per day" and says so on held_on.
        pass


class OutboxFilterForm(forms.Form):
    pilot = forms.ModelChoiceField(
        label=_("Pilot"), queryset=Pilot.objects.none(), required=False, empty_label=_("All")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    person = forms.ModelChoiceField(
        label=_("Recipient"), queryset=Person.objects.none(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, pilots, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilot"].queryset = pilots
        self.fields["pilot"].label_from_instance = lambda pilot: pilot.department.name
        self.fields["person"].queryset = people
        self.fields["kind"].choices = [("", _("All"))] + [
            (value, capfirst(label)) for value, label in Reminder.Kind.choices
        ]
        self.fields["status"].choices = [("", _("All"))] + [
            (value, capfirst(label)) for value, label in Reminder.Status.choices
        ]

    def filter(self, reminders):
        data = self.cleaned_data if self.is_bound else {}
        if data.get("pilot"):
            reminders = reminders.filter(pilot=data["pilot"])
        if data.get("kind"):
            reminders = reminders.filter(kind=data["kind"])
        if data.get("person"):
            reminders = reminders.filter(recipient=data["person"])
        if data.get("status"):
            reminders = reminders.filter(status=data["status"])
        return reminders
