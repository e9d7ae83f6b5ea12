"""A person's login follows the person: inactive people cannot sign in, deleted people lose it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pilots.models import Person

pytestmark = pytest.mark.django_db

User = get_user_model()


def _login(client, username, password="lean-demo"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.1"
    )


def _deactivate_without_signals(person):
    # A queryset update sends no signal: only the authentication backend stands in the way.
    Person.objects.filter(pk=person.pk).update(is_active=False)


def test_person_made_inactive_without_signals_cannot_log_in(client, cast):
    _deactivate_without_signals(cast.tore)
    assert User.objects.get(pk=cast.users.tore.pk).is_active

    response = _login(client, "tore")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.wsgi_request.user.is_authenticated


def test_login_without_a_person_still_logs_in(client, cast):
    response = _login(client, "admin")

    assert response.status_code == 302
    assert response.wsgi_request.user == cast.users.superuser


def test_open_session_ends_on_the_next_request_after_the_person_is_made_inactive(client, cast):
    client.force_login(cast.users.tore)
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated

    _deactivate_without_signals(cast.tore)
    response = client.get(reverse("home"))

    assert not response.wsgi_request.user.is_authenticated
    assert response.status_code == 302


def test_saving_a_person_inactive_deactivates_the_login_and_back(cast):
    tore = cast.tore

    tore.is_active = False
    tore.save()
    assert not User.objects.get(pk=cast.users.tore.pk).is_active

    tore.is_active = True
    tore.save()
    assert User.objects.get(pk=cast.users.tore.pk).is_active


def test_deleting_a_person_deletes_their_login(cast):
    cast.tore.delete()

    assert not User.objects.filter(pk=cast.users.tore.pk).exists()


def test_deleting_people_in_bulk_deletes_their_logins(cast):
    Person.objects.filter(pk__in=[cast.tore.pk, cast.kari.pk]).delete()

    assert not User.objects.filter(pk__in=[cast.users.tore.pk, cast.users.kari.pk]).exists()
    assert User.objects.filter(pk=cast.users.coordinator.pk).exists()


def _admin_url(view, *args):
    return reverse(f"admin:pilots_person_{view}", args=args)


def test_admin_deactivating_a_person_deactivates_the_login(client, cast):
    client.force_login(cast.users.superuser)
    tore = cast.tore

    response = client.post(
        _admin_url("change", tore.pk),
        {
            "full_name": tore.full_name,
            "email": tore.email,
            "phone": "",
            "municipality": tore.municipality_id,
            "language": tore.language,
            "user": tore.user_id,
            "receives_digests": "on",
            **{
                f"{prefix}-{name}": value
                for prefix in ("programme_roles", "department_roles")
                for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
            },
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=tore.user_id).is_active


@pytest.mark.parametrize(("action", "active"), [("deactivate", False), ("activate", True)])
def test_admin_action_takes_the_logins_along(client, cast, action, active):
    client.force_login(cast.users.superuser)
    people = [cast.tore, cast.kari]
    if active:
        Person.objects.filter(pk__in=[p.pk for p in people]).update(is_active=False)
        User.objects.filter(pk__in=[p.user_id for p in people]).update(is_active=False)

    response = client.post(
        _admin_url("changelist"),
        {"action": action, "_selected_action": [p.pk for p in people]},
    )

    assert response.status_code == 302
    assert set(
        User.objects.filter(pk__in=[p.user_id for p in people]).values_list("is_active", flat=True)
    ) == {active}


def test_admin_deleting_a_person_deletes_the_login(client, cast):
    client.force_login(cast.users.superuser)

    response = client.post(_admin_url("delete", cast.tore.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=cast.users.tore.pk).exists()
