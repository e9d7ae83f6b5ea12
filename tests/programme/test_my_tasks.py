""" "My tasks": everyone's landing page, and owners reporting on their own measures."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUpMeeting
from pilots.models import DepartmentRole
from plans.models import Measure, MeasureNote, ProjectPlan
from plans.services import plan_update
from tests.conftest import REQUEST_QUERIES
from tests.factories import (
    CourseDayFactory,
    DepartmentRoleFactory,
    InformationMeetingFactory,
    MeasureFactory,
    PersonFactory,
    PilotFactory,
    ProjectPlanFactory,
)

pytestmark = pytest.mark.django_db

Status = Measure.Status
URL = reverse("my_tasks")


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a)


@pytest.fixture
def plan_b(cast):
    return ProjectPlanFactory(pilot=cast.pilot_b)


def progress_url(measure) -> str:
    return reverse("my_measure_progress", kwargs={"pk": measure.pk})


def progress(measure, *, status, note=""):
    return {f"measure-{measure.pk}-status": status, f"measure-{measure.pk}-note": note}


def card(html: str, measure) -> str:
    """The HTML of one measure's card on the page."""
    match = re.search(rf'<li id="measure-{measure.pk}".*?</li>', html, re.S)
    assert match, f"no card for {measure}"
    return match.group(0)


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# Landing


@pytest.mark.parametrize("who", ["coordinator", "guide", "tore", "kari", "staff_a", "outsider"])
def test_every_person_lands_on_my_tasks(client, cast, who):
    client.force_login(getattr(cast.users, who))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == URL


def test_logging_in_lands_on_my_tasks(client, cast):
    response = client.post(
        reverse("login"), {"username": "siri", "password": "lean-demo"}, follow=True
    )

    assert response.redirect_chain[-1][0] == URL
    assert "My tasks</h1>" in response.content.decode()


def test_the_menu_leads_to_my_tasks(client, cast):
    client.force_login(cast.users.staff_a)

    html = client.get(reverse("programme:dashboard")).content.decode()

    assert f'<a class="nav-link" href="{URL}">My tasks</a>' in html


def test_a_person_without_any_role_is_told_whom_to_ask(client, cast):
    nobody = PersonFactory(municipality=cast.municipality, full_name="Ny Ansatt")
    nobody.user = get_user_model().objects.create_user(username="ny", password="x")
    nobody.save()
    client.force_login(nobody.user)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ask your lean coordinator to add you." in html
    assert "You own no measures yet." in html


# What each role sees


def test_staff_sees_own_measures_open_first_with_overdue_marked_in_text(client, cast, plan_a):
    late = MeasureFactory(
        plan=plan_a,
        title="Kjørelister dagen før",
        owner=cast.siri,
        deadline=days_from_today(-1),
        status=Status.IN_PROGRESS,
    )
    later = MeasureFactory(
        plan=plan_a, title="Fast plass for nøkler", owner=cast.siri, deadline=days_from_today(9)
    )
    finished = MeasureFactory(plan=plan_a, title="Ferdig", owner=cast.siri, status=Status.DONE)
    MeasureFactory(plan=plan_a, title="Toves eget tiltak", owner=cast.tore)
    client.force_login(cast.users.staff_a)

    response = client.get(URL)

    assert response.status_code == 200
    tasks = response.context["tasks"]
    assert tasks.open_measures == [late, later]
    assert tasks.closed_measures == [finished]
    html = response.content.decode()
    assert "Toves eget tiltak" not in html
    assert "Overdue" in card(html, late) and "my-card--overdue" in card(html, late)
    assert "Overdue" not in card(html, later)
    assert days_from_today(9).strftime("%d.%m.%Y") in card(html, later)
    assert html.count("<h1") == 1


def test_staff_without_measures_learns_what_to_expect(client, cast, plan_a):
    MeasureFactory(plan=plan_a, owner=cast.tore)
    client.force_login(cast.users.staff_a)

    html = client.get(URL).content.decode()

    assert "You own no measures yet." in html
    assert "when your department leader makes you the owner of one" in html
    assert "Nothing is planned for you right now." in html


