"""Base classes for every app's admin: scoped to a municipality, and bad input gets a form error.

Who may use the admin, and what they see, is `AdminSite` and `MunicipalityScopedMixin` below:
superusers see everything; a municipality's administrator sees and changes only their own
municipality's rows.

The other classes close one gap in Django's admin that a hand-edited or scripted POST reaches:

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
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connections, models
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pilots.access import scope_for

logger = logging.getLogger(__name__)

# The permission that makes a staff user their municipality's administrator (given by the group
# of that name, made in a data migration), besides being its lean coordinator or guide.
MUNICIPAL_ADMIN_PERMISSION = "pilots.administer_municipality"
MUNICIPAL_ADMIN_GROUP = "Kommuneadministrator"

# Models our forms point to whose admin is not ours (superusers' only), and their way to a
# municipality: the choices a municipal administrator is offered.
_RELATED_MUNICIPALITY_PATHS = {settings.AUTH_USER_MODEL.lower(): "person__municipality"}


def may_use_admin(user) -> bool:
    """Whether the user may open the admin at all.

    A superuser may. Anyone else must be an active staff user (`is_staff`, which only a
    superuser grants) whose active person belongs to a municipality, and must either hold a
    programme role there today (lean coordinator or lean guide: the people who run the
    programme) or be a designated municipal administrator (the `administer_municipality`
    permission, through the "Kommuneadministrator" group or given directly). The staff flag
    alone is not enough: a staff user who is neither (a department's staff or leader, someone
    whose role has ended, whose person was deactivated or who has no person) gets the admin's
    login page, never its index.

    What they then see is their municipality only, and of it the models their permissions
    allow (`MunicipalityScopedMixin`).
    """
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    if scope.municipality_id is None:
        return False
    return scope.coordinates or user.has_perm(MUNICIPAL_ADMIN_PERMISSION)


def admin_municipality_id(request) -> int | None:
    """The municipality a non-superuser administers: their own person's."""
    return scope_for(request.user).municipality_id


def municipality_path_of(admin_site, model) -> str | None:
    """How rows of `model` reach their municipality, as a lookup ("pk" for a municipality);
    None when nobody but a superuser may see them."""
    path = getattr(admin_site._registry.get(model), "municipality_path", None)
    return path or _RELATED_MUNICIPALITY_PATHS.get(model._meta.label_lower)


