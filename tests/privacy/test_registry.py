"""The registry knows every place that points at a person or a login."""

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model

from leanprogram.privacy.registry import ENTRIES, covered_fields, text_columns
from pilots.models import Person


def _fields_pointing_at_people():
    targets = {Person, get_user_model()}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model in targets:
                yield model._meta.label, field.name


def test_every_field_pointing_at_a_person_or_a_login_is_in_the_registry():
    missing = sorted(set(_fields_pointing_at_people()) - covered_fields())
    assert not missing, (
        "Add these to leanprogram/privacy/registry.py, so that export and erasure reach them: "
        f"{missing}"
    )


def test_the_registry_names_real_models_fields_and_unique_keys():
    keys = [entry.key for entry in ENTRIES]
    assert len(keys) == len(set(keys))
    for entry in ENTRIES:
        model = entry.model_class
        field_name = entry.field.split("__")[0]
        assert field_name == "pk" or model._meta.get_field(field_name)


def test_the_logs_and_history_are_in_the_registry():
    labels = {entry.model for entry in ENTRIES}
    assert {
        "axes.AccessLog",
        "axes.AccessAttempt",
        "axes.AccessFailureLog",
        "admin.LogEntry",
        "sessions.Session",
        "plans.PlanSnapshot",
        "followup.Reminder",
        settings.AUTH_USER_MODEL,
    } <= labels
    assert any(m._meta.label.startswith("plans.Historical") for m, _f in text_columns())
