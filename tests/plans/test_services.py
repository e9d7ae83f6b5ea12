"""The plan services on their own, as a shell, the admin or a task calls them: plain values in,
permission and validation enforced, and locks taken in one order so that concurrent writes queue
instead of deadlocking."""

import datetime as dt
import re
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections
from django.urls import reverse

from plans import services
from plans.models import Indicator, Measure, MeasureNote, ProjectPlan
from tests.factories import MeasureFactory, ProjectPlanFactory


@pytest.fixture
def plan_a(cast):
    return ProjectPlanFactory(pilot=cast.pilot_a)


def _row(**values):
    return {"id": None, "delete": False, **values}


# Saving the plan from plain values


def test_plan_update_takes_plain_values_and_ids(cast, plan_a):
    kept = MeasureFactory(plan=plan_a, title="Gammel")
    dropped = MeasureFactory(plan=plan_a, title="Borte")

    services.plan_update(
        pilot=cast.pilot_a,
        user=cast.users.tore,
        expected_version=1,
        fields={"current_state": "Fra skallet"},
        parts={
            "measures": [
                {"id": kept.pk, "delete": False, "title": "Ny", "owner": cast.siri.pk},
                {"id": dropped.pk, "delete": True},
                _row(title="Helt ny", deadline=dt.date(2027, 3, 1)),
            ]
        },
    )

    plan_a.refresh_from_db()
    assert (plan_a.current_state, plan_a.version) == ("Fra skallet", 2)
    assert sorted(plan_a.measures.values_list("title", "owner_id")) == [
        ("Helt ny", None),
        ("Ny", cast.siri.pk),
    ]


@pytest.mark.parametrize("who", ["staff_a", "kari", "outsider"])
def test_plan_update_refuses_who_may_not_edit_the_plan(cast, plan_a, who):
    with pytest.raises(PermissionDenied):
        services.plan_update(
            pilot=cast.pilot_a,
            user=getattr(cast.users, who),
            expected_version=1,
            fields={"current_state": "Nei"},
            parts={},
        )

    plan_a.refresh_from_db()
    assert (plan_a.current_state, plan_a.version) == ("", 1)


def test_plan_update_validates_every_row_and_saves_nothing_on_error(cast, plan_a):
    with pytest.raises(ValidationError) as refusal:
        services.plan_update(
            pilot=cast.pilot_a,
            user=cast.users.tore,
            expected_version=1,
            fields={"current_state": "Delvis"},
            parts={
                "measures": [_row(title="Riktig"), _row(title="", owner=cast.kari.pk)],
                "wastes": [_row(kind="other", description="")],
            },
        )

    assert set(refusal.value.message_dict) == {
        "measures-1-title",
        "measures-1-owner",
        "wastes-0-description",
    }
    plan_a.refresh_from_db()
    assert (plan_a.current_state, plan_a.version) == ("", 1)
    assert not Measure.objects.exists()


def test_plan_update_refuses_a_row_of_another_plan(cast, plan_a):
    elsewhere = MeasureFactory(plan=ProjectPlanFactory(pilot=cast.pilot_b), title="Karis")

    with pytest.raises(ValidationError) as refusal:
        services.plan_update(
            pilot=cast.pilot_a,
            user=cast.users.coordinator,
            expected_version=1,
            fields={},
            parts={"measures": [{"id": elsewhere.pk, "delete": False, "title": "Tatt"}]},
        )

    assert "measures-0-id" in refusal.value.message_dict
    elsewhere.refresh_from_db()
    assert elsewhere.title == "Karis"


def test_two_indicators_may_swap_their_names_in_one_save(cast, plan_a):
    first = Indicator.objects.create(plan=plan_a, name="Ventetid", unit="min", baseline=1, target=0)
    second = Indicator.objects.create(plan=plan_a, name="Leting", unit="min", baseline=1, target=0)

    services.plan_update(
        pilot=cast.pilot_a,
        user=cast.users.tore,
        expected_version=1,
        fields={},
        parts={
            "indicators": [
                {"id": first.pk, "delete": False, "name": "Leting"},
                {"id": second.pk, "delete": False, "name": "Ventetid"},
            ]
        },
    )
    # The constraint is deferred to the commit, which a test never reaches: check it now.
    if connection.vendor == "postgresql":  # SQLite checks every constraint at once anyway
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, second.name) == ("Leting", "Ventetid")


