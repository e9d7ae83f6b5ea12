"""The second factor: who must give it, that nothing opens before it, enrolment, backup codes,
and the administrator's reset."""

import base64
import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilots.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _login(client, username):
    response = client.post(
        reverse("login"), {"username": username, "password": "lean-demo"}, REMOTE_ADDR="10.0.0.1"
    )
    # The password step answers as it always did: a redirect, the session logged in.
    assert response.status_code == 302
    return response


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def _code(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str((value + offset) % 10**device.digits).zfill(device.digits)


def _verify(client, code):
    return client.post(f"{reverse('two_factor_verify')}?next=/programme/", {"code": code})


@pytest.mark.parametrize("username", ["koordinator", "veileder", "admin"])
def test_the_people_who_see_a_whole_municipality_must_give_a_second_factor(client, cast, username):
    user = get_user_model().objects.get(username=username)
    _device(user)
    _login(client, username)

    for path in ("/", reverse("programme:dashboard"), "/admin/", reverse("my_tasks")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("two_factor_verify") + "?next="), path


def test_an_htmx_request_before_the_second_factor_reloads_the_page_into_the_step(client, cast):
    _device(cast.users.coordinator)
    _login(client, "koordinator")

    response = client.get(reverse("programme:dashboard"), HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("two_factor_verify"))


def test_a_wrong_code_is_refused_with_a_message(client, cast):
    device = _device(cast.users.coordinator)
    _login(client, "koordinator")
    client.cookies["django_language"] = "en"

    response = _verify(client, _code(device, offset=1))

    assert response.status_code == 400
    assert "That code was not accepted" in response.content.decode()
    assert client.get(reverse("programme:dashboard")).status_code == 302


def test_the_right_code_lets_in_and_goes_on_to_the_page_asked_for(client, cast):
    device = _device(cast.users.coordinator)
    _login(client, "koordinator")

    response = _verify(client, _code(device))

    assert response.status_code == 302
    assert response.url == "/programme/"
    assert client.get(reverse("programme:dashboard")).status_code == 200


def test_the_admin_opens_after_the_second_factor(client, cast):
    device = _device(cast.users.superuser)
    _login(client, "admin")
    assert client.get("/admin/").status_code == 302

    _verify(client, _code(device))

    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("username", ["tore", "siri"])
def test_a_department_leader_or_staff_member_needs_no_second_factor(client, cast, username):
    response = _login(client, username)

    assert client.get(response.url, follow=True).status_code == 200
    assert client.get(reverse("my_tasks")).status_code == 200


def test_an_oidc_login_skips_it_only_when_the_provider_enforces_mfa(client, cast, settings):
    _device(cast.users.coordinator)
    _login(client, "koordinator")
    session = client.session
    session["lean_login_method"] = "oidc"
    session.save()

    settings.OIDC_ENFORCES_MFA = False
    assert client.get(reverse("programme:dashboard")).status_code == 302
    settings.OIDC_ENFORCES_MFA = True
    assert client.get(reverse("programme:dashboard")).status_code == 200


def test_enrolment_shows_a_qr_code_and_key_and_confirms_with_a_code(client, cast):
    _login(client, "veileder")
    client.cookies["django_language"] = "en"

    response = client.get(reverse("programme:dashboard"))
    assert response.url.startswith(reverse("two_factor_setup"))
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html  # the QR code, drawn here: the secret goes to no QR service
    assert "https://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    device = TOTPDevice.objects.get(user=cast.users.guide, confirmed=False)
    key = re.search(r"two-factor-key[^>]*>([A-Z2-7 ]+)<", html)[1].replace(" ", "")
    assert key == base64.b32encode(device.bin_key).decode()

    wrong = client.post(response.url, {"code": _code(device, offset=1)})
    assert wrong.status_code == 400
    assert "That code was not accepted" in wrong.content.decode()
    # A wrong code makes the next try wait a second (django-otp's throttle): a second passes.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )

    done = client.post(response.url, {"code": _code(device)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert done.status_code == 200
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("programme:dashboard")).status_code == 200
    # Another visit to the setup page cannot replace the app now.
    assert client.get(reverse("two_factor_setup")).status_code == 302
    assert TOTPDevice.objects.filter(user=cast.users.guide).count() == 1


def test_whoever_has_only_the_password_cannot_enrol_another_app(client, cast):
    _device(cast.users.coordinator)
    _login(client, "koordinator")

    response = client.get(reverse("two_factor_setup"))

    assert response.url.startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=cast.users.coordinator).count() == 1


def test_a_backup_code_works_once(client, cast):
    user = cast.users.coordinator
    _device(user)
    backup = StaticDevice.objects.create(user=user, name="backup")
    backup.token_set.create(token="abcd2345")

    _login(client, "koordinator")
    assert _verify(client, "abcd2345").status_code == 302
    client.post(reverse("logout"))

    _login(client, "koordinator")
    assert _verify(client, "abcd2345").status_code == 400


def test_an_administrator_resets_a_lost_second_factor(client, cast):
    coordinator = cast.users.coordinator
    _device(coordinator)
    StaticDevice.objects.create(user=coordinator, name="backup")
    admin_device = _device(cast.users.superuser)
    _login(client, "admin")
    _verify(client, _code(admin_device))

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [coordinator.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERMISSIONS)
    assert (event.actor, event.detail) == (cast.users.superuser, "second factor reset")
    # At the next login the coordinator sets up the app again.
    client.post(reverse("logout"))
    _login(client, "koordinator")
    assert client.get("/").url.startswith(reverse("two_factor_setup"))


def test_a_session_verified_with_a_device_that_was_reset_is_asked_again(client, cast):
    device = _device(cast.users.coordinator)
    _login(client, "koordinator")
    _verify(client, _code(device))
    assert client.get(reverse("programme:dashboard")).status_code == 200

    device.delete()

    assert client.get(reverse("programme:dashboard")).status_code == 302


def test_it_is_off_unless_required(client, cast, settings):
    settings.TWO_FACTOR_REQUIRED = False
    _login(client, "koordinator")

    assert client.get(reverse("programme:dashboard")).status_code == 200


def test_codes_are_not_accepted_twice(client, cast):
    device = _device(cast.users.coordinator)
    code = _code(device)
    _login(client, "koordinator")
    assert _verify(client, code).status_code == 302
    client.post(reverse("logout"))

    _login(client, "koordinator")
    assert _verify(client, code).status_code == 400


@pytest.mark.parametrize("step", ["two_factor_setup", "two_factor_verify"])
def test_the_steps_send_on_whoever_owes_nothing(client, cast, step):
    _login(client, "tore")

    response = client.get(f"{reverse(step)}?next=/my/")

    assert response.status_code == 302
    assert response.url == "/my/"
    assert not TOTPDevice.objects.filter(user=cast.users.tore).exists()


def test_the_next_address_must_be_on_this_site(client, cast):
    device = _device(cast.users.coordinator)
    _login(client, "koordinator")

    response = client.post(
        f"{reverse('two_factor_verify')}?next=https://evil.example/", {"code": _code(device)}
    )

    assert response.url == reverse("home")


def test_after_several_wrong_codes_the_page_says_how_long_to_wait(client, cast):
    device = _device(cast.users.coordinator)
    _login(client, "koordinator")
    client.cookies["django_language"] = "en"
    # Four wrong codes in a row: the next try is looked at only after 8 seconds.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3,
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=10),
    )

    response = _verify(client, _code(device, offset=1))
    # Even the right code is not looked at while the wait lasts.
    right_too_soon = _verify(client, _code(device))

    assert "Wait 8 seconds, then type the newest code" in response.content.decode()
    assert right_too_soon.status_code == 400