def test_staff_sees_own_departments_meetings_and_course_days_with_date_time_and_place(client, cast):
    meeting_day, course_day = days_from_today(3), days_from_today(10)
    InformationMeetingFactory(
        pilot=cast.pilot_a,
        starts_at=at(meeting_day, 14),
        ends_at=at(meeting_day, 15),
        place="Personalrommet",
    )
    CourseDayFactory(
        pilot=cast.pilot_a,
        number=1,
        date=course_day,
        starts_at=dt.time(8, 30),
        ends_at=dt.time(15, 30),
        place="Rådhuset",
    )
    InformationMeetingFactory(
        pilot=cast.pilot_b,
        starts_at=at(meeting_day, 9),
        ends_at=at(meeting_day, 10),
        place="NAV-huset",
    )
    InformationMeetingFactory(  # over already
        pilot=cast.pilot_a,
        starts_at=at(days_from_today(-2), 14),
        ends_at=at(days_from_today(-2), 15),
        place="I fjor",
    )
    client.force_login(cast.users.staff_a)

    response = client.get(URL)

    events = response.context["tasks"].events
    assert [(event.what, event.place) for event in events] == [
        ("Information meeting", "Personalrommet"),
        ("Course day 1", "Rådhuset"),
    ]
    html = response.content.decode()
    assert f'{meeting_day:%d.%m.%Y}</strong>, <span class="text-nowrap">14:00–15:00' in html
    assert f'{course_day:%d.%m.%Y}</strong>, <span class="text-nowrap">08:30–15:30' in html
    assert "NAV-huset" not in html


def test_a_facilitator_sees_the_course_days_they_facilitate(client, cast):
    day = CourseDayFactory(pilot=cast.pilot_b, number=2, date=days_from_today(5), place="Sal 2")
    day.facilitators.set([cast.monica])
    client.force_login(cast.users.guide)

    html = client.get(URL).content.decode()

    assert "Course day 2" in html and "Sal 2" in html
    assert "You are a facilitator" in html

    client.force_login(cast.users.coordinator)
    html = client.get(URL).content.decode()
    assert "Sal 2" not in html
    assert "No course day where you are a facilitator is coming up." in html


def test_coordinator_gets_the_dashboard_and_the_plans_waiting_for_review(
    client, cast, plan_a, plan_b
):
    plan_b.status = ProjectPlan.Status.SUBMITTED
    plan_b.submitted_at = timezone.now()
    plan_b.save()
    client.force_login(cast.users.coordinator)

    response = client.get(URL)

    html = response.content.decode()
    assert f'href="{reverse("programme:dashboard")}">Open the programme dashboard</a>' in html
    assert response.context["tasks"].plans_to_review == [plan_b]
    assert reverse("plans:plan_detail", kwargs={"pilot_pk": cast.pilot_b.pk}) in html
    assert "Project plan, NAV flyktningetjenesten" in html
    assert "Project plan, Omsorg Sør" not in html


def test_nobody_but_coordinators_gets_the_programme_part(client, cast):
    client.force_login(cast.users.tore)

    html = client.get(URL).content.decode()

    assert "Open the programme dashboard" not in html
    assert "Plans waiting for your review" not in html


def test_leader_and_guide_see_the_follow_up_meetings_they_take_part_in(client, cast):
    FollowUpMeeting.objects.create(pilot=cast.pilot_a, label="2 uker", due_on=days_from_today(-1))
    FollowUpMeeting.objects.create(pilot=cast.pilot_b, label="6 uker", due_on=days_from_today(20))
    FollowUpMeeting.objects.create(pilot=cast.pilot_b, label="1 år", due_on=days_from_today(100))
    FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="Holdt", due_on=days_from_today(-30), held_on=days_from_today(-29)
    )

    def labels(user):
        client.force_login(user)
        return [meeting.label for meeting in client.get(URL).context["tasks"].follow_ups]

    assert labels(cast.users.tore) == ["2 uker"]
    assert labels(cast.users.kari) == ["6 uker"]
    assert labels(cast.users.guide) == ["2 uker", "6 uker"]
    assert labels(cast.users.coordinator) == []
    assert labels(cast.users.staff_a) == []
    client.force_login(cast.users.tore)
    assert "Overdue" in client.get(URL).content.decode()


def test_staff_sees_their_departments_board_and_a_link_to_it(client, cast, plan_a):
    MeasureFactory(plan=plan_a, owner=cast.siri, deadline=days_from_today(-3))
    MeasureFactory(plan=plan_a, owner=cast.tore)
    MeasureFactory(plan=plan_a, status=Status.DONE)
    client.force_login(cast.users.staff_a)

    response = client.get(URL)

    [board] = response.context["tasks"].boards
    assert board == cast.pilot_a
    assert (board.measures_open, board.measures_overdue, board.measures_done) == (2, 1, 1)
    assert board.measures_mine == 1
    assert reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk}) in (
        response.content.decode()
    )


