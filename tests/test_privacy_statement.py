"""The privacy statement: public, names the reader's municipality when it knows it, in every
language, linked from every page's footer."""

import pytest
from django.urls import reverse

from tests.conftest import REQUEST_QUERIES


def test_statement_is_public_and_names_no_municipality(client, cast):
    response = client.get(reverse("privacy"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Datatilsynet" in html
    assert "Harstad kommune" not in html
    # Someone without a login is not linked to a page they cannot open.
    assert reverse("my_tasks") not in html


def test_statement_names_the_readers_municipality_as_controller(client, cast):
    client.force_login(cast.users.tore)

    html = client.get(reverse("privacy")).content.decode()

    assert "Harstad kommune" in html
    assert "Tromsø kommune" not in html
    assert reverse("my_tasks") in html


def test_statement_names_another_municipality_for_its_own_people(client, cast):
    client.force_login(cast.users.outsider)

    html = client.get(reverse("privacy")).content.decode()

    assert "Tromsø kommune" in html
    assert "Harstad kommune" not in html


def test_administrator_without_a_person_reads_the_general_statement(client, cast):
    client.force_login(cast.users.superuser)

    response = client.get(reverse("privacy"))

    assert response.status_code == 200
    assert "Harstad kommune" not in response.content.decode()


def test_statement_costs_one_query_beyond_the_request(client, cast, django_assert_max_num_queries):
    client.force_login(cast.users.kari)

    # The municipality's name: one query on top of what every logged-in page costs.
    with django_assert_max_num_queries(REQUEST_QUERIES + 1):
        client.get(reverse("privacy"))


@pytest.mark.parametrize(
    ("language", "heading"),
    [("nb", "Personvernerklæring"), ("nn", "Personvernerklæring"), ("en", "Privacy statement")],
)
def test_statement_speaks_each_language(client, cast, settings, language, heading):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(reverse("privacy"))

    assert response.headers["Content-Language"] == language
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_every_page_links_to_the_statement(client, cast):
    for url in (reverse("accessibility"), reverse("login")):
        html = client.get(url).content.decode()
        assert f'href="{reverse("privacy")}"' in html
