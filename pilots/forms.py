from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pilots.fields import PlausibleDateField
from pilots.models import Department, DepartmentRole, Person
from pilots.staff_import import MAX_IMPORT_BYTES


class PersonForm(forms.ModelForm):
    """A person's details and their roles in one department.

    Whether the e-mail is free is `person_save`'s to decide (it may attach an existing person
    instead); the form leaves the municipality out, so model validation does not check it.
    """

    roles = forms.MultipleChoiceField(
        label=_("Roles in this department"),
        choices=DepartmentRole.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one role.")},
    )
    position_percent = forms.IntegerField(
        label=_("Position (%)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Optional. The size of the position in this department, 1–100."),
    )

    class Meta:
        model = Person
        fields = ["full_name", "email", "phone", "language"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args, kept_roles: frozenset[str] = frozenset(), **kwargs):
        # Roles the user may not untick here, e.g. a leader's own leader role.
        self.kept_roles = kept_roles
        super().__init__(*args, **kwargs)

    def clean_roles(self):
        roles = self.cleaned_data["roles"]
        if self.kept_roles - set(roles):
            raise ValidationError(
                _(
                    "You cannot remove your own department leader role. "
                    "Ask a lean coordinator to do it."
                ),
                code="own_leader_role",
            )
        return roles

    def person_data(self) -> dict:
        data = self.cleaned_data
        return {
            "full_name": data["full_name"],
            "email": data["email"],
            "phone": data["phone"],
            "language": data["language"],
            "roles": data["roles"],
            "position_percent": data["position_percent"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "The first row names the columns: at least name (or first and last name) and "
            "e-mail. Semicolons or commas between the columns. At most 1 MB and 2,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than 1 MB. Split it into smaller files."), code="too_large"
            )
        return upload


class StaffImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)


class StaffEndForm(forms.Form):
    """When a person leaves the department; for coordinators, optionally where they move."""

    ends_on = PlausibleDateField(
        label=_("End date"),
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"autocomplete": "off"}),
        help_text=_(
            "From this date the person no longer works in the department: no access through it "
            "and no reminders. Their name stays where they took part. Day, month and year, "
            "e.g. 01.03.2027."
        ),
    )
    move_to = forms.ModelChoiceField(
        label=_("Moves to department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("No move: the person leaves"),
        help_text=_("Optional. The person gets the roles below in that department."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles in the new department"),
        choices=DepartmentRole.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, move_to_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if move_to_choices is None:
            # Only coordinators move people; for everyone else the form is just the date.
            del self.fields["move_to"]
            del self.fields["roles"]
        else:
            self.fields["move_to"].queryset = move_to_choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("move_to") and not cleaned.get("roles"):
            self.add_error("roles", _("Choose at least one role in the new department."))
        return cleaned
