"""Who may see and do what: the one place that turns a login into a scope and answers for it.

Seeing: every view loads its objects through the selectors in `pilots.selectors`, which filter by
the scope built here. A lean coordinator or lean guide sees everything in their own municipality;
a department leader their own department(s); other staff read their own department (and act on
the measures they own there, `can_update_measure`); nobody sees another municipality.

Doing: the scope answers `can_<verb>` questions. Views ask them to decide what to show, and the
services ask them again (`scope.require(...)`) before they write, so a service called from a
view, the admin, a shell or a task refuses what the person may not do. The permission matrix
test reads the same methods.
"""

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from pilots.calendar import local_today
from pilots.models import Department, DepartmentRole, Person, Pilot, Programme, ProgrammeRole


def _department_of(target: Pilot | Department) -> Department:
    return target.department if isinstance(target, Pilot) else target


@dataclass(frozen=True)
class Scope:
    is_superuser: bool = False
    person_id: int | None = None
    municipality_id: int | None = None
    # Lean coordinator or lean guide in one of the municipality's programmes.
    coordinates: bool = False
    led_department_ids: frozenset[int] = field(default_factory=frozenset)
    member_department_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_anyone(self) -> bool:
        return self.is_superuser or self.person_id is not None

    # The building blocks: a programme-wide role, leading a department, belonging to one.

    def can_manage_programme(self) -> bool:
        """A lean coordinator or guide (or an administrator): the programme's own pages."""
        return self.is_superuser or self.coordinates

    def _coordinates_in(self, municipality_id: int | None) -> bool:
        return self.is_superuser or (
            self.coordinates
            and municipality_id is not None
            and municipality_id == self.municipality_id
        )

    def can_lead(self, department_id: int) -> bool:
        return self.can_manage_programme() or department_id in self.led_department_ids

    def can_read(self, department_id: int) -> bool:
        return self.can_lead(department_id) or department_id in self.member_department_ids

    def _leads(self, target: Pilot | Department) -> bool:
        department = _department_of(target)
        return (
            self._coordinates_in(department.municipality_id)
            or department.pk in self.led_department_ids
        )

    def _coordinates(self, target: Pilot | Department | Programme) -> bool:
        if isinstance(target, Programme):
            return self._coordinates_in(target.municipality_id)
        return self._coordinates_in(_department_of(target).municipality_id)

    # Named permissions: what a person may do, one method each.

    def can_view(self, target: Pilot | Department) -> bool:
        """Read the pilot's or department's pages: schedule, plan, board, follow-up."""
        department = _department_of(target)
        return self._leads(department) or department.pk in self.member_department_ids

    def can_advance_phase(self, pilot: Pilot) -> bool:
        return self._coordinates(pilot)

    def can_schedule(self, pilot: Pilot) -> bool:
        """Plan, move and cancel information meetings and course days."""
        return self._coordinates(pilot)

    def can_take_attendance(self, pilot: Pilot) -> bool:
        return self._leads(pilot)

    def can_edit_plan(self, pilot: Pilot) -> bool:
        """Write the project plan, submit it, move measures on the board, record measurements."""
        return self._leads(pilot)

    def can_update_measure(self, target: Pilot | Department, *, owner_id: int | None) -> bool:
        """Move a measure on the board and write a note on how it is going: whoever may edit
        the plan, and the measure's own owner while they hold a role (staff or any other) in its
        department.

        Takes the owner's id rather than the measure, since this layer knows nothing of plans.
        Which statuses an owner may give is the plans app's rule (`Measure.OWNER_STATUSES`).
        """
        department = _department_of(target)
        if self._leads(department):
            return True
        return (
            owner_id is not None
            and owner_id == self.person_id
            and department.pk in self.member_department_ids
            and department.municipality_id == self.municipality_id
        )

    def can_review_plan(self, pilot: Pilot) -> bool:
        """Approve or return a submitted plan."""
        return self._coordinates(pilot)

    def can_record_follow_up(self, pilot: Pilot) -> bool:
        """Record a follow-up meeting as held: the department's leader holds it with the guide,
        and the reminder asks them to record it."""
        return self._leads(pilot)

    def can_log_board_meeting(self, pilot: Pilot) -> bool:
        return self._leads(pilot)

    def can_suggest(self, pilot: Pilot) -> bool:
        """Send an improvement suggestion: anyone with a role in the department, its leader too.

        Not the programme's people or an administrator as such: a suggestion comes from someone
        who works there, and is stored with their name unless they send it anonymously.
        """
        return (
            self.person_id is not None
            and pilot.department_id in self.member_department_ids
            and pilot.department.municipality_id == self.municipality_id
        )

    def can_see_suggestion_authors(self, pilot: Pilot) -> bool:
        """See who sent a named suggestion: those who answer it (`can_edit_plan`) and may want to
        ask the author more. Colleagues read the ideas without names, so that nobody has to
        stand behind an idea in front of the whole department to make it."""
        return self.can_edit_plan(pilot)

    def can_manage_staff(self, department: Department) -> bool:
        """Add, edit and import the people of a department, and end their roles there."""
        return self._leads(department)

    def can_move_staff(self, department: Department) -> bool:
        """Move a person from this department to another: the coordinators' job, so that a
        department leader can neither pull people out of other departments nor learn who
        works there."""
        return self._coordinates(department)

    def can_choose_information_session(self, pilot: Pilot) -> bool:
        """Choose which session of the pilot's information meeting to attend: the people of
        the department, for themselves."""
        return pilot.department_id in self.member_department_ids

    def can_assign_information_sessions(self, pilot: Pilot) -> bool:
        """Put the department's people on sessions of the information meeting."""
        return self._leads(pilot)

    def can_view_programme(self, programme: Programme) -> bool:
        """The programme-wide figures: gains across pilots, the outbox."""
        return self._coordinates(programme)

    def can_invite(
        self, person: Person, *, department_ids: AbstractSet[int], has_programme_role: bool
    ) -> bool:
        """Invite a person without a login to make one (and send it again, or withdraw it).

        Coordinators and guides invite anybody in their municipality. A department leader
        invites the people who hold a role in a department they lead, but nobody who also holds
        a programme role: a login for the lean coordinator is not theirs to hand out.
        `department_ids` are the departments the person holds a role in
        (`pilots.invitations.invitees` reads them).
        """
        if self._coordinates_in(person.municipality_id):
            return True
        return (
            person.municipality_id == self.municipality_id
            and self.municipality_id is not None
            and not has_programme_role
            and bool(self.led_department_ids & set(department_ids))
        )

    def can_view_invitations(self) -> bool:
        """The list of the municipality's invitations that wait for an answer."""
        return self.can_manage_programme()

    def can_set_up_pilot(self, target: Programme | Pilot) -> bool:
        """Start a new pilot in the programme: create its department, give it a leader, and
        walk it through the setup checklist."""
        return self._coordinates(target)

    def can_edit_programme_settings(self, programme: Programme) -> bool:
        """The programme's default course weeks and the dates by which pilots reach each phase."""
        return self._coordinates(programme)

    def can_manage_holiday_periods(self, *, municipality_id: int) -> bool:
        """Add, change and delete the municipality's holiday periods that scheduling warns of."""
        return self._coordinates_in(municipality_id)

    def can_export_person_data(self, person: Person) -> bool:
        """See and download everything the system holds about a person (innsyn): the person
        themself, and the coordinators of their municipality who answer a request for them."""
        return (self.person_id is not None and person.pk == self.person_id) or (
            self._coordinates_in(person.municipality_id)
        )

    def can_erase_person(self, person: Person) -> bool:
        """Anonymise a person on request: the coordinators of their municipality, never on
        themselves (someone else checks the request and does it)."""
        return self._coordinates_in(person.municipality_id) and person.pk != self.person_id

    def can_view_outbox(self) -> bool:
        return self.can_manage_programme()

    def can_resend_reminder(self, *, municipality_id: int) -> bool:
        return self._coordinates_in(municipality_id)

    def can_read_library(self) -> bool:
        """The learning library of earlier processes and pilots' lessons: everyone with a role
        in the municipality reads all of it (the lessons are written for other departments)."""
        return self.is_superuser or (
            self.municipality_id is not None
            and (self.coordinates or bool(self.member_department_ids))
        )

    def can_curate_library(self, *, municipality_id: int | None) -> bool:
        """Add, change, import and delete the municipality's earlier processes. Needs a
        municipality to write into: an administrator without one uses the admin."""
        return municipality_id is not None and self._coordinates_in(municipality_id)

    def can_write_lessons(self, pilot: Pilot) -> bool:
        """Write or change what the pilot's department learned: its leader, or a coordinator."""
        return self._leads(pilot)

    def require(self, allowed: bool) -> None:
        """Refuse (PermissionDenied, a 403 in a view) unless the answer was yes."""
        if not allowed:
            raise PermissionDenied


