from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pilots.invitations import username_error
from pilots.models import DepartmentRole, Person
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
