"""Invitations: a person without a login gets one through a link only they were sent.

Ola Nilsen (staff and union rep in Tore's department) has no login in the cast; he is the one
invited throughout.
"""

import datetime as dt
import logging
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pilots.access import scope_for
from pilots.invitations import (
    REDACTED_TOKEN,
    InvitationState,
    InvitationUnusable,
    invitation_accept,
    invitation_for_mail,
    invitation_from_token,
    invitation_links_redact,
    invitation_resend,
    invitation_revoke,
    invitation_state,
    invitation_token,
    invitation_url,
    person_invite,
    safe_next,
)
from pilots.models import DepartmentRole, Invitation, ProgrammeRole
from tests.conftest import REQUEST_QUERIES
from tests.factories import DepartmentRoleFactory, PersonFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Tavlemøte-hver-tirsdag"  # noqa: S105


@pytest.fixture(autouse=True)
def _english(client, settings):
    """These tests read English messages; the Norwegian ones are checked by the catalog tests."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def invited(cast):
    """Ola, invited by the coordinator."""
    return person_invite(user=cast.users.coordinator, person=cast.ola)


def _url(invitation, next_path: str = "") -> str:
    url = reverse("invitation_accept", kwargs={"token": invitation_token(invitation)})
    return f"{url}?next={next_path}" if next_path else url


def _accept(client, invitation, *, username="ola", password=PASSWORD, next_path=""):
    return client.post(
        _url(invitation, next_path),
        {"username": username, "password1": password, "password2": password},
    )


def _logged_in_as(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


# --- Inviting ---------------------------------------------------------------------------------


def test_coordinator_invites_a_person_for_the_valid_days(cast, settings):
    settings.INVITATION_VALID_DAYS = 3
    now = timezone.now()

    invitation = person_invite(user=cast.users.coordinator, person=cast.ola, now=now)

    assert invitation.person == cast.ola
    assert invitation.created_by == cast.users.coordinator
    assert (invitation.send_count, invitation.sent_at) == (1, now)
    assert invitation.expires_at == now + dt.timedelta(days=3)
    assert invitation_state(invitation, now=now) == InvitationState.OPEN


def test_inviting_again_sends_the_open_invitation_again_with_the_same_link(cast, invited):
    token = invitation_token(invited)
    later = timezone.now() + dt.timedelta(days=10)

    again = person_invite(user=cast.users.guide, person=cast.ola, now=later)

    assert again.pk == invited.pk
    assert again.created_by == cast.users.coordinator  # who invited first stays on record
    assert again.send_count == 2
    assert again.expires_at == later + dt.timedelta(days=14)
    assert invitation_token(again) == token
    assert Invitation.objects.count() == 1


def test_resend_gives_the_full_time_again_and_keeps_earlier_links_working(cast, invited):
    token = invitation_token(invited)
    later = invited.expires_at + dt.timedelta(days=1)  # it had expired
    assert invitation_state(invited, now=later) == InvitationState.EXPIRED

    resent = invitation_resend(user=cast.users.coordinator, invitation=invited, now=later)

    assert resent.send_count == 2
    assert resent.expires_at == later + dt.timedelta(days=14)
    assert invitation_state(resent, now=later) == InvitationState.OPEN
    assert invitation_from_token(token) == resent


def test_a_person_has_at_most_one_open_invitation(cast, invited):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(person=cast.ola, expires_at=timezone.now() + dt.timedelta(1))


def test_nobody_is_invited_who_has_a_login_or_is_inactive(cast):
    with pytest.raises(ValidationError, match="already has a login"):
        person_invite(user=cast.users.coordinator, person=cast.siri)
    cast.ola.is_active = False
    cast.ola.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="inactive"):
        person_invite(user=cast.users.coordinator, person=cast.ola)
    assert not Invitation.objects.exists()


def test_withdrawing_ends_the_invitation_and_it_cannot_be_sent_again(cast, invited):
    invitation_revoke(user=cast.users.tore, invitation=invited)

    invited.refresh_from_db()
    assert invitation_state(invited) == InvitationState.REVOKED
    with pytest.raises(ValidationError, match="withdrawn"):
        invitation_resend(user=cast.users.coordinator, invitation=invited)
    # Inviting the person anew makes a new invitation with a new link.
    fresh = person_invite(user=cast.users.coordinator, person=cast.ola)
    assert fresh.pk != invited.pk
    assert invitation_from_token(invitation_token(invited)) == invited  # says "withdrawn"


# --- Who may invite ---------------------------------------------------------------------------


def test_leader_invites_their_own_staff_only(cast):
    person_invite(user=cast.users.tore, person=cast.ola)

    kari_staff = DepartmentRoleFactory(
        department=cast.dept_b, person=PersonFactory(municipality=cast.municipality)
    ).person
    with pytest.raises(PermissionDenied):
        person_invite(user=cast.users.tore, person=kari_staff)
    with pytest.raises(PermissionDenied):
        person_invite(user=cast.users.staff_a, person=kari_staff)


def test_leader_cannot_invite_someone_who_also_holds_a_programme_role(cast):
    ProgrammeRole.objects.create(
        programme=cast.programme, person=cast.ola, role=ProgrammeRole.Role.LEAN_GUIDE
    )

    with pytest.raises(PermissionDenied):
        person_invite(user=cast.users.tore, person=cast.ola)
    assert person_invite(user=cast.users.coordinator, person=cast.ola).pk


def test_nobody_invites_into_another_municipality(cast, client):
    with pytest.raises(PermissionDenied):
        person_invite(user=cast.users.outsider, person=cast.ola)

    client.force_login(cast.users.outsider)
    response = client.post(reverse("pilots:person_invite", kwargs={"pk": cast.ola.pk}))

    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_leader_may_not_withdraw_an_invitation_of_another_department(cast, client):
    kari_staff = DepartmentRoleFactory(
        department=cast.dept_b, person=PersonFactory(municipality=cast.municipality)
    ).person
    invitation = person_invite(user=cast.users.kari, person=kari_staff)
    client.force_login(cast.users.tore)

    for name in ("pilots:invitation_revoke", "pilots:invitation_resend"):
        response = client.post(reverse(name, kwargs={"pk": invitation.pk}))
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert (invitation.revoked_at, invitation.send_count) == (None, 1)


# --- Tokens -----------------------------------------------------------------------------------


def test_a_token_opens_only_its_own_invitation(cast, invited):
    token = invitation_token(invited)
    pk, mac = token.split("-", 1)
    other = person_invite(
        user=cast.users.coordinator,
        person=DepartmentRoleFactory(
            department=cast.dept_a, person=PersonFactory(municipality=cast.municipality)
        ).person,
    )

    assert invitation_from_token(token) == invited
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    for forged in (
        f"{pk}-{flipped}",
        f"{other.pk}-{mac}",
        f"{pk}-{mac[:-1]}",
        f"{pk}{mac}",
        "",
        "1-" + "A" * 43,
        f"99999999-{mac}",
    ):
        assert invitation_from_token(forged) is None, forged


def test_nothing_stored_accepts_the_link(cast, invited):
    token = invitation_token(invited)
    stored = " ".join(str(value) for value in Invitation.objects.values_list().get())

    assert token.split("-", 1)[1] not in stored


def test_correcting_the_email_address_kills_the_links_sent_to_the_old_one(cast, invited):
    token = invitation_token(invited)
    cast.ola.email = "ola.nilsen2@harstad.kommune.no"
    cast.ola.save(update_fields=["email"])

    assert invitation_from_token(token) is None
    assert invitation_from_token(invitation_token(Invitation.objects.get())) is not None


def test_links_mailed_before_a_key_rotation_still_work(cast, invited, settings):
    token = invitation_token(invited)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50

    assert invitation_from_token(token) == invited
    assert invitation_token(invited) != token


def test_stored_copies_keep_the_page_but_lose_the_token(cast, invited):
    url = invitation_url(invited, next_path=f"/programme/pilots/{cast.pilot_a.pk}/")
    text = f"Hello,\n\nSee here:\n{url}\n\nAnd here: {url}"

    redacted = invitation_links_redact(text)

    assert invitation_token(invited) not in redacted
    assert redacted.count(f"/invitations/{REDACTED_TOKEN}/?next=/programme/pilots/") == 2


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("/plans/3/", "/plans/3/"),
        ("/programme/?phase=course", "/programme/?phase=course"),
        ("https://evil.example/", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_a_link_only_leads_on_to_this_site(value, safe):
    assert safe_next(value) == safe


# --- Accepting --------------------------------------------------------------------------------


def test_accepting_makes_the_persons_own_login_and_logs_them_in(client, cast, invited):
    response = client.get(_url(invited))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    assert "Ola Nilsen" in page
    assert "Harstad kommune" in page
    assert response.context["form"].initial["username"] == "ola.nilsen"

    response = _accept(client, invited, username="ola.nilsen")

    assert response.status_code == 302
    assert response.url == reverse("home")
    cast.ola.refresh_from_db()
    user = cast.ola.user
    assert (user.username, user.email, user.is_active) == ("ola.nilsen", cast.ola.email, True)
    assert user.check_password(PASSWORD)
    assert _logged_in_as(client) == user.pk
    invited.refresh_from_db()
    assert invited.accepted_at is not None


def test_accepting_leads_on_to_the_page_the_link_named(client, cast, invited):
    page = reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk})

    response = _accept(client, invited, next_path=page)

    assert response.status_code == 302
    assert response.url == page
    assert client.get(page).status_code == 200


def test_a_link_to_another_site_leads_home_instead(client, cast, invited):
    response = _accept(client, invited, next_path="https://evil.example/")

    assert response.url == reverse("home")


def test_a_used_link_only_says_log_in(client, cast, invited):
    page = reverse("programme:pilot_detail", kwargs={"pk": cast.pilot_a.pk})
    _accept(client, invited)
    # The person themselves, still logged in, goes straight on.
    assert client.get(_url(invited, page)).url == page
    client.logout()

    response = client.get(_url(invited, page))

    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert response.context["login_url"] == f"{reverse('login')}?next={quote(page, safe='')}"
    response = _accept(client, invited, username="ola2")
    assert response.status_code == 410
    assert not User.objects.filter(username="ola2").exists()


def test_a_person_who_got_a_login_meanwhile_is_told_to_log_in(client, cast, invited):
    cast.ola.user = User.objects.create_user(username="ola.admin", password=PASSWORD)
    cast.ola.save(update_fields=["user"])

    response = _accept(client, invited)

    assert response.status_code == 410
    assert "already has a login" in response.content.decode()
    assert not User.objects.filter(username="ola").exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "inactive"])
def test_a_link_that_can_no_longer_be_used_creates_nothing(client, cast, invited, state):
    if state == "expired":
        Invitation.objects.filter(pk=invited.pk).update(expires_at=timezone.now())
    elif state == "revoked":
        invitation_revoke(user=cast.users.coordinator, invitation=invited)
    else:
        cast.ola.is_active = False
        cast.ola.save(update_fields=["is_active"])
    messages = {
        "expired": "The invitation has expired.",
        "revoked": "The invitation has been withdrawn.",
        "inactive": "no longer active",
    }

    response = client.get(_url(invited))
    assert response.status_code == 410
    page = response.content.decode()
    assert messages[state] in page
    assert "Ola Nilsen" not in page

    response = _accept(client, invited)
    assert response.status_code == 410
    assert not User.objects.filter(username="ola").exists()
    assert _logged_in_as(client) is None


def test_a_forged_link_shows_a_plain_page_and_reveals_nothing(client, cast, invited):
    token = invitation_token(invited)
    url = reverse("invitation_accept", kwargs={"token": token[:-2] + "xx"})

    for response in (
        client.get(url),
        client.post(url, {"username": "x", "password1": PASSWORD, "password2": PASSWORD}),
    ):
        assert response.status_code == 404
        page = response.content.decode()
        assert "The link is not valid" in page
        assert "Ola" not in page
        assert "Harstad" not in page
    assert User.objects.count() == 7


def test_the_page_speaks_the_invited_persons_language(client, cast, invited, settings):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    cast.ola.language = "nn"
    cast.ola.save(update_fields=["language"])

    response = client.get(_url(invited))

    assert response["Content-Language"] == "nn"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "", "password1": PASSWORD, "password2": PASSWORD}, "username"),
        ({"username": "x" * 200, "password1": PASSWORD, "password2": PASSWORD}, "username"),
        ({"username": "ola nilsen!", "password1": PASSWORD, "password2": PASSWORD}, "username"),
        ({"username": "TORE", "password1": PASSWORD, "password2": PASSWORD}, "username"),
        ({"username": "ola", "password1": PASSWORD, "password2": PASSWORD + "x"}, "password2"),
        ({"username": "ola", "password1": "12345678", "password2": "12345678"}, "password2"),
        ({"username": "ola", "password1": "kort", "password2": "kort"}, "password2"),
        (
            {"username": "ola", "password1": "ola.nilsen1", "password2": "ola.nilsen1"},
            "password2",
        ),
        ({}, "password1"),
    ],
)
def test_a_bad_form_is_an_error_on_the_page_and_keeps_the_username(
    client, cast, invited, data, field
):
    response = client.post(_url(invited), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    if data.get("username"):
        assert form["username"].value() == data["username"]
    assert User.objects.count() == 7
    invited.refresh_from_db()
    assert invited.accepted_at is None


def test_many_bad_forms_lock_nobody_out(client, cast, invited):
    """django-axes counts failed logins; a bad form here is none, and never a 500."""
    for _ in range(8):
        response = client.post(
            _url(invited), {"username": "ola", "password1": "a", "password2": "b"}
        )
        assert response.status_code == 400

    assert _accept(client, invited).status_code == 302


def test_the_service_refuses_a_used_invitation_under_lock(cast, invited):
    invitation_accept(invitation=invited, username="ola", password=PASSWORD)

    stale = Invitation.objects.get(pk=invited.pk)
    stale.accepted_at = None  # a second tab that read the row before the first accepted
    with pytest.raises(InvitationUnusable, match="used"):
        invitation_accept(invitation=stale, username="ola2", password=PASSWORD)
    assert not User.objects.filter(username="ola2").exists()


def test_the_suggested_username_is_free(client, cast, invited):
    User.objects.create_user(username="ola.nilsen", password=PASSWORD)
    User.objects.create_user(username="Ola.Nilsen2", password=PASSWORD)

    response = client.get(_url(invited))

    assert response.context["form"].initial["username"] == "ola.nilsen3"


# --- Invitations for the links in mails -------------------------------------------------------


def test_a_mail_to_a_person_without_login_makes_one_invitation_and_reuses_it(cast):
    now = timezone.now()

    first = invitation_for_mail(person=cast.ola, now=now)
    later = invitation_for_mail(person=cast.ola, now=now + dt.timedelta(days=5))

    assert first.pk == later.pk
    assert (first.created_by, first.send_count, first.sent_at) == (None, 0, None)
    # Each mail gives its links the full time.
    assert Invitation.objects.get().expires_at == now + dt.timedelta(days=19)
    assert invitation_for_mail(person=cast.siri, now=now) is None


def test_mail_links_are_plain_after_an_invitation_was_withdrawn(cast, invited):
    invitation_revoke(user=cast.users.coordinator, invitation=invited)

    assert invitation_for_mail(person=cast.ola, now=timezone.now()) is None
    assert not Invitation.objects.filter(revoked_at__isnull=True).exists()


def test_a_mail_invitation_costs_a_few_queries(cast, django_assert_num_queries):
    now = timezone.now()
    # The person's latest invitation, the new one inserted, and read back.
    with django_assert_num_queries(3):
        invitation_for_mail(person=cast.ola, now=now)
    # The person's latest invitation, its expiry moved on.
    with django_assert_num_queries(2):
        invitation_for_mail(person=cast.ola, now=now + dt.timedelta(hours=1))
    with django_assert_num_queries(0):
        invitation_for_mail(person=cast.siri, now=now)


# --- Pages ------------------------------------------------------------------------------------


def _staff_list(cast):
    return reverse("pilots:staff_list", kwargs={"pk": cast.dept_a.pk})


def test_staff_list_shows_each_persons_way_to_a_login(client, cast):
    newcomer = DepartmentRoleFactory(
        department=cast.dept_a, person=PersonFactory(municipality=cast.municipality)
    ).person
    person_invite(user=cast.users.coordinator, person=newcomer)
    client.force_login(cast.users.tore)

    response = client.get(_staff_list(cast))

    rows = {member.person.pk: login for member, login in response.context["rows"]}
    assert rows[cast.siri.pk].has_login
    assert rows[cast.ola.pk].invitation is None and rows[cast.ola.pk].may_invite
    assert rows[newcomer.pk].invitation is not None
    page = response.content.decode()
    assert "Has a login" in page
    assert f'action="{reverse("pilots:person_invite", kwargs={"pk": cast.ola.pk})}"' in page
    assert f"Invited {timezone.localdate():%d.%m.%Y}" in page
    assert "Send again" in page


def test_the_invite_button_invites_and_comes_back(client, cast):
    client.force_login(cast.users.tore)

    response = client.post(
        reverse("pilots:person_invite", kwargs={"pk": cast.ola.pk}), {"next": _staff_list(cast)}
    )

    assert response.status_code == 302
    assert response.url == _staff_list(cast)
    invitation = Invitation.objects.get()
    assert invitation.created_by == cast.users.tore
    follow = client.get(response.url)
    assert "An invitation is on its way to Ola Nilsen" in follow.content.decode()


def test_inviting_someone_with_a_login_is_a_message_not_an_error_page(client, cast):
    client.force_login(cast.users.coordinator)

    response = client.post(
        reverse("pilots:person_invite", kwargs={"pk": cast.siri.pk}),
        {"next": "https://evil.example/"},
        follow=True,
    )

    assert response.redirect_chain[0][0] == reverse("pilots:invitation_list")
    assert "Siri Olsen already has a login." in response.content.decode()


def test_a_leader_sees_no_invite_button_for_a_programme_person(client, cast):
    ProgrammeRole.objects.create(
        programme=cast.programme, person=cast.ola, role=ProgrammeRole.Role.LEAN_GUIDE
    )
    client.force_login(cast.users.tore)

    response = client.get(_staff_list(cast))

    rows = {member.person.pk: login for member, login in response.context["rows"]}
    assert not rows[cast.ola.pk].may_invite
    assert reverse("pilots:person_invite", kwargs={"pk": cast.ola.pk}) not in (
        response.content.decode()
    )


def test_invitation_list_shows_what_waits_for_an_answer(client, cast, invited):
    expired = DepartmentRoleFactory(
        department=cast.dept_b, person=PersonFactory(municipality=cast.municipality)
    ).person
    Invitation.objects.filter(pk=person_invite(user=cast.users.kari, person=expired).pk).update(
        expires_at=timezone.now()
    )
    accepted = DepartmentRoleFactory(department=cast.dept_a).person
    invitation_accept(
        invitation=person_invite(user=cast.users.coordinator, person=accepted),
        username="accepted",
        password=PASSWORD,
    )
    withdrawn = DepartmentRoleFactory(
        department=cast.dept_a, person=PersonFactory(municipality=cast.municipality)
    ).person
    invitation_revoke(
        user=cast.users.coordinator,
        invitation=person_invite(user=cast.users.coordinator, person=withdrawn),
    )
    client.force_login(cast.users.coordinator)

    response = client.get(reverse("pilots:invitation_list"))

    assert response.status_code == 200
    rows = {invitation.person: is_expired for invitation, is_expired in response.context["rows"]}
    assert rows == {cast.ola: False, expired: True}
    page = response.content.decode()
    assert "Jorunn Ervik" in page  # who invited
    assert "Kari Hanssen" in page


def test_invitation_list_is_for_coordinators_of_the_municipality(client, cast, invited):
    client.force_login(cast.users.tore)
    assert client.get(reverse("pilots:invitation_list")).status_code == 403

    client.force_login(cast.users.outsider)
    response = client.get(reverse("pilots:invitation_list"))
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_resend_and_withdraw_from_the_list(client, cast, invited):
    client.force_login(cast.users.coordinator)
    listing = reverse("pilots:invitation_list")

    response = client.post(
        reverse("pilots:invitation_resend", kwargs={"pk": invited.pk}), {"next": listing}
    )
    assert response.url == listing
    invited.refresh_from_db()
    assert invited.send_count == 2

    client.post(reverse("pilots:invitation_revoke", kwargs={"pk": invited.pk}), {"next": listing})
    invited.refresh_from_db()
    assert invited.revoked_at is not None
    response = client.post(
        reverse("pilots:invitation_revoke", kwargs={"pk": invited.pk}), follow=True
    )
    assert "The invitation has been withdrawn." in response.content.decode()


def test_coordinators_find_the_invitations_in_the_menu(client, cast):
    client.force_login(cast.users.coordinator)
    menu = client.get(reverse("programme:dashboard")).context["nav_items"]
    assert reverse("pilots:invitation_list") in [item["url"] for item in menu]

    client.force_login(cast.users.tore)
    menu = client.get(reverse("programme:dashboard")).context["nav_items"]
    assert reverse("pilots:invitation_list") not in [item["url"] for item in menu]


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _invited_staff(cast, department, how_many: int):
    for _ in range(how_many):
        person = DepartmentRoleFactory(
            department=department, person=PersonFactory(municipality=cast.municipality)
        ).person
        person_invite(user=cast.users.coordinator, person=person)


def test_invitation_list_query_count_does_not_grow(client, cast, django_assert_num_queries):
    client.force_login(cast.users.coordinator)
    _invited_staff(cast, cast.dept_b, 2)
    few = _count_queries(client, reverse("pilots:invitation_list"))
    _invited_staff(cast, cast.dept_b, 30)

    # The request's own (tests.conftest), then the invitations with their people and inviters.
    with django_assert_num_queries(REQUEST_QUERIES + 1):
        response = client.get(reverse("pilots:invitation_list"))
    assert len(response.context["rows"]) == 32
    assert _count_queries(client, reverse("pilots:invitation_list")) == few


@pytest.mark.parametrize("who", ["coordinator", "tore"])
def test_staff_list_query_count_does_not_grow_with_invitations(client, cast, who):
    client.force_login(getattr(cast.users, who))
    _invited_staff(cast, cast.dept_a, 2)
    few = _count_queries(client, _staff_list(cast))
    _invited_staff(cast, cast.dept_a, 30)
    DepartmentRole.objects.create(department=cast.dept_b, person=cast.ola, role="staff")

    assert _count_queries(client, _staff_list(cast)) == few


# --- The e-mail is asked for after commit, and a broker that is down fails nothing ------------


def test_inviting_succeeds_while_the_broker_is_down(
    client, cast, django_capture_on_commit_callbacks, caplog
):
    from django.core import mail

    from tests.followup.conftest import DEAD_BROKER, celery_broker

    client.force_login(cast.users.coordinator)
    with (
        caplog.at_level(logging.ERROR, logger="pilots.invitations"),
        celery_broker(DEAD_BROKER),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(reverse("pilots:person_invite", kwargs={"pk": cast.ola.pk}))

    assert response.status_code == 302
    assert len(callbacks) == 1
    assert Invitation.objects.get().send_count == 1
    assert mail.outbox == []
    assert "periodic sweep sends it" in caplog.text


def test_scope_question_matches_the_service(cast):
    """The page asks the same question the service enforces."""
    from pilots.invitations import may_invite

    assert may_invite(scope_for(cast.users.tore), cast.ola)
    assert not may_invite(scope_for(cast.users.kari), cast.ola)
