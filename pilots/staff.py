"""A department's staff: who works there in which roles, adding and editing one person.

The write is here (`person_save`; importing a file is `pilots.staff_import`'s); so is the one read
the staff page needs (`department_staff`), because it belongs to nothing else. The department
passed in has always been loaded through `pilots.selectors` by the caller, so everything here
stays inside its municipality.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from pilots import audit
from pilots.access import Scope, scope_for
from pilots.calendar import local_today
from pilots.collation import norwegian
from pilots.models import Department, DepartmentRole, Person, active_role

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

    @property
    def ends_on(self) -> date | None:
        """When the person leaves (the latest end of their roles here), if every role ends."""
        ends = [role.ends_on for role in self.roles]
        return None if not ends or None in ends else max(ends)


def department_staff(
    *, people: QuerySet[Person], department: Department, today: date | None = None
) -> list[StaffMember]:
    """Everyone in `people` (a scoped queryset) with a role in the department today, with those
    roles: two queries. Who leaves later shows `ends_on`."""
    today = today or local_today()
    members = (
        people.filter(
            active_role(today, prefix="department_roles__"),
            department_roles__department=department,
        )
        .distinct()
        .prefetch_related(
            Prefetch(
                "department_roles",
                queryset=DepartmentRole.objects.active(today)
                .filter(department=department)
                .order_by("pk"),
                to_attr="roles_here",
            )
        )
        .order_by(norwegian("full_name"), "pk")
    )
    return [
        StaffMember(person=p, roles=sorted(p.roles_here, key=lambda r: ROLE_ORDER[r.role]))
        for p in members
    ]


def department_former_staff(
    *, people: QuerySet[Person], department: Department, today: date | None = None
) -> list[StaffMember]:
    """Everyone in `people` who had roles in the department and has none today, with the roles
    they had (two queries); the most recent to leave first."""
    today = today or local_today()
    current = DepartmentRole.objects.active(today).filter(department=department)
    former = (
        people.filter(department_roles__department=department)
        .exclude(pk__in=current.values("person_id"))
        .distinct()
        .prefetch_related(
            Prefetch(
                "department_roles",
                queryset=DepartmentRole.objects.filter(department=department).order_by("pk"),
                to_attr="roles_here",
            )
        )
        .order_by(norwegian("full_name"), "pk")
    )
    members = [
        StaffMember(person=p, roles=sorted(p.roles_here, key=lambda r: ROLE_ORDER[r.role]))
        for p in former
    ]
    return sorted(members, key=lambda m: m.ends_on or date.min, reverse=True)


def person_roles_in(*, person: Person, department: Department) -> list[DepartmentRole]:
    """The person's roles in the department today."""
    return sorted(
        DepartmentRole.objects.active().filter(person=person, department=department),
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
    if person.programme_roles.active().exists():
        return False
    return _active_departments(person) <= scope.led_department_ids


def _active_departments(person: Person) -> set[int]:
    """The departments the person works in today; a department they left no longer counts."""
    return set(
        DepartmentRole.objects.active()
        .filter(person=person)
        .values_list("department_id", flat=True)
    )


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
        department_ids=_active_departments(person) or _departments_left(person, department),
        has_programme_role=person.programme_roles.active().exists(),
    )


