"""Login through the municipality's identity provider (OpenID Connect), with mozilla-django-oidc.

The provider is found by discovery from OIDC_ISSUER; the library does the authorization code flow
with PKCE, state and nonce (leanprogram/views_oidc.py). What is ours:

- the ID token is checked for issuer, audience and expiry, not only its signature: the library
  decodes it with the audience check off and the issuer unchecked, which would take a token the
  provider issued to another application;
- the login is a person's: the verified work e-mail (OIDC_EMAIL_CLAIM) is matched, whatever its
  case, to exactly one active Person, whose login is made and linked on their first visit. Nobody
  is made on the fly unless OIDC_CREATE_PERSONS is on; an e-mail that matches nobody is refused
  and leaves nothing behind;
- the session records how the person logged in ("lean_login_method", read by the second-factor
  step) and keeps the ID token only for ending the provider's session at logout.
"""

import logging
import time
from enum import StrEnum
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from pilots import audit
from pilots.auth import PersonBackend
from pilots.invitations import username_suggestion
from pilots.models import Invitation, Municipality, Person

logger = logging.getLogger(__name__)

BACKEND = "pilots.oidc.PersonOIDCBackend"
# Session keys. The first is read by the second-factor step (it is skipped after a login through
# a provider that enforces its own, OIDC_ENFORCES_MFA).
LOGIN_METHOD_KEY = "lean_login_method"
ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105 (a session key, not a secret)
INVITATION_KEY = "oidc_invitation_id"
METADATA_TTL_SECONDS = 3600


def button_label() -> str:
    if settings.OIDC_PROVIDER_NAME:
        return _("Log in with %(provider)s") % {"provider": settings.OIDC_PROVIDER_NAME}
    return _("Log in with your work account")


# --- The provider's metadata ------------------------------------------------------------------


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be had, or does not name our issuer."""


_metadata: dict[str, tuple[float, dict]] = {}


def provider_metadata() -> dict:
    """The provider's discovery document, fetched at most hourly per process."""
    issuer = settings.OIDC_ISSUER
    cached = _metadata.get(issuer)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from error
    # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was fetched for,
    # or someone else's tokens could pass as this provider's.
    if not isinstance(metadata, dict) or str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderUnavailable("the discovery document names another issuer")
    missing = {"authorization_endpoint", "token_endpoint", "jwks_uri"} - metadata.keys()
    if missing:
        raise ProviderUnavailable(f"the discovery document lacks {sorted(missing)}")
    _metadata[issuer] = (time.monotonic() + METADATA_TTL_SECONDS, metadata)
    return metadata


