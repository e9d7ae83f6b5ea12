"""One date input everywhere: the browser's date picker, which also takes a typed dd.mm.yyyy."""

import datetime as dt
import inspect

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation

import followup.forms
import leanprogram.forms
import pilots.forms
import plans.forms
import training.forms
from pilots.fields import DateInput, PlausibleDateField, TimeInput, date_field, time_field
from pilots.models import HolidayPeriod

FORM_MODULES = (pilots.forms, training.forms, plans.forms, followup.forms, leanprogram.forms)


def _form_classes():
    for module in FORM_MODULES:
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                yield f"{module.__name__}.{name}", value


def test_every_date_and_time_field_of_every_form_uses_the_one_input():
    dates, times = [], []
    for name, form_class in _form_classes():
        for field_name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateField):
                dates.append((name, field_name, type(field), type(field.widget)))
            elif isinstance(field, forms.TimeField):
                times.append((name, field_name, type(field.widget)))

    # The lists are not empty: the loop above did find the forms' fields.
    assert len(dates) >= 8 and len(times) >= 4
    assert [d for d in dates if d[2:] != (PlausibleDateField, DateInput)] == []
    assert [t for t in times if t[2] is not TimeInput] == []


def test_date_input_is_the_browser_s_picker_and_shows_the_iso_date():
    html = date_field(label="Day").widget.render("day", dt.date(2027, 3, 1))

    assert 'type="date"' in html
    assert 'value="2027-03-01"' in html


def test_time_input_is_the_browser_s_picker_with_hours_and_minutes():
    html = time_field(label="At").widget.render("at", dt.time(8, 30))

    assert 'type="time"' in html
    assert 'value="08:30"' in html


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize(
    "typed", ["2027-03-01", "01.03.2027", "1.3.2027", "01.03.27", " 1.3.2027 "]
)
def test_the_picker_s_iso_date_and_a_typed_norwegian_date_are_the_same_day(language, typed):
    with translation.override(language):
        assert date_field().clean(typed) == dt.date(2027, 3, 1)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("typed", ["08:30", "08.30", "8:30"])
def test_a_typed_time_takes_a_colon_or_a_dot(language, typed):
    with translation.override(language):
        assert time_field().clean(typed) == dt.time(8, 30)


@pytest.mark.parametrize("typed", ["31.02.2027", "1/3/2027", "mandag", "2027-13-01"])
def test_a_date_that_is_no_date_says_how_to_write_it(typed):
    with translation.override("en"):
        with pytest.raises(forms.ValidationError) as error:
            date_field().clean(typed)
        # The message is lazy: read it in the language it was raised in.
        assert error.value.messages == ["Enter the date as day, month and year, e.g. 17.02.2027."]


@pytest.mark.django_db
def test_a_bad_date_is_refused_on_its_field_keeping_the_rest(client, cast):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("pilots:holiday_period_create", kwargs={"programme_pk": cast.programme.pk}),
        {"name": "Påskeferie", "starts_on": "2027-03-29", "ends_on": "32.03.2027"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "ends_on": ["Enter the date as day, month and year, e.g. 17.02.2027."]
    }
    html = response.content.decode()
    assert 'value="Påskeferie"' in html
    assert 'type="date" name="starts_on" value="2027-03-29"' in html
    assert not HolidayPeriod.objects.exists()


@pytest.mark.django_db
def test_a_date_from_the_picker_is_saved_and_shown_as_dd_mm_yyyy(client, cast):
    client.force_login(cast.users.coordinator)

    client.post(
        reverse("pilots:holiday_period_create", kwargs={"programme_pk": cast.programme.pk}),
        {"name": "Påskeferie", "starts_on": "2027-03-29", "ends_on": "2.4.2027"},
    )

    period = HolidayPeriod.objects.get(municipality=cast.municipality)
    assert (period.starts_on, period.ends_on) == (dt.date(2027, 3, 29), dt.date(2027, 4, 2))
    page = client.get(reverse("pilots:programme_settings", kwargs={"pk": cast.programme.pk}))
    assert "29.03.2027" in page.content.decode()
    assert "02.04.2027" in page.content.decode()
