"""A department's staff: who works there in which roles, adding and editing one person.

The write is here (`person_save`; importing a file is `pilots.staff_import`'s); so is the one read
the staff page needs (`department_staff`), because it belongs to nothing else. The department
passed in has always been loaded through `pilots.selectors` by the caller, so everything here
stays inside its municipality.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from pilots.access import Scope, scope_for
from pilots.models import Department, DepartmentRole, Person

Role = DepartmentRole.Role
ROLE_ORDER = {code: index for index, code in enumerate(Role.values)}


# --- Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    person: Person
    roles: list[DepartmentRole]

    @property
    def role_labels(self) -> str:
        return ", ".join(str(role.get_role_display()) for role in self.roles)

    @property
    def position_percent(self) -> int | None:
        return next((r.position_percent for r in self.roles if r.position_percent), None)


def department_staff(*, people: QuerySet[Person], department: Department) -> list[StaffMember]:
    """Everyone in `people` (a scoped queryset) with a role in the department: two queries."""
    members = (
        people.filter(department_roles__department=department)
        .distinct()
        .prefetch_related(
            Prefetch(
                "department_roles",
                queryset=DepartmentRole.objects.filter(department=department).order_by("pk"),
                to_attr="roles_here",
            )
        )
        .order_by("full_name", "pk")
    )
    return [
        StaffMember(person=p, roles=sorted(p.roles_here, key=lambda r: ROLE_ORDER[r.role]))
        for p in members
    ]


def person_roles_in(*, person: Person, department: Department) -> list[DepartmentRole]:
    return sorted(
        DepartmentRole.objects.filter(person=person, department=department),
        key=lambda r: ROLE_ORDER[r.role],
    )


def person_details_editable(*, person: Person, scope: Scope) -> bool:
    """May this user change the person's name, e-mail, phone and language?

    Coordinators may. A department leader may only for people who work nowhere but in
    departments they lead and hold no programme role: a leader must not rename a colleague in
    another department or the lean coordinator.
    """
    if scope.can_manage_programme():
        return True
    if person.programme_roles.exists():
        return False
    departments = set(person.department_roles.values_list("department_id", flat=True))
    return departments <= scope.led_department_ids


# --- Adding and editing one person ----------------------------------------------------------


@dataclass(frozen=True)
class PersonSaveResult:
    person: Person
    created: bool
    # True when the e-mail belonged to someone elsewhere in the municipality with the same name,
    # and that person was given the roles instead of a second, clashing person being created.
    attached_existing: bool = False


def same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def may_take(
    *, scope: Scope, department: Department, department_ids: set[int], has_programme_role: bool
) -> bool:
    """May this user give an existing person, who works in `department_ids`, roles here?

    Coordinators may: they move people between departments. A department leader only when the
    person already works in this department, or nowhere but in departments the leader leads;
    so a leader can neither pull someone out of another department nor learn who works there.
    """
    if scope.can_manage_programme() or department.pk in department_ids:
        return True
    return (
        bool(department_ids)
        and department_ids <= scope.led_department_ids
        and not has_programme_role
    )


def _may_take_person(*, scope: Scope, department: Department, person: Person) -> bool:
    if scope.can_manage_programme():
        return True
    return may_take(
        scope=scope,
        department=department,
        department_ids=set(person.department_roles.values_list("department_id", flat=True)),
        has_programme_role=person.programme_roles.exists(),
    )


def email_unavailable_message():
    # One wording whoever has the address, so it tells a leader nothing about other departments.
    return _("This address cannot be used here. Ask the lean coordinator to add this person.")


def _email_unavailable_error() -> ValidationError:
    return ValidationError({"email": email_unavailable_message()}, code="email_unavailable")


def _email_taken_error() -> ValidationError:
    return ValidationError(
        {
            "email": _(
                "Another person in the municipality already has this e-mail address. "
                "Each person needs their own work e-mail."
            )
        },
        code="email_taken",
    )


def person_save(
    *,
    user,
    department: Department,
    person: Person | None,
    full_name: str,
    email: str,
    phone: str,
    language: str,
    roles: Iterable[str],
    position_percent: int | None,
) -> PersonSaveResult:
    """Create or update a person and set their roles in this department (and only this one).

    A coordinator adding someone whose e-mail is already registered elsewhere in the municipality
    under the same name gives that person the roles; their own details are left as they are. A
    department leader adds new people only: an address that belongs to someone outside the
    departments they lead is refused with one neutral message (moving people is the
    coordinators' job). Raises
    ValidationError with errors keyed by field name, and PermissionDenied when the user may not
    manage this department's staff or change this person's details.
    """
    scope = scope_for(user)
    scope.require(scope.can_manage_staff(department))
    if (
        person is not None
        and person.pk is not None
        and not person_details_editable(person=person, scope=scope)
    ):
        stored = Person.objects.values("full_name", "email", "phone", "language").get(pk=person.pk)
        scope.require(
            stored
            == {
                "full_name": " ".join(full_name.split()),
                "email": email.strip(),
                "phone": phone.strip(),
                "language": language,
            }
        )
    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")}, code="no_roles")
    email = email.strip()
    try:
        with transaction.atomic():
            return _person_save(
                scope=scope,
                department=department,
                person=person,
                full_name=" ".join(full_name.split()),
                email=email,
                phone=phone.strip(),
                language=language,
                roles=roles,
                position_percent=position_percent,
            )
    except IntegrityError:
        # Someone saved the same e-mail between our check and our insert.
        clash = _email_clash(department=department, email=email, person=person)
        if clash is None:
            raise
        if not _may_take_person(scope=scope, department=department, person=clash):
            raise _email_unavailable_error() from None
        raise _email_taken_error() from None


def _email_clash(*, department: Department, email: str, person: Person | None) -> Person | None:
    clashes = Person.objects.filter(municipality_id=department.municipality_id, email__iexact=email)
    if person is not None and person.pk is not None:
        clashes = clashes.exclude(pk=person.pk)
    return clashes.first()


def _person_save(
    *,
    scope: Scope,
    department: Department,
    person: Person | None,
    full_name: str,
    email: str,
    phone: str,
    language: str,
    roles: set[str],
    position_percent: int | None,
) -> PersonSaveResult:
    created = person is None
    attached = False
    clash = _email_clash(department=department, email=email, person=person)
    if clash is not None:
        in_department = clash.department_roles.filter(department=department).exists()
        if created and in_department:
            raise ValidationError(
                {"email": _("A person with this e-mail address is already in this department.")},
                code="email_in_department",
            )
        if not _may_take_person(scope=scope, department=department, person=clash):
            raise _email_unavailable_error()
        if not created or not same_name(clash.full_name, full_name):
            raise _email_taken_error()
        person, created, attached = clash, False, True
    else:
        if person is None:
            person = Person(municipality_id=department.municipality_id)
        person.full_name = full_name
        person.email = email
        person.phone = phone
        person.language = language
        person.full_clean()
        person.save()

    current = {
        r.role: r for r in DepartmentRole.objects.filter(person=person, department=department)
    }
    DepartmentRole.objects.filter(
        person=person, department=department, role__in=set(current) - roles
    ).delete()
    for code in sorted(roles, key=ROLE_ORDER.__getitem__):
        role = current.get(code) or DepartmentRole(person=person, department=department, role=code)
        if role.pk is not None and role.position_percent == position_percent:
            continue
        role.position_percent = position_percent
        role.full_clean()
        role.save()
    return PersonSaveResult(person=person, created=created, attached_existing=attached)
