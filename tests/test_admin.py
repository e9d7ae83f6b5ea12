"""The Django admin: every registered model's pages open, list real rows and do not do N+1."""

from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from simple_history.models import HistoricalChanges

from followup.models import (
    BoardMeeting,
    CalendarFeed,
    FollowUpItem,
    FollowUpMeeting,
    FollowUpPolicy,
    Reminder,
)
from followup.policies import follow_up_policy_ensure
from pilots import audit
from pilots.models import (
    AuditEvent,
    Department,
    DepartmentRole,
    EarlierProcess,
    HolidayPeriod,
    Invitation,
    Municipality,
    Person,
    PhaseChange,
    PhaseTarget,
    Pilot,
    PilotLessons,
    Programme,
    ProgrammeGoal,
    ProgrammeRole,
)
from plans.models import (
    BoardScreen,
    Indicator,
    Measure,
    Measurement,
    MeasureNote,
    PlanSnapshot,
    PlanTransition,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Suggestion,
    Waste,
)
from tests.admin_forms import submitted_form_data
from training.models import (
    Attendance,
    CourseDay,
    EventChange,
    InformationMeeting,
    SessionChoice,
)

OSLO = ZoneInfo("Europe/Oslo")

OUR_APPS = ("pilots", "training", "plans", "followup")
# Generated from the registry, so a model registered later is covered without touching this file.
REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
# The cast below gives each of these at least one row; third-party tables may stay empty.
OUR_REGISTERED_MODELS = [m for m in REGISTERED_MODELS if m._meta.app_label in OUR_APPS]
# Logs written by the code alone: the admin only shows them.
READ_ONLY_MODELS = {AuditEvent}


