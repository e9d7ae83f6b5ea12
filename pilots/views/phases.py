"""Moving a pilot along its lifecycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilots.selectors import pilot_get_for_user
from pilots.services import pilot_advance_phase as advance_phase


@login_required
@require_POST
def pilot_advance_phase(request, pk: int):
    """Move the pilot to its next phase; refused (error message, no change) when stale or closed."""
    pilot = pilot_get_for_user(request.user, pk)
    try:
        pilot = advance_phase(
            pilot=pilot,
            user=request.user,
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