def logout_url(request) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout), or
    None when this session did not come from the provider or it has no end-session endpoint.

    The ID token rides in the query as `id_token_hint`, as the specification has it: it goes
    only to the provider that issued it.
    """
    id_token = request.session.get(ID_TOKEN_KEY)
    if request.session.get(LOGIN_METHOD_KEY) != "oidc" or not id_token:
        return None
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        logger.warning("OIDC: no discovery document at logout; only our session ends.")
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(
                resolve_url(settings.LOGOUT_REDIRECT_URL)
            ),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# --- From claims to a person ------------------------------------------------------------------


class Refusal(StrEnum):
    """Why a login through the provider was refused; each has its own page."""

    UNVERIFIED = "unverified"
    UNKNOWN = "unknown"
    INVITATION = "invitation"
    AMBIGUOUS = "ambiguous"
    INACTIVE = "inactive"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"


class LoginRefused(Exception):
    def __init__(self, reason: Refusal):
        super().__init__(reason)
        self.reason = reason


def login_email(claims: dict) -> str:
    """The work e-mail the provider vouches for, or LoginRefused(UNVERIFIED)."""
    claim = settings.OIDC_EMAIL_CLAIM
    value = claims.get(claim)
    if not isinstance(value, str) or "@" not in value:
        raise LoginRefused(Refusal.UNVERIFIED)
    # Anyone may type any address into an account at many providers: `email` counts only when
    # the provider says it checked it. A tenant's own claims (Entra's preferred_username, upn)
    # are set by the municipality's administrators.
    if claim == "email" and claims.get("email_verified") not in (True, "true"):
        raise LoginRefused(Refusal.UNVERIFIED)
    return value.strip()


def person_for_login(*, email: str, name: str = "", invitation_id: int | None = None) -> Person:
    """The one active person the e-mail belongs to (any case), or LoginRefused.

    An e-mail is unique within a municipality only: the same address in two municipalities is
    refused rather than guessed (OIDC_MUNICIPALITY narrows it to one).

    A login that started from an invitation links to the invited person only when the provider's
    e-mail is theirs too; the invitation's token alone does not prove the link. The token proves
    that someone holds a link that went to the person's mailbox, and such links travel: every
    reminder to the person carries one, and a forwarded mail ("can you look at this?") would
    let a colleague's own provider account become that person, for good, with nothing to see.
    The provider's e-mail is the municipality's own word on who logged in. So the invitation
    only picks which person when the address is in more than one municipality, and a mismatch
    is refused with its own page (correct the address, then the same link works).
    """
    people = Person.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower())
    if settings.OIDC_MUNICIPALITY:
        people = people.filter(municipality__slug=settings.OIDC_MUNICIPALITY)
    if invitation_id is not None:
        invited = list(people.filter(invitations__pk=invitation_id))
        if invited:
            people = invited
    # One address is in a handful of municipalities at most; someone who left one of them
    # (inactive there) is still the one active person elsewhere.
    found = list(people[:10])
    active = [person for person in found if person.is_active]
    if not found:
        if settings.OIDC_CREATE_PERSONS:
            return _person_create(email=email, name=name)
        raise LoginRefused(Refusal.INVITATION if invitation_id is not None else Refusal.UNKNOWN)
    if not active:
        raise LoginRefused(Refusal.INACTIVE)
    if len(active) > 1:
        raise LoginRefused(Refusal.AMBIGUOUS)
    return active[0]


def _person_create(*, email: str, name: str) -> Person:
    municipality = Municipality.objects.filter(slug=settings.OIDC_MUNICIPALITY).first()
    if municipality is None:
        logger.error("OIDC_MUNICIPALITY names no municipality; no person was made.")
        raise LoginRefused(Refusal.UNKNOWN)
    person = Person(municipality=municipality, email=email, full_name=(name or email)[:150])
    try:
        person.full_clean()
    except ValidationError:
        # The claim is not an address a person can have (a guest account's, say).
        raise LoginRefused(Refusal.UNKNOWN) from None
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # The same person's first login in two tabs at once: the other tab made them.
        return Person.objects.get(municipality=municipality, email__iexact=email)
    logger.info("OIDC: made person %s on their first login.", person.pk)
    return person


def person_login_link(*, person: Person):
    """The person's login, made and linked on their first visit through the provider.

    The login gets no usable password: the provider is how this person logs in. An invitation
    still open for them is answered by this, so it leaves the list of those waiting.
    """
    user_model = get_user_model()
    with transaction.atomic():
        person = (
            Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
        )
        if person.user is not None:
            return person.user
        user = user_model(username=username_suggestion(person), email=person.email)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # Someone took the suggested username between the suggestion and the insert.
            user.username = f"{user.username}-{get_random_string(4).lower()}"
            user.save()
        person.user = user
        person.save(update_fields=["user"])
        audit.record_login_change(
            user, user_id=user.pk, subject=person, change="made at first login through OIDC"
        )
        Invitation.objects.filter(
            person=person, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=timezone.now())
    return user


# --- The authentication backend ---------------------------------------------------------------


class PersonOIDCBackend(OIDCAuthenticationBackend, PersonBackend):
    """mozilla-django-oidc's backend, with the provider from discovery and people for users.

    Django makes every backend for every login, password logins too, and asks the one a session
    was made by for its user on every request: so nothing here reaches the provider until an
    OIDC login needs it, and a session's user is judged like PersonBackend's (an inactive person
    is logged out on their next request).
    """

    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it reads the provider's endpoints from settings.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 - the library's attribute names
        return provider_metadata()["token_endpoint"]

    @property
    def OIDC_OP_USER_ENDPOINT(self):  # noqa: N802
        return provider_metadata().get("userinfo_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return provider_metadata()["jwks_uri"]

    def get_user(self, user_id):
        # PersonBackend's, not the library's (which comes first): the person must be active.
        return PersonBackend.get_user(self, user_id)

    def authenticate(self, request, **kwargs):
        # Only the callback view's call carries a nonce; a password login passes through.
        if request is None or not settings.OIDC_ENABLED or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token refused: unexpected algorithm.")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider_metadata()["issuer"],
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
                leeway=60,
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}.") from error
        # OpenID Connect Core 3.1.3.7: with several audiences, we must be the authorized party.
        several = isinstance(claims["aud"], list) and len(claims["aud"]) > 1
        if several and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token refused: another authorized party.")
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, with the userinfo endpoint's over them when there is one.

        Both: Entra's userinfo (Microsoft Graph) lacks preferred_username and upn, which are in
        its ID token; other providers put e-mail only in userinfo.
        """
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject.")
            claims.update(userinfo)
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            person = person_for_login(
                email=login_email(claims),
                name=str(claims.get("name") or ""),
                invitation_id=self.request.session.get(INVITATION_KEY),
            )
            return person_login_link(person=person)
        except LoginRefused as refused:
            # The callback view shows the page for this reason (no address in the log line).
            self.request.oidc_refusal = refused.reason
            logger.info("OIDC: login refused (%s).", refused.reason.value)
            return None

    def store_tokens(self, access_token, id_token):
        # Into the session only once logged in (`login_method_record`): logging in may flush it.
        self.request.oidc_id_token = id_token


@receiver(user_logged_in, dispatch_uid="pilots_oidc_login_method")
def login_method_record(sender, request, user, **kwargs):
    """Record in the session whether this login came through the provider; any other login
    clears what an earlier one through it left."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(user, "backend", None) == BACKEND:
        session[LOGIN_METHOD_KEY] = "oidc"
        session[ID_TOKEN_KEY] = getattr(request, "oidc_id_token", None)
        session.pop(INVITATION_KEY, None)
    else:
        if session.get(LOGIN_METHOD_KEY) == "oidc":
            del session[LOGIN_METHOD_KEY]
        session.pop(ID_TOKEN_KEY, None)
        session.pop(INVITATION_KEY, None)
