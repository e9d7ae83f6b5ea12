""" "My tasks": the page every person lands on after login, and the owner's report on a measure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from followup.feeds import personal_feed_link
from leanprogram.forms import MeasureProgressForm
from leanprogram.my_tasks import my_tasks as my_tasks_for
from pilots.access import scope_for
from pilots.library import pilots_with_lessons_due
from pilots.selectors import pilots_for_user
from plans import services
from plans.selectors import measure_get_for_user


def _page(request, *, bound: MeasureProgressForm | None = None, status: int = 200):
    scope = scope_for(request.user)
    tasks = my_tasks_for(request.user, today=timezone.localdate(), now=timezone.now())
    for measure in tasks.open_measures + tasks.closed_measures:
        if bound is not None and bound.measure.pk == measure.pk:
            measure.form = bound
            continue
        statuses = services.measure_status_choices(user=request.user, measure=measure)
        measure.form = MeasureProgressForm(measure=measure, statuses=statuses) if statuses else None
    context = {
        "tasks": tasks,
        "today": timezone.localdate(),
        "can_manage": scope.can_manage_programme(),
        "has_roles": bool(scope.member_department_ids) or scope.coordinates,
        # Innsyn: anyone with a person sees what the system holds about them.
        "has_person": scope.person_id is not None,
        "bound": bound,
        # The pilots running on their own whose lessons are this person's to write.
        "lessons_due": pilots_with_lessons_due(request.user, pilots=pilots_for_user(request.user)),
        "calendar_feed": personal_feed_link(scope),
    }
    return render(request, "programme/my_tasks.html", context, status=status)


@login_required
@require_GET
def my_tasks(request):
    """What is mine to do or to attend: measures, meetings, course days, my department's board."""
    return _page(request)


@login_required
@require_POST
def my_measure_progress(request, pk: int):
    """The owner (or a leader) gives a measure a new status and a note, and comes back here."""
    measure = measure_get_for_user(request.user, pk)
    # None for whoever may not act on it: someone else's measure, or one the leader dropped.
    statuses = services.measure_status_choices(user=request.user, measure=measure)
    scope_for(request.user).require(bool(statuses))
    form = MeasureProgressForm(request.POST, measure=measure, statuses=statuses)
    if form.is_valid():
        status_before = measure.status
        try:
            services.measure_record_progress(
                measure=measure,
                user=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            values = {"title": measure.title, "status": measure.get_status_display()}
            if measure.status == status_before:
                messages.success(request, _("Your note on “%(title)s” is saved.") % values)
            else:
                messages.success(request, _("“%(title)s” is now “%(status)s”.") % values)
            return redirect(f"{reverse('my_tasks')}#measure-{measure.pk}")
    return _page(request, bound=form, status=400)