def _model_id(model):
    return model._meta.label_lower


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make_cast(django_user_model, *, name, slug, municipality=None):
    """One municipality with a row in every table; the dates are the same for every call.

    Given an existing `municipality` (the conftest cast's), fills that one instead.
    """
    municipality = municipality or Municipality.objects.create(name=name, slug=slug)
    HolidayPeriod.objects.create(
        municipality=municipality,
        name="Vinterferie",
        starts_on=date(2027, 2, 22),
        ends_on=date(2027, 2, 26),
    )
    programme = Programme.objects.create(
        municipality=municipality,
        name="LæringsLEAN 2027",
        supplier="SINTEF",
        model_origin="Vestre Toten kommune",
        starts_on=date(2027, 1, 1),
    )
    goal = ProgrammeGoal.objects.create(programme=programme, order=1, text="Gode tjenester")
    PhaseTarget.objects.create(
        programme=programme, phase=Pilot.Phase.COURSE, reached_by=date(2027, 2, 26)
    )
    follow_up_policy_ensure(programme=programme)
    home_care = Department.objects.create(
        municipality=municipality, name="Omsorg Sør", service_area="Helse og omsorg"
    )
    team = Department.objects.create(
        municipality=municipality, name="Hjemmetjenesten 2", parent=home_care
    )
    leader_login = django_user_model.objects.create_user(f"tore.{slug}", password="pw-not-used")
    leader = Person.objects.create(
        municipality=municipality,
        full_name="Tore Meltzer",
        email=f"tore@{slug}.kommune.no",
        user=leader_login,
    )
    guide = Person.objects.create(
        municipality=municipality, full_name="Monica Lindstrøm", email=f"monica@{slug}.kommune.no"
    )
    ProgrammeRole.objects.create(
        programme=programme, person=guide, role=ProgrammeRole.Role.LEAN_GUIDE, position_percent=100
    )
    DepartmentRole.objects.create(
        department=team, person=leader, role=DepartmentRole.Role.DEPARTMENT_LEADER
    )
    EarlierProcess.objects.create(
        municipality=municipality, department=home_care, year=2019, title="Medisinrunden"
    )
    pilot = Pilot.objects.create(
        programme=programme,
        department=team,
        phase=Pilot.Phase.FOLLOW_UP,
        course_year=2027,
        course_week_first=7,
        course_week_last=8,
    )
    PilotLessons.objects.create(pilot=pilot, advice="Hold tavlemøtet kort.")
    meeting = InformationMeeting.objects.create(
        pilot=pilot,
        starts_at=datetime(2027, 2, 3, 13, 0, tzinfo=OSLO),
        ends_at=datetime(2027, 2, 3, 14, 0, tzinfo=OSLO),
        place="Kantina",
    )
    course_day = CourseDay.objects.create(
        pilot=pilot,
        number=1,
        date=date(2027, 2, 15),
        starts_at=time(8, 30),
        ends_at=time(15, 30),
        topic="Sløsing",
    )
    course_day.facilitators.add(guide)
    Attendance.objects.create(
        person=leader, course_day=course_day, status=Attendance.Status.PRESENT
    )
    Attendance.objects.create(
        person=leader, information_meeting=meeting, status=Attendance.Status.EXCUSED
    )
    SessionChoice.objects.create(person=leader, pilot=pilot, meeting=meeting)
    CalendarFeed.objects.create(person=leader, kind=CalendarFeed.Kind.PERSONAL)
    EventChange.objects.create(
        pilot=pilot,
        event_kind=EventChange.EventKind.COURSE_DAY,
        event_id=course_day.pk,
        number=1,
        old_starts_at=datetime(2027, 2, 16, 8, 30, tzinfo=OSLO),
        old_ends_at=datetime(2027, 2, 16, 15, 30, tzinfo=OSLO),
        new_starts_at=datetime(2027, 2, 15, 8, 30, tzinfo=OSLO),
        new_ends_at=datetime(2027, 2, 15, 15, 30, tzinfo=OSLO),
        at=datetime(2027, 2, 1, 10, 0, tzinfo=OSLO),
    )
    plan = ProjectPlan.objects.create(
        pilot=pilot, status=ProjectPlan.Status.SUBMITTED, starts_on=date(2027, 2, 26)
    )
    QualityGoal.objects.create(plan=plan, text="Færre avbrudd i medisinrunden", programme_goal=goal)
    PlanTransition.objects.create(
        plan=plan,
        transition=PlanTransition.Transition.SUBMITTED,
        actor=leader_login,
        at=datetime(2027, 2, 26, 10, 0, tzinfo=OSLO),
    )
    Waste.objects.create(plan=plan, kind=Waste.Kind.MOTION, description="Leter etter nøkler")
    RootCause.objects.create(
        plan=plan,
        problem="Medisinrunden blir avbrutt",
        whys="Telefonen ringer\nIngen har telefonvakt",
        root_cause="Ingen fast telefonvakt",
    )
    PlanSnapshot.objects.create(
        plan=plan,
        plan_version=1,
        approved_at=datetime(2027, 3, 1, 10, 0, tzinfo=OSLO),
        approved_by=leader_login,
        data={"current_state": ""},
    )
    measure = Measure.objects.create(
        plan=plan,
        title="Fast plass for medisinvogna",
        owner=leader,
        deadline=date(2027, 3, 31),
        hours_identified_per_week=Decimal("2.5"),
    )
    Suggestion.objects.create(
        pilot=pilot,
        author=leader,
        text="Telefonvakt på omgang under medisinrunden",
        status=Suggestion.Status.MEASURE,
        answer="Ble et tiltak.",
        answered_by=leader_login,
        answered_at=datetime(2027, 3, 2, 9, 0, tzinfo=OSLO),
        measure=measure,
    )
    Suggestion.objects.create(pilot=pilot, text="Færre telefoner i medisinrommet")
    BoardScreen.objects.create(pilot=pilot, label="Skjermen ved vaktrommet")
    MeasureNote.objects.create(
        measure=measure, author=leader, text="Vogna har fått fast plass", status="done"
    )
    indicator = Indicator.objects.create(
        plan=plan, name="Avbrudd per vakt", unit="antall", baseline=12, target=4
    )
    Measurement.objects.create(indicator=indicator, measured_on=date(2027, 3, 5), value=9)
    follow_up = FollowUpMeeting.objects.create(
        pilot=pilot, label="Etter 2 uker", due_on=date(2027, 3, 12)
    )
    follow_up.attendees.add(leader, guide)
    follow_up.participants.add(leader, guide)
    FollowUpItem.objects.create(meeting=follow_up, kind=FollowUpItem.Kind.OPEN, text="Helgene?")
    board_meeting = BoardMeeting.objects.create(
        pilot=pilot, held_on=date(2027, 3, 4), present_count=7
    )
    board_meeting.measures_touched.add(measure)
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.FOLLOW_UP_DUE,
        recipient=leader,
        pilot=pilot,
        subject_key=f"followup:{follow_up.pk}",
        due_at=datetime(2027, 3, 10, 7, 0, tzinfo=OSLO),
        status=Reminder.Status.SENT,
        sent_at=datetime(2027, 3, 10, 7, 1, tzinfo=OSLO),
        attempts=1,
        email_subject="Oppfølgingsmøte om to dager",
        email_body="Hei Tore, …",
    )
    audit.record(
        leader_login,
        AuditEvent.Action.PERMISSIONS,
        subject=guide,
        detail=f"programme role lean_guide in programme {programme.pk}: granted",
    )
    Invitation.objects.create(
        person=guide,
        created_by=leader_login,
        created_at=datetime(2027, 3, 1, 9, 0, tzinfo=OSLO),
        sent_at=datetime(2027, 3, 1, 9, 0, tzinfo=OSLO),
        send_count=1,
        expires_at=datetime(2027, 3, 15, 9, 0, tzinfo=OSLO),
    )
    PhaseChange.objects.create(
        pilot=pilot,
        from_phase=Pilot.Phase.PLANNED,
        to_phase=Pilot.Phase.INFORMATION,
        reason="Informasjonsmøtet er avtalt",
        changed_by=leader_login,
        changed_at=datetime(2027, 1, 5, 9, 0, tzinfo=OSLO),
    )
    Group.objects.create(name=f"Leankoordinatorer {name}")
    return SimpleNamespace(
        municipality=municipality,
        programme=programme,
        pilot=pilot,
        course_day=course_day,
        leader=leader,
        plan=plan,
        reminder=reminder,
    )


