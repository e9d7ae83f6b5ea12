"""The login forms of the site and of the admin.

AuthenticationForm gives its username field a max_length after building it, so nothing checks
the length: an overlong username went on to authenticate(), and django-axes, recording the
failed login, wrote it into a 255-character column and ended the request in a 500 (axes issue
#1381). Here the length is validated like any other field error, and AuthenticationForm does
not call authenticate() when the username did not validate.

Also the address django-axes counts failed logins by (`client_ip_address`).
"""

import ipaddress
import math

from axes.helpers import get_cool_off, get_failure_limit
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class _UsernameLengthMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class _LocalLoginPolicyMixin:
    """LOCAL_LOGIN=superusers-only: the password works for break-glass administrators alone.

    Everyone else is refused with the very message a wrong password gets, so the form does not
    tell whether a guessed password was right; and the refusal counts as a failed login for
    django-axes, like a wrong password.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings.OIDC_ENABLED:
            # The page leads with the provider's button: the focus starts at the top, not
            # past the button in the username field.
            self.fields["username"].widget.attrs.pop("autofocus", None)

    def get_invalid_login_error(self):
        if settings.LOCAL_LOGIN == "superusers-only":
            return ValidationError(
                _(
                    "Only administrators can log in with a password here; everyone else uses "
                    "the button on the login page. Administrators: check the username and "
                    "password."
                ),
                code="invalid_login",
            )
        return super().get_invalid_login_error()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if settings.LOCAL_LOGIN == "superusers-only" and not user.is_superuser:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise self.get_invalid_login_error()


class LoginForm(_LocalLoginPolicyMixin, _UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(_LocalLoginPolicyMixin, _UsernameLengthMixin, AdminAuthenticationForm):
    pass


def client_ip_address(request) -> str | None:
    """The address a login attempt came from, for django-axes (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies REMOTE_ADDR is the nearest proxy's address for everyone,
    so a lockout keyed on it would lock every user out at once. Each trusted proxy appends the
    address it received the request from to X-Forwarded-For, so the client's is the Nth entry
    from the right; whatever stands further left the client wrote itself and is ignored. With
    no trusted proxy (the default) the header is not read at all: anyone can send it.

    Why not django-axes' AXES_IPWARE_* settings: they do nothing unless django-ipware is
    installed (axes.helpers falls back to REMOTE_ADDR without a word), and counting from the
    right is the whole rule; a dependency for it would hide it.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        # Fewer hops than proxies: the request did not come through all of them, and what the
        # header says cannot be told from what a client made up.
        return remote_addr
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote_addr


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE), saying for how long and after
    how many failures as the settings have it: a number written into the template would drift
    from AXES_COOLOFF_MINUTES."""
    # AXES_COOLOFF_TIME is always set (settings.py): a lock that never lifts is not offered.
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": get_failure_limit(request, credentials), "cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def login_lockout_clear(*, user) -> None:
    """Forget the failed logins for the user's username from every address: they have just set
    a new password, so whatever was guessed before no longer matters."""
    axes_reset(username=user.get_username())
