"""Writes on pilots: the domain operations the views call."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilots.access import scope_for
from pilots.models import Pilot

# The lifecycle of a pilot, in order; closed is the end.
PHASE_ORDER: tuple[str, ...] = (
    Pilot.Phase.PLANNED,
    Pilot.Phase.INFORMATION,
    Pilot.Phase.COURSE,
    Pilot.Phase.FOLLOW_UP,
    Pilot.Phase.SELF_SUFFICIENT,
    Pilot.Phase.CLOSED,
)


def phase_after(phase: str) -> str | None:
    """The phase that follows `phase`, or None when `phase` is the last one."""
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def pilot_advance_phase(*, pilot: Pilot, user, expected_phase: str | None = None) -> Pilot:
    """Move the pilot one step along its lifecycle and return it.

    The row is locked while it moves, and when the caller says which phase it saw
    (`expected_phase`) a pilot that has moved on since is refused: a double-click or a second
    coordinator acting on a stale page must never skip a phase.
    """
    scope = scope_for(user)
    scope.require(scope.can_advance_phase(pilot))
    with transaction.atomic():
        locked = Pilot.objects.select_for_update().get(pk=pilot.pk)
        current = Pilot.Phase(locked.phase)
        if expected_phase is not None and expected_phase != current:
            raise ValidationError(
                _(
                    "The pilot has already moved to the phase “%(phase)s”. Nothing was changed; "
                    "check the page and try again."
                )
                % {"phase": current.label},
                code="stale_phase",
            )
        following = phase_after(current)
        if following is None:
            raise ValidationError(
                _("The pilot is closed; closed is the last phase."), code="last_phase"
            )
        locked.phase = following
        locked.phase_changed_at = timezone.now()
        locked.save(update_fields=["phase", "phase_changed_at"])
    pilot.phase, pilot.phase_changed_at = locked.phase, locked.phase_changed_at
    return pilot
