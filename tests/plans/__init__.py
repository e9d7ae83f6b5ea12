"""Helpers for the plan tests: post the edit form back as a browser would."""

from django.urls import reverse


def edit_url(pilot) -> str:
    return reverse("plans:plan_edit", kwargs={"pilot_pk": pilot.pk})


def section_url(pilot, section: str) -> str:
    return reverse("plans:plan_edit_section", kwargs={"pilot_pk": pilot.pk, "section": section})


def section_data(response, key: str) -> dict:
    """The fields of one section's form as the browser would post them back, unchanged."""
    section = next(s for s in response.context["forms"].edit_sections if s.key == key)
    data = {"version": str(section.version)}
    if section.plan_form is not None:
        data.update({b.html_name: v for b, v in _bound_values(section.fields)})
    else:
        formset = section.part.formset
        data.update(_fields_of(formset.management_form))
        for form in formset.forms:
            data.update(_fields_of(form))
    return data


def _bound_values(bound_fields):
    for bound in bound_fields:
        shown = bound.field.widget.format_value(bound.value())
        yield bound, "" if shown is None else str(shown)


def form_data(response) -> dict:
    """Every field of the edit page's forms as the browser would post it back, unchanged."""
    forms = response.context["forms"]
    data = {}
    for form in [forms.plan_form, *(fs.management_form for fs in forms.formsets.values())]:
        data.update(_fields_of(form))
    for formset in forms.formsets.values():
        for form in formset.forms:
            data.update(_fields_of(form))
    return data


def _fields_of(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            continue
        shown = bound.field.widget.format_value(value)
        if isinstance(shown, list):
            shown = shown[0] if shown else ""
        data[bound.html_name] = "" if shown is None else str(shown)
    return data


def add_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    """`data` with new rows appended to the formset `prefix`."""
    data = dict(data)
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))
    return data


def row_index(data: dict, prefix: str, pk: int) -> int:
    """The index of the row that edits the object `pk` in the formset `prefix`."""
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(pk):
            return int(key.split("-")[1])
    raise KeyError(pk)
