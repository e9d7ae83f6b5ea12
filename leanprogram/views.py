from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from pilots.access import scope_for
from pilots.selectors import pilots_for_user


@require_GET
@login_required
def home(request):
    """Send each person to the page that fits their role."""
    scope = scope_for(request.user)
    if scope.can_manage_programme():
        return redirect("pilots:dashboard")
    pilot_ids = list(pilots_for_user(request.user).values_list("pk", flat=True)[:2])
    if len(pilot_ids) == 1:
        return redirect("pilots:pilot_detail", pk=pilot_ids[0])
    if pilot_ids:
        return redirect("pilots:dashboard")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "no_access.html")


@require_GET
def accessibility(request):
    return render(request, "accessibility.html")
