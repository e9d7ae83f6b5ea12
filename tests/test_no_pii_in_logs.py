"""No personal data where it does not belong: log lines, Celery task arguments and URLs carry ids.

One journey through the whole service, as the people in the cast would make it, with every log
record at DEBUG and every task queued captured; then not one of the cast's names, addresses or
address-made usernames may appear in them. Logs and the queue live outside the database: no
retention setting or erasure reaches them.
"""

import datetime as dt
import logging
import re
import smtplib

import pytest
from celery.app.task import Task
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from followup.reminders.sweep import reminders_sweep
from followup.tasks import sweep_reminders
from leanprogram.celery import app as celery_app
from pilots.log_privacy import addresses_redact, exception_describe
from pilots.models import Person
from tests.factories import CourseDayFactory
from tests.followup.conftest import oslo
from tests.plans import add_rows, edit_url, form_data

pytestmark = pytest.mark.django_db(transaction=False)

PASSWORD = "lean-demo"
NEW_PASSWORD = "Lange-og-gode-2027!"
INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^\s/]+/(?:\?next=\S+)?")
# Every logger the service writes to, at its most talkative; a logger with its own level in
# settings.LOGGING (axes) would otherwise stay quieter than what production may be set to.
LOGGERS = [
    "",
    "django",
    "django.request",
    "django.security",
    "celery",
    "axes",
    "mozilla_django_oidc",
    "leanprogram",
    "pilots",
    "training",
    "plans",
    "followup",
]


class AddressRefusingBackend(BaseEmailBackend):
    """An SMTP server refusing the recipient, naming the address as real servers do."""

    def send_messages(self, email_messages):
        message = email_messages[0]
        raise smtplib.SMTPRecipientsRefused(
            {message.to[0]: (550, f"5.1.1 <{message.to[0]}>: user unknown".encode())}
        )


@pytest.fixture
def tasks_queued(monkeypatch):
    """(name, args, kwargs) of every task queued, eager or not: what a broker would carry."""
    queued = []
    apply_async = Task.apply_async

    def recording(self, args=None, kwargs=None, *rest, **options):
        queued.append((self.name, args, kwargs))
        return apply_async(self, args, kwargs, *rest, **options)

    monkeypatch.setattr(Task, "apply_async", recording)
    return queued


@pytest.fixture
def eager_celery():
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def _personal_data(people) -> set[str]:
    """What would identify someone: names, addresses, and the address-made usernames."""
    tokens = set()
    for person in people:
        tokens |= {person.full_name, person.email}
        local = person.email.split("@")[0]
        if "." in local:  # "tore.meltzer" is a name; "per" is a word
            tokens.add(local)
    return {token.casefold() for token in tokens if token}


def _journey(client, cast, settings, visited, django_capture_on_commit_callbacks):
    """Everything the cast does in a week, through the test client; the URLs it went through."""

    def go(method, url, data=None, **extra):
        response = getattr(client, method)(url, data or {}, REMOTE_ADDR="10.0.0.7", **extra)
        visited.append(url)
        if response.status_code in (301, 302, 303):
            visited.append(response["Location"])
        return response

    # A mistyped password, and someone trying a username that does not exist (yet).
    go("post", reverse("login"), {"username": "koordinator", "password": "wrong"})
    go("post", reverse("login"), {"username": "ola.nilsen", "password": "wrong"})

    # The coordinator's morning: dashboard, a pilot, a colleague's details, a new person.
    assert go("post", reverse("login"), {"username": "koordinator", "password": PASSWORD})[
        "Location"
    ]
    assert go("get", reverse("programme:dashboard")).status_code == 200
    assert go("get", reverse("programme:pilot_detail", args=[cast.pilot_a.pk])).status_code == 200
    edit = reverse(
        "pilots:staff_edit", kwargs={"department_pk": cast.dept_a.pk, "pk": cast.siri.pk}
    )
    assert go("get", edit).status_code == 200
    staff = {
        "full_name": cast.siri.full_name,
        "email": cast.siri.email,
        "phone": "+47 900 11 222",
        "language": "nb",
        "roles": ["staff"],
        "position_percent": "80",
    }
    assert go("post", edit, staff).status_code == 302
    new_person = {
        **staff,
        "full_name": "Anne Berg",
        "email": "anne.berg@harstad.kommune.no",
        "roles": ["staff", "safety_rep"],
    }
    add = reverse("pilots:staff_add", kwargs={"pk": cast.dept_a.pk})
    assert go("post", add, new_person).status_code == 302

    # Ola is invited; the sweep the invitation asks for sends the e-mail (eager Celery).
    with django_capture_on_commit_callbacks(execute=True):
        assert go("post", reverse("pilots:person_invite", args=[cast.ola.pk])).status_code == 302
    [invitation_mail] = [m for m in mail.outbox if m.to == [cast.ola.email]]
    go("post", reverse("logout"))
    [link] = INVITATION_LINK.findall(invitation_mail.body)
    path = link.removeprefix(settings.SITE_URL)
    assert go("get", path).status_code == 200
    accepted = {"username": "ola.nilsen", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert go("post", path, accepted).status_code == 302
    go("post", reverse("logout"))

    # Tore writes his plan, with a measure Siri owns.
    go("post", reverse("login"), {"username": "tore", "password": PASSWORD})
    data = form_data(go("get", edit_url(cast.pilot_a)))
    data["current_state"] = "Første utkast"
    measure = {
        "title": "Felles tavle",
        "description": "",
        "owner": str(cast.siri.pk),
        "deadline": "2027-04-01",
        "status": "not_started",
        "effort": "low",
        "effect": "high",
        "hours_identified_per_week": "2",
        "hours_realised_per_week": "0",
    }
    assert (
        go("post", edit_url(cast.pilot_a), add_rows(data, "measures", [measure])).status_code == 302
    )
    go("post", reverse("logout"))

    # The reminders before the course days: the SMTP server refuses them first, then sends.
    CourseDayFactory(pilot=cast.pilot_a, number=1, date=dt.date(2027, 2, 16))
    settings.EMAIL_BACKEND = f"{__name__}.AddressRefusingBackend"
    at = oslo(2027, 2, 12, 8, 0)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=at, as_of=at)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = at + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=later, as_of=later)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_reminders.delay()

    # Someone who forgot their password, and someone asking for an address nobody has.
    go("post", reverse("password_reset"), {"email": cast.tore.email})
    go("post", reverse("password_reset"), {"email": "ukjent.person@harstad.kommune.no"})


