from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureConfirmForm(forms.Form):
    # Typing the name is the confirmation: a click alone could land on the wrong person.
    confirmation = forms.CharField(
        label=_("Type the person’s name to confirm"),
        max_length=150,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