@pytest.fixture
def administrator(django_user_model):
    return django_user_model.objects.create_superuser(
        "administrator", "admin@harstad.kommune.no", "pw-not-used"
    )


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def harstad(django_user_model):
    return make_cast(django_user_model, name="Harstad kommune", slug="harstad")


def test_every_app_model_is_registered():
    ours = {
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        # A model's history is shown by its own admin's history page.
        if not issubclass(model, HistoricalChanges)
    }
    assert ours - set(REGISTERED_MODELS) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=_model_id)
def test_changelist_lists_every_row(admin_client, harstad, model):
    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    rows = model._default_manager.count()
    if model in OUR_REGISTERED_MODELS:
        assert rows > 0, "the cast must give each of our models at least one row"
    assert response.context["cl"].result_count == rows


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=_model_id)
def test_add_page_opens(admin_client, administrator, rf, model):
    request = rf.get("/")
    request.user = administrator
    may_add = admin.site._registry[model].has_add_permission(request)
    # Our admins let an administrator add rows, except to our own logs; a log kept by a
    # third-party app may refuse too.
    assert may_add != (model in READ_ONLY_MODELS) or model not in OUR_REGISTERED_MODELS

    response = admin_client.get(_url(model, "add"))

    assert response.status_code == (200 if may_add else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=_model_id)
def test_change_and_history_pages_open_for_every_row(admin_client, harstad, model):
    pks = list(model._default_manager.values_list("pk", flat=True))
    if model in OUR_REGISTERED_MODELS:
        assert pks

    for pk in pks:
        for view in ("change", "history"):
            response = admin_client.get(_url(model, view, pk))
            assert response.status_code == 200, f"{model._meta.label} {pk} {view}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", OUR_REGISTERED_MODELS, ids=_model_id)
def test_changelist_queries_do_not_grow_with_rows(admin_client, django_user_model, harstad, model):
    url = _url(model, "changelist")
    admin_client.get(url)  # warm the caches that only the first request fills

    with CaptureQueriesContext(connection) as one_municipality:
        assert admin_client.get(url).status_code == 200
    make_cast(django_user_model, name="Tromsø kommune", slug="tromso")
    make_cast(django_user_model, name="Narvik kommune", slug="narvik")
    with CaptureQueriesContext(connection) as three_municipalities:
        response = admin_client.get(url)

    assert response.context["cl"].result_count > 1
    assert len(three_municipalities) == len(one_municipality), "\n".join(
        query["sql"] for query in three_municipalities.captured_queries
    )


