"""The learning library's forms: the search, an earlier process, a pilot's lessons, the import."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pilots.library_import import MAX_IMPORT_BYTES
from pilots.models import Department, EarlierProcess, PilotLessons


class LibrarySearchForm(forms.Form):
    """Read from the query string, so that a search can be bookmarked and shared."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in the title, the description, the outcome or the lessons."),
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
    )
    service_area = forms.ChoiceField(label=_("Service area"), required=False)
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1990,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    outcome = forms.ChoiceField(
        label=_("How it ended"),
        required=False,
        choices=[("", _("Any"))] + EarlierProcess.Outcome.choices,
    )

    def __init__(self, *args, service_areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        areas = list(service_areas)
        # A link may name an area no longer in the list: keep it choosable, not an error.
        asked = (self.data.get("service_area") or "").strip() if self.is_bound else ""
        if asked and asked.casefold() not in {area.casefold() for area in areas}:
            areas.append(asked[:150])
        self.fields["service_area"].choices = [("", _("All"))] + [(a, a) for a in areas]


class EarlierProcessForm(forms.ModelForm):
    class Meta:
        model = EarlierProcess
        fields = [
            "title",
            "year",
            "department",
            "service_area",
            "outcome_category",
            "description",
            "outcome",
            "lessons_learned",
        ]
        widgets = {
            "year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "lessons_learned": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "department": _("Optional: the department that ran it, if it is registered."),
            "service_area": _("E.g. health and care. Pilots of the same area are shown it."),
        }

    def __init__(self, *args, municipality_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality_id = municipality_id
        self.fields["department"].queryset = Department.objects.filter(
            municipality_id=municipality_id
        )


class PilotLessonsForm(forms.ModelForm):
    class Meta:
        model = PilotLessons
        fields = ["what_worked", "what_did_not_work", "advice"]
        widgets = {
            "what_worked": forms.Textarea(attrs={"rows": 4}),
            "what_did_not_work": forms.Textarea(attrs={"rows": 4}),
            "advice": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "what_worked": _("What made the improvement work and last?"),
            "what_did_not_work": _("What would you do differently?"),
            "advice": _("What should the next department know before it starts?"),
        }

    def clean(self):
        cleaned = super().clean()
        if not any((cleaned.get(name) or "").strip() for name in self.Meta.fields):
            raise ValidationError(
                _("Write at least one of: what worked, what did not work, advice."),
                code="empty",
            )
        return cleaned


class LibraryImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "The first row names the columns: at least title and year. An Excel file (.xlsx) "
            "is read from its first sheet. At most 2 MB and 1,000 rows."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,text/plain,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than 2 MB. Split it into smaller files."), code="too_large"
            )
        return upload


class LibraryImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
