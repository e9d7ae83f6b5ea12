"""The library's pages: who reads and who curates, lessons, suggestions, and query budgets."""

import pytest
from django.urls import reverse

from pilots.models import EarlierProcess, Pilot, PilotLessons
from tests.conftest import REQUEST_QUERIES
from tests.factories import DepartmentFactory, PilotFactory

pytestmark = pytest.mark.django_db

LIBRARY_QUERY_BUDGET = REQUEST_QUERIES + 3


def test_leaders_and_staff_read_but_do_not_curate(client, cast, processes):
    process = processes["intake"]
    for user in (cast.users.tore, cast.users.staff_a):
        client.force_login(user)
        assert client.get(reverse("pilots:library")).status_code == 200
        assert (
            client.get(reverse("pilots:earlier_process_detail", args=[process.pk])).status_code
            == 200
        )
        assert client.get(reverse("pilots:earlier_process_create")).status_code == 403
        assert (
            client.get(reverse("pilots:earlier_process_edit", args=[process.pk])).status_code == 403
        )
        assert (
            client.post(reverse("pilots:earlier_process_delete", args=[process.pk])).status_code
            == 403
        )
    assert EarlierProcess.objects.filter(pk=process.pk).exists()


def test_another_municipality_cannot_curate_harstads(client, cast, processes):
    client.force_login(cast.users.outsider)
    process = processes["intake"]

    edit = client.get(reverse("pilots:earlier_process_edit", args=[process.pk]))
    delete = client.post(reverse("pilots:earlier_process_delete", args=[process.pk]))

    assert edit.status_code == delete.status_code == 404
    assert EarlierProcess.objects.filter(pk=process.pk).exists()


def test_a_coordinator_adds_edits_and_deletes_an_earlier_process(client, cast):
    client.force_login(cast.users.coordinator)
    fields = {
        "title": "Tavlemøter på sykehjemmet",
        "year": "2021",
        "department": "",
        "service_area": "Helse og omsorg",
        "outcome_category": "completed",
        "description": "",
        "outcome": "Alle vakter møtes ved tavla.",
        "lessons_learned": "",
    }

    created = client.post(reverse("pilots:earlier_process_create"), fields)
    process = EarlierProcess.objects.get()
    edited = client.post(
        reverse("pilots:earlier_process_edit", args=[process.pk]), {**fields, "year": "2022"}
    )
    process.refresh_from_db()
    year_after_edit = process.year
    deleted = client.post(reverse("pilots:earlier_process_delete", args=[process.pk]))

    assert created.status_code == edited.status_code == deleted.status_code == 302
    assert process.municipality == cast.municipality
    assert year_after_edit == 2022
    assert not EarlierProcess.objects.exists()


