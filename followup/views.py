"""Follow-up pages: a pilot's follow-up, holding a follow-up meeting, logging, correcting and
deleting a board meeting, and the coordinators' outbox of reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followup import selectors, services
from followup.forms import (
    BoardMeetingForm,
    FollowUpActionFormSet,
    FollowUpMeetingHoldForm,
    FollowUpMeetingPlanForm,
    OutboxFilterForm,
)
from followup.models import Reminder
from pilots.access import scope_for
from pilots.collation import norwegian
from pilots.selectors import pilot_get_for_user, pilots_for_user
from training.selectors import facilitator_choices_for_user

OUTBOX_PAGE_SIZE = 50


def _require_outbox(user) -> None:
    scope = scope_for(user)
    scope.require(scope.can_view_outbox())


def _add_service_errors(form, exc: ValidationError) -> None:
    form.add_error(None, exc)


@login_required
@require_GET
def pilot_follow_up(request, pilot_pk: int):
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    follow_up = selectors.pilot_follow_up(pilot)
    return render(
        request,
        "followup/pilot_follow_up.html",
        {
            "pilot": pilot,
            "follow_up": follow_up,
            "today": timezone.localdate(),
            "can_record_follow_up": scope.can_record_follow_up(pilot),
            "can_log_board_meeting": scope.can_log_board_meeting(pilot),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_meeting_plan(request, pk: int):
    meeting = selectors.follow_up_meeting_get_for_user(request.user, pk)
    pilot = meeting.pilot
    scope = scope_for(request.user)
    scope.require(scope.can_record_follow_up(pilot))
    initial = {}
    if not meeting.is_planned:
        initial = {
            "planned_on": meeting.due_on,
            "participants": selectors.follow_up_participant_defaults(pilot),
        }
    form = FollowUpMeetingPlanForm(
        request.POST or None,
        instance=meeting,
        initial=initial,
        participant_choices=facilitator_choices_for_user(request.user, pilot=pilot),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_meeting_plan(
                user=request.user,
                meeting=meeting,
                **{
                    name: form.cleaned_data[name]
                    for name in ("planned_on", "starts_at", "ends_at", "place", "participants")
                },
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("The follow-up meeting is planned."))
            return redirect("followup:pilot_follow_up", pilot_pk=pilot.pk)
    return render(
        request,
        "followup/follow_up_meeting_plan.html",
        {"form": form, "meeting": meeting, "pilot": pilot},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_meeting_hold(request, pk: int):
    meeting = selectors.follow_up_meeting_get_for_user(request.user, pk)
    pilot = meeting.pilot
    scope = scope_for(request.user)
    scope.require(scope.can_record_follow_up(pilot))
    today = timezone.localdate()
    choices = selectors.follow_up_attendee_choices(pilot, meeting=meeting)
    initial = {} if meeting.held_on else {"held_on": today}
    form = FollowUpMeetingHoldForm(
        request.POST or None,
        instance=meeting,
        initial=initial,
        attendee_choices=choices,
        carried_items=selectors.follow_up_carried_items(meeting),
    )
    can_add_actions = scope.can_edit_plan(pilot)
    # A post without the action rows (an older page, a script) records the meeting without actions.
    with_actions = request.method == "GET" or "actions-TOTAL_FORMS" in request.POST
    can_add_actions = can_add_actions and with_actions
    actions = FollowUpActionFormSet(
        request.POST or None,
        prefix="actions",
        form_kwargs={"owner_choices": selectors.follow_up_owner_choices(pilot)},
    )
    valid = request.method == "POST" and form.is_valid()
    if can_add_actions:
        valid = valid and actions.is_valid()
    if valid:
        try:
            services.follow_up_meeting_hold(
                user=request.user,
                meeting=meeting,
                held_on=form.cleaned_data["held_on"],
                notes=form.cleaned_data["notes"],
                attendees=form.cleaned_data["attendees"],
                decisions=form.cleaned_data["decisions"],
                open_items=form.cleaned_data["open_items"],
                done_items=form.cleaned_data["done_items"],
                actions=[
                    services.ActionInput(
                        text=row["text"], owner=row.get("owner"), deadline=row.get("deadline")
                    )
                    for row in (actions.cleaned_data if can_add_actions else [])
                    if row.get("text")
                ],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("The follow-up meeting is recorded as held."))
            return redirect("followup:pilot_follow_up", pilot_pk=pilot.pk)
    has_errors = request.method == "POST" and bool(
        form.errors or (can_add_actions and actions.total_error_count())
    )
    return render(
        request,
        "followup/follow_up_meeting_form.html",
        {
            "form": form,
            "actions": actions if can_add_actions else None,
            "meeting": meeting,
            "pilot": pilot,
            "agenda": selectors.follow_up_agenda(meeting, today=today),
            "today": today,
        },
        status=400 if has_errors else 200,
    )


def _board_meeting_page(request, *, pilot, meeting=None):
    """Log a board meeting (`meeting` None) or correct one: one form, one page."""
    scope = scope_for(request.user)
    scope.require(scope.can_log_board_meeting(pilot))
    form = BoardMeetingForm(
        request.POST or None,
        instance=meeting,
        initial={"held_on": timezone.localdate()} if meeting is None else None,
        measure_choices=selectors.board_meeting_measure_choices(pilot),
    )
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in ("held_on", "minutes", "present_count", "measures_touched")
        }
        try:
            if meeting is None:
                services.board_meeting_log(user=request.user, pilot=pilot, **fields)
                text = _("The board meeting is logged.")
            else:
                services.board_meeting_update(user=request.user, meeting=meeting, **fields)
                text = _("The board meeting is corrected.")
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, text)
            return redirect("followup:pilot_follow_up", pilot_pk=pilot.pk)
    return render(
        request,
        "followup/board_meeting_form.html",
        {"form": form, "pilot": pilot, "meeting": meeting},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def board_meeting_create(request, pilot_pk: int):
    return _board_meeting_page(request, pilot=pilot_get_for_user(request.user, pilot_pk))


@login_required
@require_http_methods(["GET", "POST"])
def board_meeting_edit(request, pk: int):
    meeting = selectors.board_meeting_get_for_user(request.user, pk)
    return _board_meeting_page(request, pilot=meeting.pilot, meeting=meeting)


@login_required
@require_POST
def board_meeting_delete(request, pk: int):
    meeting = selectors.board_meeting_get_for_user(request.user, pk)
    pilot = meeting.pilot
    services.board_meeting_delete(user=request.user, meeting=meeting)
    messages.success(request, _("The board meeting is deleted."))
    return redirect("followup:pilot_follow_up", pilot_pk=pilot.pk)


@login_required
@require_GET
def outbox(request):
    _require_outbox(request.user)
    form = OutboxFilterForm(
        request.GET or None,
        pilots=pilots_for_user(request.user).order_by(norwegian("department__name"), "pk"),
    )
    if form.is_bound and not form.is_valid():
        return render(request, "followup/outbox.html", {"form": form}, status=400)
    reminders = form.filter(selectors.reminders_for_user(request.user)).order_by("-due_at", "-pk")
    page = Paginator(reminders, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "followup/outbox.html",
        {"form": form, "page": page, "query": query.urlencode(), "Status": Reminder.Status},
    )


@login_required
@require_GET
def reminder_detail(request, pk: int):
    _require_outbox(request.user)
    reminder = selectors.reminder_get_for_user(request.user, pk)
    return render(
        request, "followup/reminder_detail.html", {"reminder": reminder, "Status": Reminder.Status}
    )


@login_required
@require_POST
def reminder_resend(request, pk: int):
    _require_outbox(request.user)
    reminder = selectors.reminder_get_for_user(request.user, pk)
    try:
        claim = services.reminder_resend(user=request.user, reminder=reminder)
    except services.ResendRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if claim.released:
            messages.warning(
                request,
                _(
                    "The reminder will be sent again; the mail queue did not answer just now, "
                    "so it goes out with the next round of reminders."
                ),
            )
        else:
            messages.success(request, _("The reminder is being sent again."))
    return redirect("followup:reminder_detail", pk=reminder.pk)
