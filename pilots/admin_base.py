"""Base classes for every app's admin: bad input gets a form error, never a server error.

Each class closes one gap in Django's admin that a hand-edited or scripted POST reaches:

- an autocomplete field posted with something that cannot be an id ("abc") is a form error,
  but rendering the form again looks the value up and the database raises;
- a number beyond the model field's validators reaches the model's `clean()` anyway (Django
  runs it after field validation failed), where arithmetic on it can overflow;
- an inline row's database constraints that include the parent are never checked against the
  saved rows, so two rows swapping their values pass validation and fail on save;
- a save can still meet a constraint another request just took (a race): the whole save is
  rolled back and the form shown again, with what was typed, and a message.
"""

import logging

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _could_be_key(field: models.Field, value) -> bool:
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class _SubmittedKeysOnly:
    """An autocomplete widget that looks up only values that can be keys of the related model."""

    def optgroups(self, name, value, attr=None):
        related = self.field.remote_field
        opts = related.model._meta
        key = opts.get_field(related.field_name) if hasattr(related, "field_name") else opts.pk
        value = [v for v in value if _could_be_key(key, v)]
        return super().optgroups(name, value, attr)


class SafeAutocompleteSelect(_SubmittedKeysOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SubmittedKeysOnly, AutocompleteSelectMultiple):
    pass


def _integer_bounds(db_field: models.Field) -> dict:
    """The model field's own limits as form field arguments, so they are checked first."""
    bounds = {}
    for validator in db_field.validators:
        limit = validator.limit_value
        if isinstance(validator, MinValueValidator):
            bounds["min_value"] = max(limit, bounds.get("min_value", limit))
        elif isinstance(validator, MaxValueValidator):
            bounds["max_value"] = min(limit, bounds.get("max_value", limit))
    return bounds


class SafeFormFieldsMixin:
    """Form fields for ModelAdmin and inlines alike (both are BaseModelAdmin)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        is_integer = isinstance(db_field, models.IntegerField) and not db_field.choices
        if is_integer and not isinstance(db_field, models.AutoField):
            kwargs = {**_integer_bounds(db_field), **kwargs}
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ConstraintCheckingInlineFormSet(forms.BaseInlineFormSet):
    """Checks each changed row's constraints on the parent against the rows already saved.

    Django leaves the parent's key out when it validates an inline row (the parent may not be
    saved yet), which skips every constraint that includes it, and compares the rows only with
    each other. A swap of two rows' values, or a freed value taken over in the same save, is
    refused here: saving row by row would meet the other row's old value.
    """

    def clean(self):
        super().clean()
        if self.instance.pk is None:
            return
        deleted = self.deleted_forms
        for form in self.forms:
            if form in deleted or not form.has_changed() or not form.is_valid():
                continue
            # The fields the row's own validation already excluded, but with the parent's key.
            exclude = {
                field.name for field in self.model._meta.fields if field.name not in form.fields
            }
            try:
                form.instance.validate_constraints(exclude=exclude)
            except ValidationError as error:
                form.add_error(None, error)


class TabularInline(SafeFormFieldsMixin, admin.TabularInline):
    formset = ConstraintCheckingInlineFormSet


class SaveRefusedMixin:
    """A save the database refuses is rolled back and the form shown again with a message."""

    save_refused_message = _(
        "Nothing was saved: the changes conflict with data already saved, perhaps by someone "
        "else at the same time. Check the values and save again."
    )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django runs the save in one atomic block, so the failed save left nothing behind.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            logger.warning(
                "Admin save of %s refused by the database", self.opts.label, exc_info=True
            )
        request.admin_save_refused = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not getattr(request, "admin_save_refused", False):
            return form
        message = self.save_refused_message

        def clean(self):
            raise ValidationError(message, code="save_refused")

        # Shown again with what was typed and the message; validation fails, so no second save.
        return type(form.__name__, (form,), {"clean": clean})


class ModelAdmin(SaveRefusedMixin, SafeFormFieldsMixin, admin.ModelAdmin):
    pass
