"""The audit log: one call for every read, export, change or erasure of personal data, and every
change of what someone may do (`AuditEvent`). Services call it inside their transaction, so an
event exists exactly when the thing it records happened."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from pilots.models import AuditEvent, DepartmentRole, Person, ProgrammeRole


def record(
    actor: AbstractBaseUser | AnonymousUser | None,
    action: AuditEvent.Action,
    *,
    subject: Person | None = None,
    municipality_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Note that `actor` (None: the system, e.g. the retention task) did `action`.

    `detail` names what was touched (models, fields, counts), never the values themselves.
    """
    if subject is not None and municipality_id is None:
        municipality_id = subject.municipality_id
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        municipality_id=municipality_id,
        subject_person_id=subject.pk if subject is not None else None,
        subject_label=subject.full_name if subject is not None else "",
        detail=detail[:300],
    )


# --- Permissions ------------------------------------------------------------------------------
#
# What a role change says, in one wording wherever it happens (a staff page, an import, the
# pilot setup, the admin): the role's code and where it applies, by id. Never a name: the
# person is the event's subject, and a department's name is not needed to find it.
GRANTED = "granted"
CHANGED = "changed"
ENDED = "ended"
REMOVED = "removed"


def role_where(role: ProgrammeRole | DepartmentRole) -> str:
    if isinstance(role, ProgrammeRole):
        return f"programme {role.programme_id}"
    return f"department {role.department_id}"


def record_role_change(
    actor: AbstractBaseUser | AnonymousUser | None,
    role: ProgrammeRole | DepartmentRole,
    change: str,
    *,
    subject: Person | None = None,
) -> AuditEvent:
    """Note that `actor` granted, changed, ended or removed `role` (pass `subject` when the
    caller already holds the role's person, to spare the query)."""
    kind = "programme role" if isinstance(role, ProgrammeRole) else "department role"
    return record(
        actor,
        AuditEvent.Action.PERMISSIONS,
        subject=subject or role.person,
        detail=f"{kind} {role.role} in {role_where(role)}: {change}",
    )


def record_login_change(
    actor: AbstractBaseUser | AnonymousUser | None,
    *,
    user_id: int,
    subject: Person | None,
    change: str,
) -> AuditEvent:
    """Note a change of what a login may do: made, made active, staff or superuser, its groups.
    `subject` is the person behind the login, if it has one."""
    return record(
        actor,
        AuditEvent.Action.PERMISSIONS,
        subject=subject,
        detail=f"login {user_id}: {change}",
    )
