"""A forgotten password: the reset mail goes through the outbox, the page never tells whether
the address has a login, and the link in the mail opens, sets a password and lifts a lock."""

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from followup.reminders.sweep import reminders_sweep
from followup.services import password_reset_mail_request
from leanprogram.celery import app as celery_app
from pilots.invitations import REDACTED_TOKEN
from tests.followup.conftest import mails_of

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind


@pytest.fixture
def eager():
    """Celery tasks (the sweep, the send) run in this process, as the worker would run them."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "Tavlemøte-hver-tirsdag"  # noqa: S105


def _ask(client, email, capture, *, execute=True):
    with capture(execute=execute) as callbacks:
        response = client.post(reverse("password_reset"), {"email": email})
    return response, callbacks


def test_the_page_answers_the_same_for_a_known_and_an_unknown_address(
    client, cast, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # Only what the request does itself is compared: the callbacks are counted, not run.
    with django_assert_num_queries(3):  # savepoint, the people with the address, release
        unknown, unknown_callbacks = _ask(
            client, "nobody@harstad.kommune.no", django_capture_on_commit_callbacks, execute=False
        )
    with django_assert_num_queries(4):  # the same, and the outbox row
        known, known_callbacks = _ask(
            client, cast.tore.email, django_capture_on_commit_callbacks, execute=False
        )

    assert unknown.status_code == known.status_code == 302
    assert unknown.url == known.url == reverse("password_reset_done")
    # Both ask the broker for a sweep: the traffic does not tell them apart either.
    assert len(unknown_callbacks) == len(known_callbacks) == 1
    assert mail.outbox == []  # nothing is sent inside the request
    [row] = Reminder.objects.filter(kind=Kind.PASSWORD_RESET)
    assert (row.recipient, row.subject_key) == (cast.tore, f"user:{cast.users.tore.pk}")


def test_the_outbox_row_holds_no_token(cast):
    password_reset_mail_request(email=cast.tore.email.upper())

    row = Reminder.objects.get(kind=Kind.PASSWORD_RESET)
    token = default_token_generator.make_token(cast.users.tore)
    assert not any(token in str(getattr(row, f.attname)) for f in Reminder._meta.concrete_fields)


def test_asking_again_within_minutes_does_not_send_a_second_mail(cast):
    now = timezone.now().replace(minute=0)
    password_reset_mail_request(email=cast.tore.email, now=now)
    password_reset_mail_request(email=cast.tore.email, now=now + dt.timedelta(minutes=3))
    password_reset_mail_request(email=cast.tore.email, now=now + dt.timedelta(minutes=12))

    assert Reminder.objects.filter(kind=Kind.PASSWORD_RESET).count() == 2


def test_an_inactive_person_or_one_without_a_password_gets_no_mail(cast):
    cast.siri.is_active = False
    cast.siri.save()
    cast.users.kari.set_unusable_password()
    cast.users.kari.save()

    for person in (cast.siri, cast.kari, cast.ola):  # Ola has no login at all
        password_reset_mail_request(email=person.email)

    assert not Reminder.objects.filter(kind=Kind.PASSWORD_RESET).exists()


def test_the_link_in_the_mail_sets_a_password_and_lifts_a_lock(
    client, cast, settings, eager, django_capture_on_commit_callbacks
):
    # Someone has locked Kari out from her office's address.
    office = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "kari", "password": "feil"}, **office)
    locked = client.post(reverse("login"), {"username": "kari", "password": "lean-demo"}, **office)
    assert locked.status_code == 429

    # She asks for a link; after commit the sweep claims the row and the worker sends it.
    response, _ = _ask(client, cast.kari.email, django_capture_on_commit_callbacks)
    assert client.get(response.url).status_code == 200
    [message] = mails_of(Kind.PASSWORD_RESET)
    assert message.to == [cast.kari.email]
    assert message.extra_headers["Content-Language"] == "nn"  # Kari reads nynorsk
    path = RESET_LINK.search(message.body)[1]
    row = Reminder.objects.get(kind=Kind.PASSWORD_RESET)
    assert row.status == Reminder.Status.SENT
    # The outbox's copy shows the mail but cannot set anyone's password.
    assert path not in row.email_body
    assert f"/{REDACTED_TOKEN}/" in row.email_body

    # The link opens the form (Django moves the token into the session and redirects).
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")

    again = client.post(reverse("login"), {"username": "kari", "password": NEW_PASSWORD}, **office)
    assert again.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.users.kari.pk)
    # Used once: the link no longer works.
    client.logout()
    assert not client.get(path, follow=True).context["validlink"]


def test_a_mail_that_could_not_go_out_within_the_hour_is_dropped(cast, eager):
    asked = timezone.now() - dt.timedelta(hours=2)
    password_reset_mail_request(email=cast.tore.email, now=asked)

    reminders_sweep(now=timezone.now())

    row = Reminder.objects.get(kind=Kind.PASSWORD_RESET)
    assert row.status == Reminder.Status.CANCELLED
    assert mail.outbox == []


def test_a_login_given_to_someone_else_meanwhile_gets_no_mail(
    cast, eager, django_capture_on_commit_callbacks
):
    password_reset_mail_request(email=cast.tore.email)
    cast.tore.user = None
    cast.tore.save()

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=timezone.now())

    assert Reminder.objects.get(kind=Kind.PASSWORD_RESET).status == Reminder.Status.CANCELLED
    assert mail.outbox == []
