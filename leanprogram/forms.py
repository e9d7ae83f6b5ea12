from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pilots.models import Pilot


class PhaseFilterForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[
            ("", _("All phases")),
            *((value, capfirst(label)) for value, label in Pilot.Phase.choices),
        ],
    )
