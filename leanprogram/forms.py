from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pilots.models import Pilot
from plans.models import Measure, MeasureNote


class PhaseFilterForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[
            ("", _("All phases")),
            *((value, capfirst(label)) for value, label in Pilot.Phase.choices),
        ],
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
