"""Gains per programme: hours per week freed by each pilot's measures, and in FTE."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from pilots.access import scope_for
from pilots.selectors import programmes_for_user
from plans.gains import programme_gains_rows


@login_required
@require_GET
def programme_gains(request, pk: int):
    """Hours per week identified and realised per pilot, and in full-time equivalents."""
    programme = get_object_or_404(programmes_for_user(request.user), pk=pk)
    scope = scope_for(request.user)
    scope.require(scope.can_view_programme(programme))
    rows, total = programme_gains_rows(user=request.user, programme=programme)
    context = {"programme": programme, "rows": rows, "total": total}
    return render(request, "plans/gains.html", context)
