from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pilots.fields import date_field, time_field
from pilots.forms import CourseWeeksForm
from pilots.models import Department, Language, Person, Pilot
from plans.models import Measure, MeasureNote
from training.forms import FacilitatorGroupsMixin, facilitators_field


class PhaseFilterForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[
            ("", _("All phases")),
            *((value, capfirst(label)) for value, label in Pilot.Phase.choices),
        ],
    )


# --- Setting up a new pilot -----------------------------------------------------------------------


class _PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})"


class DepartmentForm(forms.Form):
    """The department's name, service area and parent unit."""

    name = forms.CharField(
        label=_("Name"),
        max_length=Department._meta.get_field("name").max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    service_area = forms.CharField(
        label=_("Service area"),
        max_length=Department._meta.get_field("service_area").max_length,
        required=False,
        help_text=_("E.g. health and care."),
    )
    parent = forms.ModelChoiceField(
        label=_("Parent unit"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("none"),
        help_text=_("Optional. The unit the department belongs to."),
    )

    def __init__(self, *args, parent_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parent_choices

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name and "department" not in self.fields:
            raise ValidationError(_("Give the department's name."), code="required")
        return name

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class NewPilotForm(DepartmentForm):
    """One of the departments without a pilot in the programme, or a new department."""

    NEW_FIELDS = ("name", "service_area", "parent")

    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("choose a department"),
        help_text=_("The municipality's departments that have no pilot in the programme."),
    )
    field_order = ["department", "name", "service_area", "parent"]

    def __init__(self, *args, department_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_choices

    def clean(self):
        cleaned = super().clean()
        new = any(cleaned.get(name) for name in self.NEW_FIELDS)
        if cleaned.get("department") and new:
            raise ValidationError(
                _("Choose a department from the list or describe a new one, not both."),
                code="both",
            )
        if not cleaned.get("department") and not new and "department" not in self.errors:
            self.add_error(
                "department",
                ValidationError(
                    _("Choose a department, or give the name of a new department below."),
                    code="required",
                ),
            )
        elif not cleaned.get("department") and new and not cleaned.get("name"):
            self.add_error(
                "name", ValidationError(_("Give the new department's name."), code="required")
            )
        return cleaned


class LeaderForm(forms.Form):
    """A person of the municipality, or a new person, to lead the department."""

    NEW_FIELDS = ("full_name", "email", "phone")

    person = _PersonChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("choose a person"),
        help_text=_("Everyone registered in the municipality, by name."),
    )
    full_name = forms.CharField(
        label=_("Name"),
        max_length=Person._meta.get_field("full_name").max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Work e-mail"),
        max_length=Person._meta.get_field("email").max_length,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=Person._meta.get_field("phone").max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, initial=Language.BOKMAL
    )
    # Ticked unless the coordinator says otherwise: a leader without a login cannot open the
    # plan, the board or the staff list they are now responsible for.
    invite = forms.BooleanField(
        label=_("Send an invitation to make a login"),
        required=False,
        initial=True,
        help_text=_(
            "The leader gets an e-mail with a link for choosing a username and password. "
            "Nothing is sent to someone who already has a login."
        ),
    )

    def __init__(self, *args, person_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = person_choices

    def clean(self):
        cleaned = super().clean()
        new = any(cleaned.get(name) for name in self.NEW_FIELDS)
        if cleaned.get("person") and new:
            raise ValidationError(
                _("Choose a person from the list or fill in a new person, not both."),
                code="both",
            )
        if cleaned.get("person") or "person" in self.errors:
            return cleaned
        if not new and "email" not in self.errors:
            self.add_error(
                "person",
                ValidationError(
                    _("Choose a person, or fill in the new person's name and e-mail below."),
                    code="required",
                ),
            )
            return cleaned
        if not cleaned.get("full_name"):
            self.add_error("full_name", ValidationError(_("Give the name."), code="required"))
        if not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "email", ValidationError(_("Give the work e-mail address."), code="required")
            )
        return cleaned

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class SetupCourseWeeksForm(FacilitatorGroupsMixin, CourseWeeksForm):
    """The weeks to propose course days in, and who facilitates them."""

    facilitators = facilitators_field()

    def __init__(self, *args, facilitator_choices, **kwargs):
        super().__init__(*args, require=True, **kwargs)
        self.fields["facilitators"].queryset = facilitator_choices
        self.fields["facilitators"].help_text = _(
            "Ticked people lead every course day. Days they lead another pilot's course day "
            "are not proposed."
        )


class CourseDayRowForm(forms.Form):
    """One proposed course day; a row without a date is left out."""

    date = date_field(label=_("Date"), required=False)
    starts_at = time_field(label=_("Starts at"), required=False)
    ends_at = time_field(label=_("Ends at"), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("date"):
            return cleaned
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        for name in ("starts_at", "ends_at"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, ValidationError(_("Give the time."), code="required"))
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The course day must end after it starts."))
        return cleaned

    @property
    def is_given(self) -> bool:
        return bool(self.cleaned_data.get("date"))


class BaseCourseDayRowFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(form.is_given for form in self.forms):
            raise ValidationError(_("Give the date of at least one course day."), code="no_days")


def course_day_rows_formset(*, count: int):
    return forms.formset_factory(
        CourseDayRowForm,
        formset=BaseCourseDayRowFormSet,
        extra=0,
        max_num=count,
        absolute_max=count,
        validate_max=True,
    )


class MeasureProgressForm(forms.Form):
    """A report on one measure: where it stands now and, if the person likes, a word on it."""

    status = forms.ChoiceField(label=_("Status"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=MeasureNote.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you did, or what stands in the way. Your leader sees it on the board."),
    )

    def __init__(self, *args, measure: Measure, statuses: tuple[str, ...], **kwargs):
        # One form per measure on the page: the prefix keeps their fields' ids apart.
        kwargs.setdefault("initial", {"status": measure.status})
        super().__init__(*args, prefix=f"measure-{measure.pk}", **kwargs)
        self.measure = measure
        labels = dict(Measure.Status.choices)
        self.fields["status"].choices = [(status, capfirst(labels[status])) for status in statuses]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == self.measure.status and not cleaned.get("note"):
            raise ValidationError(
                _("Choose another status or write a note; nothing was saved."), code="no_change"
            )
        return cleaned
