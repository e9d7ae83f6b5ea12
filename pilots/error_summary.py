"""What an error summary lists: one item per error of a form or formset, linked to its field.

The GOV.UK pattern: after a refused save the page opens with a summary at the top that names each
error and links to the field it belongs to, so a person does not hunt for a red line 10,000 px
further down. Any app's form (crispy or not) can hand its forms to `error_items`, or to the
`{% error_summary %}` tag in `pilots.templatetags.error_summary`.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.forms.formsets import BaseFormSet
from django.utils.text import capfirst
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ErrorItem:
    text: str
    href: str = ""  # "#<id of the field>", or empty when there is nothing to move to


def form_error_items(form: forms.BaseForm, *, legend: str = "") -> list[ErrorItem]:
    """The errors of one form, in the order of its fields; `legend` names a formset's row."""
    if not form.is_bound or not form.errors:
        return []
    first_visible = next((f for f in form.visible_fields() if f.name != "DELETE"), None)
    items = []
    for message in form.non_field_errors():
        text = f"{legend}: {message}" if legend else str(message)
        href = f"#{first_visible.auto_id}" if first_visible is not None else ""
        items.append(ErrorItem(text, href))
    for bound in form:
        for message in bound.errors:
            if bound.is_hidden:
                # A hidden field is the page's own bookkeeping; the person can only reload.
                text = _("The form was incomplete: %(error)s") % {"error": message}
                items.append(ErrorItem(text))
                continue
            label = capfirst(bound.label) if bound.label else ""
            text = f"{label}: {message}" if label else str(message)
            if legend:
                text = f"{legend}, {text}"
            items.append(ErrorItem(text, f"#{bound.auto_id}" if bound.auto_id else ""))
    return items


def formset_error_items(
    formset: BaseFormSet, *, legends: Iterable[str] | None = None, anchor: str = ""
) -> list[ErrorItem]:
    """A formset's own errors (linked to `anchor`, e.g. "#measures") and each row's errors."""
    if not formset.is_bound:
        return []
    items = [ErrorItem(str(message), anchor) for message in formset.non_form_errors()]
    legends = list(legends) if legends is not None else []
    for index, form in enumerate(formset.forms):
        legend = (
            legends[index] if index < len(legends) else _("Row %(number)s") % {"number": index + 1}
        )
        items += form_error_items(form, legend=legend)
    return items


def error_items(*things) -> list[ErrorItem]:
    """The error items of forms, formsets and ready-made `ErrorItem` lists, in order."""
    items: list[ErrorItem] = []
    for thing in things:
        if thing is None:
            continue
        if isinstance(thing, BaseFormSet):
            items += formset_error_items(thing)
        elif isinstance(thing, forms.BaseForm):
            items += form_error_items(thing)
        else:
            items += list(thing)
    return items
