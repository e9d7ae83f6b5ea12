"""A second factor (TOTP from an authenticator app, with single-use backup codes) for the people
who see or change a whole municipality: administrators and staff users, lean coordinators and
lean guides.

The password login stays as it is (its `username`/`password` POST answers as before); for
these people it only opens half a session. `TwoFactorMiddleware` sends every request of a
half-open session, whatever the page (the admin and htmx fragments too), to the verification
step, or to enrolment when they have no confirmed device yet, until a code is accepted:
django-otp then marks the session verified (`django_otp.login`).

TWO_FACTOR_REQUIRED turns it on (see settings.py for the default). A session opened through
the municipality's OpenID Connect login skips it when OIDC_ENFORCES_MFA says the identity
provider already asked for a second factor.
"""

import base64
import math
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device, verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilots import audit
from pilots.access import scope_for
from pilots.models import AuditEvent

BACKUP_CODES = 10
SAY_WAIT_FROM_SECONDS = 8
# Where a half-open session may still go: the two steps themselves, away (logout), and the
# language switch, so the steps can be read in one's own language.
_OPEN_URL_NAMES = (
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "set_language",
    "session_keepalive",
    "healthz",
)


def needs_second_factor(user) -> bool:
    """Whether this login must show a second factor: whoever reaches a whole municipality's
    people, or the admin. A department leader or staff member does not."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or scope_for(user).coordinates


def _skipped_for_session(request) -> bool:
    return request.session.get("lean_login_method") == "oidc" and getattr(
        settings, "OIDC_ENFORCES_MFA", False
    )


def must_verify(request) -> bool:
    """Whether the request's session is only half open: a second factor is still owed."""
    user = request.user
    return (
        settings.TWO_FACTOR_REQUIRED
        and user.is_authenticated
        and not user.is_verified()
        and not _skipped_for_session(request)
        and needs_second_factor(user)
    )


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: no page before the second factor (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if must_verify(request) and request.path_info not in _open_paths():
            step = "two_factor_verify" if user_has_device(request.user) else "two_factor_setup"
            location = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request") == "true":
                # htmx would swap the step's page into a fragment: reload the whole page there.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = location
                return response
            return redirect(location)
        return self.get_response(request)


def _open_paths() -> set[str]:
    return {reverse(name) for name in _OPEN_URL_NAMES}


def _next_url(request) -> str:
    candidate = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


# --- Verification after the password ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    if not must_verify(request):
        return redirect(_next_url(request))  # nothing owed (verified already, or not asked)
    if not user_has_device(user):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].replace(" ", "")
        # The form posts back to this address, `next` and all. The app's code first, then
        # the backup codes; each device counts failures and makes the next try wait longer
        # (django-otp's throttling), so guessing does not pay.
        devices = (
            *TOTPDevice.objects.devices_for_user(user),
            *StaticDevice.objects.devices_for_user(user),
        )
        for device in devices:
            verified = verify_token(user, device.persistent_id, code)
            if verified is not None:
                otp_login(request, verified)
                return redirect(_next_url(request))
        form.add_error("code", _refusal(user))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _refusal(user) -> str:
    # Each wrong code doubles the wait before the next one is even looked at (1, 2, 4 … s);
    # once it is long, say so, or the right code typed too soon would seem wrong as well.
    waits = [
        (data["locked_until"] - timezone.now()).total_seconds()
        for device in TOTPDevice.objects.devices_for_user(user)
        for allowed, data in [device.verify_is_allowed()]
        if not allowed and data and "locked_until" in data
    ]
    seconds = math.ceil(max(waits, default=0))
    if seconds >= SAY_WAIT_FROM_SECONDS:
        return ngettext(
            "Too many wrong codes. Wait %(seconds)d second, then type the newest code.",
            "Too many wrong codes. Wait %(seconds)d seconds, then type the newest code.",
            seconds,
        ) % {"seconds": seconds}
    return _(
        "That code was not accepted. Type the newest code from the app, or one of your "
        "backup codes."
    )


# --- Enrolment: the app, then the backup codes --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if not must_verify(request):
        # Only those who are asked enrol: an app nobody asks for would only give false comfort.
        return redirect(_next_url(request))
    if user_has_device(user):
        # Replacing a confirmed device would let whoever has the password alone take the
        # account over: that is the administrator's reset (`second_factor_reset`).
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': _next_url(request)})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            codes = _confirm(device)
            otp_login(request, device)
            return render(
                request,
                "registration/two_factor_backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error(
            "code",
            _(
                "That code was not accepted. Type the code the app shows now; it changes "
                "every 30 seconds."
            ),
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            # Inline SVG: the secret never leaves the page for a QR service.
            "qr_svg": qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True),
            "manual_key": _grouped(base64.b32encode(device.bin_key).decode()),
        },
        status=400 if form.errors else 200,
    )


def _grouped(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def _confirm(device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    backup = StaticDevice.objects.create(user=device.user, name="backup")
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


# --- Resetting someone's second factor ----------------------------------------------------------


@transaction.atomic
def second_factor_reset(*, actor, user) -> None:
    """Remove every second-factor device of `user` (a lost phone): at their next login they
    enrol again. Their open verified sessions stay open until they end; the devices they
    verified with are gone, so django-otp treats those sessions as unverified from the next
    request on."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    person = getattr(user, "person", None)
    audit.record(
        actor,
        AuditEvent.Action.PERMISSIONS,
        subject=person,
        municipality_id=person.municipality_id if person is not None else None,
        detail="second factor reset",
    )
