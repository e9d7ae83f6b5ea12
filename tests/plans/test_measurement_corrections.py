"""Measurements corrected and deleted on the indicator page, with their history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from plans import services
from plans.models import Indicator, Measurement
from tests.conftest import REQUEST_QUERIES
from tests.factories import ProjectPlanFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _english(settings, client):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def indicator(cast):
    plan = ProjectPlanFactory(pilot=cast.pilot_a)
    return Indicator.objects.create(
        plan=plan, name="Tid til leting", unit="min/dag", baseline=30, target=10
    )


@pytest.fixture
def measurement(cast, indicator):
    return services.measurement_add(
        indicator=indicator,
        user=cast.users.tore,
        measured_on=dt.date(2027, 3, 1),
        value=D("28"),
        note="Før 5S",
    )


def _indicator_url(indicator) -> str:
    return reverse("plans:indicator_detail", kwargs={"pk": indicator.pk})


def _edit_url(measurement) -> str:
    return reverse("plans:measurement_edit", kwargs={"pk": measurement.pk})


def _delete_url(measurement) -> str:
    return reverse("plans:measurement_delete", kwargs={"pk": measurement.pk})


def test_indicator_page_links_each_measurement_to_its_correction_for_editors_only(
    cast, client, indicator, measurement
):
    client.force_login(cast.users.tore)
    assert _edit_url(measurement) in client.get(_indicator_url(indicator)).content.decode()
    client.force_login(cast.users.staff_a)
    assert _edit_url(measurement) not in client.get(_indicator_url(indicator)).content.decode()


def test_leader_corrects_a_measurement_and_the_history_keeps_the_old_value(
    cast, client, indicator, measurement, settings
):
    client.force_login(cast.users.tore)
    page = client.get(_edit_url(measurement))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert 'value="2027-03-01"' in html
    assert _delete_url(measurement) in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"

    response = client.post(
        _edit_url(measurement), {"measured_on": "02.03.2027", "value": "27,5", "note": " Rettet "}
    )

    assert response.status_code == 302
    assert response.url == _indicator_url(indicator)
    measurement.refresh_from_db()
    assert (measurement.measured_on, measurement.value, measurement.note) == (
        dt.date(2027, 3, 2),
        D("27.5"),
        "Rettet",
    )
    latest, first = measurement.history.all()[:2]
    assert (latest.history_type, latest.history_user) == ("~", cast.users.tore)
    assert (first.value, first.note) == (D("28"), "Før 5S")


def test_correcting_onto_another_measured_day_is_refused_on_the_date(
    cast, client, indicator, measurement
):
    other = Measurement.objects.create(
        indicator=indicator, measured_on=dt.date(2027, 3, 8), value=22
    )
    client.force_login(cast.users.coordinator)

    response = client.post(_edit_url(other), {"measured_on": "01.03.2027", "value": "20"})

    assert response.status_code == 400
    assert response.context["form"].errors["measured_on"] == [
        "There is already a measurement on 01.03.2027."
    ]
    other.refresh_from_db()
    assert other.measured_on == dt.date(2027, 3, 8)


@pytest.mark.parametrize("typed", ["", "31.02.2027", "01.01.1900"])
def test_a_garbled_date_on_correction_is_a_400_with_the_form(cast, client, measurement, typed):
    client.force_login(cast.users.tore)
    response = client.post(_edit_url(measurement), {"measured_on": typed, "value": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["measured_on"]


def test_leader_deletes_a_measurement_and_the_history_keeps_it(
    cast, client, indicator, measurement
):
    client.force_login(cast.users.tore)
    assert client.get(_delete_url(measurement)).status_code == 405

    response = client.post(_delete_url(measurement))

    assert response.status_code == 302
    assert response.url == _indicator_url(indicator)
    assert not indicator.measurements.exists()
    deleted = Measurement.history.filter(id=measurement.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", cast.users.tore)
    assert deleted.value == D("28")


def test_staff_other_leaders_and_outsiders_cannot_correct_or_delete(cast, client, measurement):
    data = {"measured_on": "02.03.2027", "value": "1"}
    for user, expected in (
        (cast.users.staff_a, 403),
        (cast.users.kari, 404),
        (cast.users.outsider, 404),
    ):
        client.force_login(user)
        assert client.get(_edit_url(measurement)).status_code == expected
        assert client.post(_edit_url(measurement), data).status_code == expected
        assert client.post(_delete_url(measurement)).status_code == expected
    measurement.refresh_from_db()
    assert measurement.value == D("28")


def test_services_refuse_staff_to_correct_or_delete(cast, measurement):
    with pytest.raises(PermissionDenied):
        services.measurement_update(
            measurement=measurement,
            user=cast.users.staff_a,
            measured_on=measurement.measured_on,
            value=D("1"),
        )
    with pytest.raises(PermissionDenied):
        services.measurement_delete(measurement=measurement, user=cast.users.staff_a)
    measurement.refresh_from_db()
    assert measurement.value == D("28")


def test_service_keeps_the_same_day_and_refuses_a_measurement_deleted_meanwhile(cast, measurement):
    services.measurement_update(
        measurement=measurement,
        user=cast.users.coordinator,
        measured_on=measurement.measured_on,
        value=D("26"),
    )
    measurement.refresh_from_db()
    assert measurement.value == D("26")

    Measurement.objects.filter(pk=measurement.pk).delete()
    with pytest.raises(ValidationError) as refusal:
        services.measurement_update(
            measurement=measurement,
            user=cast.users.coordinator,
            measured_on=measurement.measured_on,
            value=D("25"),
        )
    assert refusal.value.code == "gone"
    assert not Measurement.objects.filter(pk=measurement.pk).exists()


@pytest.mark.parametrize("others", [1, 30])
def test_measurement_edit_page_costs_the_same_queries_with_more_measurements(
    cast, client, indicator, measurement, django_assert_num_queries, others
):
    Measurement.objects.bulk_create(
        Measurement(indicator=indicator, measured_on=dt.date(2027, 4, 1) + dt.timedelta(n), value=n)
        for n in range(others)
    )
    client.force_login(cast.users.tore)
    # The request's own (tests.conftest), then the measurement with its indicator, plan and pilot.
    with django_assert_num_queries(REQUEST_QUERIES + 1):
        response = client.get(_edit_url(measurement))
    assert response.status_code == 200
