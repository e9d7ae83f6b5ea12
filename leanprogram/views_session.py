"""The session's keepalive: a person typing in a long form makes no requests, so drafts.js
reports the typing now and then, and this request counts as activity for the idle timeout."""

from django.http import HttpResponse
from django.views.decorators.http import require_POST


@require_POST
def session_keepalive(request):
    """204 for a live session; the idle clock was moved on by `IdleTimeoutMiddleware` on the
    way in. The absolute session age is a fixed date set at login, so this cannot extend it.

    403, not a redirect to the login page, when the session is gone: the script asking has no
    use for a login page, and learns that its person must log in again.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return HttpResponse(status=204)
