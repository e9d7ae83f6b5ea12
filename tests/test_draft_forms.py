"""Every form that keeps a draft (data-draft) answers a GET of its POST address with the form.

A save that finds the session expired is sent to the login page with `?next=` its POST address;
after logging in the browser GETs that address, and must land on the form, where drafts.js
restores the typing.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from followup.models import BoardMeeting, FollowUpMeeting
from plans.models import ProjectPlan, Suggestion

pytestmark = pytest.mark.django_db

_FORM = re.compile(r"<form\b[^>]*\bdata-draft=\"(?P<key>[^\"]+)\"[^>]*>", re.S)


def _draft_forms(html: str) -> dict[str, str]:
    """data-draft key → the form's action (or "" for the page's own address)."""
    forms = {}
    for match in _FORM.finditer(html):
        action = re.search(r'\baction="([^"#]*)', match.group(0))
        forms[match["key"]] = action.group(1) if action else ""
    return forms


@pytest.fixture
def pages(cast):
    ProjectPlan.objects.create(pilot=cast.pilot_a)
    suggestion = Suggestion.objects.create(pilot=cast.pilot_a, author=cast.siri, text="Nøkler")
    follow_up = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="2 uker", due_on=dt.date(2027, 3, 12)
    )
    board_meeting = BoardMeeting.objects.create(
        pilot=cast.pilot_a, held_on=dt.date(2027, 3, 3), present_count=5
    )
    return [
        reverse("plans:plan_edit", kwargs={"pilot_pk": cast.pilot_a.pk}),
        reverse("plans:suggestion_detail", kwargs={"pk": suggestion.pk}),
        reverse("followup:follow_up_meeting_hold", kwargs={"pk": follow_up.pk}),
        reverse("followup:board_meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        reverse("followup:board_meeting_edit", kwargs={"pk": board_meeting.pk}),
    ]


def test_every_draft_forms_post_address_leads_back_to_the_form(client, cast, pages):
    client.force_login(cast.users.tore)
    seen = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        forms = _draft_forms(response.content.decode())
        assert forms, f"{page} has no form with a draft"
        for key, action in forms.items():
            seen.add(key.split("-")[0])
            landed = client.get(action or page, follow=True)
            assert landed.status_code == 200, f"GET {action or page} ({key})"
            assert f'data-draft="{key}"' in landed.content.decode(), f"{key} not on {action}"
    assert seen == {"plan", "suggestion", "follow", "board"}


def test_the_suggestion_form_keeps_a_draft(client, cast):
    client.force_login(cast.users.staff_a)
    page = reverse("plans:pilot_suggestions", kwargs={"pilot_pk": cast.pilot_a.pk})

    forms = _draft_forms(client.get(page).content.decode())

    assert forms == {f"suggestion-new-{cast.pilot_a.pk}": ""}


def test_the_plan_form_names_its_version_and_a_new_plan_is_version_0(client, cast):
    client.force_login(cast.users.tore)
    url = reverse("plans:plan_edit", kwargs={"pilot_pk": cast.pilot_a.pk})

    before = client.get(url).content.decode()
    ProjectPlan.objects.create(pilot=cast.pilot_a, version=4)
    after = client.get(url).content.decode()

    assert 'data-draft-version="0"' in before
    assert 'data-draft-version="4"' in after


def test_a_form_shown_again_with_errors_is_marked_unsaved(client, cast):
    client.force_login(cast.users.staff_a)
    page = reverse("plans:pilot_suggestions", kwargs={"pilot_pk": cast.pilot_a.pk})

    html = client.post(page, {"text": ""}).content.decode()

    assert re.search(r"<form[^>]*data-draft=[^>]*data-draft-unsaved", html)
