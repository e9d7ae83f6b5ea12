"""Moving a pilot along its lifecycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilots.selectors import pilot_get_for_user
from pilots.services import pilot_advance_phase as advance_phase
from pilots.services import pilot_phase_follow_events as follow_events


@login_required
@require_POST
def pilot_advance_phase(request, pk: int):
    """Move the pilot to its next phase by hand, for the reason given; refused (error message,
    no change) without a reason, when stale or closed."""
    pilot = pilot_get_for_user(request.user, pk)
    try:
        pilot = advance_phase(
            pilot=pilot,
            user=request.user,
            reason=request.POST.get("reason", ""),
            expected_phase=request.POST.get("expected_phase") or None,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(department)s moved to the phase “%(phase)s”.")
            % {"department": pilot.department, "phase": pilot.get_phase_display()},
        )
    return redirect("programme:pilot_detail", pk=pilot.pk)


@login_required
@require_POST
def pilot_phase_follow_events(request, pk: int):
    """Hand a phase set by hand back to the events."""
    pilot = follow_events(pilot=pilot_get_for_user(request.user, pk), user=request.user)
    messages.success(
        request,
        _("The phase of %(department)s follows what happens again.")
        % {"department": pilot.department},
    )
    return redirect("programme:pilot_detail", pk=pilot.pk)
