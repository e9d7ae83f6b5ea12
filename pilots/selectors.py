"""Reads that views share: every queryset here is scoped to what the user may see."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from pilots.access import scope_for
from pilots.models import Department, HolidayPeriod, Person, Pilot, Programme


def programmes_for_user(user) -> QuerySet[Programme]:
    scope = scope_for(user)
    programmes = Programme.objects.select_related("municipality")
    if scope.is_superuser:
        return programmes
    if scope.coordinates:
        return programmes.filter(municipality_id=scope.municipality_id)
    return programmes.filter(
        municipality_id=scope.municipality_id,
        pilots__department_id__in=scope.member_department_ids,
    ).distinct()


def programme_get_for_user(user, pk: int) -> Programme:
    return get_object_or_404(programmes_for_user(user), pk=pk)


def pilots_for_user(user) -> QuerySet[Pilot]:
    scope = scope_for(user)
    pilots = Pilot.objects.select_related("programme__municipality", "department")
    if scope.is_superuser:
        return pilots
    if scope.coordinates:
        return pilots.filter(programme__municipality_id=scope.municipality_id)
    return pilots.filter(
        programme__municipality_id=scope.municipality_id,
        department_id__in=scope.member_department_ids,
    )


def pilot_get_for_user(user, pk: int) -> Pilot:
    return get_object_or_404(pilots_for_user(user), pk=pk)


def departments_for_user(user) -> QuerySet[Department]:
    scope = scope_for(user)
    departments = Department.objects.select_related("municipality")
    if scope.is_superuser:
        return departments
    if scope.coordinates:
        return departments.filter(municipality_id=scope.municipality_id)
    return departments.filter(
        municipality_id=scope.municipality_id, pk__in=scope.member_department_ids
    )


def people_for_user(user) -> QuerySet[Person]:
    """People the user may see: the whole municipality for coordinators, else their departments."""
    scope = scope_for(user)
    people = Person.objects.select_related("municipality")
    if scope.is_superuser:
        return people
    if scope.coordinates:
        return people.filter(municipality_id=scope.municipality_id)
    return people.filter(
        Q(department_roles__department_id__in=scope.member_department_ids) | Q(pk=scope.person_id),
        municipality_id=scope.municipality_id,
    ).distinct()


def holiday_periods_for_user(user) -> QuerySet[HolidayPeriod]:
    """The holiday periods of the user's municipality (every municipality's for a superuser)."""
    scope = scope_for(user)
    periods = HolidayPeriod.objects.select_related("municipality")
    if scope.is_superuser:
        return periods
    if scope.municipality_id is None:
        return periods.none()
    return periods.filter(municipality_id=scope.municipality_id)
