"""Starting a new pilot from the browser, step by step, without the Django admin.

The first step creates the pilot (in the phase "planned") for an existing department or a new
one; every later step edits what is already saved, so nothing is lost when the coordinator goes
back, leaves for lunch or is logged out. The checklist (`pilot_setup_status`) reads what is done.
Staff, information meetings and course days are written by their own apps' services; the steps
here are the ones no app owns alone: the department and its leader, and confirming the four
proposed course days together with the pilot's course weeks.

Every write asks `pilots.access` first (`can_set_up_pilot`), whoever calls it; inviting the new
leader to make a login goes through `pilots.invitations`, which asks its own question.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from leanprogram.pilot_page import PersonWithRoles, pilot_people
from pilots import audit
from pilots.access import scope_for
from pilots.collation import norwegian
from pilots.invitations import person_invite
from pilots.models import (
    Department,
    DepartmentRole,
    Invitation,
    Language,
    Person,
    Pilot,
    Programme,
)
from pilots.programme_settings import CourseWeeks
from pilots.selectors import departments_for_user, people_for_user, pilots_for_user
from training.models import COURSE_DAYS_PER_PILOT, CourseDay, InformationMeeting
from training.services import course_day_schedule

# --- Reading --------------------------------------------------------------------------------------


def departments_without_pilot(user, *, programme: Programme) -> QuerySet[Department]:
    """The municipality's departments that have no pilot in the programme, in Norwegian order."""
    return (
        departments_for_user(user)
        .filter(municipality_id=programme.municipality_id)
        .exclude(pilots__programme=programme)
        .order_by(norwegian("name"), "pk")
    )


def parent_unit_choices(user, *, programme: Programme) -> QuerySet[Department]:
    return (
        departments_for_user(user)
        .filter(municipality_id=programme.municipality_id)
        .order_by(norwegian("name"), "pk")
    )


def leader_choices(user, *, pilot: Pilot) -> QuerySet[Person]:
    """The active people of the pilot's municipality, in Norwegian order."""
    return (
        people_for_user(user)
        .filter(municipality_id=pilot.department.municipality_id, is_active=True)
        .order_by(norwegian("full_name"), "pk")
    )


def pilots_being_set_up(user, *, programme: Programme) -> QuerySet[Pilot]:
    """The programme's pilots still in the phase "planned", or with an information meeting
    (which moves them on, see followup/phases.py) but no course days yet: setups to come
    back to."""
    no_course_days = ~Exists(CourseDay.objects.filter(pilot=OuterRef("pk")))
    return (
        pilots_for_user(user)
        .filter(programme=programme)
        .filter(Q(phase=Pilot.Phase.PLANNED) | (Q(phase=Pilot.Phase.INFORMATION) & no_course_days))
        .order_by(norwegian("department__name"), "pk")
    )


@dataclass(frozen=True)
class SetupStatus:
    pilot: Pilot
    people: list[PersonWithRoles]
    meetings: list[InformationMeeting]
    course_days: list[CourseDay]

    @property
    def leaders(self) -> list[Person]:
        return [entry.person for entry in self.people if entry.is_leader]

    @property
    def staff_count(self) -> int:
        """Everyone in the department but its leaders."""
        return sum(1 for entry in self.people if not entry.is_leader)

    @property
    def course_days_total(self) -> int:
        return COURSE_DAYS_PER_PILOT

    @property
    def steps_done(self) -> dict[str, bool]:
        return {
            "department": True,
            "leader": bool(self.leaders),
            "staff": self.staff_count > 0,
            "meetings": bool(self.meetings),
            "course_days": len(self.course_days) >= COURSE_DAYS_PER_PILOT,
        }

    @property
    def is_complete(self) -> bool:
        return all(self.steps_done.values())


def pilot_setup_status(pilot: Pilot) -> SetupStatus:
    """What the setup of the pilot has done so far (three queries)."""
    return SetupStatus(
        pilot=pilot,
        people=pilot_people(pilot),
        meetings=list(InformationMeeting.objects.filter(pilot=pilot).order_by("starts_at", "pk")),
        course_days=list(CourseDay.objects.filter(pilot=pilot).order_by("number")),
    )


