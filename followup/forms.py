"""Forms for follow-up meetings, board meetings and the outbox filter; each lists its fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from followup.models import BoardMeeting, FollowUpItem, FollowUpMeeting, Reminder
from pilots.fields import DateInput, PlausibleDateField, TimeInput
from pilots.models import Person, Pilot
from plans.models import Measure


def _not_in_future(day):
    if day and day > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    return day


class FollowUpMeetingPlanForm(forms.ModelForm):
    class Meta:
        model = FollowUpMeeting
        fields = ["planned_on", "starts_at", "ends_at", "place", "participants"]
        field_classes = {"planned_on": PlausibleDateField}
        widgets = {
            "planned_on": DateInput(),
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "participants": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        }
        help_texts = {
            "place": _("E.g. the meeting room on the second floor, or a video link."),
            "participants": _(
                "They get the reminder before the meeting. The programme's people come first."
            ),
        }

    def __init__(self, *args, participant_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_on"].required = True
        self.fields["participants"].queryset = participant_choices

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return cleaned

    def _post_clean(self):
        # The service saves the plan and checks the whole meeting; the form's own clean says
        # what a person can fix.
        pass

    @property
    def participant_groups(self) -> list[tuple[str, list]]:
        """The participant checkboxes in two groups, the programme's people first (the choices
        are ordered that way and carry `in_programme`, so this costs no query)."""
        programme, others = [], []
        for checkbox in self["participants"]:
            in_programme = getattr(checkbox.data["value"].instance, "in_programme", False)
            (programme if in_programme else others).append(checkbox)
        groups = [
            (pgettext("facilitators", "Programme"), programme),
            (gettext("Others in the municipality"), others),
        ]
        return [(label, checkboxes) for label, checkboxes in groups if checkboxes]


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    too_long = [line for line in lines if len(line) > FollowUpItem.MAX_LENGTH]
    if too_long:
        raise ValidationError(
            _("Each line can be at most %(max)d characters."),
            params={"max": FollowUpItem.MAX_LENGTH},
            code="max_length",
        )
    return lines


class FollowUpMeetingHoldForm(forms.ModelForm):
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One decision a line."),
    )
    open_items = forms.CharField(
        label=_("Open items for the next meeting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line. They come up again at the next follow-up meeting."),
    )
    done_items = forms.ModelMultipleChoiceField(
        label=_("Done since last time"),
        queryset=FollowUpItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(),
    )

    class Meta:
        model = FollowUpMeeting
        fields = ["held_on", "notes", "attendees"]
        field_classes = {"held_on": PlausibleDateField}
        widgets = {
            "held_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 6}),
            "attendees": forms.CheckboxSelectMultiple(),
        }

    def __init__(self, *args, attendee_choices, carried_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].required = True
        self.fields["attendees"].queryset = attendee_choices
        self.fields["attendees"].help_text = ""
        self.fields["done_items"].queryset = carried_items
        self.fields["done_items"].label_from_instance = self._item_label
        if not self.is_bound:
            self.initial["done_items"] = [item.pk for item in carried_items if item.done]

    @staticmethod
    def _item_label(item: FollowUpItem) -> str:
        details = [item.get_kind_display(), item.meeting.display_label()]
        if item.measure_id:
            details.append(
                gettext("measure %(status)s") % {"status": item.measure.get_status_display()}
            )
        return f"{item.text} ({', '.join(details)})"

    def clean_held_on(self):
        return _not_in_future(self.cleaned_data.get("held_on"))

    def clean_decisions(self):
        return _lines(self.cleaned_data.get("decisions"))

    def clean_open_items(self):
        return _lines(self.cleaned_data.get("open_items"))


class FollowUpActionForm(forms.Form):
    """One action of a follow-up meeting; a row left empty is no action."""

    text = forms.CharField(
        label=_("What is to be done"),
        max_length=Measure._meta.get_field("title").max_length,
        required=False,
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none(), required=False)
    deadline = PlausibleDateField(label=_("Deadline"), required=False, widget=DateInput())

    def __init__(self, *args, owner_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("text") and (cleaned.get("owner") or cleaned.get("deadline")):
            self.add_error("text", _("Write what is to be done, or empty the row."))
        return cleaned


FollowUpActionFormSet = forms.formset_factory(FollowUpActionForm, extra=3, max_num=20)


class BoardMeetingForm(forms.ModelForm):
    class Meta:
        model = BoardMeeting
        fields = ["held_on", "present_count", "minutes", "measures_touched"]
        field_classes = {"held_on": PlausibleDateField}
        widgets = {
            "held_on": DateInput(),
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
    # A search, not a list of everyone: a municipality has thousands of people, and the page
    # must weigh the same for ten or ten thousand.
    recipient = forms.CharField(
        label=_("Recipient"),
        required=False,
        max_length=100,
        help_text=_("Part of a name or e-mail address."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, pilots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilot"].queryset = pilots
        self.fields["pilot"].label_from_instance = lambda pilot: pilot.department.name
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
        if search := data.get("recipient", "").strip():
            reminders = reminders.filter(
                Q(recipient__full_name__icontains=search) | Q(recipient__email__icontains=search)
            )
        if data.get("status"):
            reminders = reminders.filter(status=data["status"])
        return reminders
