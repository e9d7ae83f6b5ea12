from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pilots.fields import PlausibleDateField, date_field
from pilots.invitations import username_error
from pilots.models import (
    Department,
    DepartmentRole,
    HolidayPeriod,
    Person,
    Programme,
    course_weeks_errors,
)
from pilots.programme_settings import TargetInput
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


class InvitationAcceptForm(SetPasswordMixin, forms.Form):
    """The username and password an invited person chooses for their own login."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("You log in with it. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, person: Person, **kwargs):
        self.person = person
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if error := username_error(username):
            raise error
        return username

    def clean(self):
        self.validate_passwords()
        # The login does not exist yet: the password is checked against what it will hold, and
        # the person's name, so that neither makes a password.
        user = get_user_model()(
            username=self.cleaned_data.get("username", ""),
            email=self.person.email,
            first_name=self.person.full_name,
        )
        self.validate_password_for_user(user)
        return super().clean()


# --- Programme settings ---------------------------------------------------------------------------


def _number_input() -> forms.NumberInput:
    return forms.NumberInput(attrs={"autocomplete": "off", "inputmode": "numeric"})


class CourseWeeksForm(forms.Form):
    """An ISO year and its first and last course week: all three, or none to clear them."""

    course_year = forms.IntegerField(
        label=_("Course year"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=_number_input(),
        help_text=_("The ISO year of the course weeks, e.g. 2027."),
    )
    course_week_first = forms.IntegerField(
        label=_("First course week"),
        required=False,
        min_value=1,
        max_value=53,
        widget=_number_input(),
    )
    course_week_last = forms.IntegerField(
        label=_("Last course week"),
        required=False,
        min_value=1,
        max_value=53,
        widget=_number_input(),
    )

    WEEK_FIELDS = ("course_year", "course_week_first", "course_week_last")

    def __init__(self, *args, require: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.WEEK_FIELDS:
            self.fields[name].required = require

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in self.WEEK_FIELDS):
            return cleaned
        errors = course_weeks_errors(*(cleaned.get(name) for name in self.WEEK_FIELDS))
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned


class HolidayPeriodForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=HolidayPeriod._meta.get_field("name").max_length,
        help_text=_("E.g. Winter holiday (Troms)."),
    )
    starts_on = date_field(label=_("First day"))
    ends_on = date_field(label=_("Last day"))

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The period cannot end before it starts."))
        return cleaned


class PhaseTargetsForm(forms.Form):
    """A date and an optional note for each phase of the lifecycle, in its order."""

    def __init__(self, *args, phases: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.phases = phases
        for phase, _label in phases:
            self.fields[f"{phase}_reached_by"] = date_field(label=_("Reached by"), required=False)
            self.fields[f"{phase}_note"] = forms.CharField(
                label=_("Note"), max_length=200, required=False
            )

    @property
    def rows(self):
        return [
            (label, self[f"{phase}_reached_by"], self[f"{phase}_note"])
            for phase, label in self.phases
        ]

    def targets(self) -> dict:
        return {
            phase: TargetInput(
                reached_by=self.cleaned_data.get(f"{phase}_reached_by"),
                note=self.cleaned_data.get(f"{phase}_note", ""),
            )
            for phase, _label in self.phases
        }

    def add_service_errors(self, error: ValidationError) -> None:
        for phase, messages in error.message_dict.items():
            name = f"{phase}_reached_by"
            self.add_error(name if name in self.fields else None, messages)


class StaffEndForm(forms.Form):
    """When a person leaves the department; for coordinators, optionally where they move."""

    ends_on = PlausibleDateField(
        label=_("End date"),
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


class RetentionForm(forms.ModelForm):
    """How long the programme keeps personal data (leanprogram.privacy.retention applies it)."""

    class Meta:
        model = Programme
        fields = [
            "retention_reminder_body_months",
            "retention_leaver_months",
            "retention_invitation_days",
        ]
        widgets = {name: _number_input() for name in fields}
