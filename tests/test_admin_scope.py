"""The admin scoped per municipality: a municipality's administrator sees and changes only their
own municipality's rows, staff without a programme role never get in, superusers see all.

The conftest cast's Harstad and Tromsø each get a row in every table (`make_cast`); Harstad's
administrator is a designated one (the "Kommuneadministrator" group, no programme role) and
Tromsø's is its lean coordinator made staff and put in the same group.
"""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followup.models import Reminder
from pilots.admin_base import MUNICIPAL_ADMIN_GROUP, municipality_path_of
from pilots.models import (
    AuditEvent,
    Department,
    DepartmentRole,
    EarlierProcess,
    HolidayPeriod,
    Invitation,
    Municipality,
    Person,
    Pilot,
    Programme,
    ProgrammeRole,
)
from plans.models import BoardScreen, ProjectPlan, Suggestion
from tests.admin_forms import submitted_form_data
from tests.test_admin import OUR_REGISTERED_MODELS, REGISTERED_MODELS, make_cast

pytestmark = pytest.mark.django_db

THIRD_PARTY_MODELS = [model for model in REGISTERED_MODELS if model not in OUR_REGISTERED_MODELS]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _path(model):
    return municipality_path_of(admin.site, model)


def _rows_of(model, municipality):
    return model._default_manager.filter(**{_path(model): municipality.pk})


def _municipal_admin(django_user_model, person, username):
    user = person.user or django_user_model.objects.create_user(username, password="pw-not-used")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=MUNICIPAL_ADMIN_GROUP))
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def scoped(cast, django_user_model):
    for municipality in (cast.municipality, cast.other_municipality):
        make_cast(
            django_user_model,
            name=municipality.name,
            slug=municipality.slug,
            municipality=municipality,
        )
    hanne = Person.objects.create(
        municipality=cast.municipality,
        full_name="Hanne Kommuneadmin",
        email="hanne@harstad.kommune.no",
    )
    tromso_coordinator = Person.objects.get(email="per@tromso.kommune.no")
    return SimpleNamespace(
        cast=cast,
        harstad=cast.municipality,
        tromso=cast.other_municipality,
        harstad_admin=_municipal_admin(django_user_model, hanne, "hanne"),
        tromso_admin=_municipal_admin(django_user_model, tromso_coordinator, "per"),
    )


@pytest.fixture
def harstad_client(client, scoped):
    client.force_login(scoped.harstad_admin)
    client.cookies["django_language"] = "en"
    return client


# Seeing


# One cast for all models in each test below: building it is most of a test's time.


def test_changelist_shows_only_own_municipality(client, scoped):
    wrong = []
    for user, own in ((scoped.harstad_admin, scoped.harstad), (scoped.tromso_admin, scoped.tromso)):
        client.force_login(user)
        for model in OUR_REGISTERED_MODELS:
            response = client.get(_url(model, "changelist"))

            assert response.status_code == 200, model
            cl = response.context["cl"]
            shown = {obj.pk for obj in cl.result_list}
            own_rows = set(_rows_of(model, own).values_list("pk", flat=True))
            assert own_rows, f"the cast gives {own} a row of {model._meta.label}"
            if shown != own_rows or not cl.result_count < model._default_manager.count():
                wrong.append(f"{user}: {model._meta.label}")
    assert wrong == []


def test_another_municipalitys_row_does_not_exist(harstad_client, scoped):
    index = reverse("admin:index")
    for model in OUR_REGISTERED_MODELS:
        theirs = _rows_of(model, scoped.tromso).first()
        ours = _rows_of(model, scoped.harstad).first()
        label = model._meta.label

        assert harstad_client.get(_url(model, "change", ours.pk)).status_code == 200, label
        response = harstad_client.get(_url(model, "change", theirs.pk))
        assert (response.status_code, response.get("Location")) == (302, index), label
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("doesn’t exist" in message for message in messages), label
        # Where they may delete nothing of the kind, Django refuses before it looks the row up.
        delete = harstad_client.get(_url(model, "delete", theirs.pk))
        assert (delete.status_code, delete.get("Location")) in {(302, index), (403, None)}, label
        # Django's own history page redirects too; simple_history's finds the row's history
        # and asks the admin whether they may see it.
        history = harstad_client.get(_url(model, "history", theirs.pk))
        assert history.status_code in (302, 403), label


def test_logins_groups_and_login_records_are_superusers_only(harstad_client):
    # Logins, groups, the lockout records and the second-factor devices (django-otp).
    assert {model._meta.app_label for model in THIRD_PARTY_MODELS} == {
        "auth",
        "axes",
        "otp_static",
        "otp_totp",
    }
    for model in THIRD_PARTY_MODELS:
        for view in ("changelist", "add"):
            assert harstad_client.get(_url(model, view)).status_code == 403, (model, view)


