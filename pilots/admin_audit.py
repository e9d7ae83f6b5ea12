"""The admin's role saves (and a person made active or inactive), in the audit log like the site's.

An administrator who grants, changes, ends or removes a programme or department role in the
admin, on the role's own page or in the inline of a programme, department or person, leaves the
same `AuditEvent` a coordinator's staff page leaves (`pilots.audit.record_role_change`).
"""

from pilots import audit
from pilots.calendar import local_today
from pilots.models import AuditEvent, DepartmentRole, Person, ProgrammeRole

ROLE_MODELS = (ProgrammeRole, DepartmentRole)
# A change of any of these is a change of what the person may do; a new position
# percentage is not.
_WHO_WHAT_WHERE = {"person", "role", "programme", "department"}


def role_change(role: ProgrammeRole | DepartmentRole, changed: list[str]) -> str | None:
    """What saving `role` with the fields `changed` did to the person's permissions, if anything."""
    if _WHO_WHAT_WHERE & set(changed):
        return audit.CHANGED
    if "ends_on" in changed:
        if role.ends_on is None:
            return audit.GRANTED
        # An end date in the future ends the role then; one today or before ends it now.
        return f"{audit.ENDED} {role.ends_on.isoformat()}"
    return None


def person_active_record(actor, person: Person) -> None:
    """Note that `actor` made the person active (their login works) or inactive (it does not)."""
    state = audit.GRANTED if person.is_active else audit.ENDED
    audit.record(
        actor, AuditEvent.Action.PERMISSIONS, subject=person, detail=f"person active {state}"
    )


class RecordsRoleChanges:
    """For a role's own admin (save_model, delete_*) and for admins with role inlines
    (save_formset). Runs inside the admin's transaction, like the save it records."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if isinstance(obj, ROLE_MODELS):
            what = role_change(obj, form.changed_data) if change else audit.GRANTED
            if what is not None:
                audit.record_role_change(request.user, obj, what)
        elif isinstance(obj, Person) and change:
            # A person's login works only while the person is active, and is theirs only while
            # it is linked to them: both are what the person may do.
            if "is_active" in form.changed_data:
                person_active_record(request.user, obj)
            if "user" in form.changed_data:
                audit.record(
                    request.user,
                    AuditEvent.Action.PERMISSIONS,
                    subject=obj,
                    detail=f"person's login now {obj.user_id or 'none'}",
                )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        if isinstance(obj, ROLE_MODELS):
            audit.record_role_change(request.user, obj, audit.REMOVED)

    def delete_queryset(self, request, queryset):
        roles = list(queryset.select_related("person")) if queryset.model in ROLE_MODELS else []
        super().delete_queryset(request, queryset)
        for role in roles:
            audit.record_role_change(request.user, role, audit.REMOVED)

    def save_formset(self, request, form, formset, change):
        if formset.model not in ROLE_MODELS:
            return super().save_formset(request, form, formset, change)
        # Before the save: a deleted row has lost its id afterwards.
        removed = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        for role in removed:
            audit.record_role_change(request.user, role, audit.REMOVED)
        result = super().save_formset(request, form, formset, change)
        for role in formset.new_objects:
            active = role.is_active_on(local_today())
            what = audit.GRANTED if active else f"{audit.ENDED} {role.ends_on.isoformat()}"
            audit.record_role_change(request.user, role, what)
        for role, changed in formset.changed_objects:
            if (what := role_change(role, changed)) is not None:
                audit.record_role_change(request.user, role, what)
        return result
