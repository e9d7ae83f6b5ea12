"""Done when: with the demo loaded, a sweep a week after the course weeks sends Tore and Kari
exactly the reminders they should get, in their language, once."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from followup.models import Reminder
from pilots.models import Person, Pilot
from tests.followup.conftest import mails_of

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
TORE = "tore.meltzer@harstad.kommune.no"
KARI = "kari.hanssen@harstad.kommune.no"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    return Pilot.objects.select_related("department").order_by("department__name")


def _send_due(at: str, capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("send_due_reminders", "--now", at, stdout=out)
    return out.getvalue()


def test_a_week_after_the_course_weeks_tore_and_kari_get_their_reminders_once(
    demo, eager, django_capture_on_commit_callbacks
):
    year = demo[0].course_year
    # Monday of ISO week 10, 09:00 in Harstad: the course weeks (7 and 8) ended a week ago.
    monday = dt.date.fromisocalendar(year, 10, 1)
    output = _send_due(f"{monday.isoformat()}T09:00", django_capture_on_commit_callbacks)
    assert "Queued" in output

    tore = Person.objects.get(email=TORE)
    kari = Person.objects.get(email=KARI)
    assert (tore.language, kari.language) == ("nb", "nn")
    sent_to = {
        person: sorted(
            Reminder.objects.filter(recipient=person, status=Reminder.Status.SENT).values_list(
                "kind", "pilot__department__name"
            )
        )
        for person in (tore, kari)
    }
    # The plan was due seven days after the last course day, and the first follow-up meeting is
    # due two weeks after it, so it is announced a week ahead. Nothing else: the course days are
    # over (no late announcements) and no measure is past its deadline yet.
    assert sent_to[tore] == [
        (Kind.FOLLOW_UP_DUE, "Omsorg Sør, hjemmetjenesten 2"),
        (Kind.PLAN_NOT_SUBMITTED, "Omsorg Sør, hjemmetjenesten 2"),
    ]
    assert sent_to[kari] == [
        (Kind.FOLLOW_UP_DUE, "NAV flyktningetjenesten"),
        (Kind.PLAN_NOT_SUBMITTED, "NAV flyktningetjenesten"),
    ]

    departments = {tore: "Omsorg Sør, hjemmetjenesten 2", kari: "NAV flyktningetjenesten"}
    for person, department in departments.items():
        messages = [m for m in mail.outbox if m.to == [person.email]]
        assert len(messages) == 2
        for message in messages:
            assert message.extra_headers["Content-Language"] == person.language
        [plan_mail] = [m for m in mails_of(Kind.PLAN_NOT_SUBMITTED) if m.to == [person.email]]
        with translation.override(person.language):
            subject = gettext("The project plan for %(department)s is not submitted yet")
            greeting = gettext("Hello %(name)s,") % {"name": person.full_name}
        assert plan_mail.subject == subject % {"department": department}
        assert plan_mail.body.startswith(greeting)
        assert "/plans/pilots/" in plan_mail.body

    # Escalations come a week later, to the coordinator; not yet.
    assert not Reminder.objects.filter(kind=Kind.PLAN_NOT_SUBMITTED_ESCALATION).exists()
    # Nobody got anything twice.
    keys = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(keys) == len(set(keys))

    # Running it again, at once or an hour later, sends nothing more.
    sent = len(mail.outbox)
    _send_due(f"{monday.isoformat()}T09:00", django_capture_on_commit_callbacks)
    again = _send_due(f"{monday.isoformat()}T10:00", django_capture_on_commit_callbacks)
    assert "Queued" not in again
    assert len(mail.outbox) == sent
