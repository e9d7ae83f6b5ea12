"""Bad input in the admin is a form error, never a 500.

For every model our apps register, the add form and a change form are posted once per field
with each bad value a hand or a script may send (the form read from the page as a browser would
submit it, then one field changed), and every inline with two rows is posted with the rows'
values swapped. `tests/plans/test_admin.py` adds the plan workflow's own cases.
"""

import re
from datetime import date, time

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from followup.models import FollowUpPolicy
from pilots.models import (
    DepartmentRole,
    HolidayPeriod,
    Person,
    PhaseTarget,
    ProgrammeGoal,
    ProgrammeRole,
)
from tests.admin_forms import submitted_form_data
from tests.test_admin import make_cast
from training.models import CourseDay, InformationMeeting

pytestmark = pytest.mark.django_db

FUZZED_APPS = ("pilots", "training", "plans", "followup")
MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in FUZZED_APPS),
    key=lambda model: model._meta.label,
)

BAD_VALUES = {
    "non-numeric": "abc",
    "huge": "99999999999999999999",
    "negative": "-1",
    "10,000 characters": "x" * 10_000,
    "year 9999": "31.12.9999",
}

MANAGEMENT_FIELDS = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


def _fuzzable(data):
    """Every field but the formsets' bookkeeping; of an inline, the first row stands for all."""
    return [
        name
        for name in data
        if not name.endswith(MANAGEMENT_FIELDS) and not re.search(r"-[1-9][0-9]*-", name)
    ]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _add_form(add_page: dict, change_form: dict) -> dict:
    """The add page's fields, filled in as on the change page, with no inline rows."""
    data = {name: change_form.get(name, values) for name, values in add_page.items()}
    for name in data:
        if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            data[name] = ["0"]
    return {name: values for name, values in data.items() if not re.search(r"-[0-9]+-", name)}


def _swaps(data):
    """Each inline field whose first two rows differ, with the two values swapped."""
    for name in data:
        prefix, sep, rest = name.partition("-0-")
        if not sep or rest in {"id", "DELETE"}:
            continue
        other = f"{prefix}-1-{rest}"
        if other in data and data[other] != data[name]:
            yield f"swap {prefix} {rest}", {**data, name: data[other], other: data[name]}


@pytest.fixture
def cast(django_user_model):
    """The admin tests' cast, with a second row in every inline that has a unique key."""
    cast = make_cast(django_user_model, name="Harstad kommune", slug="harstad")
    ProgrammeGoal.objects.create(programme=cast.programme, order=2, text="Trygge ansatte")
    PhaseTarget.objects.create(
        programme=cast.programme, phase="follow_up", reached_by=date(2027, 3, 31), note="Tavle"
    )
    HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Høstferie",
        starts_on=date(2027, 10, 4),
        ends_on=date(2027, 10, 8),
    )
    CourseDay.objects.create(
        pilot=cast.pilot,
        number=2,
        date=date(2027, 2, 16),
        starts_at=time(8, 30),
        ends_at=time(15, 30),
    )
    InformationMeeting.objects.create(
        pilot=cast.pilot,
        starts_at=cast.pilot.information_meetings.get().starts_at.replace(day=4),
        ends_at=cast.pilot.information_meetings.get().ends_at.replace(day=4),
    )
    department = cast.pilot.department
    staff = Person.objects.create(
        municipality=cast.municipality, full_name="Siri Olsen", email="siri@harstad.kommune.no"
    )
    DepartmentRole.objects.create(department=department, person=staff, role="staff")
    ProgrammeRole.objects.create(programme=cast.programme, person=staff, role="lean_guide")
    assert FollowUpPolicy.objects.get(programme=cast.programme).steps.count() > 1
    return cast


def _post_each(client, url, cases):
    """Post every case; return a line for each that ended in a server error."""
    client.raise_request_exception = False
    failures = []
    for label, data in cases:
        response = client.post(url, data)
        if response.status_code >= 500:
            error = response.exc_info[1] if response.exc_info else response.status_code
            failures.append(f"{label}: {type(error).__name__}: {str(error)[:200]}")
    return failures


def _bad_cases(data):
    for name in _fuzzable(data):
        for label, value in BAD_VALUES.items():
            yield f"{name}={label}", {**data, name: [value]}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label_lower)
def test_admin_answers_bad_input_with_form_errors(client, cast, django_user_model, model):
    superuser = django_user_model.objects.create_superuser("fuzzer", "f@example.no", "pw")
    client.force_login(superuser)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, "the cast must give every fuzzed model a row"
    change_url = _url(model, "change", obj.pk)
    change_data = submitted_form_data(client.get(change_url).content.decode())
    add_data = _add_form(
        submitted_form_data(client.get(_url(model, "add")).content.decode()), change_data
    )
    request = RequestFactory().get(change_url)
    request.user = superuser
    failures = []
    # Logs (a plan's steps, an event's moves) are kept as written: only their add form is fuzzed.
    if admin.site._registry[model].has_change_permission(request, obj):
        # The form as read from the page saves: each bad value below is then the only thing wrong.
        assert client.post(change_url, change_data).status_code == 302
        failures += _post_each(client, change_url, [*_bad_cases(change_data), *_swaps(change_data)])
    failures += _post_each(client, _url(model, "add"), _bad_cases(add_data))

    assert not failures, "\n".join(failures)
