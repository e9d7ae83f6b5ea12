"""The error summary's items for any form or formset, and the `{% error_summary %}` tag."""

from django import forms
from django.forms import formset_factory
from django.template import Context, Template
from django.utils import translation

from pilots.error_summary import ErrorItem, error_items


class _Form(forms.Form):
    name = forms.CharField(label="Name")
    hours = forms.DecimalField(label="Hours")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def test_each_field_error_links_to_its_field_and_hidden_errors_are_plain_text():
    form = _Form({"name": "", "hours": "many", "token": ""})

    with translation.override("en"):
        items = error_items(form)

    assert items == [
        ErrorItem("Something about the whole form.", "#id_name"),
        ErrorItem("Name: This field is required.", "#id_name"),
        ErrorItem("Hours: Enter a number.", "#id_hours"),
        ErrorItem("The form was incomplete: This field is required."),
    ]


def test_formset_rows_are_named_and_a_valid_form_has_no_items():
    formset = formset_factory(_Form)(
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-name": "",
            "form-0-hours": "1",
            "form-0-token": "x",
        }
    )

    with translation.override("en"):
        items = error_items(formset, _Form())

    assert ErrorItem("Row 1, Name: This field is required.", "#id_form-0-name") in items
    assert all(item.text.startswith("Row 1") for item in items)


def test_the_tag_renders_the_summary_with_its_links_and_nothing_without_errors():
    template = Template("{% load error_summary %}{% error_summary form %}")

    with translation.override("en"):
        page = template.render(Context({"form": _Form({"name": "", "hours": "1", "token": "x"})}))
        empty = template.render(Context({"form": _Form()}))

    assert 'role="alert"' in page and 'tabindex="-1"' in page
    assert '<a href="#id_name">Name: This field is required.</a>' in page
    assert "There is a problem" in page
    assert 'role="alert"' not in empty
