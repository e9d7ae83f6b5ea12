"""Writes on pilots: the domain operations the views call."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilots.access import scope_for
from pilots.models import PhaseChange, Pilot

# The lifecycle of a pilot, in order; closed is the end.
PHASE_ORDER: tuple[str, ...] = (
    Pilot.Phase.PLANNED,
    Pilot.Phase.INFORMATION,
    Pilot.Phase.COURSE,
    Pilot.Phase.PLANNING,
    Pilot.Phase.FOLLOW_UP,
    Pilot.Phase.SELF_SUFFICIENT,
    Pilot.Phase.CLOSED,
)


def phase_after(phase: str) -> str | None:
    """The phase that follows `phase`, or None when `phase` is the last one."""
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def phase_reached(current: str, candidate: str) -> bool:
    """Whether `candidate` lies strictly after `current` in the lifecycle."""
    return PHASE_ORDER.index(candidate) > PHASE_ORDER.index(current)


def pilot_advance_phase(
    *, pilot: Pilot, user, reason: str, expected_phase: str | None = None
) -> Pilot:
    """Move the pilot one step along its lifecycle by hand, for `reason`, and return it.

    A phase set by hand stays: the pilot no longer follows events on its own until a
    coordinator hands it back (`pilot_phase_follow_events`). The move and its reason are logged.

    The row is locked while it moves, and when the caller says which phase it saw
    (`expected_phase`) a pilot that has moved on since is refused: a double-click or a second
    coordinator acting on a stale page must never skip a phase.
    """
    scope = scope_for(user)
    scope.require(scope.can_advance_phase(pilot))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the pilot moves on; the reason is kept in its history.")},
            code="reason_required",
        )
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
        now = timezone.now()
        locked.phase = following
        locked.phase_changed_at = now
        locked.phase_set_by_hand = True
        locked.save(update_fields=["phase", "phase_changed_at", "phase_set_by_hand"])
        PhaseChange.objects.create(
            pilot=locked,
            from_phase=current,
            to_phase=following,
            reason=reason,
            changed_by=user,
            changed_at=now,
        )
    pilot.phase, pilot.phase_changed_at = locked.phase, locked.phase_changed_at
    pilot.phase_set_by_hand = True
    return pilot


def pilot_phase_follow_events(*, pilot: Pilot, user) -> Pilot:
    """Hand a phase set by hand back to the events: from the next sweep on the pilot moves on
    by itself again (never back from where the coordinator put it)."""
    scope = scope_for(user)
    scope.require(scope.can_advance_phase(pilot))
    Pilot.objects.filter(pk=pilot.pk).update(phase_set_by_hand=False)
    pilot.phase_set_by_hand = False
    return pilot