# --- Step 1: the department and the pilot ---------------------------------------------------------


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError(
        {
            "name": _(
                "The municipality already has a department called “%(name)s”. Choose it from "
                "the list of departments instead, or give another name."
            )
            % {"name": name}
        },
        code="department_name_taken",
    )


def _check_department_name(*, municipality_id: int, name: str, exclude_pk=None) -> None:
    # Case does not make another department: “Harstad Sykehjem” is “Harstad sykehjem”.
    clashes = Department.objects.filter(municipality_id=municipality_id, name__iexact=name)
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    if clashes.exists():
        raise _name_taken_error(name)


def _department_save(department: Department) -> Department:
    department.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError as exc:
        # Someone saved the same name between the check and the insert.
        raise _name_taken_error(department.name) from exc
    return department


def _pilot_taken_error(department: Department) -> ValidationError:
    return ValidationError(
        {
            "department": _("%(department)s already has a pilot in this programme.")
            % {"department": department.name}
        },
        code="pilot_exists",
    )


@transaction.atomic
def pilot_start(
    *,
    user,
    programme: Programme,
    department: Department | None = None,
    name: str = "",
    service_area: str = "",
    parent: Department | None = None,
) -> Pilot:
    """Create the programme's pilot for `department`, or for a new department `name`.

    The pilot starts in the phase "planned" without course weeks; the later steps fill it in.
    Raises ValidationError keyed by field (`department`, `name`, `service_area`, `parent`).
    """
    scope = scope_for(user)
    scope.require(scope.can_set_up_pilot(programme))
    if department is None:
        name = _clean_name(name)
        if not name:
            raise ValidationError(
                {"name": _("Give the new department's name, or choose a department.")},
                code="required",
            )
        _check_department_name(municipality_id=programme.municipality_id, name=name)
        department = _department_save(
            Department(
                municipality_id=programme.municipality_id,
                name=name,
                service_area=_clean_name(service_area),
                parent=parent,
            )
        )
    elif department.municipality_id != programme.municipality_id:
        raise ValidationError(
            {"department": _("The department must belong to the programme's municipality.")}
        )
    if Pilot.objects.filter(programme=programme, department=department).exists():
        raise _pilot_taken_error(department)
    pilot = Pilot(programme=programme, department=department, phase=Pilot.Phase.PLANNED)
    pilot.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            pilot.save()
    except IntegrityError as exc:
        raise _pilot_taken_error(department) from exc
    return pilot


@transaction.atomic
def pilot_department_update(
    *, user, pilot: Pilot, name: str, service_area: str, parent: Department | None
) -> Department:
    """Correct the name, service area or parent unit of the pilot's department."""
    scope = scope_for(user)
    scope.require(scope.can_set_up_pilot(pilot))
    department = Department.objects.select_for_update().get(pk=pilot.department_id)
    name = _clean_name(name)
    if not name:
        raise ValidationError({"name": _("Give the department's name.")}, code="required")
    _check_department_name(
        municipality_id=department.municipality_id, name=name, exclude_pk=department.pk
    )
    department.name = name
    department.service_area = _clean_name(service_area)
    department.parent = parent
    _department_save(department)
    pilot.department = department
    return department


# --- Step 2: the department leader ----------------------------------------------------------------


@dataclass(frozen=True)
class LeaderAdded:
    person: Person
    person_created: bool
    role_added: bool
    # The invitation e-mailed to the leader, when one was asked for and they have no login.
    invitation: Invitation | None = None


def _email_taken_error(person: Person) -> ValidationError:
    return ValidationError(
        {
            "email": _(
                "%(name)s already has this e-mail address in the municipality. Choose them "
                "from the list of people instead."
            )
            % {"name": person.full_name}
        },
        code="email_taken",
    )


