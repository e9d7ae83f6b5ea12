"""The coordinators' outbox: every reminder with filters, the e-mail as sent, resending."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from tests.factories import PersonFactory
from tests.followup.conftest import oslo, schedule_course_days

pytestmark = pytest.mark.django_db

Status = Reminder.Status
Kind = Reminder.Kind
OUTBOX = reverse("followup:outbox")


def _reminder(cast, **fields) -> Reminder:
    values = {
        "kind": Kind.PLAN_NOT_SUBMITTED,
        "recipient": cast.tore,
        "pilot": cast.pilot_a,
        "subject_key": f"plan:{cast.pilot_a.pk}",
        "period": "2027-02-25",
        "due_at": oslo(2027, 3, 4, 8),
        "status": Status.SENT,
    }
    values.update(fields)
    return Reminder.objects.create(**values)


def test_coordinator_sees_her_municipalitys_reminders_only(cast, client):
    _reminder(cast)
    stranger = cast.other_pilot.programme.roles.first().person
    _reminder(cast, recipient=stranger, pilot=cast.other_pilot, subject_key="plan:x")
    client.force_login(cast.users.coordinator)
    response = client.get(OUTBOX)
    assert response.status_code == 200
    assert [r.recipient for r in response.context["page"].object_list] == [cast.tore]


def test_outbox_filters_by_status_kind_recipient_and_pilot(cast, client):
    _reminder(cast)
    failed = _reminder(cast, status=Status.FAILED, recipient=cast.jorunn, subject_key="p2")
    _reminder(cast, kind=Kind.FOLLOW_UP_DUE, pilot=cast.pilot_b, recipient=cast.kari)
    client.force_login(cast.users.coordinator)

    def listed(**query):
        response = client.get(OUTBOX, query)
        assert response.status_code == 200
        return {r.pk for r in response.context["page"].object_list}

    assert listed(status="failed") == {failed.pk}
    assert len(listed(kind="follow_up_due")) == 1
    assert listed(recipient="jorunn") == {failed.pk}
    assert listed(recipient=f"  {cast.jorunn.email.upper()} ") == {failed.pk}
    assert listed(recipient="Jorunn", status="sent") == set()
    assert len(listed(pilot=cast.pilot_b.pk)) == 1
    assert len(listed()) == 3


def test_outbox_filter_with_a_stranger_pilot_is_a_bad_request(cast, client):
    client.force_login(cast.users.coordinator)
    response = client.get(
        OUTBOX, {"pilot": cast.other_pilot.pk, "status": "nonsense", "recipient": "x" * 101}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"pilot", "status", "recipient"}


def test_searching_for_a_stranger_finds_nothing(cast, client):
    _reminder(cast)
    stranger = cast.other_pilot.programme.roles.first().person
    _reminder(cast, recipient=stranger, pilot=cast.other_pilot, subject_key="plan:x")
    client.force_login(cast.users.coordinator)
    response = client.get(OUTBOX, {"recipient": stranger.full_name})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


def test_outbox_lists_no_people_whatever_their_number(cast, client):
    """The recipient filter is a search field: the page does not grow with the municipality."""
    client.force_login(cast.users.coordinator)
    before = len(client.get(OUTBOX).content)
    people = [PersonFactory(municipality=cast.municipality) for _ in range(40)]
    content = client.get(OUTBOX).content.decode()
    # The same but for the per-request nonce and token (40 options would add kilobytes).
    assert abs(len(content) - before) < 100
    assert not any(person.full_name in content for person in people)
    assert 'type="search"' in content and 'name="recipient"' in content


def test_a_reminder_stores_its_recipients_municipality(cast):
    reminder = _reminder(cast)
    assert reminder.municipality_id == cast.tore.municipality_id
    unsaved = Reminder(recipient_id=cast.jorunn.pk, kind=Kind.PLAN_QUIET, due_at=oslo(2027, 3, 4))
    unsaved.save()
    assert unsaved.municipality_id == cast.jorunn.municipality_id


def test_leaders_and_staff_may_not_open_the_outbox(cast, client):
    for user in (cast.users.tore, cast.users.staff_a):
        client.force_login(user)
        assert client.get(OUTBOX).status_code == 403


def test_outbox_needs_a_login(client):
    response = client.get(OUTBOX)
    assert response.status_code == 302


@pytest.mark.parametrize("count", [2, 50])
def test_outbox_costs_the_same_queries_for_2_and_50_reminders(
    cast, client, django_assert_num_queries, count
):
    people = [PersonFactory(municipality=cast.municipality) for _ in range(count)]
    for person in people:
        _reminder(cast, recipient=person)
    client.force_login(cast.users.coordinator)
    # session, user, the user's person, their department roles, their programme roles (the access
    # scope), the count of reminders, the pilot choices of the filter, one page of reminders with
    # recipient and pilot
    with django_assert_num_queries(8):
        response = client.get(OUTBOX)
    assert len(response.context["page"].object_list) == count
    with django_assert_num_queries(8):
        response = client.get(OUTBOX, {"recipient": "a", "status": "sent"})
    assert response.status_code == 200


def test_reminder_shows_the_email_as_it_was_sent(cast, client):
    reminder = _reminder(
        cast, email_subject="Prosjektplanen er ikke sendt inn", email_body="Hei Tore,\n\nLenke"
    )
    client.force_login(cast.users.coordinator)
    response = client.get(reverse("followup:reminder_detail", kwargs={"pk": reminder.pk}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Prosjektplanen er ikke sendt inn" in content
    assert "Hei Tore," in content
    assert reverse("followup:reminder_resend", kwargs={"pk": reminder.pk}) not in content


def test_other_municipality_cannot_open_a_reminder(cast, client):
    reminder = _reminder(cast)
    client.force_login(cast.users.outsider)
    url = reverse("followup:reminder_detail", kwargs={"pk": reminder.pk})
    assert client.get(url).status_code == 404
    resend = reverse("followup:reminder_resend", kwargs={"pk": reminder.pk})
    assert client.post(resend).status_code == 404


def test_coordinator_resends_a_failed_reminder(
    cast, client, eager, django_capture_on_commit_callbacks
):
    # Course days that ended eight days ago: the plan reminder holds today, whatever today is.
    last_course_day = timezone.localdate() - dt.timedelta(days=8)
    days = [last_course_day - dt.timedelta(days=n) for n in (9, 7, 2, 0)]
    schedule_course_days(cast.pilot_a, days)
    reminder = _reminder(
        cast,
        status=Status.FAILED,
        attempts=4,
        last_error="SMTPServerDisconnected",
        period=last_course_day.isoformat(),
        due_at=timezone.now() - dt.timedelta(days=1),
        expires_at=timezone.now() + dt.timedelta(days=6),
    )
    client.force_login(cast.users.coordinator)
    detail = reverse("followup:reminder_detail", kwargs={"pk": reminder.pk})
    resend = reverse("followup:reminder_resend", kwargs={"pk": reminder.pk})
    assert resend in client.get(detail).content.decode()
    assert client.get(resend).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (Status.SENT, 1, "")
    assert [m.to for m in mail.outbox] == [[cast.tore.email]]


def test_resending_a_reminder_that_did_not_fail_is_refused(cast, client):
    reminder = _reminder(cast)
    client.force_login(cast.users.coordinator)
    response = client.post(
        reverse("followup:reminder_resend", kwargs={"pk": reminder.pk}), follow=True
    )
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 1
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT


def test_leader_cannot_resend(cast, client):
    reminder = _reminder(cast, status=Status.FAILED)
    client.force_login(cast.users.tore)
    response = client.post(reverse("followup:reminder_resend", kwargs={"pk": reminder.pk}))
    assert response.status_code == 403
    reminder.refresh_from_db()
    assert reminder.status == Status.FAILED


def test_too_late_reminder_cannot_be_resent(cast, client):
    reminder = _reminder(
        cast,
        status=Status.FAILED,
        due_at=dt.datetime(2020, 1, 6, 7, tzinfo=dt.UTC),
        expires_at=dt.datetime(2020, 1, 13, 7, tzinfo=dt.UTC),
    )
    client.force_login(cast.users.coordinator)
    client.post(reverse("followup:reminder_resend", kwargs={"pk": reminder.pk}))
    reminder.refresh_from_db()
    assert reminder.status == Status.FAILED
