"""The library's search: Norwegian word forms on PostgreSQL, filters, ranking, scoping."""

import pytest
from django.db import connection
from django.urls import reverse

from pilots.library import (
    LESSON_FIELDS,
    PROCESS_FIELDS,
    LibraryFilters,
    _lesson_vector,
    _process_vector,
    _text_filter,
    library_entries,
)
from pilots.models import EarlierProcess, Pilot, PilotLessons

pytestmark = pytest.mark.django_db


def _titles(user, **filters):
    return [
        entry["entry_title"] for entry in library_entries(user, filters=LibraryFilters(**filters))
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
def test_search_finds_norwegian_word_forms(cast, processes):
    # "ventetid" is in the text only as "ventetiden"; "avvikene" only as "avvik".
    assert _titles(cast.users.coordinator, text="ventetid") == ["Inntak ved voksenopplæringen"]
    assert _titles(cast.users.coordinator, text="avvikene") == [
        "Legemiddelhåndtering i hjemmetjenesten"
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
def test_search_understands_web_search_syntax_and_ranks(cast, processes):
    assert _titles(cast.users.coordinator, text="tavlemøte -byggesøknader") == [
        "Legemiddelhåndtering i hjemmetjenesten"
    ]
    assert set(_titles(cast.users.coordinator, text="ventetid or byggesøknad")) == {
        "Inntak ved voksenopplæringen",
        "Saksgang for byggesøknader",
    }
    # The better match first: both words against one.
    assert _titles(cast.users.coordinator, text="ventetid or oppstart")[0] == (
        "Inntak ved voksenopplæringen"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
@pytest.mark.parametrize(
    ("model", "fields", "vector", "index"),
    [
        (EarlierProcess, PROCESS_FIELDS, _process_vector, "earlier_process_search"),
        (PilotLessons, LESSON_FIELDS, _lesson_vector, "pilot_lessons_search"),
    ],
)
def test_the_search_expression_is_the_indexed_one(cast, model, fields, vector, index):
    """The search's expression must stay the migration's, or the index goes unused."""
    matches = _text_filter(model.objects.all(), text="ventetid", fields=fields, vector=vector())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    assert index in matches.explain()


def test_search_falls_back_to_words_anywhere_on_sqlite(cast, processes, monkeypatch):
    monkeypatch.setattr("pilots.library.uses_full_text_search", lambda: False)

    assert _titles(cast.users.coordinator, text="ventetid") == ["Inntak ved voksenopplæringen"]
    assert _titles(cast.users.coordinator, text="tavlemøte RUTINENE") == [
        "Legemiddelhåndtering i hjemmetjenesten"
    ]


def test_filters_by_service_area_year_and_outcome(cast, processes):
    user = cast.users.tore

    assert _titles(user, service_area="helse og omsorg") == [
        "Legemiddelhåndtering i hjemmetjenesten"
    ]
    assert _titles(user, year=2020) == ["Saksgang for byggesøknader"]
    assert _titles(user, outcome=EarlierProcess.Outcome.COMPLETED) == [
        "Inntak ved voksenopplæringen"
    ]
    # Without a filter: the most recent first.
    assert _titles(user) == [
        "Inntak ved voksenopplæringen",
        "Saksgang for byggesøknader",
        "Legemiddelhåndtering i hjemmetjenesten",
    ]


def test_lessons_are_in_the_same_list(cast, processes):
    cast.dept_a.service_area = "Helse og omsorg"
    cast.dept_a.save()
    Pilot.objects.filter(pk=cast.pilot_a.pk).update(course_year=2027)
    PilotLessons.objects.create(
        pilot=cast.pilot_a,
        what_worked="Tavlemøtet hver tirsdag holdt arbeidet i gang.",
        advice="Start med ventetiden for brukerne.",
    )

    assert _titles(cast.users.kari, service_area="Helse og omsorg") == [
        "Omsorg Sør, hjemmetjenesten 2",
        "Legemiddelhåndtering i hjemmetjenesten",
    ]
    assert _titles(cast.users.kari, year=2027) == ["Omsorg Sør, hjemmetjenesten 2"]
    # A pilot's lessons have no outcome category.
    assert "Omsorg Sør, hjemmetjenesten 2" not in _titles(
        cast.users.kari, outcome=EarlierProcess.Outcome.COMPLETED
    )
    if connection.vendor == "postgresql":
        assert set(_titles(cast.users.kari, text="ventetid")) == {
            "Inntak ved voksenopplæringen",
            "Omsorg Sør, hjemmetjenesten 2",
        }


def test_another_municipality_sees_nothing_of_harstad(client, cast, processes):
    client.force_login(cast.users.outsider)

    page = client.get(reverse("pilots:library")).content.decode()
    search = client.get(reverse("pilots:library"), {"q": "ventetid"}).content.decode()
    detail = client.get(reverse("pilots:earlier_process_detail", args=[processes["intake"].pk]))

    assert "Ventetid på legevakten i Tromsø" in page
    assert "voksenopplæringen" not in page
    assert "voksenopplæringen" not in search
    assert detail.status_code == 404


def test_the_list_page_searches_and_filters(client, cast, processes):
    client.force_login(cast.users.staff_a)

    response = client.get(
        reverse("pilots:library"), {"q": "", "service_area": "Teknisk", "year": "", "outcome": ""}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Saksgang for byggesøknader" in html
    assert "Legemiddelhåndtering" not in html
    assert "1 match" in html


def test_a_bad_filter_is_a_clear_400(client, cast, processes):
    client.force_login(cast.users.staff_a)

    response = client.get(reverse("pilots:library"), {"year": "tjue"})

    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()