@transaction.atomic
def pilot_leader_add(
    *,
    user,
    pilot: Pilot,
    person: Person | None = None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    language: str = Language.BOKMAL,
    invite: bool = False,
) -> LeaderAdded:
    """Make `person`, or a new person of the municipality, a leader of the pilot's department.

    Their other roles in the department stay. A new person's e-mail must be free in the
    municipality (whatever its case). With `invite`, a leader without a login is invited to make
    one (`pilots.invitations.person_invite`, with its own permission check), in the same
    transaction: a leader saved is a leader invited, or neither. Someone who already has a login
    is left alone. Raises ValidationError keyed by field.
    """
    scope = scope_for(user)
    scope.require(scope.can_set_up_pilot(pilot))
    department = pilot.department
    created = False
    if person is None:
        email = email.strip()
        clash = Person.objects.filter(
            municipality_id=department.municipality_id, email__iexact=email
        ).first()
        if email and clash is not None:
            raise _email_taken_error(clash)
        person = Person(
            municipality_id=department.municipality_id,
            full_name=_clean_name(full_name),
            email=email,
            phone=phone.strip(),
            language=language,
        )
        person.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            clash = Person.objects.filter(
                municipality_id=department.municipality_id, email__iexact=email
            ).first()
            if clash is None:
                raise
            raise _email_taken_error(clash) from None
        created = True
    elif person.municipality_id != department.municipality_id or not person.is_active:
        raise ValidationError(
            {"person": _("Choose an active person of the pilot's municipality.")},
            code="wrong_person",
        )
    role, role_added = DepartmentRole.objects.get_or_create(
        department=department, person=person, role=DepartmentRole.Role.DEPARTMENT_LEADER
    )
    if role_added:
        audit.record_role_change(user, role, audit.GRANTED, subject=person)
    invitation = None
    if invite and person.user_id is None:
        invitation = person_invite(user=user, person=person)
    return LeaderAdded(
        person=person, person_created=created, role_added=role_added, invitation=invitation
    )


# --- Step 5: the course days ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDay:
    date: dt.date
    starts_at: dt.time
    ends_at: dt.time
    place: str = ""


class CourseDayRefused(ValidationError):
    """One of the course days was refused; `index` is its place in what was given."""

    def __init__(self, index: int, error: ValidationError):
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.index = index


@transaction.atomic
def pilot_course_days_confirm(
    *,
    user,
    pilot: Pilot,
    weeks: CourseWeeks,
    days: Sequence[PlannedDay],
    facilitators: Iterable[Person],
) -> list[CourseDay]:
    """Set the pilot's course weeks and schedule `days` as its next course days, all or nothing.

    The days take the numbers not yet used, in the order of their dates. Each is scheduled by
    `training.services.course_day_schedule`, so its checks apply and the follow-up meetings
    follow (`followup.signals`). Raises CourseDayRefused for a day that is refused.
    """
    scope = scope_for(user)
    scope.require(scope.can_set_up_pilot(pilot))
    locked = Pilot.objects.select_for_update().get(pk=pilot.pk)
    locked.course_year, locked.course_week_first, locked.course_week_last = (
        weeks.year,
        weeks.first,
        weeks.last,
    )
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save(update_fields=["course_year", "course_week_first", "course_week_last"])
    pilot.course_year, pilot.course_week_first, pilot.course_week_last = (
        weeks.year,
        weeks.first,
        weeks.last,
    )

    taken = set(CourseDay.objects.filter(pilot=pilot).values_list("number", flat=True))
    free_numbers = [n for n in range(1, COURSE_DAYS_PER_PILOT + 1) if n not in taken]
    if not days:
        raise ValidationError(_("Give the date of at least one course day."), code="no_days")
    if len(days) > len(free_numbers):
        raise ValidationError(
            _("The pilot has room for %(count)s more course days.") % {"count": len(free_numbers)},
            code="too_many_days",
        )
    facilitators = list(facilitators)
    in_order = sorted(enumerate(days), key=lambda item: (item[1].date, item[1].starts_at))
    saved = []
    for number, (index, day) in zip(free_numbers, in_order, strict=False):
        try:
            course_day, _warnings = course_day_schedule(
                user=user,
                pilot=pilot,
                number=number,
                date=day.date,
                starts_at=day.starts_at,
                ends_at=day.ends_at,
                place=day.place,
                topic="",
                facilitators=facilitators,
            )
        except ValidationError as error:
            raise CourseDayRefused(index, error) from error
        saved.append(course_day)
    return saved
