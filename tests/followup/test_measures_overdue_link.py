"""The weekly digest of overdue measures asks the owner to mark a measure done: its link must
open a page where the owner, staff included, can do just that."""

import datetime as dt
import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from followup.models import Reminder
from plans.models import Measure, MeasureNote, ProjectPlan
from tests.factories import MeasureFactory, ProjectPlanFactory
from tests.followup.conftest import A_DAYS, mails_of, oslo, schedule_course_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)
    plan = ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    mine = MeasureFactory(
        plan=plan, title="Kjørelister dagen før", owner=cast.siri, deadline=dt.date(2027, 3, 5)
    )
    MeasureFactory(plan=plan, title="Stående rapport", owner=cast.ola, deadline=dt.date(2027, 3, 9))
    for person in (cast.siri, cast.tore):
        person.language = "en"
        person.save(update_fields=["language"])
    return mine


def _links(body: str) -> dict[str, str]:
    """Each measure's title in the digest, with the link under it."""
    return dict(re.findall(r"^- (.+?) \(.*\n  (\S+)$", body, re.M))


def test_the_owners_link_opens_my_tasks_at_the_measure_where_staff_can_mark_it_done(
    client, cast, sweep, overdue
):
    sweep(oslo(2027, 3, 15, 8, 0))
    [digest] = [m for m in mails_of(Reminder.Kind.MEASURES_OVERDUE) if m.to == [cast.siri.email]]
    assert "Mark a measure done" in digest.body
    link = _links(digest.body)["Kjørelister dagen før"]
    assert link.startswith(settings.SITE_URL)
    path = urlsplit(link).path
    assert urlsplit(link).fragment == f"measure-{overdue.pk}"

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # She opens the mail on the morning it came, and logs in.
    with mock.patch("django.utils.timezone.now", return_value=oslo(2027, 3, 15, 9, 0)):
        client.force_login(cast.users.staff_a)
        page = client.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    card = re.search(rf'<li id="measure-{overdue.pk}".*?</li>', html, re.S).group(0)
    assert "Overdue" in card
    action = reverse("my_measure_progress", kwargs={"pk": overdue.pk})
    assert f'action="{action}"' in card
    assert 'value="done"' in card

    done = client.post(
        action, {f"measure-{overdue.pk}-status": "done", f"measure-{overdue.pk}-note": "Ferdig"}
    )

    assert done.status_code == 302
    overdue.refresh_from_db()
    assert overdue.status == Measure.Status.DONE
    assert MeasureNote.objects.get(measure=overdue).author == cast.siri


def test_the_leaders_copy_links_others_measures_to_the_board(cast, sweep, overdue):
    sweep(oslo(2027, 3, 15, 8, 0))
    [digest] = [m for m in mails_of(Reminder.Kind.MEASURES_OVERDUE) if m.to == [cast.tore.email]]

    links = _links(digest.body)

    board = reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk})
    assert urlsplit(links["Kjørelister dagen før"]).path == board
    assert urlsplit(links["Stående rapport"]).path == board
