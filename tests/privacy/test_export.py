"""Innsyn: a person's own data, and a coordinator answering a request for it."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leanprogram.privacy.registry import ENTRIES
from pilots.models import AuditEvent
from tests.conftest import REQUEST_QUERIES
from tests.factories import MeasureFactory

pytestmark = pytest.mark.django_db


def test_a_person_reads_everything_about_themself(client, cast, tore_traces):
    client.force_login(cast.users.tore)
    response = client.get(reverse("privacy:my_data"))
    assert response.status_code == 200
    page = response.content.decode()
    for expected in ("Tiltak 1", "10.0.0.7", "Hei Tore Meltzer", "Firefox"):
        assert expected in page
    assert 'class="table table-sm align-top table-stack-md"' in page
    assert 'data-label="' in page
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert (event.actor, event.subject_person_id) == (cast.users.tore, cast.tore.pk)
    assert "format=html" in event.detail
    assert "Tore" not in event.detail


def test_my_tasks_links_to_my_data(client, cast):
    client.force_login(cast.users.staff_a)
    page = client.get(reverse("my_tasks")).content.decode()
    assert reverse("privacy:my_data") in page


def test_the_download_is_json_named_by_id(client, cast, tore_traces):
    client.force_login(cast.users.tore)
    response = client.get(reverse("privacy:my_data_json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and str(cast.tore.pk) in disposition
    assert "Tore" not in disposition and "tore" not in disposition
    document = json.loads(response.content)
    sections = document["sections"]
    assert len(sections["measures"]["rows"]) == 3
    assert sections["person"]["rows"][0]["email"] == "tore.meltzer@harstad.kommune.no"
    assert sections["reminders"]["rows"][0]["email_body"].startswith("Hei Tore Meltzer")
    assert sections["axes.access_log"]["rows"][0]["ip_address"] == "10.0.0.7"
    assert sections["axes.access_attempt"]["rows"][0]["failures_since_start"] == 2
    assert len(sections["sessions"]["rows"]) == 1
    assert sections["attendance"]["rows"][0]["status"] == "present"
    # Kari's login log is hers, not his.
    assert all(r["ip_address"] != "10.0.0.9" for r in sections["axes.access_log"]["rows"])
    assert AuditEvent.objects.filter(detail__startswith="format=json").count() == 1


def test_a_coordinator_exports_a_person_of_their_municipality(client, cast, tore_traces):
    client.force_login(cast.users.coordinator)
    response = client.get(reverse("privacy:person_data", kwargs={"pk": cast.tore.pk}))
    assert response.status_code == 200
    assert reverse("privacy:person_erase", kwargs={"pk": cast.tore.pk}) in response.content.decode()
    response = client.get(reverse("privacy:person_data_json", kwargs={"pk": cast.tore.pk}))
    assert response.status_code == 200
    actors = set(AuditEvent.objects.values_list("actor", flat=True))
    assert actors == {cast.users.coordinator.pk}


@pytest.mark.parametrize("name", ["person_data", "person_data_json"])
def test_a_leader_cannot_export_a_colleague(client, cast, name):
    client.force_login(cast.users.tore)
    assert client.get(reverse(f"privacy:{name}", kwargs={"pk": cast.siri.pk})).status_code == 403
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", ["person_data", "person_data_json", "person_erase"])
def test_another_municipality_gets_404(client, cast, name):
    client.force_login(cast.users.outsider)
    assert client.get(reverse(f"privacy:{name}", kwargs={"pk": cast.tore.pk})).status_code == 404


def test_a_login_without_a_person_has_no_own_data(client, cast):
    client.force_login(cast.users.superuser)
    assert client.get(reverse("privacy:my_data")).status_code == 403


def test_the_staff_page_links_coordinators_to_personal_data(client, cast):
    url = reverse("pilots:staff_edit", kwargs={"department_pk": cast.dept_a.pk, "pk": cast.siri.pk})
    data_url = reverse("privacy:person_data", kwargs={"pk": cast.siri.pk})
    client.force_login(cast.users.coordinator)
    assert data_url in client.get(url).content.decode()
    client.force_login(cast.users.tore)
    assert data_url not in client.get(url).content.decode()


def _export_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_export_queries_do_not_grow_with_the_data(client, cast, tore_traces):
    client.force_login(cast.users.tore)
    url = reverse("privacy:my_data_json")
    few = _export_queries(client, url)
    MeasureFactory.create_batch(40, plan=tore_traces.plan, owner=cast.tore)
    assert _export_queries(client, url) == few
    # One query per registry entry; besides them the request's own (REQUEST_QUERIES), the
    # person, and the audit event in its savepoint.
    assert few <= len(ENTRIES) + REQUEST_QUERIES + 4


def test_who_may_export_and_erase_a_person(cast):
    from pilots.access import scope_for

    def can(user, person):
        scope = scope_for(user)
        return scope.can_export_person_data(person), scope.can_erase_person(person)

    assert can(cast.users.coordinator, cast.siri) == (True, True)
    assert can(cast.users.guide, cast.siri) == (True, True)
    assert can(cast.users.superuser, cast.siri) == (True, True)
    # Themselves: read, never erase (someone else checks the request).
    assert can(cast.users.staff_a, cast.siri) == (True, False)
    assert can(cast.users.coordinator, cast.jorunn) == (True, False)
    assert can(cast.users.tore, cast.siri) == (False, False)
    assert can(cast.users.outsider, cast.siri) == (False, False)