def test_index_lists_no_logins_or_groups(harstad_client):
    response = harstad_client.get(reverse("admin:index"))

    apps = {app["app_label"] for app in response.context["app_list"]}
    assert apps == {"pilots", "training", "plans", "followup"}


def test_own_municipality_can_be_changed_but_not_renamed_added_or_deleted(harstad_client, scoped):
    harstad = scoped.harstad
    response = harstad_client.get(_url(Municipality, "change", harstad.pk))
    assert set(response.context["adminform"].form.fields) == {"organisation_number"}

    assert harstad_client.get(_url(Municipality, "add")).status_code == 403
    assert harstad_client.get(_url(Municipality, "delete", harstad.pk)).status_code == 403


def test_person_login_is_not_theirs_to_set(harstad_client, scoped):
    person = Person.objects.get(email="hanne@harstad.kommune.no")

    response = harstad_client.get(_url(Person, "change", person.pk))

    assert "user" not in response.context["adminform"].form.fields


def test_list_filters_name_only_own_municipalitys_programmes(harstad_client, scoped):
    response = harstad_client.get(_url(Pilot, "changelist"))

    programme_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "programme"
    )
    offered = {pk for pk, _name in programme_filter.lookup_choices}
    own = Programme.objects.filter(municipality=scoped.harstad).values_list("pk", flat=True)
    assert offered == set(own)
    assert offered


# Choosing


def test_autocomplete_answers_only_own_rows(harstad_client, scoped):
    asked = 0
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            target = model._meta.get_field(field_name).remote_field.model
            label = f"{model._meta.label}.{field_name}"

            response = harstad_client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                },
            )

            asked += 1
            if target not in OUR_REGISTERED_MODELS:
                # The logins: their admin is superusers' only, the field a plain list instead.
                assert response.status_code == 403, label
                continue
            assert response.status_code == 200, label
            answered = {int(result["id"]) for result in response.json()["results"]}
            own = set(_rows_of(target, scoped.harstad).values_list("pk", flat=True))
            assert answered, label
            assert answered <= own, label
    assert asked > 40


def _theirs(field, tromso):
    """A row of the field's related model from the other municipality, as the form posts it."""
    related = field.queryset.model
    assert _path(related), related
    row = _rows_of(related, tromso).first()
    return None if row is None else str(row.pk)


def _relation_fields(form, prefix=""):
    for name, field in form.fields.items():
        if name != "id" and isinstance(field, ModelChoiceField) and not field.disabled:
            yield f"{prefix}{name}", field


def test_another_municipalitys_choice_is_a_form_error_and_nothing_changes(harstad_client, scoped):
    refused = set()
    for model in OUR_REGISTERED_MODELS:
        obj = _rows_of(model, scoped.harstad).order_by("pk").first()
        page = harstad_client.get(_url(model, "change", obj.pk))
        form = page.context["adminform"].form
        fields = list(_relation_fields(form))
        for inline in page.context["inline_admin_formsets"]:
            if inline.formset.forms:
                first = inline.formset.forms[0]
                fields += _relation_fields(first, prefix=f"{first.prefix}-")
        data = submitted_form_data(page.content.decode())
        before = model_to_dict(obj)
        for name, field in fields:
            value = _theirs(field, scoped.tromso)
            if value is None:
                continue
            multiple = isinstance(field, ModelMultipleChoiceField)

            response = harstad_client.post(
                _url(model, "change", obj.pk), {**data, name: [value] if multiple else value}
            )

            assert response.status_code == 200, f"{model._meta.label}.{name} was saved"
            errors = response.context["errors"]
            assert errors, f"{model._meta.label}.{name}"
            obj.refresh_from_db()
            assert model_to_dict(obj) == before
            refused.add(f"{model._meta.label_lower}.{name}")

    # Each kind of relation a municipal administrator can set, on a main form and an inline.
    assert {
        "pilots.person.municipality",
        "pilots.pilot.department",
        "pilots.programmerole.person",
        "pilots.programme.roles-0-person",
        "training.courseday.facilitators",
        "plans.measure.owner",
        "plans.suggestion.pilot",
        "followup.followupmeeting.attendees",
    } <= refused, "\n".join(sorted(refused))


def test_inline_row_of_another_municipality_cannot_be_changed(harstad_client, scoped):
    programme = scoped.cast.programme
    theirs = ProgrammeRole.objects.filter(programme__municipality=scoped.tromso).first()
    before = model_to_dict(theirs)
    page = harstad_client.get(_url(Programme, "change", programme.pk))
    data = submitted_form_data(page.content.decode())
    data |= {"roles-0-id": str(theirs.pk), "roles-0-position_percent": "10"}

    response = harstad_client.post(_url(Programme, "change", programme.pk), data)

    assert response.status_code == 200
    roles = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "roles"
    )
    assert roles.errors[0]
    theirs.refresh_from_db()
    assert model_to_dict(theirs) == before


