"""Logging in and out through the municipality's identity provider (pilots/oidc.py).

The views are mozilla-django-oidc's, with the provider's endpoints from discovery, and every
refusal a page that says what happened and what to do, not a 400 or 500 from deep inside.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from pilots.invitations import invitation_from_token
from pilots.oidc import (
    BACKEND,
    INVITATION_KEY,
    PersonOIDCBackend,
    ProviderUnavailable,
    Refusal,
    logout_url,
    provider_metadata,
)

logger = logging.getLogger(__name__)

_STATUS = {Refusal.UNAVAILABLE: 503, Refusal.FAILED: 400}


def _refused(request, reason: Refusal):
    return render(
        request,
        "registration/oidc_refused.html",
        {"reason": reason.value},
        status=_STATUS.get(reason, 403),
    )


@method_decorator(never_cache, name="dispatch")
class OIDCLoginView(OIDCAuthenticationRequestView):
    """Off to the provider, with a fresh state, nonce and PKCE verifier in the session."""

    def __init__(self, **kwargs):
        # Not the library's __init__: it reads the endpoint from settings; ours is discovered.
        View.__init__(self, **kwargs)

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_metadata()["authorization_endpoint"]
        except ProviderUnavailable as error:
            logger.warning("OIDC: the provider cannot be reached (%s).", error)
            return _refused(request, Refusal.UNAVAILABLE)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        # From an invitation's page: its link, checked, says who the login is meant for.
        invitation = invitation_from_token(request.GET.get("invitation", ""))
        if invitation is not None:
            request.session[INVITATION_KEY] = invitation.pk
        else:
            request.session.pop(INVITATION_KEY, None)
        return super().get(request)


@method_decorator(never_cache, name="dispatch")
class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: check the state, exchange the code, log the person in."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            return self._callback(request)
        except (
            SuspiciousOperation,
            requests.RequestException,
            ProviderUnavailable,
            jwt.PyJWTError,
        ) as error:
            # The class name only: the messages of some of these carry the provider's answer.
            logger.warning("OIDC: login failed (%s).", type(error).__name__)
            return _refused(request, Refusal.FAILED)

    def _callback(self, request):
        # The library's callback, except that it calls our backend itself rather than through
        # django.contrib.auth.authenticate(): that would count every refused login against the
        # visitor's IP address in django-axes, whose lockout is for password guessing, and one
        # office's addresses would soon be locked out of logging in at all.
        states = request.session.get("oidc_states")
        state = request.GET.get("state")
        if (
            request.GET.get("error")
            or not states
            or state not in states
            or "code" not in request.GET
        ):
            if states and state in states:
                del request.session["oidc_states"][state]
                request.session.save()
            return _refused(request, Refusal.FAILED)
        entry = states[state]
        del request.session["oidc_states"][state]
        # Saved now, so the same state cannot be used twice, even by a second tab at once.
        request.session.save()
        request.session = request.session.__class__(request.session.session_key)
        backend = PersonOIDCBackend()
        self.user = backend.authenticate(
            request, nonce=entry["nonce"], code_verifier=entry.get("code_verifier")
        )
        if self.user is None or not backend.user_can_authenticate(self.user):
            default = Refusal.FAILED if self.user is None else Refusal.INACTIVE
            return _refused(request, getattr(request, "oidc_refusal", default))
        next_url = self.success_url  # before logging in, which may flush the session
        request.session.pop("oidc_login_next", None)
        self.user.backend = BACKEND  # what pilots.oidc.login_method_record looks for
        auth.login(request, self.user)
        return HttpResponseRedirect(next_url)


@never_cache
@require_POST
def logout_view(request):
    """Log out here, and at the provider too when the login came through it."""
    if provider_logout := logout_url(request):
        auth.logout(request)
        return HttpResponseRedirect(provider_logout)
    return auth_views.LogoutView.as_view()(request)