_ANONYMOUS = Scope()

# Every named permission, for the permission matrix and anyone who lists what a role may do.
OBJECT_PERMISSIONS = (
    "can_view",
    "can_advance_phase",
    "can_schedule",
    "can_take_attendance",
    "can_edit_plan",
    "can_suggest",
    "can_review_plan",
    "can_record_follow_up",
    "can_log_board_meeting",
    "can_choose_information_session",
    "can_assign_information_sessions",
)


# The named permissions about a programme (or a pilot through its programme), for the same lists.
PROGRAMME_PERMISSIONS = (
    "can_view_programme",
    "can_set_up_pilot",
    "can_edit_programme_settings",
)
# Named permissions that also ask who owns the thing (`owner_id=`), besides the pilot.
OWNER_PERMISSIONS = ("can_update_measure",)


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (two small queries) and kept on the user.

    Anyone without an active person gets only what `is_superuser` gives them: an inactive person
    is nobody, even while a session of theirs is still open.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return _ANONYMOUS
    cached = getattr(user, "_lean_scope", None)
    if cached is not None:
        return cached
    person = Person.objects.filter(user=user, is_active=True).only("id", "municipality").first()
    if person is None:
        scope = Scope(is_superuser=user.is_superuser)
    else:
        # Only roles held today: a leader whose role has ended loses the access with it.
        today = local_today()
        roles = list(
            DepartmentRole.objects.active(today)
            .filter(person=person)
            .values_list("department_id", "role")
        )
        scope = Scope(
            is_superuser=user.is_superuser,
            person_id=person.pk,
            municipality_id=person.municipality_id,
            coordinates=ProgrammeRole.objects.active(today)
            .filter(person=person, programme__municipality_id=person.municipality_id)
            .exists(),
            led_department_ids=frozenset(
                dep for dep, role in roles if role == DepartmentRole.Role.DEPARTMENT_LEADER
            ),
            member_department_ids=frozenset(dep for dep, _role in roles),
        )
    user._lean_scope = scope
    return scope
