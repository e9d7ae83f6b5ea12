"""Calendar pages: an event as a one-off .ics download, the calendar feeds a calendar subscribes
to (`followup.feeds`), the page that lists them and the button that renews a feed's link."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from followup import feeds, ical
from followup.models import CalendarFeed
from followup.selectors import follow_up_meeting_get_for_user
from pilots.selectors import pilot_get_for_user, programme_get_for_user
from training.selectors import course_day_get_for_user, meeting_get_for_user

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(content: bytes, *, filename: str, private: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    if private:
        # A feed's address is its key: it must not leak through a Referer or a search engine.
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _download(item: ical.Item, *, filename: str) -> HttpResponse:
    return _calendar_response(ical.calendar_build([item]), filename=filename)


@login_required
@require_GET
def course_day_ics(request, pk: int):
    day = course_day_get_for_user(request.user, pk)
    return _download(ical.course_day_item(day), filename=f"course-day-{day.number}.ics")


@login_required
@require_GET
def information_meeting_ics(request, pk: int):
    meeting = meeting_get_for_user(request.user, pk)
    return _download(
        ical.information_meeting_item(meeting), filename=f"information-meeting-{meeting.pk}.ics"
    )


@login_required
@require_GET
def follow_up_meeting_ics(request, pk: int):
    meeting = follow_up_meeting_get_for_user(request.user, pk)
    return _download(
        ical.follow_up_meeting_item(meeting), filename=f"follow-up-meeting-{meeting.pk}.ics"
    )


@require_GET
def calendar_feed(request, token: str):
    """A calendar's subscription: no login, the secret link is the key (`followup.feeds`)."""
    feed = feeds.calendar_feed_from_token(token)
    content = feeds.calendar_feed_render(feed) if feed is not None else None
    if content is None:
        raise Http404
    return _calendar_response(content, filename="leanprogram.ics", private=True)


@login_required
@require_GET
def calendars(request):
    """The feeds the person may subscribe to, each with its link or a button to make one."""
    links = feeds.calendar_feed_links(request.user)
    if not links:
        raise Http404
    return render(request, "followup/calendars.html", {"links": links})


class CalendarFeedRenewForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("calendar"), choices=CalendarFeed.Kind.choices)
    target = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    next = forms.CharField(required=False, max_length=500)


@login_required
@require_POST
def calendar_feed_renew(request):
    """Make a feed's link, or a new one in place of the old, which then stops working."""
    links = feeds.calendar_feed_links(request.user)
    if not links:
        raise Http404  # a login without a person (an administrator) has no calendar
    form = CalendarFeedRenewForm(request.POST)
    if not form.is_valid():
        context = {"links": links, "error": _("That calendar link could not be made. Try again.")}
        return render(request, "followup/calendars.html", context, status=400)
    kind, target = form.cleaned_data["kind"], form.cleaned_data["target"]
    pilot = programme = None
    if kind == CalendarFeed.Kind.PILOT:
        pilot = pilot_get_for_user(request.user, target or 0)
    elif kind == CalendarFeed.Kind.PROGRAMME:
        programme = programme_get_for_user(request.user, target or 0)
    _feed, had_one = feeds.calendar_feed_renew(
        user=request.user, kind=kind, pilot=pilot, programme=programme, now=timezone.now()
    )
    if had_one:
        messages.success(
            request,
            _(
                "A new calendar link is made and the old one no longer works. Subscribe to the "
                "new link in your calendar."
            ),
        )
    else:
        messages.success(
            request, _("Your calendar link is made. Subscribe to it in your calendar.")
        )
    destination = form.cleaned_data["next"]
    if destination and url_has_allowed_host_and_scheme(
        destination, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(destination)
    return redirect("followup:calendars")
