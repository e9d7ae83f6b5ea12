"""A date outside 2000–2100 is a typing slip: every form and the admin refuse it with a message.

Arithmetic on such a date (follow-up meetings a year after 31.12.9999) overflowed into a 500.
"""

import datetime as dt

import pytest
from django.urls import reverse

from followup.forms import BoardMeetingForm, FollowUpMeetingHoldForm
from followup.models import BoardMeeting, FollowUpItem, FollowUpMeeting
from pilots.models import HolidayPeriod, Person, Programme
from tests.admin_forms import submitted_form_data
from training.models import CourseDay, InformationMeeting

pytestmark = pytest.mark.django_db

MESSAGE = "Give a date between 01.01.2000 and 31.12.2100."


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_course_day_dated_year_9999_is_a_form_error(client, cast, english):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("training:course_day_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        {"number": "1", "date": "31.12.9999", "starts_at": "08:30", "ends_at": "15:30"},
    )

    # The scheduling views answer an invalid form with 400 and the form shown again.
    assert response.status_code == 400
    assert response.context["form"].errors["date"] == [MESSAGE]
    assert not CourseDay.objects.exists()


def test_information_meeting_dated_year_9999_is_a_form_error(client, cast, english):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("training:meeting_create", kwargs={"pilot_pk": cast.pilot_a.pk}),
        {"date": "31.12.9999", "starts_at": "13:00", "ends_at": "14:00"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["date"] == [MESSAGE]
    assert not InformationMeeting.objects.exists()


@pytest.mark.parametrize("form_class", [FollowUpMeetingHoldForm, BoardMeetingForm])
def test_follow_up_forms_refuse_year_9999(settings, form_class):
    settings.LANGUAGE_CODE = "en"
    choices = {
        FollowUpMeetingHoldForm: {
            "attendee_choices": Person.objects.none(),
            "carried_items": FollowUpItem.objects.none(),
        },
        BoardMeetingForm: {"measure_choices": Person.objects.none()},
    }[form_class]

    form = form_class(data={"held_on": "9999-12-31", "present_count": "3"}, **choices)

    assert form.errors["held_on"] == [MESSAGE]


@pytest.fixture
def dated_rows(cast):
    day = CourseDay.objects.create(
        pilot=cast.pilot_a,
        number=1,
        date=dt.date(2027, 2, 15),
        starts_at=dt.time(8, 30),
        ends_at=dt.time(15, 30),
    )
    start = dt.datetime(2027, 2, 3, 13, 0, tzinfo=dt.UTC)
    meeting = InformationMeeting.objects.create(
        pilot=cast.pilot_a, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    holiday = HolidayPeriod.objects.create(
        municipality=cast.municipality,
        name="Vinterferie",
        starts_on=dt.date(2027, 2, 22),
        ends_on=dt.date(2027, 2, 26),
    )
    follow_up = FollowUpMeeting.objects.create(
        pilot=cast.pilot_a, label="Etter 2 uker", due_on=dt.date(2027, 3, 12)
    )
    board = BoardMeeting.objects.create(pilot=cast.pilot_a, held_on=dt.date(2027, 3, 4))
    return {
        CourseDay: day,
        InformationMeeting: meeting,
        HolidayPeriod: holiday,
        FollowUpMeeting: follow_up,
        BoardMeeting: board,
        Programme: cast.programme,
    }


@pytest.mark.parametrize(
    ("model", "field", "error_field"),
    [
        (CourseDay, "date", "date"),
        (InformationMeeting, "starts_at_0", "starts_at"),
        (HolidayPeriod, "ends_on", "ends_on"),
        (Programme, "starts_on", "starts_on"),
        (FollowUpMeeting, "due_on", "due_on"),
        (BoardMeeting, "held_on", "held_on"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_admin_refuses_year_9999(client, cast, english, dated_rows, model, field, error_field):
    client.force_login(cast.users.superuser)
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
        args=[dated_rows[model].pk],
    )
    data = submitted_form_data(client.get(url).content.decode())

    response = client.post(url, {**data, field: "31.12.9999"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[error_field] == [MESSAGE]
