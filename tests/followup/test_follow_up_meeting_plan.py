"""Planning a follow-up meeting, its agenda from the plan, and recording its decisions, actions
(measures of the plan) and open items, which are carried to the pilot's next meeting."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from followup import selectors, services
from followup.models import FollowUpItem, FollowUpMeeting, Reminder
from plans.models import Indicator, Measure, Measurement, ProjectPlan, Suggestion
from tests.factories import MeasureFactory, PersonFactory, ProjectPlanFactory
from tests.followup.conftest import A_DAYS, oslo, schedule_course_days

pytestmark = pytest.mark.django_db

HELD = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _english(settings, client):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def meetings(cast):
    schedule_course_days(cast.pilot_a, A_DAYS)
    return list(FollowUpMeeting.objects.filter(pilot=cast.pilot_a).order_by("due_on"))


def _plan(user, meeting, **overrides):
    fields = {
        "planned_on": dt.date(2027, 3, 10),
        "starts_at": dt.time(9, 0),
        "ends_at": dt.time(10, 30),
        "place": "Møterom 2",
        "participants": [],
    }
    return services.follow_up_meeting_plan(user=user, meeting=meeting, **{**fields, **overrides})


def _hold(user, meeting, **kwargs):
    return services.follow_up_meeting_hold(
        user=user, meeting=meeting, held_on=HELD, notes="", attendees=[], **kwargs
    )


# --- Planning -----------------------------------------------------------------------------------


def test_leader_plans_a_meeting_with_time_place_and_participants(cast, meetings):
    meeting = _plan(cast.users.tore, meetings[0], participants=[cast.tore, cast.siri])

    meeting.refresh_from_db()
    assert (meeting.planned_on, meeting.starts_at, meeting.ends_at, meeting.place) == (
        dt.date(2027, 3, 10),
        dt.time(9, 0),
        dt.time(10, 30),
        "Møterom 2",
    )
    assert set(meeting.participants.all()) == {cast.tore, cast.siri}
    assert meeting.due_on == dt.date(2027, 3, 11), "the cadence's due date stays as it was"


@pytest.mark.parametrize("who", ["staff_a", "kari", "outsider"])
def test_plan_is_refused_to_whoever_does_not_lead_the_pilot(cast, meetings, who):
    with pytest.raises(PermissionDenied):
        _plan(getattr(cast.users, who), meetings[0])
    assert FollowUpMeeting.objects.get(pk=meetings[0].pk).planned_on is None


def test_plan_refuses_participants_from_another_municipality(cast, meetings):
    stranger = PersonFactory(municipality=cast.other_municipality)
    with pytest.raises(ValidationError) as refused:
        _plan(cast.users.coordinator, meetings[0], participants=[cast.tore, stranger])
    assert "participants" in refused.value.message_dict


def test_plan_refuses_a_meeting_that_ends_before_it_starts(cast, meetings):
    with pytest.raises(ValidationError) as refused:
        _plan(cast.users.coordinator, meetings[0], starts_at=dt.time(10), ends_at=dt.time(9))
    assert "ends_at" in refused.value.message_dict


def test_plan_page_asks_the_leader_and_the_guide_by_default(cast, client, meetings):
    client.force_login(cast.users.coordinator)
    url = reverse("followup:follow_up_meeting_plan", kwargs={"pk": meetings[0].pk})
    form = client.get(url).context["form"]
    assert form["planned_on"].value() == dt.date(2027, 3, 11)
    assert set(form["participants"].value()) == {cast.tore.pk, cast.monica.pk}


def test_the_leader_planning_keeps_the_guide_among_the_participants(cast, client, meetings):
    # The leader sees only their own department's people, but the guide comes to the meeting.
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_plan", kwargs={"pk": meetings[0].pk})
    form = client.get(url).context["form"]
    choices = set(form.fields["participants"].queryset.values_list("pk", flat=True))
    assert {cast.tore.pk, cast.monica.pk} <= choices
    assert cast.kari.pk not in choices, "another department's leader is not offered"
    assert set(form["participants"].value()) == {cast.tore.pk, cast.monica.pk}


def test_plan_page_keeps_what_was_typed_when_the_times_are_wrong(cast, client, meetings):
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_plan", kwargs={"pk": meetings[0].pk})
    response = client.post(
        url,
        {
            "planned_on": "2027-03-10",
            "starts_at": "10:00",
            "ends_at": "09:00",
            "place": "Kantina",
            "participants": [cast.siri.pk],
        },
    )
    assert response.status_code == 400
    assert "The meeting must end after it starts." in response.content.decode()
    assert 'value="Kantina"' in response.content.decode()
    assert response.context["form"]["participants"].value() == [str(cast.siri.pk)]
    assert FollowUpMeeting.objects.get(pk=meetings[0].pk).planned_on is None


def test_plan_page_saves_and_the_follow_up_page_shows_time_and_place(cast, client, meetings):
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_plan", kwargs={"pk": meetings[0].pk})
    response = client.post(
        url,
        {
            "planned_on": "2027-03-10",
            "starts_at": "09:00",
            "ends_at": "10:30",
            "place": "Kantina",
            "participants": [cast.siri.pk, cast.tore.pk],
        },
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "09:00–10:30" in page
    assert "Kantina" in page
    assert "Siri Olsen" in page


def test_plan_page_is_403_for_staff_and_404_for_another_municipality(cast, client, meetings):
    url = reverse("followup:follow_up_meeting_plan", kwargs={"pk": meetings[0].pk})
    client.force_login(cast.users.staff_a)
    assert client.get(url).status_code == 403
    client.force_login(cast.users.outsider)
    assert client.get(url).status_code == 404


# --- Reminders go to the participants ----------------------------------------------------------


def test_due_reminder_goes_to_the_participants_once_planned(cast, meetings, sweep):
    ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    _plan(cast.users.tore, meetings[0], participants=[cast.siri, cast.monica])

    sweep(oslo(2027, 3, 4, 8))
    sent = Reminder.objects.filter(kind=Reminder.Kind.FOLLOW_UP_DUE)
    assert sorted(sent.values_list("recipient__full_name", flat=True)) == [
        "Monica Lindstrøm",
        "Siri Olsen",
    ]
    assert set(sent.values_list("status", flat=True)) == {Reminder.Status.SENT}
    # The participants learn when and where it is.
    for body in sent.values_list("email_body", flat=True):
        assert "10.03.2027, 09:00–10:30" in body
        assert "Møterom 2" in body


def test_due_reminder_without_a_plan_still_goes_to_leader_and_guide(cast, meetings, sweep):
    ProjectPlanFactory(pilot=cast.pilot_a, status=ProjectPlan.Status.APPROVED)
    sweep(oslo(2027, 3, 4, 8))
    assert sorted(
        Reminder.objects.filter(kind=Reminder.Kind.FOLLOW_UP_DUE).values_list(
            "recipient__full_name", flat=True
        )
    ) == ["Monica Lindstrøm", "Tore Meltzer"]


# --- Recording: decisions, actions, open items, carried over -----------------------------------


def test_recording_stores_decisions_and_makes_each_action_a_measure(cast, meetings):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    version = plan.version
    _hold(
        cast.users.tore,
        meetings[0],
        decisions=["Tavlemøte hver tirsdag"],
        actions=[
            services.ActionInput(
                text="Lage ny vaktplan", owner=cast.siri, deadline=dt.date(2027, 4, 1)
            )
        ],
        open_items=["Hva med helgene?"],
    )

    items = {item.kind: item for item in FollowUpItem.objects.filter(meeting=meetings[0])}
    assert items["decision"].text == "Tavlemøte hver tirsdag"
    assert items["open"].text == "Hva med helgene?"
    measure = items["action"].measure
    assert (measure.plan_id, measure.title, measure.owner, measure.deadline) == (
        plan.pk,
        "Lage ny vaktplan",
        cast.siri,
        dt.date(2027, 4, 1),
    )
    assert "follow-up meeting" in measure.description
    plan.refresh_from_db()
    assert plan.version == version + 1


def test_an_action_starts_the_plan_when_the_pilot_has_none(cast, meetings):
    _hold(cast.users.coordinator, meetings[0], actions=[services.ActionInput(text="Rydde lager")])
    assert Measure.objects.get(plan__pilot=cast.pilot_a).title == "Rydde lager"


def test_an_action_with_an_owner_outside_the_department_saves_nothing(cast, meetings):
    with pytest.raises(ValidationError):
        _hold(
            cast.users.tore,
            meetings[0],
            decisions=["Noe"],
            actions=[services.ActionInput(text="Ring NAV", owner=cast.kari)],
        )
    assert not FollowUpItem.objects.exists()
    assert not Measure.objects.filter(title="Ring NAV").exists()
    assert FollowUpMeeting.objects.get(pk=meetings[0].pk).held_on is None


def test_open_items_and_actions_are_carried_to_the_next_meeting_until_done(cast, meetings):
    first, second, third = meetings[:3]
    _hold(
        cast.users.tore,
        first,
        decisions=["Bare et vedtak"],
        actions=[
            services.ActionInput(text="Lage ny vaktplan"),
            services.ActionInput(text="Ferdig"),
        ],
        open_items=["Hva med helgene?"],
    )
    Measure.objects.filter(title="Ferdig").update(status=Measure.Status.DONE)

    carried = list(selectors.follow_up_carried_items(second))
    assert sorted(item.text for item in carried) == ["Hva med helgene?", "Lage ny vaktplan"]

    open_item = next(item for item in carried if item.kind == "open")
    _hold(cast.users.tore, second, done_items=[open_item])
    open_item.refresh_from_db()
    assert (open_item.done, open_item.done_at_meeting) == (True, second)
    assert [item.text for item in selectors.follow_up_carried_items(third)] == ["Lage ny vaktplan"]
    # Correcting the second meeting shows what was marked done at it.
    assert open_item in selectors.follow_up_carried_items(second)


def test_items_of_another_pilot_cannot_be_marked_done(cast, meetings):
    schedule_course_days(cast.pilot_b, A_DAYS)
    other = FollowUpMeeting.objects.filter(pilot=cast.pilot_b).first()
    _hold(cast.users.kari, other, open_items=["Kari sin sak"])
    foreign = FollowUpItem.objects.get(meeting=other)
    with pytest.raises(ValidationError):
        _hold(cast.users.tore, meetings[0], done_items=[foreign])
    foreign.refresh_from_db()
    assert foreign.done is False


@pytest.mark.parametrize("who", ["staff_a", "kari", "outsider"])
def test_recording_is_refused_to_whoever_does_not_lead_the_pilot(cast, meetings, who):
    with pytest.raises(PermissionDenied):
        _hold(getattr(cast.users, who), meetings[0], actions=[services.ActionInput(text="X")])
    assert not Measure.objects.exists()


# --- The meeting page ---------------------------------------------------------------------------


def _hold_data(**extra):
    data = {
        "held_on": HELD.isoformat(),
        "notes": "Gode diskusjoner",
        "decisions": "Tavlemøte hver tirsdag\nNy vaktplan fra mars",
        "open_items": "",
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "20",
    }
    return {**data, **extra}


def test_meeting_page_records_actions_from_the_rows(cast, client, meetings):
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_hold", kwargs={"pk": meetings[0].pk})
    response = client.post(
        url,
        _hold_data(
            **{
                "actions-0-text": "Lage ny vaktplan",
                "actions-0-owner": cast.siri.pk,
                "actions-0-deadline": "2027-04-01",
            }
        ),
    )
    assert response.status_code == 302
    assert list(FollowUpItem.objects.filter(meeting=meetings[0]).values_list("kind", "text")) == [
        ("action", "Lage ny vaktplan"),
        ("decision", "Tavlemøte hver tirsdag"),
        ("decision", "Ny vaktplan fra mars"),
    ]
    assert Measure.objects.get(follow_up_items__meeting=meetings[0]).owner == cast.siri


def test_meeting_page_keeps_what_was_typed_when_an_action_has_no_text(cast, client, meetings):
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_hold", kwargs={"pk": meetings[0].pk})
    response = client.post(url, _hold_data(**{"actions-1-owner": cast.siri.pk}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write what is to be done, or empty the row." in page
    assert "Tavlemøte hver tirsdag" in page
    assert "Gode diskusjoner" in page
    assert not FollowUpItem.objects.exists()
    assert FollowUpMeeting.objects.get(pk=meetings[0].pk).held_on is None


def test_meeting_page_shows_a_service_refusal_as_a_form_error(cast, client, meetings):
    ProjectPlanFactory(pilot=cast.pilot_a, starts_on=dt.date(2027, 5, 1))
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_hold", kwargs={"pk": meetings[0].pk})
    response = client.post(
        url, _hold_data(**{"actions-0-text": "For tidlig", "actions-0-deadline": "2027-04-01"})
    )
    assert response.status_code == 400
    assert "The deadline cannot be before the plan starts." in response.content.decode()
    assert not Measure.objects.exists()


def test_meeting_page_shows_the_agenda_from_the_plan(cast, client, meetings):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    indicator = Indicator.objects.create(
        plan=plan, name="Ventetid", unit="min", baseline=30, target=10
    )
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2026, 10, 1), value=20)
    Measurement.objects.create(indicator=indicator, measured_on=dt.date(2026, 11, 1), value=9)
    MeasureFactory(plan=plan, title="Gammelt tiltak", deadline=dt.date(2026, 1, 1))
    MeasureFactory(plan=plan, title="Nytt tiltak", deadline=dt.date(2030, 1, 1))
    MeasureFactory(plan=plan, title="Ferdig tiltak", status=Measure.Status.DONE)
    Suggestion.objects.create(pilot=cast.pilot_a, author=cast.siri, text="Fast plass til nøkler")
    _hold(cast.users.tore, meetings[0], open_items=["Hva med helgene?"])

    client.force_login(cast.users.tore)
    response = client.get(reverse("followup:follow_up_meeting_hold", kwargs={"pk": meetings[1].pk}))
    agenda = response.context["agenda"]
    assert [(i.name, i.latest_value, i.target_reached) for i in agenda.indicators] == [
        ("Ventetid", Decimal("9.00"), True)
    ]
    assert [m.title for m in agenda.overdue_measures] == ["Gammelt tiltak"]
    assert [m.title for m in agenda.open_measures] == ["Nytt tiltak"]
    assert [s.text for s in agenda.new_suggestions] == ["Fast plass til nøkler"]
    page = response.content.decode()
    assert "Hva med helgene?" in page
    assert "Ferdig tiltak" not in page


# --- Query budgets ------------------------------------------------------------------------------


def _fill(cast, meetings, n):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    for i in range(n):
        indicator = Indicator.objects.create(
            plan=plan, name=f"Indikator {i}", unit="min", baseline=30, target=10
        )
        Measurement.objects.create(indicator=indicator, measured_on=dt.date(2026, 10, 1), value=i)
        MeasureFactory(plan=plan, owner=cast.siri, deadline=dt.date(2026, 1, 1 + i % 28))
        Suggestion.objects.create(pilot=cast.pilot_a, text=f"Forslag {i}")
    for meeting in meetings[:2]:
        meeting.participants.set([cast.tore, cast.siri])
    _hold(
        cast.users.tore,
        meetings[0],
        decisions=[f"Vedtak {i}" for i in range(n)],
        open_items=[f"Sak {i}" for i in range(n)],
        actions=[services.ActionInput(text=f"Tiltak {i}", owner=cast.siri) for i in range(n)],
    )


@pytest.mark.parametrize("n", [2, 25])
def test_meeting_page_costs_the_same_queries_with_more_on_the_agenda(
    cast, client, meetings, django_assert_num_queries, n
):
    _fill(cast, meetings, n)
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_hold", kwargs={"pk": meetings[1].pk})
    with django_assert_num_queries(18):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["agenda"].indicators) == n


@pytest.mark.parametrize("n", [2, 25])
def test_follow_up_page_costs_the_same_queries_with_more_items(
    cast, client, meetings, django_assert_num_queries, n
):
    _fill(cast, meetings, n)
    client.force_login(cast.users.tore)
    url = reverse("followup:pilot_follow_up", kwargs={"pilot_pk": cast.pilot_a.pk})
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert f"Sak {n - 1}" in response.content.decode()


@pytest.mark.parametrize("n", [2, 25])
def test_plan_page_costs_the_same_queries_with_more_people(
    cast, client, meetings, django_assert_num_queries, n
):
    for i in range(n):
        PersonFactory(municipality=cast.municipality, full_name=f"Person {i}")
    meetings[0].participants.set([cast.tore])
    client.force_login(cast.users.tore)
    url = reverse("followup:follow_up_meeting_plan", kwargs={"pk": meetings[0].pk})
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
