import datetime as dt
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# A request the page makes by itself (the board refreshing on a screen) sends this header. It
# must not keep a session alive: a logged-in screen forgotten on a wall still times out.
BACKGROUND_HEADER = "X-Lean-Background"
# drafts.js puts a fresh token in this field when it submits a form with a draft; a POST that
# ends in a redirect (the save went through) hands the token back in the cookie of that name,
# and the next page drops the draft. The cookie holds nothing but that random token.
DRAFT_FIELD = "_draft"
DRAFT_SAVED_COOKIE = "lean_draft_saved"
_DRAFT_TOKEN_MAX = 64


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than SESSION_IDLE_TIMEOUT seconds, or that
    is older than SESSION_COOKIE_AGE seconds however busy it was.

    The idle timeout caps the time between requests, so a forgotten browser on a shared PC in a
    care home does not stay logged in all day. The absolute age is counted from the login:
    Django's own session expiry slides forward on every session write (and the idle clock
    writes the session every minute), so it is set to a fixed date at login instead
    (`start_session_clocks`) and checked here as well, with a message saying why.

    Requests carrying BACKGROUND_HEADER are checked like any other but do not count as activity.
    """

    key = "leanprogram_last_seen"
    login_key = "leanprogram_logged_in_at"
    # Store the time at most once a minute: a session write on every page view costs a database
    # write per request for a timeout measured in tens of minutes. (A shorter timeout, as in
    # tests, gets a finer resolution, or activity could not keep it alive.)
    resolution = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        now = int(time.time())
        session = request.session
        logged_in_at = session.get(self.login_key)
        if logged_in_at is None:
            # A session from before the absolute age was counted: count it from now.
            _start_absolute_clock(session, now)
        elif now - logged_in_at > settings.SESSION_COOKIE_AGE:
            logout(request)
            messages.info(request, _("Your login has expired. Log in again to go on."))
            return
        last_seen = session.get(self.key)
        timeout = settings.SESSION_IDLE_TIMEOUT
        if last_seen is not None and now - last_seen > timeout:
            logout(request)
            messages.info(request, _("You were logged out after a period without activity."))
            return
        if request.headers.get(BACKGROUND_HEADER):
            return
        resolution = min(self.resolution, max(1, timeout // 10))
        if last_seen is None or now - last_seen >= resolution:
            session[self.key] = now


def _start_absolute_clock(session, now: int) -> None:
    session[IdleTimeoutMiddleware.login_key] = now
    # A fixed date: the session row and the cookie expire then, whatever is written later. On
    # Django's clock, which is the one the session store compares it with.
    session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))


@receiver(user_logged_in)
def start_session_clocks(sender, request, user, **kwargs):
    # Logging in is activity: the first page after it need not write the session again.
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[IdleTimeoutMiddleware.key] = now
        _start_absolute_clock(request.session, now)


class HtmxLoginRedirectMiddleware:
    """An htmx request that finds the session gone reloads the page into the login form.

    Without this, htmx would follow the redirect to the login page and swap that page into the
    board. The login returns to the page the request came from (HX-Current-URL), not to the
    fragment's URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and urlsplit(response.get("Location", "")).path == resolve_url(settings.LOGIN_URL)
        ):
            current = request.headers.get("HX-Current-URL", "")
            next_path = ""
            if url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()}):
                parts = urlsplit(current)
                next_path = parts.path + (f"?{parts.query}" if parts.query else "")
            location = redirect_to_login(next_path or "/")["Location"]
            reload = HttpResponse(status=204)
            reload["HX-Redirect"] = location
            return reload
        return response


class DraftSavedMiddleware:
    """Tell the browser that a form with a draft was saved: its POST ended in a redirect while
    the person was still logged in (the pattern every form here follows on success), so the
    draft in the browser can go. A failed POST re-renders the form; an expired session ends at
    the login page with the person logged out, and the draft stays for after the login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code in (301, 302, 303)
            and request.user.is_authenticated
        ):
            token = request.POST.get(DRAFT_FIELD, "")
            if token and len(token) <= _DRAFT_TOKEN_MAX and token.isalnum():
                response.set_cookie(
                    DRAFT_SAVED_COOKIE,
                    token,
                    max_age=300,
                    secure=settings.SESSION_COOKIE_SECURE,
                    samesite="Lax",
                    # Read by drafts.js, which deletes it once it has dropped the draft.
                    httponly=False,
                )
        return response
