"""The plans app's forms: the edit page (the plan's own fields and one inline formset per part,
shown in sections that are saved one by one), the workflow's submit and review forms, the board's
status form and the measurement form.

`PlanEditForms` holds the edit page's forms together: it builds them with choices loaded once (so
the page costs the same number of queries for 2 measures as for 200), adds a row without
JavaScript, hands the cleaned rows to `plans.services.plan_update`, and after a conflicting save
merges what the user typed with what others saved in the meantime. No part takes more than
`MAX_ROWS_PER_PART` rows, also not in a forged POST: more is refused before a form is built.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Model
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.forms.utils import ErrorDict
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy as _n

from pilots.error_summary import ErrorItem, form_error_items, formset_error_items
from pilots.fields import DateInput, PlausibleDateField
from pilots.models import Person
from plans.models import (
    ANSWER_MAX_LENGTH,
    SUGGESTION_MAX_LENGTH,
    BoardScreen,
    Indicator,
    Measure,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Waste,
)
from plans.selectors import PlanState, measure_owners_for_plan, programme_goals_for_plan
from plans.services import MAX_ROWS_PER_PART, PLAN_FIELDS, PLAN_PARTS

# Long enough for a page of text, short enough that a paste of a whole document is refused.
TEXT_MAX_LENGTH = 5000
_DATE_WIDGET = DateInput()
# Text, not type=number: a number input refuses the decimal comma Norwegians type.
_DECIMAL_WIDGET = forms.TextInput(attrs={"inputmode": "decimal"})


def _limit_long_texts(form: forms.BaseForm) -> None:
    for formfield in form.fields.values():
        if isinstance(formfield.widget, forms.Textarea) and formfield.max_length is None:
            formfield.max_length = TEXT_MAX_LENGTH
            formfield.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
            formfield.widget.attrs.update(maxlength=str(TEXT_MAX_LENGTH), rows="4")


def _growing(form: forms.BaseForm) -> None:
    """Texts grow with what is typed (CSS `field-sizing`, static/js/plan_edit.js elsewhere); a
    title gets the whole width of its row rather than a third of it."""
    for formfield in form.fields.values():
        if isinstance(formfield.widget, forms.Textarea):
            formfield.widget.attrs["data-grow"] = ""
        elif (
            isinstance(formfield.widget, forms.TextInput)
            and (getattr(formfield, "max_length", None) or 0) >= 200
        ):
            formfield.widget.attrs["data-wide"] = ""


class PlanForm(forms.ModelForm):
    """The plan's own fields, or, with `fields`, those of one section of the edit page."""

    # The version the user started from; a save from an older one is a conflict, not a win.
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    class Meta:
        model = ProjectPlan
        fields = list(PLAN_FIELDS)
        widgets = {"starts_on": _DATE_WIDGET}
        field_classes = {"starts_on": PlausibleDateField}
        help_texts = {
            "starts_on": _("Measures cannot have a deadline before this date."),
            "current_state": _("How the work is done today, e.g. the steps of the process."),
            "future_state": _("How the work should be done when the measures are in place."),
        }

    def __init__(self, *args, fields: tuple[str, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fields is not None:
            # A section's save leaves the plan's other fields alone: they are not in its POST.
            for name in [n for n in self.fields if n != "version" and n not in fields]:
                del self.fields[name]
        _limit_long_texts(self)
        _growing(self)


class PlanPartForm(forms.ModelForm):
    """One row of a part of the plan. `choices` carries options loaded once for every row.

    `Meta.fields` are tuples: an inline formset appends its foreign key to a list in place.
    """

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_long_texts(self)
        _growing(self)
        for name, (queryset, options) in (choices or {}).items():
            if name in self.fields:
                # The queryset decides what is valid; the ready-made options are what is shown.
                self.fields[name].queryset = queryset
                self.fields[name].choices = options

    # Short texts shown in a growing text area so that nothing is cut off, kept to one line.
    one_line: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.one_line:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned

    def _post_clean(self):
        # A saved row the user left as it was is not saved again (see `parts`), so the model's
        # checks, some a query each, are not run on it: a save costs the same for 2 rows or 200.
        if self.instance.pk is not None and not self.has_changed():
            return
        super()._post_clean()


# A goal or a root cause is a sentence or two: a text area that grows, not a cut-off input.
_SHORT_TEXT_WIDGET = forms.Textarea(attrs={"rows": "2"})


class QualityGoalForm(PlanPartForm):
    one_line = ("text",)

    class Meta:
        model = QualityGoal
        fields = PLAN_PARTS["goals"][1]
        # The programme's goals are sentences: the list is as wide as the row.
        widgets = {
            "text": _SHORT_TEXT_WIDGET,
            "programme_goal": forms.Select(attrs={"data-wide": ""}),
        }


class WasteForm(PlanPartForm):
    class Meta:
        model = Waste
        fields = PLAN_PARTS["wastes"][1]


class RootCauseForm(PlanPartForm):
    class Meta:
        model = RootCause
        fields = PLAN_PARTS["causes"][1]
        widgets = {"problem": _SHORT_TEXT_WIDGET, "root_cause": _SHORT_TEXT_WIDGET}

    one_line = ("problem", "root_cause")


class MeasureForm(PlanPartForm):
    one_line = ("title",)

    class Meta:
        model = Measure
        fields = PLAN_PARTS["measures"][1]
        field_classes = {"deadline": PlausibleDateField}
        widgets = {
            "title": forms.Textarea(attrs={"rows": "1"}),
            "deadline": _DATE_WIDGET,
            "hours_identified_per_week": _DECIMAL_WIDGET,
            "hours_realised_per_week": _DECIMAL_WIDGET,
        }
        localized_fields = ("hours_identified_per_week", "hours_realised_per_week")


class IndicatorForm(PlanPartForm):
    class Meta:
        model = Indicator
        fields = PLAN_PARTS["indicators"][1]
        widgets = {"baseline": _DECIMAL_WIDGET, "target": _DECIMAL_WIDGET}
        localized_fields = ("baseline", "target")


class _RowIdField(forms.ModelChoiceField):
    """A row's hidden id, found among the rows the formset already loaded.

    Django's own field fetches each row again by its id, one query per row on every save; these
    are the plan's rows, loaded once, and an id of anything else is not a row of this plan.
    """

    def __init__(self, *args, rows: Mapping[int, Model], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.rows[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class PlanPartFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")
        pk_name = self.model._meta.pk.name
        if self.is_bound and pk_name in form.fields:
            old = form.fields[pk_name]
            form.fields[pk_name] = _RowIdField(
                old.queryset,
                rows=self._rows_by_pk,
                initial=old.initial,
                required=False,
                widget=old.widget,
            )

    @cached_property
    def _rows_by_pk(self) -> dict[int, Model]:
        return {obj.pk: obj for obj in self.get_queryset()}


def _formset(model: type[Model], form: type[PlanPartForm]):
    return inlineformset_factory(
        ProjectPlan,
        model,
        form=form,
        formset=PlanPartFormSet,
        extra=0,
        can_delete=True,
        max_num=MAX_ROWS_PER_PART,
        absolute_max=MAX_ROWS_PER_PART,
        validate_max=True,
    )


@dataclass(frozen=True)
class PartSpec:
    prefix: str
    model: type[Model]
    formset_class: type[PlanPartFormSet]
    heading: Promise
    row_legend: Promise  # with %(number)s
    new_row_legend: Promise
    add_label: Promise
    empty_text: Promise
    count_text: Promise  # ngettext_lazy with %(count)s, for the contents list


PARTS: tuple[PartSpec, ...] = (
    PartSpec(
        "goals",
        QualityGoal,
        _formset(QualityGoal, QualityGoalForm),
        _("Quality goals"),
        _("Quality goal %(number)s"),
        _("New quality goal"),
        _("Add a quality goal"),
        _("No quality goals yet."),
        _n("%(count)s quality goal", "%(count)s quality goals", "count"),
    ),
    PartSpec(
        "wastes",
        Waste,
        _formset(Waste, WasteForm),
        _("Waste found"),
        _("Waste %(number)s"),
        _("New waste"),
        _("Add waste"),
        _("No waste recorded yet."),
        _n("%(count)s kind of waste", "%(count)s kinds of waste", "count"),
    ),
    PartSpec(
        "causes",
        RootCause,
        _formset(RootCause, RootCauseForm),
        _("Root causes (five whys)"),
        _("Root cause %(number)s"),
        _("New root cause"),
        _("Add a root cause"),
        _("No root causes yet."),
        _n("%(count)s root cause", "%(count)s root causes", "count"),
    ),
    PartSpec(
        "measures",
        Measure,
        _formset(Measure, MeasureForm),
        _("Measures"),
        _("Measure %(number)s"),
        _("New measure"),
        _("Add a measure"),
        _("No measures yet."),
        _n("%(count)s measure", "%(count)s measures", "count"),
    ),
    PartSpec(
        "indicators",
        Indicator,
        _formset(Indicator, IndicatorForm),
        _("Indicators"),
        _("Indicator %(number)s"),
        _("New indicator"),
        _("Add an indicator"),
        _("No indicators yet."),
        _n("%(count)s indicator", "%(count)s indicators", "count"),
    ),
)
ADD_ROW_PREFIX = "add_"
_PARTS_BY_PREFIX = {spec.prefix: spec for spec in PARTS}


@dataclass(frozen=True)
class EditSection:
    """A section of the edit page, saved on its own: some of the plan's fields, or one part.

    In the order of the plan page, so a leader writes the plan in the order it is read.
    """

    key: str  # in the section's URL and its anchor
    heading: Promise
    fields: tuple[str, ...] = ()
    part: str | None = None  # the prefix of a `PartSpec`
    hint: Promise | None = None

    @property
    def spec(self) -> PartSpec | None:
        return _PARTS_BY_PREFIX[self.part] if self.part else None


EDIT_SECTIONS: tuple[EditSection, ...] = (
    EditSection("goals", _("Quality goals"), part="goals"),
    EditSection("current", _("Current state"), fields=("current_state",)),
    EditSection("wastes", _("Waste found"), part="wastes"),
    EditSection("causes", _("Root causes (five whys)"), part="causes"),
    EditSection("future", _("Future state and start date"), fields=("future_state", "starts_on")),
    EditSection(
        "measures",
        _("Measures and gains"),
        part="measures",
        hint=_("The hours per week the measures identify and realise are the plan's gains."),
    ),
    EditSection("indicators", _("Indicators"), part="indicators"),
)
SECTIONS_BY_KEY = {section.key: section for section in EDIT_SECTIONS}


@dataclass(frozen=True)
class FormRow:
    form: forms.ModelForm
    legend: str


@dataclass(frozen=True)
class Section:
    spec: PartSpec
    formset: PlanPartFormSet
    rows: list[FormRow]

    @property
    def prefix(self) -> str:
        return self.spec.prefix


@dataclass(frozen=True)
class SectionForms:
    """One section of the edit page as it is shown: its form or rows, and its status."""

    spec: EditSection
    plan_form: PlanForm | None  # with the section's fields; None for a part
    part: Section | None
    bound: bool  # holds what the user posted (refused or in conflict), not the saved plan
    version: int

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def fields(self) -> list[forms.BoundField]:
        return [self.plan_form[name] for name in self.spec.fields]

    @property
    def has_errors(self) -> bool:
        if not self.bound:
            return False
        if self.part is not None:
            return bool(self.part.formset.total_error_count())
        return any(field.errors for field in self.fields)

    @property
    def status(self) -> str:
        """What the contents list says of the section."""
        if self.has_errors:
            return gettext("has errors")
        if self.bound:
            return gettext("changed, not saved")
        if self.part is not None:
            count = len(self.part.rows)
            return self.part.spec.count_text % {"count": count} if count else gettext("empty")
        words = sum(len(str(field.value() or "").split()) for field in self.fields)
        if not words:
            return gettext("empty")
        return ngettext("%(count)s word", "%(count)s words", words) % {"count": words}


class PlanEditForms:
    """The plan form and its five formsets, bound to the same plan instance.

    They share that instance on purpose: a start date changed in the same save is the one a
    measure's deadline is checked against. With a `section`, only that section's form is bound
    to `data`; the other sections show the plan as it is saved.
    """

    def __init__(
        self,
        *,
        plan: ProjectPlan,
        data: Mapping | None = None,
        section: EditSection | None = None,
    ):
        self.plan = plan
        self.section = section
        self.plan_form = PlanForm(
            data,
            instance=plan,
            initial={"version": plan.version},
            fields=section.fields if section else None,
        )
        no_choice = [("", "---------")]
        owners = measure_owners_for_plan(plan)
        goals = programme_goals_for_plan(plan)
        self.choices = {
            "owner": (owners, no_choice + [(p.pk, p.full_name) for p in owners]),
            "programme_goal": (goals, no_choice + [(g.pk, g.text) for g in goals]),
        }
        self.formsets = {
            spec.prefix: spec.formset_class(
                data if section is None or section.part == spec.prefix else None,
                instance=plan,
                prefix=spec.prefix,
                # Rows stay where they are while someone edits, whatever the page's ordering.
                queryset=spec.model._default_manager.order_by("pk"),
                form_kwargs={"choices": self.choices},
            )
            for spec in PARTS
        }
        # The form behind each row `parts()` returned, to show a service's refusal on it.
        self._row_forms: dict[str, list[forms.ModelForm]] = {}

    @property
    def sections(self) -> list[Section]:
        return [
            Section(
                spec=spec,
                formset=self.formsets[spec.prefix],
                rows=[
                    FormRow(form, str(spec.row_legend) % {"number": number})
                    for number, form in enumerate(self.formsets[spec.prefix], start=1)
                ],
            )
            for spec in PARTS
        ]

    @cached_property
    def edit_sections(self) -> list[SectionForms]:
        """Every section of the page, in order, each with the forms its own <form> shows."""
        parts = {section.prefix: section for section in self.sections}
        bound_version = self.plan_form["version"].value() if self.plan_form.is_bound else None
        result = []
        for spec in EDIT_SECTIONS:
            bound = self.plan_form.is_bound and self.section in (None, spec)
            plan_form = None
            if spec.fields:
                plan_form = (
                    self.plan_form
                    if bound or self.section is None
                    else PlanForm(
                        instance=self.plan,
                        initial={"version": self.plan.version},
                        fields=spec.fields,
                    )
                )
            result.append(
                SectionForms(
                    spec=spec,
                    plan_form=plan_form,
                    part=parts[spec.part] if spec.part else None,
                    bound=bound,
                    version=(_int(bound_version) if bound else None) or self.plan.version,
                )
            )
        return result

    def error_items(self) -> list[ErrorItem]:
        """The errors for the page's error summary, each linked to its field."""
        items = form_error_items(self.plan_form)
        for section in self.sections:
            items += formset_error_items(
                section.formset,
                legends=[row.legend for row in section.rows],
                anchor=f"#section-{_section_key_of_part(section.prefix)}",
            )
        return items

    def _bound_formsets(self) -> list[PlanPartFormSet]:
        return [formset for formset in self.formsets.values() if formset.is_bound]

    def is_valid(self) -> bool:
        # The plan form first: it puts the new start date on the plan the measures check against.
        valid = self.plan_form.is_valid()
        for formset in self._bound_formsets():
            valid = formset.is_valid() and valid
        return valid

    @property
    def has_errors(self) -> bool:
        if not self.plan_form.is_bound:
            return False
        return bool(self.plan_form.errors) or any(
            formset.total_error_count() for formset in self._bound_formsets()
        )

    @property
    def expected_version(self) -> int:
        return self.plan_form.cleaned_data["version"]

    def plan_fields(self) -> dict:
        return {
            name: self.plan_form.cleaned_data[name]
            for name in PlanForm.Meta.fields
            if name in self.plan_form.fields
        }

    def parts(self) -> dict[str, list[dict]]:
        """The rows the user changed, added or removed, as `plans.services.plan_update` takes
        them; call after `is_valid()`. A part whose form was not posted is left out."""
        parts: dict[str, list[dict]] = {}
        for spec in PARTS:
            formset = self.formsets[spec.prefix]
            if not formset.is_bound:
                continue
            fields = PLAN_PARTS[spec.prefix][1]
            rows, row_forms = [], []
            for index, form in enumerate(formset.forms):
                existing = index < formset.initial_form_count() and form.instance.pk is not None
                delete = formset.can_delete and formset._should_delete_form(form)
                if not form.has_changed() and not delete:
                    continue
                if delete and not existing:
                    continue
                row = {"id": form.instance.pk if existing else None, "delete": delete}
                if not delete:
                    row.update({name: form.cleaned_data[name] for name in fields})
                rows.append(row)
                row_forms.append(form)
            parts[spec.prefix] = rows
            self._row_forms[spec.prefix] = row_forms
        return parts

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a refusal from `plan_update` (keyed `part-index-field`) on the forms it concerns.

        The forms check what the service checks; this covers what only the saved plan can tell,
        such as a measure's owner on a plan that is saved for the first time.
        """
        for key, messages in error.message_dict.items():
            prefix, _sep, rest = key.partition("-")
            row_forms = self._row_forms.get(prefix)
            index, _sep, name = rest.partition("-")
            if row_forms is not None and index.isdigit() and int(index) < len(row_forms):
                form = row_forms[int(index)]
                form.add_error(name if name in form.fields else None, messages)
            elif row_forms is not None:
                self.formsets[prefix]._non_form_errors = self.formsets[prefix].error_class(messages)
            elif key in self.plan_form.fields:
                self.plan_form.add_error(key, messages)
            else:
                self.plan_form.add_error(None, messages)

    # Refusing more rows than a plan can have, before a form is built

    @staticmethod
    def too_many_rows(data: Mapping) -> bool:
        """Whether the POST claims more rows in a part than a plan may have."""
        return any(
            (_int(data.get(f"{spec.prefix}-TOTAL_FORMS")) or 0) > MAX_ROWS_PER_PART
            or (_int(data.get(f"{spec.prefix}-INITIAL_FORMS")) or 0) > MAX_ROWS_PER_PART
            for spec in PARTS
        )

    @staticmethod
    def trimmed(data: Mapping) -> dict:
        """The posted data with only the rows that carry something, at most the maximum per part.

        What the user typed stays; the empty rows a forged row count claims are dropped. Found by
        reading the posted keys, which Django caps, never by counting up to the claimed total.
        """
        new = {k: v for k, v in _plain(data).items() if not _belongs_to_parts(k)}
        for spec in PARTS:
            prefix = spec.prefix
            initial = _int(data.get(f"{prefix}-INITIAL_FORMS")) or 0
            rows: dict[int, dict] = {}
            for key in data:
                head, _sep, name = key.partition("-")
                index, _sep, name = name.partition("-")
                if head == prefix and index.isdigit() and name:
                    rows.setdefault(int(index), {})[name] = data.get(key)
            kept = sorted(rows)[:MAX_ROWS_PER_PART]
            kept_initial = sum(1 for index in kept if index < initial and rows[index].get("id"))
            # The existing rows come first, as a formset needs them.
            order = [i for i in kept if i < initial and rows[i].get("id")] + [
                i for i in kept if not (i < initial and rows[i].get("id"))
            ]
            for new_index, old_index in enumerate(order):
                for name, value in rows[old_index].items():
                    if name == "id" and new_index >= kept_initial:
                        continue
                    new[f"{prefix}-{new_index}-{name}"] = value
            new[f"{prefix}-TOTAL_FORMS"] = str(len(order))
            new[f"{prefix}-INITIAL_FORMS"] = str(kept_initial)
            new[f"{prefix}-MIN_NUM_FORMS"] = "0"
            new[f"{prefix}-MAX_NUM_FORMS"] = str(MAX_ROWS_PER_PART)
        return new

    def refuse_too_many_rows(self) -> "PlanEditForms":
        """Say on the page why nothing was saved (after `trimmed` data, shown `quiet`)."""
        self.plan_form.add_error(
            None,
            gettext(
                "A part of the plan can have at most %(max)s rows. Nothing was saved; "
                "remove rows and save again."
            )
            % {"max": MAX_ROWS_PER_PART},
        )
        return self

    def quiet(self) -> "PlanEditForms":
        """Show the bound forms without checking them (after 'add a row', not 'save')."""
        for form in [self.plan_form, *(f for fs in self.formsets.values() for f in fs.forms)]:
            form._errors = ErrorDict()
            form.cleaned_data = {}
        for formset in self.formsets.values():
            formset._errors = []
            formset._non_form_errors = formset.error_class()
        return self

    # Adding a row without JavaScript

    @staticmethod
    def row_to_add(data: Mapping) -> str | None:
        """The prefix of the part whose 'add a row' button was pressed, if one was."""
        for spec in PARTS:
            if ADD_ROW_PREFIX + spec.prefix in data:
                return spec.prefix
        return None

    @staticmethod
    def with_added_row(data: Mapping, prefix: str, *, plan: ProjectPlan) -> dict:
        """The posted data with one more row, holding the defaults an empty row shows.

        A part that already has the most rows a plan may have gets none.
        """
        new = _plain(data)
        spec = next(spec for spec in PARTS if spec.prefix == prefix)
        index = _int(new.get(f"{prefix}-TOTAL_FORMS")) or 0
        if index >= MAX_ROWS_PER_PART:
            return new
        empty = spec.formset_class(instance=plan, prefix=prefix).empty_form
        for name in empty.fields:
            if name in ("id", "DELETE"):
                continue
            value = _as_data(empty[name], empty[name].value())
            if value:
                new[f"{prefix}-{index}-{name}"] = value
        new[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        return new

    # After a conflicting save

    def rebased(self, data: Mapping, *, current: ProjectPlan, base: PlanState | None) -> dict:
        """What the user posted, merged onto the plan as it is now.

        A field the user did not change since `base` (the plan as they loaded it) takes its
        value now; a field they changed keeps what they typed. Rows others added are shown; a row
        others removed comes back only if the user changed it, as a new row. Call this on a
        `PlanEditForms` built for `current`.
        """
        new = {k: v for k, v in _plain(data).items() if not _belongs_to_parts(k)}
        new.update(
            _merge_fields(
                PlanForm,
                {},
                data,
                "",
                base.plan if base else None,
                current,
                PlanForm.Meta.fields,
            )
        )
        new["version"] = str(current.version)
        for spec in PARTS:
            formset = self.formsets[spec.prefix]
            base_rows = base.parts.get(spec.model, {}) if base else {}
            new.update(self._rebased_part(spec, formset, data, base_rows))
        return new

    def _rebased_part(self, spec, formset, data, base_rows) -> dict:
        prefix = spec.prefix
        form_class = formset.form
        kwargs = {"choices": self.choices}
        field_names = list(form_class.base_fields)
        current = {obj.pk: obj for obj in formset.get_queryset()}
        total = _int(data.get(f"{prefix}-TOTAL_FORMS")) or 0
        initial = _int(data.get(f"{prefix}-INITIAL_FORMS")) or 0
        kept: list[tuple[int, dict, bool]] = []
        added: list[dict] = []
        seen: set[int] = set()
        for i in range(min(total, MAX_ROWS_PER_PART)):
            old = f"{prefix}-{i}"
            deleting = bool(data.get(f"{old}-DELETE"))
            pk = _int(data.get(f"{old}-id")) if i < initial else None
            typed = {n: data[f"{old}-{n}"] for n in field_names if f"{old}-{n}" in data}
            if pk is None:
                if not deleting:
                    added.append(typed)
                continue
            seen.add(pk)
            before = base_rows.get(pk)
            if pk in current:
                values = (
                    _merge_fields(form_class, kwargs, data, old, before, current[pk], field_names)
                    if before is not None
                    else typed
                )
                kept.append((pk, values, deleting))
            elif not deleting and (
                before is None or _changed(form_class, kwargs, data, old, before, field_names)
            ):
                added.append(typed)
        for pk, obj in current.items():
            if pk not in seen:
                kept.append((pk, _values_of(form_class, kwargs, obj, field_names), False))
        # Rows others added may leave no room for all of the user's new ones.
        added = added[: max(MAX_ROWS_PER_PART - len(kept), 0)]

        new = {
            f"{prefix}-TOTAL_FORMS": str(len(kept) + len(added)),
            f"{prefix}-INITIAL_FORMS": str(len(kept)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": str(formset.max_num),
        }
        for index, (pk, values, deleting) in enumerate(kept):
            new[f"{prefix}-{index}-id"] = str(pk)
            new.update({f"{prefix}-{index}-{n}": v for n, v in values.items()})
            if deleting:
                new[f"{prefix}-{index}-DELETE"] = "on"
        for index, values in enumerate(added, start=len(kept)):
            new.update({f"{prefix}-{index}-{n}": v for n, v in values.items()})
        return new


def _section_key_of_part(prefix: str) -> str:
    return next(section.key for section in EDIT_SECTIONS if section.part == prefix)


def _plain(data: Mapping) -> dict:
    return {key: data.get(key) for key in data}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _belongs_to_parts(key: str) -> bool:
    return any(key.startswith(f"{spec.prefix}-") for spec in PARTS)


def _as_data(bound_field, value) -> str:
    """A value as the browser would post it back from this field's widget."""
    shown = bound_field.field.widget.format_value(value)
    if isinstance(shown, list):
        shown = shown[0] if shown else ""
    return "" if shown is None else str(shown)


def _values_of(form_class, kwargs, obj, field_names) -> dict:
    form = form_class(instance=obj, **kwargs)
    return {n: _as_data(form[n], form[n].value()) for n in field_names}


def _changed(form_class, kwargs, data, prefix, before, field_names) -> bool:
    mine = form_class(data, prefix=prefix or None, instance=before, **kwargs)
    return any(mine.fields[n].has_changed(mine[n].initial, mine[n].data) for n in field_names)


def _merge_fields(form_class, kwargs, data, prefix, before, now, field_names) -> dict:
    """Per field: what the user typed if they changed it since `before`, else the value `now`."""
    mine = form_class(data, prefix=prefix or None, instance=before, **kwargs)
    theirs = form_class(instance=now, **kwargs)
    merged = {}
    for name in field_names:
        key = mine.add_prefix(name)
        typed_it = before is None or mine.fields[name].has_changed(
            mine[name].initial, mine[name].data
        )
        if typed_it:
            if key in data:
                merged[name] = data[key]
        else:
            merged[name] = _as_data(theirs[name], theirs[name].value())
    return merged


# The workflow

APPROVE, RETURN = "approve", "return"


class PlanSubmitForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class PlanReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (APPROVE, _("Approve the plan")),
            (RETURN, _("Return the plan to the department with a comment")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment to the department"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required when you return the plan: say what to improve. When you approve it, the "
            "comment goes to the department leader with the approval."
        ),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == RETURN and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment", gettext("Write a comment telling the department what to improve.")
            )
        return cleaned


# The board and the indicators


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Measure.Status.choices)


class MeasurementForm(forms.Form):
    measured_on = PlausibleDateField(
        label=_("Date"),
        help_text=_("As dd.mm.yyyy, e.g. 15.02.2027."),
    )
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, unit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if unit:
            self.fields["value"].label = gettext("Value (%(unit)s)") % {"unit": unit}


# Improvement suggestions


def _without_maxlength(field: forms.Field) -> None:
    # A browser cuts a pasted text at `maxlength` without a word; the form says it is too long
    # instead and keeps all of it for the writer to shorten.
    field.widget.attrs.pop("maxlength", None)


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your suggestion"),
        max_length=SUGGESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your suggestion before you send it.")},
    )
    anonymous = forms.BooleanField(
        label=_("Send anonymously"),
        required=False,
        help_text=_(
            "Your name is then not stored with the suggestion, not even in its change history. "
            "It will not be on your list below; read the answer under “Answers to anonymous "
            "suggestions”."
        ),
    )

    def __init__(self, *args, allow_anonymous: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_anonymous = allow_anonymous
        text = self.fields["text"]
        text.help_text = gettext(
            "What could we do better, simpler or safer? Describe what you see and, if you have "
            "one, your idea. At most %(max)s characters."
        ) % {"max": SUGGESTION_MAX_LENGTH}
        _without_maxlength(text)

    def clean_anonymous(self):
        anonymous = self.cleaned_data["anonymous"]
        if anonymous and not self.allow_anonymous:
            # The page was opened while the programme still allowed it: nothing is sent with a
            # name the writer did not mean to give.
            raise ValidationError(
                gettext(
                    "This programme no longer takes anonymous suggestions. Nothing was sent; "
                    "untick the box to send it with your name."
                ),
                code="anonymous_not_allowed",
            )
        return anonymous


class SuggestionAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The one who sent it reads this on their list of suggestions."),
        error_messages={
            "required": _("Write an answer, so the one who sent it knows what happens next.")
        },
    )
    decline = forms.BooleanField(
        label=_("We will not take it forward"),
        required=False,
        help_text=_("Say why in the answer."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_maxlength(self.fields["answer"])


class SuggestionMeasureForm(forms.Form):
    title = forms.CharField(label=_("Title of the measure"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
    )
    deadline = PlausibleDateField(label=_("Deadline"), required=False, widget=_DATE_WIDGET)
    answer = forms.CharField(
        label=_("Message to the one who sent it (optional)"),
        max_length=ANSWER_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        _without_maxlength(self.fields["answer"])
        _limit_long_texts(self)


class BoardScreenForm(forms.ModelForm):
    """A new wall-screen link (`plans.screens`): only where the screen hangs."""

    class Meta:
        model = BoardScreen
        fields = ["label"]