def test_a_bad_earlier_process_keeps_what_was_typed(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("pilots:earlier_process_create"),
        {"title": "Halvferdig", "year": "1800", "outcome_category": "completed", "outcome": "Noe"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Halvferdig" in html and "Noe" in html
    assert not EarlierProcess.objects.exists()


def test_a_foreign_department_cannot_be_chosen(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("pilots:earlier_process_create"),
        {
            "title": "Lånt avdeling",
            "year": "2021",
            "department": cast.other_pilot.department_id,
            "outcome_category": "unknown",
        },
    )

    assert response.status_code == 400
    assert not EarlierProcess.objects.exists()


def _self_sufficient(pilot):
    Pilot.objects.filter(pk=pilot.pk).update(phase=Pilot.Phase.SELF_SUFFICIENT)


def test_lessons_are_asked_for_when_the_pilot_runs_on_its_own(client, cast):
    client.force_login(cast.users.tore)
    page = reverse("programme:pilot_detail", args=[cast.pilot_a.pk])
    lessons_url = reverse("pilots:pilot_lessons", args=[cast.pilot_a.pk])

    before = client.get(page).content.decode()
    tasks_before = client.get(reverse("my_tasks")).content.decode()
    _self_sufficient(cast.pilot_a)
    after = client.get(page).content.decode()
    tasks_after = client.get(reverse("my_tasks")).content.decode()

    assert "what did you learn?" not in before
    assert "Lessons to write" not in tasks_before
    assert "what did you learn?" in after
    assert "Lessons to write" in tasks_after and lessons_url in tasks_after


def test_the_leader_writes_the_lessons_and_everyone_in_the_municipality_reads_them(client, cast):
    _self_sufficient(cast.pilot_a)
    client.force_login(cast.users.tore)

    empty = client.post(
        reverse("pilots:pilot_lessons", args=[cast.pilot_a.pk]),
        {"what_worked": " ", "what_did_not_work": "", "advice": ""},
    )
    saved = client.post(
        reverse("pilots:pilot_lessons", args=[cast.pilot_a.pk]),
        {"what_worked": "Tavlemøtet hver tirsdag", "what_did_not_work": "", "advice": "Start små"},
    )
    lessons = PilotLessons.objects.get()
    prompt_after = client.get(reverse("programme:pilot_detail", args=[cast.pilot_a.pk]))
    client.force_login(cast.users.kari)
    read_by_other_department = client.get(reverse("pilots:lessons_detail", args=[lessons.pk]))
    may_write_for_other_department = client.get(
        reverse("pilots:pilot_lessons", args=[cast.pilot_a.pk])
    )
    client.force_login(cast.users.outsider)
    read_by_outsider = client.get(reverse("pilots:lessons_detail", args=[lessons.pk]))

    assert empty.status_code == 400
    assert "Write at least one of" in empty.content.decode()
    assert saved.status_code == 302
    assert lessons.written_by == cast.users.tore
    assert "what did you learn?" not in prompt_after.content.decode()
    assert read_by_other_department.status_code == 200
    assert "Start små" in read_by_other_department.content.decode()
    assert may_write_for_other_department.status_code == 404
    assert read_by_outsider.status_code == 404


def test_staff_may_not_write_the_lessons(client, cast):
    client.force_login(cast.users.staff_a)

    response = client.post(
        reverse("pilots:pilot_lessons", args=[cast.pilot_a.pk]), {"what_worked": "Alt"}
    )

    assert response.status_code == 403
    assert not PilotLessons.objects.exists()


def test_the_pilot_page_suggests_from_the_same_service_area(client, cast, processes):
    cast.dept_a.service_area = "helse og omsorg"
    cast.dept_a.save()
    cast.dept_b.service_area = "Helse og omsorg"
    cast.dept_b.save()
    PilotLessons.objects.create(pilot=cast.pilot_b, advice="Bestill tolk samlet hver mandag.")
    client.force_login(cast.users.tore)

    html = client.get(reverse("programme:pilot_detail", args=[cast.pilot_a.pk])).content.decode()

    assert "Legemiddelhåndtering i hjemmetjenesten" in html
    assert "Lessons from NAV flyktningetjenesten" in html
    assert "Inntak ved voksenopplæringen" not in html  # another service area
    assert "Ventetid på legevakten i Tromsø" not in html  # another municipality


def test_the_new_pilots_checklist_suggests_from_the_same_service_area(client, cast, processes):
    department = DepartmentFactory(municipality=cast.municipality, service_area="Teknisk")
    pilot = PilotFactory(programme=cast.programme, department=department)
    client.force_login(cast.users.coordinator)

    html = client.get(reverse("programme:pilot_setup", args=[pilot.pk])).content.decode()

    assert "Saksgang for byggesøknader" in html
    assert "Legemiddelhåndtering" not in html


def _many_entries(cast, count, *, start=0):
    EarlierProcess.objects.bulk_create(
        EarlierProcess(
            municipality=cast.municipality,
            year=2000 + i % 25,
            title=f"Prosess {start + i}",
            service_area="Helse og omsorg",
            outcome="Kortere ventetiden",
        )
        for i in range(count)
    )
    for i in range(count):
        department = DepartmentFactory(
            municipality=cast.municipality,
            name=f"Avdeling {start + i}",
            service_area="Helse og omsorg",
        )
        PilotLessons.objects.create(
            pilot=PilotFactory(programme=cast.programme, department=department),
            advice="Mål ventetiden",
        )


@pytest.mark.parametrize("query", [{}, {"q": "ventetid", "service_area": "Helse og omsorg"}])
def test_the_library_query_count_does_not_grow(client, cast, django_assert_max_num_queries, query):
    client.force_login(cast.users.staff_a)
    _many_entries(cast, 2)
    with django_assert_max_num_queries(LIBRARY_QUERY_BUDGET):
        few = client.get(reverse("pilots:library"), query)
    _many_entries(cast, 40, start=2)
    with django_assert_max_num_queries(LIBRARY_QUERY_BUDGET):
        many = client.get(reverse("pilots:library"), query)

    assert few.status_code == many.status_code == 200
    assert len(many.context["page"].object_list) == 20


def test_the_pilot_pages_suggestions_do_not_grow_its_query_count(
    client, cast, django_assert_max_num_queries
):
    from tests.programme.test_pilot_page import PILOT_PAGE_QUERY_BUDGET

    cast.dept_a.service_area = "Helse og omsorg"
    cast.dept_a.save()
    client.force_login(cast.users.tore)
    url = reverse("programme:pilot_detail", args=[cast.pilot_a.pk])
    _many_entries(cast, 2)
    with django_assert_max_num_queries(PILOT_PAGE_QUERY_BUDGET):
        client.get(url)
    _many_entries(cast, 30, start=2)
    with django_assert_max_num_queries(PILOT_PAGE_QUERY_BUDGET):
        html = client.get(url).content.decode()

    assert html.count("Lessons from Avdeling") == 3


def test_the_demo_fills_the_library_once_and_suggests_to_home_care(client):
    from leanprogram.demo import EARLIER_PROCESSES, demo_load
    from pilots.models import Pilot as PilotModel

    demo_load()
    demo_load()

    assert EarlierProcess.objects.count() == len(EARLIER_PROCESSES)
    home_care = PilotModel.objects.get(department__service_area="Helse og omsorg")
    client.force_login(home_care.programme.municipality.people.get(full_name="Jorunn Ervik").user)
    html = client.get(reverse("programme:pilot_detail", args=[home_care.pk])).content.decode()
    assert "Legemiddelhåndtering i hjemmetjenesten" in html