def test_two_indicators_with_one_name_are_refused_by_the_service(cast, plan_a):
    Indicator.objects.create(plan=plan_a, name="Ventetid", unit="min", baseline=1, target=0)

    with pytest.raises(ValidationError) as refusal:
        services.plan_update(
            pilot=cast.pilot_a,
            user=cast.users.tore,
            expected_version=1,
            fields={},
            parts={"indicators": [_row(name="Ventetid", unit="min", baseline=2, target=1)]},
        )

    assert "indicators-name" in refusal.value.message_dict
    assert Indicator.objects.count() == 1


def test_plan_update_refuses_more_rows_than_a_part_may_have(cast, plan_a):
    rows = [_row(kind="waiting")] * (services.MAX_ROWS_PER_PART + 1)

    with pytest.raises(ValidationError):
        services.plan_update(
            pilot=cast.pilot_a,
            user=cast.users.tore,
            expected_version=1,
            fields={},
            parts={"wastes": rows},
        )


# Who may do what: the services refuse it, whoever calls them


def test_board_and_measurement_services_refuse_staff(cast, plan_a):
    measure = MeasureFactory(plan=plan_a)
    indicator = Indicator.objects.create(plan=plan_a, name="V", unit="min", baseline=1, target=0)

    with pytest.raises(PermissionDenied):
        services.measure_set_status(measure=measure, user=cast.users.staff_a, status="done")
    with pytest.raises(PermissionDenied):
        services.measurement_add(
            indicator=indicator,
            user=cast.users.staff_a,
            measured_on=dt.date(2027, 3, 1),
            value=Decimal("1"),
        )


@pytest.mark.parametrize("who", ["tore", "staff_a", "outsider"])
def test_only_the_programmes_reviewers_may_approve_or_return(cast, plan_a, who):
    services.plan_submit(plan=plan_a, user=cast.users.tore, expected_version=1)
    user = getattr(cast.users, who)

    with pytest.raises(PermissionDenied):
        services.plan_approve(plan=plan_a, user=user, expected_version=2)
    with pytest.raises(PermissionDenied):
        services.plan_return(plan=plan_a, user=user, expected_version=2, comment="Nei.")


def test_outsider_may_not_submit(cast, plan_a):
    with pytest.raises(PermissionDenied):
        services.plan_submit(plan=plan_a, user=cast.users.outsider, expected_version=1)


# One FTE rule on every page


def test_six_hours_a_week_show_as_0_2_fte_on_the_plan_and_the_gains_page(client, cast, plan_a):
    # No plan e-mail shows gains; the plan page and the programme's gains page do.
    cast.programme.hours_per_fte_week = Decimal("37.5")
    cast.programme.save()
    MeasureFactory(
        plan=plan_a, hours_identified_per_week=Decimal("6"), hours_realised_per_week=Decimal("6")
    )
    client.cookies["django_language"] = "nb"
    client.force_login(cast.users.coordinator)

    plan_page = client.get(reverse("plans:plan_detail", kwargs={"pilot_pk": cast.pilot_a.pk}))
    gains_page = client.get(reverse("plans:programme_gains", kwargs={"pk": cast.programme.pk}))

    gains = plan_page.content.decode().split('id="gains-heading"')[1]
    assert re.findall(r">\s*0,2\s*<", gains) == [">0,2<", ">0,2<"]
    row = gains_page.content.decode().split(cast.dept_a.name)[1].split("</tr>")[0]
    assert re.findall(r">\s*0,2\s*<", row) == [">0,2<", ">0,2<"]
    assert mail.outbox == []


# Deadlocks: the board and the edit page lock the plan first, both of them