def test_new_person_cannot_be_added_to_another_municipality(harstad_client, scoped):
    response = harstad_client.post(
        _url(Person, "add"),
        {
            "municipality": scoped.tromso.pk,
            "full_name": "Ny Person",
            "email": "ny@tromso.kommune.no",
            "language": "nb",
            "is_active": "on",
            "receives_digests": "on",
            **_no_inline_rows("programme_roles", "department_roles"),
        },
    )

    assert response.status_code == 200
    assert "municipality" in response.context["adminform"].form.errors
    assert not Person.objects.filter(full_name="Ny Person").exists()


def test_add_form_starts_with_own_municipality(harstad_client, scoped):
    response = harstad_client.get(_url(Department, "add"))

    form = response.context["adminform"].form
    assert form.initial["municipality"] == scoped.harstad.pk
    assert list(form.fields["municipality"].queryset) == [scoped.harstad]


def _no_inline_rows(*prefixes):
    data = {}
    for prefix in prefixes:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


def test_actions_touch_only_own_rows(harstad_client, scoped):
    # An action posted with another municipality's ids acts on nothing of theirs.
    theirs = _rows_of(Person, scoped.tromso).filter(is_active=True)
    ids = list(theirs.values_list("pk", flat=True))

    harstad_client.post(
        _url(Person, "changelist"),
        {"action": "deactivate", "_selected_action": ids, "index": "0"},
    )

    assert theirs.count() == len(ids)


# Who may enter


def _enters(client, user) -> bool:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    return False


def test_staff_without_a_programme_role_get_the_login_page(client, cast):
    siri = cast.users.staff_a
    siri.is_staff = True
    siri.save()

    assert not _enters(client, siri)
    assert client.get(_url(Pilot, "changelist")).status_code == 302
    login = client.get(reverse("admin:login"))
    # Django's refusal: "You are authenticated as siri, but are not authorized …"
    assert login.status_code == 200
    assert "siri" in login.content.decode()


def test_menu_offers_the_admin_only_to_those_it_lets_in(client, scoped):
    siri = scoped.cast.users.staff_a
    siri.is_staff = True
    siri.save()
    admin_link = reverse("admin:index")

    for user, offered in ((siri, False), (scoped.harstad_admin, True)):
        client.force_login(user)
        nav = client.get(reverse("my_tasks")).context["nav_items"]
        assert any(item["url"] == admin_link for item in nav) is offered, user