@pytest.mark.django_db
def test_pilot_list_shows_course_weeks(harstad):
    pilot_admin = admin.site._registry[Pilot]
    pilot = harstad.pilot

    with translation.override("en"):
        assert pilot_admin.course_weeks_display(pilot) == "week 7–8"
        pilot.course_week_last = 7
        assert pilot_admin.course_weeks_display(pilot) == "week 7"
        pilot.course_year = pilot.course_week_first = pilot.course_week_last = None
        assert pilot_admin.course_weeks_display(pilot) is None


@pytest.mark.django_db
def test_pilot_changelist_filters_on_phase_and_programme(admin_client, harstad):
    response = admin_client.get(
        _url(Pilot, "changelist"),
        {"phase__exact": Pilot.Phase.FOLLOW_UP, "programme__id__exact": harstad.programme.pk},
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [harstad.pilot]


@pytest.mark.django_db
def test_reminder_delivery_and_key_cannot_be_edited(admin_client, harstad):
    response = admin_client.get(_url(Reminder, "change", harstad.reminder.pk))

    editable = set(response.context["adminform"].form.fields)
    # The status is the sweep's and the sender's; cancelling is an action (a service).
    assert editable == {"due_at", "expires_at"}


@pytest.mark.django_db
def test_reminder_add_page_asks_for_the_key_but_not_the_delivery(admin_client):
    response = admin_client.get(_url(Reminder, "add"))

    editable = set(response.context["adminform"].form.fields)
    assert {"kind", "recipient", "subject_key", "period", "due_at"} <= editable
    assert editable.isdisjoint(
        {"email_subject", "email_body", "attempts", "claimed_at", "sent_at", "last_error"}
    )


@pytest.mark.django_db
def test_phase_cannot_be_changed_in_admin(admin_client, harstad):
    # The phase moves through the services, which record the change and its reason.
    pilot = harstad.pilot

    response = admin_client.post(
        _url(Pilot, "change", pilot.pk),
        {
            "programme": pilot.programme_id,
            "department": pilot.department_id,
            "phase": Pilot.Phase.SELF_SUFFICIENT,
            "course_year": 2027,
            "course_week_first": 7,
            "course_week_last": 9,
            **_empty_inlines("information_meetings", "course_days"),
        },
    )

    assert response.status_code == 302
    pilot.refresh_from_db()
    assert pilot.phase == Pilot.Phase.FOLLOW_UP
    assert pilot.course_week_last == 9


@pytest.mark.django_db
def test_editing_plan_in_admin_makes_older_forms_stale(admin_client, harstad):
    plan = harstad.plan
    assert plan.version == 1

    response = admin_client.post(
        _url(ProjectPlan, "change", plan.pk),
        {
            "pilot": plan.pilot_id,
            "starts_on": "2027-02-26",
            "current_state": "Endret i admin.",
            **_empty_inlines("goals", "wastes", "root_causes", "measures", "indicators"),
        },
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    # The status is the workflow's, changed by the admin's actions only.
    assert plan.status == ProjectPlan.Status.SUBMITTED
    assert plan.current_state == "Endret i admin."
    assert plan.version == 2
    assert plan.measures.count() == 1


@pytest.mark.django_db
def test_attendance_added_in_admin_records_who_recorded_it(admin_client, administrator, harstad):
    guide = Person.objects.get(municipality=harstad.municipality, full_name="Monica Lindstrøm")

    response = admin_client.post(
        _url(Attendance, "add"),
        {
            "person": guide.pk,
            "course_day": harstad.course_day.pk,
            "status": Attendance.Status.PRESENT,
        },
    )

    assert response.status_code == 302
    attendance = Attendance.objects.get(person=guide)
    assert attendance.recorded_by == administrator


def _empty_inlines(*prefixes):
    """Management forms that submit no inline rows, leaving the existing ones untouched."""
    data = {}
    for prefix in prefixes:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


@pytest.mark.django_db
def test_pilot_autocomplete_finds_pilot_by_department_name(admin_client, harstad):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "plans",
            "model_name": "projectplan",
            "field_name": "pilot",
            "term": "hjemmetjenesten",
        },
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(harstad.pilot.pk), "text": str(harstad.pilot)}]


def _change_form(client, model, pk):
    """The change page's form as a browser would post it back."""
    return submitted_form_data(client.get(_url(model, "change", pk)).content.decode())


