"""The audit log: one call for every read, export, change or erasure of personal data, and every
change of what someone may do (`AuditEvent`). Services call it inside their transaction, so an
event exists exactly when the thing it records happened."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from pilots.models import AuditEvent, Person


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
