import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than SESSION_IDLE_TIMEOUT seconds.

    SESSION_COOKIE_AGE caps the absolute lifetime; this caps the time between requests, so a
    forgotten browser on a shared PC in a care home does not stay logged in all day.
    """

    key = "leanprogram_last_seen"
    # Store the time at most once a minute: a session write on every page view costs a database
    # write per request for a timeout measured in tens of minutes.
    resolution = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.key)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were logged out after a period without activity."))
            elif last_seen is None or now - last_seen >= self.resolution:
                request.session[self.key] = now
        return self.get_response(request)


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    # Logging in is activity: the first page after it need not write the session again.
    if request is not None and hasattr(request, "session"):
        request.session[IdleTimeoutMiddleware.key] = int(time.time())
