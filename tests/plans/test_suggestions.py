"""Improvement suggestions: the services that send, answer and convert them, and the model."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from pilots.models import DepartmentRole
from plans.models import SUGGESTION_MAX_LENGTH, Measure, ProjectPlan, Suggestion
from plans.selectors import suggestions_by_author
from plans.suggestions import suggestion_answer, suggestion_submit, suggestion_to_measure
from tests.factories import DepartmentFactory, PersonFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db

Status = Suggestion.Status
IDEA = "Kan vi ha en billader i hver bil? Telefonene går tomme før vakta er slutt."


def _submit(cast, user=None, *, pilot=None, text=IDEA, anonymous=False) -> Suggestion:
    return suggestion_submit(
        pilot=pilot or cast.pilot_a,
        user=user or cast.users.staff_a,
        text=text,
        anonymous=anonymous,
    )


# Sending


def test_staff_sends_a_named_suggestion(cast):
    suggestion = _submit(cast)

    suggestion.refresh_from_db()
    assert suggestion.author == cast.siri
    assert suggestion.pilot == cast.pilot_a
    assert suggestion.text == IDEA
    assert suggestion.status == Status.NEW
    assert suggestion.history.get().history_user == cast.users.staff_a


def test_the_leader_may_suggest_in_own_department_too(cast):
    suggestion = _submit(cast, cast.users.tore)

    assert suggestion.author == cast.tore


def test_an_anonymous_suggestion_keeps_no_trace_of_its_sender(cast):
    suggestion = _submit(cast, anonymous=True)

    suggestion.refresh_from_db()
    assert suggestion.author is None
    record = suggestion.history.get()
    assert record.author_id is None
    assert record.history_user is None
    assert Suggestion.history.filter(history_user=cast.users.staff_a).count() == 0
    # Stamped to the hour only, in the row and in its history alike.
    assert (suggestion.created_at.minute, suggestion.created_at.second) == (0, 0)
    assert suggestion.created_at.microsecond == 0
    assert record.history_date == suggestion.created_at
    assert suggestion not in suggestions_by_author(cast.siri)


def test_an_anonymous_suggestion_stays_anonymous_when_it_is_answered(cast):
    suggestion = _submit(cast, anonymous=True)

    suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="Vi prøver det.")

    assert [r.author_id for r in suggestion.history.all()] == [None, None]
    assert [r.history_user for r in suggestion.history.order_by("history_id")] == [
        None,
        cast.users.tore,
    ]


def test_anonymous_is_refused_when_the_programme_does_not_allow_it(cast):
    cast.programme.allow_anonymous_suggestions = False
    cast.programme.save(update_fields=["allow_anonymous_suggestions"])
    cast.pilot_a.programme.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        _submit(cast, anonymous=True)

    assert "anonymous" in refused.value.message_dict
    assert not Suggestion.objects.exists()
    # With the name it goes through.
    assert _submit(cast).author == cast.siri


def test_sending_the_same_text_twice_stores_it_once(cast):
    first = _submit(cast)
    second = _submit(cast, text=f"  {IDEA}\n")

    assert second.pk == first.pk
    assert Suggestion.objects.count() == 1


def test_the_same_text_is_a_new_suggestion_once_the_first_is_answered(cast):
    first = _submit(cast)
    suggestion_answer(suggestion=first, user=cast.users.tore, answer="Ikke nå.", decline=True)

    assert _submit(cast).pk != first.pk


def test_two_colleagues_may_send_the_same_idea(cast):
    DepartmentRole.objects.create(department=cast.dept_a, person=cast.tore, role="staff")
    _submit(cast)
    _submit(cast, cast.users.tore)

    assert Suggestion.objects.count() == 2


@pytest.mark.parametrize("text", ["", "   ", "x" * (SUGGESTION_MAX_LENGTH + 1)])
def test_an_empty_or_too_long_suggestion_is_refused(cast, text):
    with pytest.raises(ValidationError) as refused:
        _submit(cast, text=text)

    assert "text" in refused.value.message_dict
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "guide", "superuser"])
def test_the_programmes_people_do_not_send_suggestions(cast, who):
    with pytest.raises(PermissionDenied):
        _submit(cast, getattr(cast.users, who))


def test_nobody_suggests_for_another_department_or_municipality(cast):
    with pytest.raises(PermissionDenied):
        _submit(cast, cast.users.kari, pilot=cast.pilot_a)
    with pytest.raises(PermissionDenied):
        _submit(cast, cast.users.outsider, pilot=cast.pilot_a)
    with pytest.raises(PermissionDenied):
        _submit(cast, cast.users.staff_a, pilot=cast.pilot_b)
    assert not Suggestion.objects.exists()


# Answering


def test_the_leader_answers_a_suggestion(cast):
    suggestion = _submit(cast)

    suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="  Godt forslag!  ")

    suggestion.refresh_from_db()
    assert suggestion.status == Status.ANSWERED
    assert suggestion.answer == "Godt forslag!"
    assert suggestion.answered_by == cast.users.tore
    assert suggestion.answered_at is not None
    assert suggestion.history.first().history_user == cast.users.tore


def test_declining_keeps_the_reason_as_the_answer_and_may_be_changed(cast):
    suggestion = _submit(cast)

    suggestion_answer(
        suggestion=suggestion, user=cast.users.coordinator, answer="Ikke nå.", decline=True
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.answer) == (Status.DECLINED, "Ikke nå.")

    suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="Vi prøver likevel.")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.answer) == (Status.ANSWERED, "Vi prøver likevel.")


def test_an_answer_must_say_something(cast):
    suggestion = _submit(cast)

    with pytest.raises(ValidationError) as refused:
        suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="  ")

    assert "answer" in refused.value.message_dict
    suggestion.refresh_from_db()
    assert suggestion.status == Status.NEW


@pytest.mark.parametrize("who", ["staff_a", "kari", "outsider"])
def test_only_those_who_lead_the_department_answer(cast, who):
    suggestion = _submit(cast)

    with pytest.raises(PermissionDenied):
        suggestion_answer(suggestion=suggestion, user=getattr(cast.users, who), answer="Ja!")

    suggestion.refresh_from_db()
    assert suggestion.status == Status.NEW and suggestion.answer == ""


# Making it a measure


def test_the_leader_makes_a_suggestion_a_measure_linked_both_ways(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    suggestion = _submit(cast)

    measure = suggestion_to_measure(
        suggestion=suggestion,
        user=cast.users.tore,
        title="Billader i hver bil",
        description=IDEA,
        owner=cast.siri,
        deadline=dt.date(2027, 4, 30),
        answer="Takk, Siri! Du eier tiltaket.",
    )

    measure.refresh_from_db()
    suggestion.refresh_from_db()
    assert measure.plan == plan
    assert (measure.title, measure.description) == ("Billader i hver bil", IDEA)
    assert (measure.owner, measure.deadline) == (cast.siri, dt.date(2027, 4, 30))
    assert measure.status == Measure.Status.NOT_STARTED
    assert suggestion.measure == measure
    assert measure.suggestion == suggestion
    assert suggestion.status == Status.MEASURE
    assert suggestion.answer == "Takk, Siri! Du eier tiltaket."
    assert suggestion.answered_by == cast.users.tore
    # An edit form opened before the conversion sees a conflict, as after a move on the board.
    plan.refresh_from_db()
    assert plan.version == 2
    assert measure.history.get().history_user == cast.users.tore


def test_a_suggestion_becomes_the_first_measure_of_a_plan_not_started_yet(cast):
    suggestion = _submit(cast)

    measure = suggestion_to_measure(
        suggestion=suggestion, user=cast.users.guide, title="Billader i hver bil"
    )

    plan = ProjectPlan.objects.get(pilot=cast.pilot_a)
    assert measure.plan == plan
    assert plan.status == ProjectPlan.Status.DRAFT


def test_a_suggestion_becomes_a_measure_only_once(cast):
    ProjectPlanFactory(pilot=cast.pilot_a)
    suggestion = _submit(cast)
    suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title="Billader")

    with pytest.raises(ValidationError):
        suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title="Billader 2")
    with pytest.raises(ValidationError):
        suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="Nei.")

    assert Measure.objects.count() == 1


def test_a_declined_suggestion_may_still_become_a_measure(cast):
    suggestion = _submit(cast)
    suggestion_answer(suggestion=suggestion, user=cast.users.tore, answer="Nei.", decline=True)

    suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title="Billader likevel")

    suggestion.refresh_from_db()
    assert suggestion.status == Status.MEASURE


def test_an_invalid_measure_saves_nothing(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    suggestion = _submit(cast)
    elsewhere = PersonFactory(municipality=cast.municipality)
    DepartmentRole.objects.create(
        department=DepartmentFactory(municipality=cast.municipality), person=elsewhere
    )

    with pytest.raises(ValidationError) as refused:
        suggestion_to_measure(
            suggestion=suggestion, user=cast.users.tore, title="Billader", owner=elsewhere
        )

    assert "owner" in refused.value.message_dict
    assert not Measure.objects.exists()
    suggestion.refresh_from_db()
    plan.refresh_from_db()
    assert suggestion.status == Status.NEW and plan.version == 1


def test_a_measure_needs_a_title(cast):
    suggestion = _submit(cast)

    with pytest.raises(ValidationError) as refused:
        suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title=" ")

    assert "title" in refused.value.message_dict
    assert not Measure.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "kari", "outsider"])
def test_only_those_who_lead_the_department_make_measures(cast, who):
    suggestion = _submit(cast)

    with pytest.raises(PermissionDenied):
        suggestion_to_measure(suggestion=suggestion, user=getattr(cast.users, who), title="X")

    assert not Measure.objects.exists()
    assert not ProjectPlan.objects.exists()


# The model and the database


def test_deleting_the_measure_keeps_the_suggestion_and_what_it_became(cast):
    suggestion = _submit(cast)
    measure = suggestion_to_measure(suggestion=suggestion, user=cast.users.tore, title="Billader")

    measure.delete()

    suggestion.refresh_from_db()
    assert suggestion.measure is None
    assert suggestion.status == Status.MEASURE


def test_the_database_refuses_a_measure_link_on_a_suggestion_that_did_not_become_it(cast):
    measure = Measure.objects.create(plan=ProjectPlanFactory(pilot=cast.pilot_a), title="X")

    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(pilot=cast.pilot_a, text="Y", measure=measure)


@pytest.mark.parametrize(
    "fields",
    [
        {"text": ""},
        {"text": "x" * (SUGGESTION_MAX_LENGTH + 1)},
        {"text": "x", "answer": "y" * 2001},
    ],
)
def test_the_database_holds_the_text_limits(cast, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(pilot=cast.pilot_a, **fields)


def test_clean_refuses_a_measure_of_another_pilot_and_an_author_of_another_municipality(cast):
    measure = Measure.objects.create(plan=ProjectPlanFactory(pilot=cast.pilot_b), title="X")
    stranger = PersonFactory(municipality=cast.other_municipality)
    suggestion = Suggestion(
        pilot=cast.pilot_a, author=stranger, text="Y", status=Status.MEASURE, measure=measure
    )

    with pytest.raises(ValidationError) as refused:
        suggestion.full_clean()

    assert {"author", "measure"} <= set(refused.value.message_dict)


def test_suggestions_by_author_lists_own_named_suggestions_newest_first(cast):
    older = _submit(cast, text="Første idé")
    newer = _submit(cast, text="Andre idé")
    _submit(cast, text="Anonym idé", anonymous=True)
    _submit(cast, cast.users.tore, text="Tores idé")

    assert list(suggestions_by_author(cast.siri)) == [newer, older]
