"""Browser defences every response carries, beside Django's SecurityMiddleware and django-csp's
CSPMiddleware (settings, "Security"): what the page may use of the device, who may embed our
resources, and that a logged-in person's pages are never kept in a cache."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

# Every powerful feature a page here never uses, switched off for the page and anything it might
# embed: a script that got in anyway cannot reach the camera, the microphone or the location.
# Only features Chromium knows are listed: an unknown one is an error on the console of every
# page (tests/browser/test_csp.py fails on it; Debian's Chromium knows no bluetooth or web-share).
# Two stay open to the page itself: the wall-screen board fills the screen (board.js) and copies a
# screen link to the clipboard.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "autoplay": "()",
    "browsing-topics": "()",
    "camera": "()",
    "clipboard-read": "()",
    "clipboard-write": "(self)",
    "display-capture": "()",
    "encrypted-media": "()",
    "fullscreen": "(self)",
    "geolocation": "()",
    "gyroscope": "()",
    "hid": "()",
    "idle-detection": "()",
    "local-fonts": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "otp-credentials": "()",
    "payment": "()",
    "picture-in-picture": "()",
    "publickey-credentials-create": "()",
    "publickey-credentials-get": "()",
    "screen-wake-lock": "()",
    "serial": "()",
    "usb": "()",
    "window-management": "()",
    "xr-spatial-tracking": "()",
}
PERMISSIONS_POLICY_HEADER = ", ".join(
    f"{name}={allow}" for name, allow in PERMISSIONS_POLICY.items()
)


class SecurityHeadersMiddleware:
    """Permissions-Policy and Cross-Origin-Resource-Policy on every page, and
    `Cache-Control: no-store, private` on every answer to a logged-in person.

    A page for a logged-in person shows names, plans and comments: no-store keeps it out of the
    browser's disk cache and back/forward cache (on a shared PC in a care home, Back after logging
    out must not show the last person's pages) and out of any shared proxy. It counts when the
    person was logged in as the request came or is as it leaves (the idle timeout and the logout
    end a session during the request; the login starts one). Sits after AuthenticationMiddleware,
    so static files, which WhiteNoise serves before it, keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_logged_in = request.user.is_authenticated
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY_HEADER)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.SECURE_CROSS_ORIGIN_RESOURCE_POLICY
        )
        if was_logged_in or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
