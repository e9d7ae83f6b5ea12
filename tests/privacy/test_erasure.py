"""Erasure on request: the name and address leave every text in the database, the counts stay."""

import json

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder
from leanprogram.privacy.erasure import anonymous_label, person_erase
from pilots.models import AuditEvent, DepartmentRole, Invitation, Person
from plans.models import Measure, PlanSnapshot, Suggestion
from plans.services import plan_snapshot_data
from tests.factories import MeasureFactory, ProjectPlanFactory
from tests.privacy.conftest import count_everything
from tests.privacy.scan import text_hits

pytestmark = pytest.mark.django_db


def _erase_url(person):
    return reverse("privacy:person_erase", kwargs={"pk": person.pk})


def test_the_confirmation_page_says_what_will_happen(client, cast, tore_traces):
    client.force_login(cast.users.coordinator)
    response = client.get(_erase_url(cast.tore))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tore Meltzer" in page
    assert "table-stack" in page and 'data-label="' in page
    assert 'name="confirmation"' in page
    # Texts naming him outside his own rows: the plan, its snapshot, the measure and its history,
    # the note, his mails and the digest to Jorunn, the admin's log.
    assert response.context["preview"].texts_naming >= 8


def test_a_wrong_name_erases_nothing_and_keeps_what_was_typed(client, cast, tore_traces):
    client.force_login(cast.users.coordinator)
    response = client.post(_erase_url(cast.tore), {"confirmation": "Tore Melzer"})
    assert response.status_code == 400
    assert 'value="Tore Melzer"' in response.content.decode()
    cast.tore.refresh_from_db()
    assert cast.tore.full_name == "Tore Meltzer" and cast.tore.anonymised_at is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISED).exists()


def test_a_leader_cannot_erase_a_colleague(client, cast):
    client.force_login(cast.users.tore)
    assert client.get(_erase_url(cast.siri)).status_code == 403
    assert client.post(_erase_url(cast.siri), {"confirmation": "Siri Olsen"}).status_code == 403
    cast.siri.refresh_from_db()
    assert cast.siri.anonymised_at is None


def test_a_coordinator_cannot_erase_themself(cast):
    with pytest.raises(PermissionDenied):
        person_erase(user=cast.users.coordinator, person=cast.jorunn, confirmation="Jorunn Ervik")


def test_another_municipality_cannot_erase(client, cast):
    client.force_login(cast.users.outsider)
    assert client.post(_erase_url(cast.tore), {"confirmation": "Tore Meltzer"}).status_code == 404
    cast.tore.refresh_from_db()
    assert cast.tore.anonymised_at is None


def test_erasure_removes_the_name_everywhere_and_keeps_the_counts(client, cast, tore_traces):
    assert text_hits("meltzer"), "the scenario must put the name somewhere to begin with"
    before = count_everything()
    tore_user_id = cast.users.tore.pk
    assert any(
        s.get_decoded().get("_auth_user_id") == str(tore_user_id) for s in Session.objects.all()
    )

    client.force_login(cast.users.coordinator)
    response = client.post(_erase_url(cast.tore), {"confirmation": " tore  meltzer "})
    assert response.status_code == 302

    assert text_hits("meltzer") == []
    assert count_everything() == before

    tore = Person.objects.get(pk=cast.tore.pk)
    assert tore.full_name == anonymous_label(tore.pk)
    assert tore.user is None and not tore.is_active and tore.phone == ""
    assert tore.anonymised_at is not None
    user = get_user_model().objects.get(pk=tore_user_id)
    assert not user.is_active and not user.has_usable_password()
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(tore_user_id) for s in Session.objects.all()
    )
    # His roles ended; what he owned and attended stays his, under the label.
    assert not DepartmentRole.objects.active().filter(person=tore).exists()
    assert Measure.objects.filter(owner=tore).count() == 3
    assert tore.attendances.count() == 1
    # The department's plan stays, with the label in place of the name.
    snapshot = PlanSnapshot.objects.get()
    assert {m["owner"] for m in snapshot.data["measures"]} == {tore.full_name}
    assert tore_traces.plan.__class__.objects.get().current_state.startswith(tore.full_name)
    # Suggestions read as anonymous; his e-mails keep kind, date and status without the text.
    assert Suggestion.objects.get().author is None
    to_him = Reminder.objects.get(recipient=tore)
    assert (to_him.email_body, to_him.email_subject, to_him.status) == ("", "", "sent")
    assert to_him.sent_at is not None
    digest = Reminder.objects.get(recipient=cast.jorunn)
    assert tore.full_name in digest.email_body and tore.email in digest.email_body
    assert not Invitation.objects.filter(person=tore).exists()
    # The history no longer says it was his login that changed the measure.
    assert not Measure.history.filter(history_user_id=tore_user_id).exists()
    # Login logs by his user name and address are gone; Kari's stay.
    assert not AccessAttempt.objects.exists()
    usernames = set(AccessLog.objects.values_list("username", flat=True))
    assert "kari" in usernames and "tore" not in usernames
    # The audit log says who anonymised whom, by id only.
    event = AuditEvent.objects.get(action=AuditEvent.Action.ANONYMISED)
    assert (event.actor, event.subject_person_id, event.subject_label) == (
        cast.users.coordinator,
        tore.pk,
        "",
    )


def test_an_anonymised_person_cannot_be_erased_twice(client, cast, tore_traces):
    person_erase(user=cast.users.coordinator, person=cast.tore, confirmation="Tore Meltzer")
    client.force_login(cast.users.coordinator)
    response = client.get(_erase_url(cast.tore))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISED).count() == 1


def test_a_name_with_norwegian_letters_leaves_json_written_with_escapes(cast):
    """Django's admin log writes "ø" as \\u00f8; the snapshot keeps it as it is."""
    monica = cast.monica
    LogEntry.objects.create(
        user=cast.users.superuser,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(monica.pk),
        object_repr=str(monica),
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"name": "role", "object": str(monica)}}]),
    )
    assert "Lindstr\\u00f8m" in LogEntry.objects.get().change_message
    plan = ProjectPlanFactory(pilot=cast.pilot_b, future_state="Monica Lindstrøm's idé")
    MeasureFactory(plan=plan, owner=monica)
    PlanSnapshot.objects.create(
        plan=plan, plan_version=1, approved_at=timezone.now(), data=plan_snapshot_data(plan)
    )
    assert text_hits("lindstr")

    person_erase(user=cast.users.coordinator, person=monica, confirmation="Monica Lindstrøm")

    assert text_hits("lindstr") == []
    assert anonymous_label(monica.pk) in LogEntry.objects.get().change_message