def _departments_left(person: Person, department: Department) -> set[int]:
    """{department} when the person once worked there: for someone who works nowhere today, a
    leader may take back who left their own department (their list of former staff shows
    them), but not who left another one."""
    return (
        {department.pk}
        if DepartmentRole.objects.filter(person=person, department=department).exists()
        else set()
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
                user=user,
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
    user,
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
        in_department = clash.department_roles.active().filter(department=department).exists()
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

    today = local_today()
    current = {
        r.role: r for r in DepartmentRole.objects.filter(person=person, department=department)
    }
    # A role unticked is taken away; a role that has ended stays for the history, and ticking
    # it again gives it back.
    unticked = {code for code, r in current.items() if r.is_active_on(today)} - roles
    DepartmentRole.objects.filter(person=person, department=department, role__in=unticked).delete()
    for code in sorted(unticked, key=ROLE_ORDER.__getitem__):
        audit.record_role_change(user, current[code], audit.REMOVED, subject=person)
    for code in sorted(roles, key=ROLE_ORDER.__getitem__):
        role = current.get(code) or DepartmentRole(person=person, department=department, role=code)
        ended = not role.is_active_on(today)
        if role.pk is not None and role.position_percent == position_percent and not ended:
            continue
        granted = role.pk is None or ended
        role.position_percent = position_percent
        if ended:
            role.ends_on = None
        role.full_clean()
        role.save()
        if granted:
            audit.record_role_change(user, role, audit.GRANTED, subject=person)
    return PersonSaveResult(person=person, created=created, attached_existing=attached)


# --- Leaving, coming back, moving ----------------------------------------------------------
#
# Someone who leaves a department keeps their rows: their roles get an end date. From that date
# they no longer have access through the department, are not reminded and are not counted, while
# the attendance, measures and meetings they were part of keep their name.

# How far from today an end date may be: a slip of the keyboard, not a date anyone means.
END_DATE_REACH_DAYS = 366


def _end_date_error(ends_on: date, today: date) -> ValidationError | None:
    if ends_on < today - timedelta(days=END_DATE_REACH_DAYS):
        return ValidationError(
            {"ends_on": _("The end date can be at most a year back.")}, code="too_early"
        )
    if ends_on > today + timedelta(days=END_DATE_REACH_DAYS):
        return ValidationError(
            {"ends_on": _("The end date can be at most a year ahead.")}, code="too_late"
        )
    return None


def _roles_end(*, user, person: Person, department: Department, ends_on: date, today: date) -> int:
    roles = DepartmentRole.objects.active(today).filter(person=person, department=department)
    if error := _end_date_error(ends_on, today):
        raise error
    for role in roles:
        audit.record_role_change(user, role, f"{audit.ENDED} {ends_on.isoformat()}", subject=person)
    return roles.update(ends_on=ends_on)


@transaction.atomic
def person_roles_end(*, user, department: Department, person: Person, ends_on: date) -> int:
    """End the person's roles in the department on `ends_on` (from that date they are gone);
    return how many roles it ended.

    A department leader may not end their own roles (they would lock themselves out); the
    coordinators may. An end date more than a year from today, either way, is refused.
    """
    scope = scope_for(user)
    scope.require(scope.can_manage_staff(department))
    if person.pk == scope.person_id and not scope.can_manage_programme():
        raise ValidationError(
            _("You cannot end your own role. Ask the lean coordinator to do it."), code="own_role"
        )
    today = local_today()
    ended = _roles_end(
        user=user, person=person, department=department, ends_on=ends_on, today=today
    )
    if not ended:
        raise ValidationError(
            _("%(name)s has no role in %(department)s today.")
            % {"name": person.full_name, "department": department.name},
            code="no_role",
        )
    return ended


@transaction.atomic
def person_roles_restore(*, user, department: Department, person: Person) -> int:
    """Undo the end of the person's roles in the department (their most recent end date, if it
    was a mistake); return how many roles it gave back.

    A department leader may bring back someone who works nowhere else today, or only in
    departments the leader leads; someone who works in another department now is the
    coordinators' to move, and the leader is told so in words that do not say where.
    """
    scope = scope_for(user)
    scope.require(scope.can_manage_staff(department))
    today = local_today()
    roles = DepartmentRole.objects.filter(
        person=person, department=department, ends_on__isnull=False
    )
    latest = roles.order_by("-ends_on").values_list("ends_on", flat=True).first()
    if latest is None:
        raise ValidationError(
            _("%(name)s has no role in %(department)s that has ended or will end.")
            % {"name": person.full_name, "department": department.name},
            code="nothing_to_restore",
        )
    still_here = DepartmentRole.objects.active(today).filter(person=person, department=department)
    if not scope.can_manage_programme() and not still_here.exists():
        elsewhere = _active_departments(person) - {department.pk}
        if not elsewhere <= scope.led_department_ids or person.programme_roles.active().exists():
            raise ValidationError(
                _("Ask the lean coordinator to bring this person back."), code="works_elsewhere"
            )
    restored = roles.filter(ends_on=latest)
    for role in restored:
        audit.record_role_change(user, role, audit.GRANTED, subject=person)
    return restored.update(ends_on=None)


@transaction.atomic
def person_move(
    *,
    user,
    person: Person,
    from_department: Department,
    to_department: Department,
    roles: Iterable[str],
    on: date,
) -> None:
    """Move a person to another department: their roles here end on `on`, and they get `roles`
    in `to_department` (given back where they had them before). Coordinators only."""
    scope = scope_for(user)
    scope.require(scope.can_move_staff(from_department) and scope.can_move_staff(to_department))
    if to_department.pk == from_department.pk:
        raise ValidationError(
            {"move_to": _("Choose another department than the one the person leaves.")},
            code="same_department",
        )
    if to_department.municipality_id != person.municipality_id:
        raise ValidationError(
            {"move_to": _("The department must belong to the person's municipality.")},
            code="municipality",
        )
    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")}, code="no_roles")
    today = local_today()
    leaving = list(
        DepartmentRole.objects.active(today).filter(person=person, department=from_department)
    )
    if not leaving:
        raise ValidationError(
            _("%(name)s has no role in %(department)s today.")
            % {"name": person.full_name, "department": from_department.name},
            code="no_role",
        )
    _roles_end(user=user, person=person, department=from_department, ends_on=on, today=today)
    position_percent = next((r.position_percent for r in leaving if r.position_percent), None)
    there = {
        r.role: r for r in DepartmentRole.objects.filter(person=person, department=to_department)
    }
    for code in sorted(roles, key=ROLE_ORDER.__getitem__):
        role = there.get(code) or DepartmentRole(
            person=person, department=to_department, role=code, position_percent=position_percent
        )
        granted = role.pk is None or not role.is_active_on(today)
        role.ends_on = None
        role.full_clean()
        role.save()
        if granted:
            audit.record_role_change(user, role, audit.GRANTED, subject=person)