def test_staff_without_a_person_is_not_sent_to_the_admin(client, django_user_model):
    staff = django_user_model.objects.create_user("vikar", password="pw-not-used", is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "no_access.html" in [template.name for template in response.templates]


def test_designated_administrator_is_refused_once_their_person_is_inactive(
    client, cast, django_user_model
):
    tore = _municipal_admin(django_user_model, cast.tore, "tore")
    assert _enters(client, tore)

    cast.tore.is_active = False
    cast.tore.save()
    tore.refresh_from_db()
    tore.is_active = True  # only the person is inactive: that is enough to be nobody
    tore.save()

    assert not _enters(client, tore)


def test_coordinator_with_staff_flag_enters_but_sees_only_what_permissions_give(client, cast):
    coordinator = cast.users.coordinator
    coordinator.is_staff = True
    coordinator.save()

    assert _enters(client, coordinator)
    assert client.get(reverse("admin:index")).context["app_list"] == []


def test_coordinator_whose_role_has_ended_is_refused(client, cast):
    coordinator = cast.users.coordinator
    coordinator.is_staff = True
    coordinator.save()
    ProgrammeRole.objects.filter(person=cast.jorunn).update(ends_on="2000-01-01")

    assert not _enters(client, coordinator)


def test_a_person_without_a_municipality_role_is_not_staff_by_the_group_alone(client, cast):
    # The group without the staff flag (which only a superuser gives) opens nothing.
    user = cast.users.kari
    user.groups.add(Group.objects.get(name=MUNICIPAL_ADMIN_GROUP))

    assert not _enters(client, user)


def test_superuser_still_sees_every_municipality(client, scoped):
    client.force_login(scoped.cast.users.superuser)

    response = client.get(_url(Department, "changelist"))

    assert response.context["cl"].result_count == Department.objects.count()
    municipalities = {obj.municipality_id for obj in response.context["cl"].result_list}
    assert {scoped.harstad.pk, scoped.tromso.pk} <= municipalities


def test_admin_login_is_locked_after_repeated_failures(client, cast, settings):
    def attempt(password):
        return client.post(
            reverse("admin:login"),
            {"username": "admin", "password": password},
            REMOTE_ADDR="10.0.0.7",
        )

    assert attempt("feil").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("feil")

    locked = attempt("lean-demo")

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


# Workflow fields and actions


def test_invitation_is_withdrawn_by_the_action_not_by_a_date(client, scoped):
    coordinator = scoped.tromso_admin
    invitation = Invitation.objects.filter(person__municipality=scoped.tromso).first()
    client.force_login(coordinator)

    page = client.get(_url(Invitation, "change", invitation.pk))
    assert "revoked_at" not in page.context["adminform"].form.fields
    client.post(
        _url(Invitation, "changelist"),
        {"action": "withdraw", "_selected_action": [invitation.pk], "index": "0"},
    )

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_workflow_fields_are_read_only(harstad_client, scoped):
    for model, workflow in (
        (Pilot, {"phase"}),
        (ProjectPlan, {"status", "submitted_at", "approved_at"}),
        (Reminder, {"status", "claimed_at", "sent_at"}),
        (Invitation, {"accepted_at", "revoked_at"}),
        (Suggestion, {"status", "answered_by", "answered_at"}),
        (BoardScreen, {"revoked_at"}),
    ):
        obj = _rows_of(model, scoped.harstad).first()
        for view, args in (("change", [obj.pk]), ("add", [])):
            response = harstad_client.get(_url(model, view, *args))
            if response.status_code == 403:  # the group adds none of these
                continue
            form = response.context["adminform"].form
            assert workflow.isdisjoint(form.fields), (model, view)


def test_screen_link_is_withdrawn_by_the_action(client, scoped):
    screen = _rows_of(BoardScreen, scoped.tromso).first()
    client.force_login(scoped.tromso_admin)

    client.post(
        _url(BoardScreen, "changelist"),
        {"action": "withdraw", "_selected_action": [screen.pk], "index": "0"},
    )

    screen.refresh_from_db()
    assert screen.revoked_at is not None


def test_reminder_is_cancelled_by_the_action(client, scoped):
    reminder = _rows_of(Reminder, scoped.tromso).first()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.PENDING)
    client.force_login(scoped.tromso_admin)

    client.post(
        _url(Reminder, "changelist"),
        {"action": "cancel", "_selected_action": [reminder.pk], "index": "0"},
    )

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert reminder.cancel_reason == Reminder.CancelReason.BY_HAND


def test_designated_administrator_without_a_programme_role_cannot_cancel_reminders(
    harstad_client, scoped
):
    # The services decide who may act (pilots.access): the admin is no way around them.
    reminder = _rows_of(Reminder, scoped.harstad).first()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.PENDING)

    harstad_client.post(
        _url(Reminder, "changelist"),
        {"action": "cancel", "_selected_action": [reminder.pk], "index": "0"},
    )

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING


# Query counts


def _merge_into(source, target):
    """Every row of `source` municipality made `target`'s, names kept unique."""
    suffix = Value(f" ({source.slug})")
    Programme.objects.filter(municipality=source).update(
        municipality=target, name=Concat("name", suffix)
    )
    Department.objects.filter(municipality=source).update(
        municipality=target, name=Concat("name", suffix)
    )
    for model in (Person, HolidayPeriod, EarlierProcess, AuditEvent, Reminder):
        model.objects.filter(municipality=source).update(municipality=target)


def test_scoped_changelist_queries_do_not_grow_with_rows(harstad_client, scoped, django_user_model):
    def measure():
        counted = {}
        for model in OUR_REGISTERED_MODELS:
            url = _url(model, "changelist")
            harstad_client.get(url)  # warm the caches that only the first request fills
            with CaptureQueriesContext(connection) as queries:
                response = harstad_client.get(url)
            counted[model._meta.label] = (len(queries), response.context["cl"].result_count)
        return counted

    before = measure()
    narvik = Municipality.objects.create(name="Narvik kommune", slug="narvik")
    make_cast(django_user_model, name=narvik.name, slug=narvik.slug, municipality=narvik)
    _merge_into(narvik, scoped.harstad)
    after = measure()

    grown = {
        label: (before[label], after[label])
        for label in before
        if after[label][0] != before[label][0]
    }
    assert grown == {}
    more_rows = {label for label in before if after[label][1] > before[label][1]}
    assert more_rows == {model._meta.label for model in OUR_REGISTERED_MODELS} - {
        "pilots.Municipality"
    }


def test_department_role_changelist_lists_roles_of_own_departments(harstad_client, scoped):
    response = harstad_client.get(_url(DepartmentRole, "changelist"))

    departments = {role.department.municipality_id for role in response.context["cl"].result_list}
    assert departments == {scoped.harstad.pk}