@pytest.mark.django_db
def test_autocomplete_field_posted_with_a_non_numeric_id_is_a_form_error(admin_client, harstad):
    # The form is shown again, which used to look "abc" up as an id in the database: a 500.
    data = _change_form(admin_client, CourseDay, harstad.course_day.pk)

    response = admin_client.post(
        _url(CourseDay, "change", harstad.course_day.pk),
        {**data, "pilot": "abc", "facilitators": ["abc"]},
    )

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"pilot", "facilitators"}


@pytest.mark.django_db
def test_swapping_two_follow_up_steps_is_a_form_error_not_a_database_error(admin_client, harstad):
    policy = FollowUpPolicy.objects.get(programme=harstad.programme)
    before = sorted(policy.steps.values_list("pk", "amount", "unit"))
    data = _change_form(admin_client, FollowUpPolicy, policy.pk)
    data["steps-0-amount"], data["steps-1-amount"] = data["steps-1-amount"], data["steps-0-amount"]
    data["steps-0-unit"], data["steps-1-unit"] = data["steps-1-unit"], data["steps-0-unit"]

    response = admin_client.post(_url(FollowUpPolicy, "change", policy.pk), data)

    assert response.status_code == 200
    (steps,) = response.context["inline_admin_formsets"]
    assert steps.formset.errors[0]["__all__"]
    assert sorted(policy.steps.values_list("pk", "amount", "unit")) == before


@pytest.mark.django_db
def test_number_beyond_the_model_fields_limits_is_a_form_error(admin_client, harstad):
    # Pilot.clean() works out the ISO weeks of the course year; a huge year overflowed there.
    data = _change_form(admin_client, Pilot, harstad.pilot.pk)

    response = admin_client.post(
        _url(Pilot, "change", harstad.pilot.pk), {**data, "course_year": "99999999999999999999"}
    )

    assert response.status_code == 200
    assert "course_year" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_save_refused_by_the_database_shows_the_form_again_with_a_message(admin_client):
    def someone_else_saves_first(sender, instance, **kwargs):
        # Another request commits the same name between this form's validation and its save.
        pre_save.disconnect(someone_else_saves_first, sender=Municipality)
        Municipality.objects.create(name=instance.name, slug="narvik-2")

    pre_save.connect(someone_else_saves_first, sender=Municipality)
    admin_client.cookies["django_language"] = "en"
    try:
        response = admin_client.post(
            _url(Municipality, "add"),
            {
                "name": "Narvik kommune",
                "slug": "narvik",
                "organisation_number": "",
                **_empty_inlines("holiday_periods"),
            },
        )
    finally:
        pre_save.disconnect(someone_else_saves_first, sender=Municipality)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [
        "Nothing was saved: the changes conflict with data already saved, perhaps by someone "
        "else at the same time. Check the values and save again."
    ]
    assert form["name"].value() == "Narvik kommune"
    assert not Municipality.objects.exists()


@pytest.mark.django_db
def test_course_day_changed_in_the_admin_is_validated_like_the_model(admin_client, harstad):
    # Whatever moving a course day sets off happens only after the model's own validation.
    day = harstad.course_day
    admin_client.cookies["django_language"] = "en"
    data = _change_form(admin_client, CourseDay, day.pk)

    response = admin_client.post(_url(CourseDay, "change", day.pk), {**data, "ends_at": "08:00"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ends_at"] == [
        "The course day must end after it starts."
    ]


@pytest.mark.django_db
def test_course_day_changed_inline_on_the_pilot_is_validated_like_the_model(admin_client, harstad):
    pilot = harstad.pilot
    admin_client.cookies["django_language"] = "en"
    data = _change_form(admin_client, Pilot, pilot.pk)

    response = admin_client.post(
        _url(Pilot, "change", pilot.pk),
        {**data, "course_days-0-date": "31.12.9999", "course_days-0-ends_at": "08:00"},
    )

    assert response.status_code == 200
    course_days = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "course_days"
    )
    assert course_days.errors[0] == {
        "date": ["Give a date between 01.01.2000 and 31.12.2100."],
        "ends_at": ["The course day must end after it starts."],
    }
    harstad.course_day.refresh_from_db()
    assert harstad.course_day.date == date(2027, 2, 15)