def test_another_municipality_sees_nothing_of_harstad(client, cast, plan_a, plan_b):
    MeasureFactory(plan=plan_a, title="Harstads tiltak", owner=cast.siri)
    InformationMeetingFactory(
        pilot=cast.pilot_a, starts_at=at(days_from_today(2), 9), ends_at=at(days_from_today(2), 10)
    )
    FollowUpMeeting.objects.create(pilot=cast.pilot_a, label="2 uker", due_on=days_from_today(1))
    plan_b.status = ProjectPlan.Status.SUBMITTED
    plan_b.save()
    client.force_login(cast.users.outsider)

    response = client.get(URL)

    html = response.content.decode()
    for harstad in ("Harstads tiltak", "Omsorg Sør", "NAV flyktningetjenesten", "Siri", "Tore"):
        assert harstad not in html
    tasks = response.context["tasks"]
    assert tasks.plans_to_review == [] and tasks.events == [] and tasks.follow_ups == []


def test_who_gave_the_measure_comes_from_its_history(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Uten forfatter", owner=cast.siri)
    plan_a.refresh_from_db()
    plan_update(
        pilot=cast.pilot_a,
        user=cast.users.tore,
        expected_version=plan_a.version,
        fields={},
        parts={"measures": [{"title": "Gitt av Tore", "owner": cast.siri.pk, "id": None}]},
    )
    given = Measure.objects.get(title="Gitt av Tore")
    client.force_login(cast.users.staff_a)

    html = client.get(URL).content.decode()

    today = timezone.localdate().strftime("%d.%m.%Y")
    assert f"<dt>Given to you by</dt><dd>Tore Meltzer, {today}</dd>" in card(html, given)
    # Made without an author (a shell, the demo): the department's leader stands behind it.
    assert "<dt>Department leader</dt><dd>Tore Meltzer</dd>" in card(html, measure)


def test_taking_a_measure_over_from_someone_else_dates_from_the_handover(client, cast, plan_a):
    plan_update(
        pilot=cast.pilot_a,
        user=cast.users.coordinator,
        expected_version=plan_a.version,
        fields={},
        parts={"measures": [{"title": "Byttet eier", "owner": cast.ola.pk, "id": None}]},
    )
    measure = Measure.objects.get(title="Byttet eier")
    plan_a.refresh_from_db()
    plan_update(
        pilot=cast.pilot_a,
        user=cast.users.tore,
        expected_version=plan_a.version,
        fields={},
        parts={"measures": [{"id": measure.pk, "owner": cast.siri.pk}]},
    )
    client.force_login(cast.users.staff_a)

    html = client.get(URL).content.decode()

    assert "Given to you by</dt><dd>Tore Meltzer" in card(html, measure)


# Owners report on their own measures


def test_owner_marks_own_measure_done_with_a_note(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, title="Kjørelister", owner=cast.siri)
    version = plan_a.version
    client.force_login(cast.users.staff_a)

    response = client.post(
        progress_url(measure), progress(measure, status="done", note="Klare kl. 15 hver dag")
    )

    assert response.status_code == 302
    assert response.url == f"{URL}#measure-{measure.pk}"
    measure.refresh_from_db()
    assert measure.status == Status.DONE
    assert measure.history.first().history_user == cast.users.staff_a
    note = MeasureNote.objects.get(measure=measure)
    assert (note.text, note.author, note.status) == ("Klare kl. 15 hver dag", cast.siri, "done")
    plan_a.refresh_from_db()
    assert plan_a.version == version + 1
    html = client.get(response.url).content.decode()
    assert "“Kjørelister” is now “done”." in html
    assert "Klare kl. 15 hver dag" in card(html, measure)


def test_a_note_alone_is_kept_and_leaves_the_status_and_plan_version(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri, status=Status.IN_PROGRESS)
    Measure.objects.filter(pk=measure.pk).update(updated_at=timezone.now() - dt.timedelta(days=40))
    version, history = plan_a.version, measure.history.count()
    client.force_login(cast.users.staff_a)

    response = client.post(
        progress_url(measure), progress(measure, status="in_progress", note="Venter på nøkkelskap")
    )

    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == Status.IN_PROGRESS
    assert measure.history.count() == history
    # The note is life in the plan: the "going quiet" reminder reads `updated_at`.
    assert timezone.now() - measure.updated_at < dt.timedelta(minutes=1)
    plan_a.refresh_from_db()
    assert plan_a.version == version
    assert MeasureNote.objects.get(measure=measure).status == ""
    follow = client.get(response.url).content.decode()
    assert "Your note on" in follow


def test_the_leader_reads_the_latest_note_on_the_board(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.staff_a)
    client.post(progress_url(measure), progress(measure, status="in_progress", note="Første"))
    client.post(progress_url(measure), progress(measure, status="in_progress", note="Andre"))
    client.force_login(cast.users.tore)

    html = client.get(reverse("plans:plan_board", kwargs={"pilot_pk": cast.pilot_a.pk}))
    html = html.content.decode()

    board_card = card(html, measure)
    assert "Latest note" in board_card
    assert "Andre" in board_card and "Første" not in board_card
    assert "Siri Olsen" in board_card
    assert MeasureNote.objects.filter(measure=measure).count() == 2


def test_owner_may_not_report_on_someone_elses_measure(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.tore)
    client.force_login(cast.users.staff_a)

    response = client.post(progress_url(measure), progress(measure, status="done"))

    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED
    assert not MeasureNote.objects.exists()


def test_owner_does_not_find_another_departments_measure(client, cast, plan_b):
    # Owned by her on paper, in a department where she holds no role: she cannot see it.
    measure = MeasureFactory(plan=plan_b, owner=cast.siri)
    client.force_login(cast.users.staff_a)

    response = client.post(progress_url(measure), progress(measure, status="done"))

    assert response.status_code == 404
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


def test_owner_who_left_the_department_may_no_longer_report(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    DepartmentRole.objects.filter(person=cast.siri).delete()
    client.force_login(cast.users.staff_a)

    assert client.post(progress_url(measure), progress(measure, status="done")).status_code == 404
    assert measure not in client.get(URL).context["tasks"].open_measures


def test_owner_cannot_drop_a_measure(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.staff_a)

    response = client.post(progress_url(measure), progress(measure, status="dropped"))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


def test_a_dropped_measure_offers_its_owner_nothing_to_report(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri, status=Status.DROPPED)
    client.force_login(cast.users.staff_a)

    html = client.get(URL).content.decode()
    response = client.post(progress_url(measure), progress(measure, status="in_progress"))

    assert progress_url(measure) not in card(html, measure)
    assert "has dropped this measure" in card(html, measure)
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.status == Status.DROPPED


def test_nothing_to_save_is_a_form_error(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri, status=Status.IN_PROGRESS)
    client.force_login(cast.users.staff_a)

    response = client.post(progress_url(measure), progress(measure, status="in_progress"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose another status or write a note; nothing was saved." in card(html, measure)
    assert 'role="alert"' in html
    assert not MeasureNote.objects.exists()


def test_a_note_too_long_is_refused_and_what_was_typed_is_kept(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.staff_a)
    typed = "Lang tekst " * 50

    response = client.post(progress_url(measure), progress(measure, status="done", note=typed))

    assert response.status_code == 400
    html = card(response.content.decode(), measure)
    assert "at most 500 characters" in html
    assert typed.strip() in html
    assert f'value="done" id="id_measure-{measure.pk}-status_2" checked' in html
    measure.refresh_from_db()
    assert measure.status == Status.NOT_STARTED


def test_the_progress_form_offers_the_owner_the_working_statuses(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.staff_a)

    html = card(client.get(URL).content.decode(), measure)

    assert re.findall(r'type="radio" name="[^"]+" value="(\w+)"', html) == [
        "not_started",
        "in_progress",
        "done",
    ]
    assert f'value="not_started" id="id_measure-{measure.pk}-status_0" checked' in html


def test_progress_accepts_only_post(client, cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.staff_a)

    assert client.get(progress_url(measure)).status_code == 405


# Owners on the board


def board_url(pilot) -> str:
    return reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})


def status_url(measure) -> str:
    return reverse("plans:measure_set_status", kwargs={"pk": measure.pk})


def test_staff_owner_sees_move_buttons_on_own_cards_only(client, cast, plan_a):
    mine = MeasureFactory(plan=plan_a, title="Mitt", owner=cast.siri)
    theirs = MeasureFactory(plan=plan_a, title="Toves", owner=cast.tore)
    client.force_login(cast.users.staff_a)

    html = client.get(board_url(cast.pilot_a)).content.decode()

    own_card = card(html, mine)
    assert own_card.count(f'action="{status_url(mine)}"') == 2  # in progress, done
    assert 'value="dropped"' not in own_card
    assert status_url(theirs) not in html


def test_staff_owner_moves_own_card_but_not_someone_elses(client, cast, plan_a):
    mine = MeasureFactory(plan=plan_a, owner=cast.siri)
    theirs = MeasureFactory(plan=plan_a, owner=cast.tore)
    client.force_login(cast.users.staff_a)

    moved = client.post(status_url(mine), {"status": "done"})
    refused = client.post(status_url(theirs), {"status": "done"})
    dropped = client.post(status_url(mine), {"status": "dropped"})

    assert moved.status_code == 302
    assert refused.status_code == 403
    assert dropped.status_code == 403
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.DONE, Status.NOT_STARTED)


def test_staff_owner_moves_own_card_with_htmx(client, cast, plan_a):
    mine = MeasureFactory(plan=plan_a, title="Mitt", owner=cast.siri)
    client.force_login(cast.users.staff_a)

    response = client.post(status_url(mine), {"status": "in_progress"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "“Mitt” moved to “in progress”." in response.content.decode()


def test_leader_still_moves_every_card_to_every_status(client, cast, plan_a):
    theirs = MeasureFactory(plan=plan_a, owner=cast.siri)
    client.force_login(cast.users.tore)

    assert client.post(status_url(theirs), {"status": "dropped"}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Status.DROPPED


# Query budget


def _populate(cast, *, first: int, count: int) -> None:
    """`count` of everything the cast sees on the page: pilots of departments where Siri works,
    each with a plan (every other one submitted), a measure of hers with a note, an information
    meeting, a course day Monica facilitates and a follow-up meeting."""
    for number in range(first, first + count):
        if number == 0:
            pilot = cast.pilot_a
        else:
            pilot = PilotFactory(programme=cast.programme)
            DepartmentRoleFactory(department=pilot.department, person=cast.siri)
            DepartmentRoleFactory(
                department=pilot.department, person=cast.tore, role="department_leader"
            )
        plan = ProjectPlan.objects.get_or_create(pilot=pilot)[0]
        measure = MeasureFactory(
            plan=plan,
            owner=cast.siri,
            deadline=days_from_today(number - 15),
            status=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE][number % 3],
        )
        MeasureNote.objects.create(measure=measure, author=cast.siri, text=f"Notat {number}")
        day = days_from_today(number % 20 + 1)
        InformationMeetingFactory(pilot=pilot, starts_at=at(day, 9), ends_at=at(day, 10))
        CourseDayFactory(pilot=pilot, number=1, date=day).facilitators.set([cast.monica])
        FollowUpMeeting.objects.create(pilot=pilot, label=f"{number} uker", due_on=day)
        if number % 2:
            ProjectPlan.objects.filter(pk=plan.pk).update(status=ProjectPlan.Status.SUBMITTED)


def _queries(client, django_assert_max_num_queries, budget) -> int:
    with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


# The request's own (tests.conftest), then: information meetings, course days, my open and my
# closed measures (each with its latest note and who gave it), the departments' leaders where the
# history names nobody, my departments' boards, follow-up meetings, for coordinators the plans
# waiting for review, the pilots whose lessons are mine to write, and my calendar link.
MY_TASKS_QUERY_BUDGET = REQUEST_QUERIES + 9


@pytest.mark.parametrize("who", ["staff_a", "tore", "guide", "coordinator"])
def test_my_tasks_costs_the_same_with_2_and_30_of_everything(
    client, cast, who, django_assert_max_num_queries
):
    user = getattr(cast.users, who)
    client.force_login(user)
    _populate(cast, first=0, count=2)
    client.get(URL)  # the session's first save

    few = _queries(client, django_assert_max_num_queries, MY_TASKS_QUERY_BUDGET)
    _populate(cast, first=2, count=28)
    many = _queries(client, django_assert_max_num_queries, MY_TASKS_QUERY_BUDGET)

    assert few == many


def test_the_hook_for_later_features_renders_nothing_yet():
    from django.template.loader import render_to_string

    assert render_to_string("programme/_my_tasks_extra.html", {}).strip() == ""


def test_a_planned_participant_sees_the_meeting_with_its_time_and_place(client, cast):
    meeting = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a,
        label="2 uker",
        due_on=days_from_today(5),
        planned_on=days_from_today(4),
        starts_at=dt.time(9, 0),
        ends_at=dt.time(10, 30),
        place="Møterom 2",
    )
    meeting.participants.set([cast.siri])
    client.force_login(cast.users.staff_a)

    response = client.get(URL)

    assert [m.label for m in response.context["tasks"].follow_ups] == ["2 uker"]
    html = response.content.decode()
    assert "09:00–10:30" in html
    assert "Møterom 2" in html
