"""Switching the app's language also sets the language a person's e-mails are written in."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from pilots.models import Person
from plans.models import ProjectPlan
from plans.services import plan_submit
from tests.followup.conftest import eager, mails_of, sweep  # noqa: F401, F811 (fixtures)

pytestmark = pytest.mark.django_db


def _switch(client, language):
    return client.post(reverse("set_language"), {"language": language, "next": "/"})


def test_switching_language_keeps_it_for_the_persons_emails(client, cast):
    client.force_login(cast.users.tore)

    response = _switch(client, "nn")

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nn"
    cast.tore.refresh_from_db()
    assert cast.tore.language == "nn"
    # Only their own person.
    assert Person.objects.get(pk=cast.siri.pk).language == "nb"


def test_an_unknown_language_changes_nothing(client, cast):
    client.force_login(cast.users.kari)

    response = _switch(client, "de")

    assert response.status_code == 302
    cast.kari.refresh_from_db()
    assert cast.kari.language == "nn"


def test_switching_without_login_or_person_only_sets_the_cookie(client, cast):
    assert _switch(client, "en").cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    client.force_login(cast.users.superuser)
    assert _switch(client, "nn").status_code == 302
    assert not Person.objects.filter(language="nn").exclude(pk=cast.kari.pk).exists()


def test_a_get_changes_nothing(client, cast):
    client.force_login(cast.users.tore)

    client.get(reverse("set_language"), {"language": "en"})

    cast.tore.refresh_from_db()
    assert cast.tore.language == "nb"


def test_the_next_reminder_is_written_in_the_language_chosen_in_the_app(client, cast, sweep):  # noqa: F811
    client.force_login(cast.users.guide)
    _switch(client, "en")
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    plan_submit(plan=plan, user=cast.users.tore, expected_version=1)

    sweep(timezone.now())

    [to_guide] = [m for m in mails_of(Reminder.Kind.PLAN_TRANSITION) if m.to == [cast.monica.email]]
    assert to_guide.extra_headers["Content-Language"] == "en"
    assert to_guide.subject.startswith("Project plan submitted for review")
