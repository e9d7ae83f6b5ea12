"""Who may see and do what: the one place that turns a login into a scope.

Every view loads its objects through the selectors in `pilots.selectors`, which filter by the scope
built here. A lean coordinator or lean guide sees everything in their own municipality; a department
leader their own department(s); other staff read their own department; nobody sees another
municipality.
"""

from dataclasses import dataclass, field

from pilots.models import DepartmentRole, Person, ProgrammeRole


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

    def can_manage_programme(self) -> bool:
        return self.is_superuser or self.coordinates

    def can_lead(self, department_id: int) -> bool:
        return self.can_manage_programme() or department_id in self.led_department_ids

    def can_read(self, department_id: int) -> bool:
        return self.can_lead(department_id) or department_id in self.member_department_ids


_ANONYMOUS = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (two small queries) and kept on the user."""
    if not getattr(user, "is_authenticated", False):
        return _ANONYMOUS
    cached = getattr(user, "_lean_scope", None)
    if cached is not None:
        return cached
    person = Person.objects.filter(user=user, is_active=True).only("id", "municipality").first()
    if person is None:
        scope = Scope(is_superuser=user.is_superuser)
    else:
        roles = list(
            DepartmentRole.objects.filter(person=person).values_list("department_id", "role")
        )
        scope = Scope(
            is_superuser=user.is_superuser,
            person_id=person.pk,
            municipality_id=person.municipality_id,
            coordinates=ProgrammeRole.objects.filter(
                person=person, programme__municipality_id=person.municipality_id
            ).exists(),
            led_department_ids=frozenset(
                dep for dep, role in roles if role == DepartmentRole.Role.DEPARTMENT_LEADER
            ),
            member_department_ids=frozenset(dep for dep, _role in roles),
        )
    user._lean_scope = scope
    return scope