def test_a_whole_journey_logs_and_queues_no_names_or_addresses(
    client, cast, settings, caplog, tasks_queued, eager_celery, django_capture_on_commit_callbacks
):
    settings.INVITATION_VALID_DAYS = 3650  # the sweep's clock stands in 2027
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    visited: list[str] = []

    _journey(client, cast, settings, visited, django_capture_on_commit_callbacks)

    # The journey did what it says, so the scan below has something to look at.
    assert any("New login failure" in r.getMessage() for r in caplog.records), "axes logged"
    assert any("not sent" in r.getMessage() for r in caplog.records), "the refusal was logged"
    assert any(name == "followup.tasks.send_reminder" for name, _, _ in tasks_queued)
    assert Person.objects.get(email="anne.berg@harstad.kommune.no")
    assert cast.ola.__class__.objects.get(pk=cast.ola.pk).user is not None
    assert len(mail.outbox) >= 3

    forbidden = _personal_data(Person.objects.all())
    logged = [
        f"{record.name}: {record.getMessage()}" for record in caplog.records
    ] + caplog.text.splitlines()
    queued = [f"{name}{args!r}{kwargs!r}" for name, args, kwargs in tasks_queued]
    for where, lines in (("log", logged), ("task", queued), ("URL", visited)):
        for line in lines:
            found = [token for token in forbidden if token in line.casefold()]
            assert not found, f"{where} carries {found}: {line}"


# --- The URLs -------------------------------------------------------------------------------------

# A URL parameter named like personal data; ids, tokens and the admin's own are fine.
PERSONAL_PARAMETER = re.compile(r"mail|username|full_?name|^name$|phone", re.IGNORECASE)


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern.converters


def test_no_url_takes_a_name_or_an_address():
    patterns = list(_patterns(get_resolver()))
    assert len(patterns) > 50  # the whole tree, admin included

    for route, converters in patterns:
        parameters = set(converters) | set(re.findall(r"\(\?P<(\w+)>", route))
        offenders = {p for p in parameters if PERSONAL_PARAMETER.search(p)}
        assert not offenders, f"{route} takes {offenders}"


# --- The redaction itself ------------------------------------------------------------------------


def test_an_smtp_refusal_is_described_without_its_address():
    error = smtplib.SMTPRecipientsRefused(
        {"kari.hanssen@harstad.kommune.no": (550, b"5.1.1 <kari.hanssen@harstad.kommune.no>")}
    )

    described = exception_describe(error)

    assert described.startswith("SMTPRecipientsRefused: ")
    assert "harstad.kommune.no" not in described
    assert "550" in described
    assert addresses_redact("to a@b.no, c.d@e.no.") == "to <address>, <address>"


def test_axes_masks_the_username_in_its_log_lines(settings):
    # django-axes' default; its failure line is in the journey above, scanned with the rest.
    assert "username" in settings.AXES_SENSITIVE_PARAMETERS
    assert settings.AXES_CLIENT_STR_CALLABLE is None
    assert not settings.AXES_VERBOSE
