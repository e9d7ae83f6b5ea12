"""The dashboard counts each pilot's improvement suggestions, new and in all, in its one query."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Suggestion
from tests.factories import PilotFactory
from tests.programme.test_dashboard import DASHBOARD_QUERY_BUDGET, rows_by_pilot

pytestmark = pytest.mark.django_db

URL = reverse("programme:dashboard")
Status = Suggestion.Status


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _suggestions(pilot, *, new: int, handled: int) -> None:
    for n in range(new):
        Suggestion.objects.create(pilot=pilot, text=f"Ny idé {n}")
    for n in range(handled):
        Suggestion.objects.create(
            pilot=pilot,
            text=f"Besvart idé {n}",
            status=(Status.ANSWERED, Status.DECLINED, Status.MEASURE)[n % 3],
            answer="Takk!",
        )


def test_each_pilot_shows_its_new_and_total_suggestions(client, cast):
    _suggestions(cast.pilot_a, new=2, handled=3)
    _suggestions(cast.other_pilot, new=4, handled=0)
    client.force_login(cast.users.coordinator)

    response = client.get(URL)

    rows = rows_by_pilot(response)
    assert (rows[cast.pilot_a].suggestions_new, rows[cast.pilot_a].suggestions_total) == (2, 5)
    assert (rows[cast.pilot_b].suggestions_new, rows[cast.pilot_b].suggestions_total) == (0, 0)
    html = response.content.decode()
    assert "<strong>2 new</strong>" in html
    assert "(of 5)" in html


def test_counting_suggestions_adds_no_query_per_pilot(client, cast):
    _suggestions(cast.pilot_a, new=1, handled=1)
    client.force_login(cast.users.coordinator)
    client.get(URL)

    with CaptureQueriesContext(connection) as with_two:
        assert len(client.get(URL).context["rows"]) == 2
    for n in range(28):
        _suggestions(PilotFactory(programme=cast.programme), new=n % 3, handled=n % 2)
    with CaptureQueriesContext(connection) as with_thirty:
        response = client.get(URL)

    assert len(response.context["rows"]) == 30
    assert sum(row.suggestions_total for row in response.context["rows"]) == 2 + 27 + 14
    assert len(with_thirty) == len(with_two)
    assert len(with_thirty) <= DASHBOARD_QUERY_BUDGET