def _in_municipality(queryset, path: str | None, municipality_id: int | None):
    if path is None or municipality_id is None:
        return queryset.none()
    return queryset.filter(**{path: municipality_id})


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


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a submitted value that cannot be a key before it reaches the database.

    Django looks each value up and turns only ValueError and TypeError into a form error; an id
    beyond the column's range raises OverflowError from SQLite's driver instead (a 500)."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for pk in value if isinstance(value, list | tuple | set | frozenset) else [value]:
            if not isinstance(pk, str | int) or not _could_be_key(key, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


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
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
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


class MunicipalityScopedMixin:
    """Everything a non-superuser reaches through one admin is in their own municipality.

    Each ModelAdmin names its model's way to the municipality in `municipality_path` (a lookup
    such as "department__municipality"; None, the default, keeps the model to superusers).
    For anyone but a superuser:

    - the changelist, the actions, the change, delete and history pages and the autocomplete
      answers (Django asks the target model's admin for its queryset) hold only their rows; an
      id of another municipality's row is "does not exist";
    - every foreign key and many-to-many choice is limited to their municipality, so a posted
      id of another's is a form error, and saving cannot move a row out of it (checked again
      after the save, which is rolled back otherwise);
    - list filters on a relation offer only the values their rows use, so the names of other
      municipalities' programmes and departments do not show.

    Superusers see and do everything, as before.
    """

    municipality_path: str | None = None

    def _municipality_path(self) -> str | None:
        if self.municipality_path is not None:
            return self.municipality_path
        return municipality_path_of(self.admin_site, self.model)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return _in_municipality(queryset, self._municipality_path(), admin_municipality_id(request))

    def _is_theirs(self, request, obj, *, fresh=False) -> bool:
        """Whether the row is in the user's municipality, asked of the database (an object from
        a history record may not exist any more: then it is not theirs). Kept per request."""
        checked = request.__dict__.setdefault("_admin_municipality_checked", {})
        key = (obj._meta.label_lower, obj.pk)
        if fresh or key not in checked:
            rows = type(obj)._default_manager.filter(pk=obj.pk)
            path = municipality_path_of(self.admin_site, type(obj))
            checked[key] = (
                obj.pk is not None
                and _in_municipality(rows, path, admin_municipality_id(request)).exists()
            )
        return checked[key]

    def _may(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if self._municipality_path() is None or admin_municipality_id(request) is None:
            return False
        # An inline is asked about its parent, which the parent's own admin has checked.
        is_own_model = obj is not None and isinstance(obj, self.model)
        return not is_own_model or self._is_theirs(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._may(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj) and super().has_delete_permission(request, obj)

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser:
            return queryset
        related = db_field.remote_field.model
        if queryset is None:
            queryset = related._default_manager.using(db)
        return _in_municipality(
            queryset, municipality_path_of(self.admin_site, related), admin_municipality_id(request)
        )

    def get_autocomplete_fields(self, request):
        fields = super().get_autocomplete_fields(request)
        if request.user.is_superuser:
            return fields
        # The autocomplete asks the target's admin, which may be a superuser's only (the
        # logins): such a field becomes a plain list of the municipality's own choices.
        kept = []
        for name in fields:
            target = self.model._meta.get_field(name).remote_field.model
            target_admin = self.admin_site._registry.get(target)
            if target_admin is not None and target_admin.has_view_permission(request):
                kept.append(name)
        return kept

    def get_list_filter(self, request):
        list_filter = super().get_list_filter(request)
        if request.user.is_superuser:
            return list_filter
        scoped = []
        for item in list_filter:
            if isinstance(item, str) and _is_relation(self.model, item):
                # Every row they see is of their own municipality: a filter on it offers one
                # value, and finding it is a DISTINCT over all their rows (issue 14).
                if _related_label(self.model, item) == "pilots.municipality":
                    continue
                item = (item, admin.RelatedOnlyFieldListFilter)
            scoped.append(item)
        return scoped


def _is_relation(model, path: str) -> bool:
    try:
        return get_fields_from_path(model, path)[-1].is_relation
    except FieldDoesNotExist:
        return False


def _related_label(model, path: str) -> str | None:
    related = get_fields_from_path(model, path)[-1].related_model
    return related._meta.label_lower if related is not None else None


class ScopedModelAdminMixin(MunicipalityScopedMixin):
    """The checks after a save, for a ModelAdmin (an inline's rows are checked by its parent's)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._refuse_unless_theirs(request, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in [*formset.new_objects, *(row for row, _fields in formset.changed_objects)]:
            self._refuse_unless_theirs(request, obj)

    def _refuse_unless_theirs(self, request, obj):
        # The forms allow nothing else; this holds even for a field a form forgot. Raising
        # inside the admin's atomic save rolls the whole save back.
        if not request.user.is_superuser and not self._is_theirs(request, obj, fresh=True):
            raise PermissionDenied

    def action_checkbox(self, obj):
        # Each row's selection checkbox, written directly (issue 14): Django renders it through
        # a CheckboxInput widget and the form template engine once per row, about a quarter of
        # a 100-row changelist's time. The HTML is the same.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # A new row of their own municipality's, chosen already (the only choice they have).
        if not request.user.is_superuser and self.municipality_path == "municipality":
            initial.setdefault("municipality", admin_municipality_id(request))
        return initial


class SuperusersOnlyMixin:
    """For an admin not written for municipalities (Django's users and groups, django-axes'
    login records): superusers only. Those pages would let anyone else see every
    municipality's logins, or make themselves or others staff, superusers or grant
    permissions."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class AdminSite(admin.AdminSite):
    """The site's admin (`leanprogram.apps.AdminConfig` makes it the default site).

    Only those `may_use_admin` allows get past its login. Every admin registered here that is
    not scoped to a municipality (`MunicipalityScopedMixin`) is made superusers' only, so a
    model registered later, by us or by a package, is closed to municipal administrators until
    someone says how its rows reach a municipality.
    """

    def has_permission(self, request):
        return may_use_admin(request.user)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, MunicipalityScopedMixin):
            admin_class = type(admin_class.__name__, (SuperusersOnlyMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)


class TabularInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.TabularInline):
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


class ModelAdmin(ScopedModelAdminMixin, SaveRefusedMixin, SafeFormFieldsMixin, admin.ModelAdmin):
    pass


class EstimatedCountPaginator(Paginator):
    """Counts a big table's rows from PostgreSQL's statistics when nothing filters the list.

    A superuser's unfiltered changelist of attendance or reminders would otherwise count every
    row of the country on each page (issue 14). A list of one municipality, or filtered or
    searched, is counted exactly; so is a table smaller than `estimate_above` rows, or one
    the statistics do not know yet. The estimate is as fresh as the last ANALYZE (autovacuum
    keeps it within a few per cent): the page count of such a list is approximate.
    """

    estimate_above = 50_000

    @cached_property
    def count(self):
        estimate = self._estimate()
        return estimate if estimate is not None else super().count

    def _estimate(self) -> int | None:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.combinator or query.distinct:
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        rows = int(row[0]) if row and row[0] is not None else -1
        return rows if rows > self.estimate_above else None


class BigListMixin:
    """For a changelist of a table that grows with the country's data (issue 14).

    One count per page, not two (`show_full_result_count`), and a superuser's unfiltered list
    estimated (`EstimatedCountPaginator`). Such a list has no `date_hierarchy` either: its
    years and months are a scan of every row's date. A date field in `list_filter` offers
    today, the last seven days, this month and this year without a query.
    """

    show_full_result_count = False
    paginator = EstimatedCountPaginator