ROUNDS = 150


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="row locks need PostgreSQL; SQLite serialises every write anyway",
)
@pytest.mark.parametrize("clicker", ["leader", "owner with a note"])
def test_board_clicks_and_plan_saves_at_once_never_deadlock(cast, clicker):
    plan = ProjectPlan.objects.create(pilot=cast.pilot_a)
    measures = [MeasureFactory(plan=plan, title=f"Tiltak {n}", owner=cast.siri) for n in range(3)]
    start = threading.Barrier(2)
    unexpected: list[BaseException] = []
    conflicts = []

    def click(round_number):
        measure = Measure.objects.select_related("plan__pilot__department").get(
            pk=measures[round_number % 3].pk
        )
        status = ("in_progress", "done")[round_number % 2]
        start.wait()
        if clicker == "leader":
            services.measure_set_status(measure=measure, user=cast.users.tore, status=status)
        else:
            services.measure_record_progress(
                measure=measure, user=cast.users.staff_a, status=status, note=f"{round_number}"
            )

    def save(round_number):
        version = ProjectPlan.objects.get(pk=plan.pk).version
        rows = [
            {"id": m.pk, "delete": False, "title": f"Runde {round_number} {m.pk}"} for m in measures
        ]
        start.wait()
        try:
            services.plan_update(
                pilot=cast.pilot_a,
                user=cast.users.coordinator,
                expected_version=version,
                fields={"current_state": f"Runde {round_number}"},
                parts={"measures": rows},
            )
        except services.PlanConflict:
            conflicts.append(round_number)

    def run(work):
        try:
            for round_number in range(ROUNDS):
                work(round_number)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            unexpected.append(error)
            start.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in (click, save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert unexpected == []
    plan.refresh_from_db()
    # Every click and every save that was not a conflict moved the version on, once.
    saves = ROUNDS - len(conflicts)
    assert plan.version >= 1 + saves
    if clicker != "leader":
        assert MeasureNote.objects.filter(measure__plan=plan).count() == ROUNDS


# Owners report on their own measures


def _measure_as_loaded(pk: int) -> Measure:
    """The measure as a view loads it: with its plan, pilot and department."""
    return Measure.objects.select_related("plan__pilot__department").get(pk=pk)


def test_an_owner_records_progress_from_a_shell_with_a_note(cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)

    services.measure_record_progress(
        measure=_measure_as_loaded(measure.pk),
        user=cast.users.staff_a,
        status="in_progress",
        note="  Startet i dag  ",
    )

    note = MeasureNote.objects.get(measure=measure)
    assert (note.text, note.author, note.status) == ("Startet i dag", cast.siri, "in_progress")
    measure.refresh_from_db()
    assert measure.status == Measure.Status.IN_PROGRESS


def test_staff_may_not_record_progress_on_a_measure_they_do_not_own(cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.tore)

    with pytest.raises(PermissionDenied):
        services.measure_record_progress(
            measure=_measure_as_loaded(measure.pk), user=cast.users.staff_a, status="done"
        )
    with pytest.raises(PermissionDenied):
        services.measure_set_status(
            measure=_measure_as_loaded(measure.pk), user=cast.users.staff_a, status="done"
        )


def test_a_measure_given_to_someone_else_meanwhile_is_refused_to_its_old_owner(cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    as_loaded = _measure_as_loaded(measure.pk)
    Measure.objects.filter(pk=measure.pk).update(owner=cast.ola)

    with pytest.raises(PermissionDenied):
        services.measure_record_progress(
            measure=as_loaded, user=cast.users.staff_a, status="done", note="Ferdig"
        )

    measure.refresh_from_db()
    assert measure.status == Measure.Status.NOT_STARTED
    assert not MeasureNote.objects.exists()


@pytest.mark.parametrize(
    ("before", "after"), [("in_progress", "dropped"), ("dropped", "in_progress")]
)
def test_dropping_a_measure_and_taking_it_up_again_is_for_the_plans_editors(
    cast, plan_a, before, after
):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri, status=before)

    with pytest.raises(PermissionDenied):
        services.measure_record_progress(
            measure=_measure_as_loaded(measure.pk), user=cast.users.staff_a, status=after
        )
    services.measure_record_progress(
        measure=_measure_as_loaded(measure.pk), user=cast.users.tore, status=after
    )

    measure.refresh_from_db()
    assert measure.status == after


def test_the_same_status_without_a_note_changes_nothing(cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)
    version = plan_a.version

    services.measure_record_progress(
        measure=_measure_as_loaded(measure.pk), user=cast.users.staff_a, status="not_started"
    )

    plan_a.refresh_from_db()
    assert plan_a.version == version
    assert measure.history.count() == 1
    assert not MeasureNote.objects.exists()


def test_a_note_too_long_or_an_unknown_status_is_refused(cast, plan_a):
    measure = _measure_as_loaded(MeasureFactory(plan=plan_a, owner=cast.siri).pk)

    with pytest.raises(ValidationError) as too_long:
        services.measure_record_progress(
            measure=measure, user=cast.users.staff_a, status="done", note="x" * 501
        )
    with pytest.raises(ValidationError) as unknown:
        services.measure_record_progress(measure=measure, user=cast.users.staff_a, status="ok")

    assert "note" in too_long.value.message_dict
    assert "status" in unknown.value.message_dict
    assert not MeasureNote.objects.exists()


def test_the_database_refuses_an_empty_note(cast, plan_a):
    measure = MeasureFactory(plan=plan_a, owner=cast.siri)

    with pytest.raises(IntegrityError):
        MeasureNote.objects.create(measure=measure, author=cast.siri, text="")
