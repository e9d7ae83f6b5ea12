"""Invitations: how a person without a login gets one, through a link only they were sent.

The link's token is `<pk>-<mac>`, the mac an HMAC-SHA256 keyed with SECRET_KEY over the
invitation's pk, its random nonce and the person's e-mail address (the way Django's password
reset tokens hash the user's state). Why this and not a random token stored hashed:

- the token can be written again whenever a mail is written: an invitation travels in the
  invitation e-mail and in the links of every reminder the person gets while it is open, and
  those mails are rendered at send time by a worker, long after the invitation was made. A
  hashed random token could only be shown once, so each mail would need a token of its own.
- the database holds nothing that accepts the link (the nonce is useless without the key);
  256 bits of mac make guessing pointless, so there is nothing to throttle;
- the e-mail address is part of what is signed: correcting a mistyped address kills every
  link that went to the wrong mailbox, with nothing to remember to do.

An invitation is open until it is accepted or withdrawn. Sending it again does not change its
token, only its expiry, so the links in earlier mails keep working; withdrawing it ends all of
them, and the page behind them says so. Reminder links of a person whose invitation was
withdrawn are plain links until someone invites them again.
"""

import base64
import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from pilots import audit
from pilots.access import Scope, scope_for
from pilots.collation import norwegian
from pilots.models import DepartmentRole, Invitation, Person, ProgrammeRole
from pilots.selectors import people_for_user

logger = logging.getLogger(__name__)

TOKEN_SALT = "pilots.invitations.Invitation"  # noqa: S105 (a salt, not a secret)
_TOKEN = re.compile(r"([1-9][0-9]{0,17})-([A-Za-z0-9_-]{43})")
# What the outbox keeps in place of a token: the stored copy of a mail must not open a login.
REDACTED_TOKEN = "***"  # noqa: S105
# `followup.tasks` registers the sweep under this name; queued by name because pilots may not
# import followup.
SWEEP_TASK = "followup.tasks.sweep_reminders"


def valid_for() -> dt.timedelta:
    return dt.timedelta(days=settings.INVITATION_VALID_DAYS)


# --- Tokens and links -------------------------------------------------------------------------


def _mac(invitation: Invitation, *, secret: str) -> str:
    value = f"{invitation.pk}:{invitation.nonce}:{invitation.person.email.strip().casefold()}"
    digest = salted_hmac(TOKEN_SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invitation_token(invitation: Invitation) -> str:
    return f"{invitation.pk}-{_mac(invitation, secret=settings.SECRET_KEY)}"


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation the token was made for, or None when it is malformed, unknown or forged.

    Says nothing about whether it may still be used: see `invitation_state`.
    """
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    invitation = (
        Invitation.objects.select_related("person__municipality").filter(pk=match[1]).first()
    )
    if invitation is None:
        return None
    # Links mailed before a key rotation still work while the old key is a fallback.
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if constant_time_compare(match[2], _mac(invitation, secret=secret)):
            return invitation
    return None


def safe_next(value: str | None) -> str:
    """`value` when it is a path on this site, else "": a link may only lead back here."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return ""
    return value


def invitation_url(invitation: Invitation, *, next_path: str = "") -> str:
    """The full address of the invitation's page; accepting it goes on to `next_path`."""
    url = settings.SITE_URL + reverse(
        "invitation_accept", kwargs={"token": invitation_token(invitation)}
    )
    if next_path := safe_next(next_path):
        url += "?" + urlencode({"next": next_path}, safe="/")
    return url


def invitation_links_redact(text: str) -> str:
    """`text` with the token of every invitation link replaced, for a copy others may read."""
    prefix = reverse("invitation_accept", kwargs={"token": "0-x"}).split("0-x")[0]
    pattern = re.escape(prefix) + _TOKEN.pattern
    return re.sub(pattern, prefix + REDACTED_TOKEN, text)


# --- Where an invitation stands ---------------------------------------------------------------


class InvitationState(StrEnum):
    OPEN = "open"
    USED = "used"
    HAS_LOGIN = "has_login"
    REVOKED = "revoked"
    INACTIVE = "inactive"
    EXPIRED = "expired"


def invitation_state(invitation: Invitation, *, now: dt.datetime | None = None) -> InvitationState:
    """What following the invitation's link can do now. A login is named first: whoever has one
    only needs to be told to log in."""
    person = invitation.person
    if invitation.accepted_at is not None:
        return InvitationState.USED
    if person.user_id is not None:
        return InvitationState.HAS_LOGIN
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if not person.is_active:
        return InvitationState.INACTIVE
    if invitation.has_expired(now):
        return InvitationState.EXPIRED
    return InvitationState.OPEN


# --- Who may invite whom ----------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    """What the policy needs to know about a person to decide who may invite them."""

    department_ids: frozenset[int]
    has_programme_role: bool


def invitees(person_ids: Collection[int]) -> dict[int, Invitee]:
    """The facts about each person, in two queries however many there are."""
    departments: dict[int, set[int]] = defaultdict(set)
    # Only current roles: a leader does not invite someone who has left the department.
    for person_id, department_id in (
        DepartmentRole.objects.active()
        .filter(person_id__in=person_ids)
        .values_list("person_id", "department_id")
    ):
        departments[person_id].add(department_id)
    with_programme_role = set(
        ProgrammeRole.objects.active()
        .filter(person_id__in=person_ids)
        .values_list("person_id", flat=True)
    )
    return {pk: Invitee(frozenset(departments[pk]), pk in with_programme_role) for pk in person_ids}


def may_invite(scope: Scope, person: Person, invitee: Invitee | None = None) -> bool:
    if invitee is None:
        invitee = invitees([person.pk])[person.pk]
    return scope.can_invite(
        person,
        department_ids=invitee.department_ids,
        has_programme_role=invitee.has_programme_role,
    )


# --- Reading ----------------------------------------------------------------------------------


def invitations_for_user(user) -> QuerySet[Invitation]:
    """Invitations of the people the user may see."""
    return Invitation.objects.filter(
        person__in=people_for_user(user).order_by().values("pk")
    ).select_related("person__municipality", "created_by__person")


def invitation_get_for_user(user, pk: int) -> Invitation:
    return get_object_or_404(invitations_for_user(user), pk=pk)


def invitations_waiting(user) -> QuerySet[Invitation]:
    """Open invitations (pending or expired) of active people who still have no login."""
    return (
        invitations_for_user(user)
        .filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            person__user__isnull=True,
            person__is_active=True,
        )
        .order_by(norwegian("person__full_name"), "pk")
    )


@dataclass(frozen=True)
class LoginStatus:
    """A person's way to a login, as a list of people shows it."""

    has_login: bool
    invitation: Invitation | None
    expired: bool
    may_invite: bool


def login_statuses(*, user, people: Collection[Person]) -> dict[int, LoginStatus]:
    """Each person's login status and whether the user may invite them: three queries."""
    scope = scope_for(user)
    ids = [person.pk for person in people]
    facts = invitees(ids)
    open_invitations = {
        invitation.person_id: invitation
        for invitation in Invitation.objects.filter(
            person_id__in=ids, accepted_at__isnull=True, revoked_at__isnull=True
        )
    }
    now = timezone.now()
    statuses = {}
    for person in people:
        invitation = open_invitations.get(person.pk)
        statuses[person.pk] = LoginStatus(
            has_login=person.user_id is not None,
            invitation=invitation,
            expired=invitation is not None and invitation.has_expired(now),
            may_invite=person.is_active
            and person.user_id is None
            and may_invite(scope, person, facts[person.pk]),
        )
    return statuses


# --- Inviting, sending again, withdrawing -----------------------------------------------------


def _refuse_unless_invitable(person: Person) -> None:
    if person.user_id is not None:
        raise ValidationError(
            _("%(name)s already has a login.") % {"name": person.full_name}, code="has_login"
        )
    if not person.is_active:
        raise ValidationError(
            _("%(name)s is inactive and cannot be invited.") % {"name": person.full_name},
            code="inactive",
        )


def _asked_to_send(invitation: Invitation, *, now: dt.datetime) -> None:
    """One more invitation e-mail, and the full time to answer it from now."""
    invitation.send_count += 1
    invitation.sent_at = now
    invitation.expires_at = now + valid_for()


def person_invite(*, user, person: Person, now: dt.datetime | None = None) -> Invitation:
    """Invite the person to make a login, and have the invitation e-mailed to them.

    A person who already has an open invitation (made by someone, or by the system for the links
    in their reminders) gets that one sent again: one person, one link. Raises PermissionDenied
    when the user may not invite the person, ValidationError when the person has a login or is
    inactive.
    """
    scope = scope_for(user)
    scope.require(may_invite(scope, person))
    now = now or timezone.now()
    with transaction.atomic():
        # The lock keeps two people inviting at once from making two open invitations.
        person = Person.objects.select_for_update().get(pk=person.pk)
        _refuse_unless_invitable(person)
        invitation = Invitation.objects.filter(
            person=person, accepted_at__isnull=True, revoked_at__isnull=True
        ).first()
        if invitation is None:
            invitation = Invitation(person=person, created_by=user, created_at=now)
        invitation.person = person
        _asked_to_send(invitation, now=now)
        invitation.full_clean()
        invitation.save()
        transaction.on_commit(reminders_sweep_request)
    return invitation


def _lock_open(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().select_related("person").get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise ValidationError(_("The invitation has already been accepted."), code="accepted")
    if locked.revoked_at is not None:
        raise ValidationError(_("The invitation has been withdrawn."), code="revoked")
    return locked


def invitation_resend(
    *, user, invitation: Invitation, now: dt.datetime | None = None
) -> Invitation:
    """E-mail the invitation again and give the person the full time to answer from now.

    The link stays the same, so links in mails sent earlier keep working too.
    """
    scope = scope_for(user)
    scope.require(may_invite(scope, invitation.person))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open(invitation)
        _refuse_unless_invitable(locked.person)
        _asked_to_send(locked, now=now)
        locked.save(update_fields=["send_count", "sent_at", "expires_at"])
        transaction.on_commit(reminders_sweep_request)
    return locked


def invitation_revoke(
    *, user, invitation: Invitation, now: dt.datetime | None = None
) -> Invitation:
    """Withdraw the invitation: every link to it stops working, and an invitation e-mail still
    waiting in the outbox is not sent (it no longer holds)."""
    scope = scope_for(user)
    scope.require(may_invite(scope, invitation.person))
    with transaction.atomic():
        locked = _lock_open(invitation)
        locked.revoked_at = now or timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


# --- Accepting --------------------------------------------------------------------------------


class InvitationUnusable(Exception):
    def __init__(self, state: InvitationState):
        super().__init__(state)
        self.state = state


def username_suggestion(person: Person) -> str:
    """The local part of the person's e-mail, made a free username (one query)."""
    user_model = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", person.email.split("@", 1)[0].casefold())[:140] or "user"
    taken = {
        name.casefold()
        for name in user_model._default_manager.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def username_error(username: str) -> ValidationError | None:
    if get_user_model()._default_manager.filter(username__iexact=username).exists():
        return ValidationError(_("This username is taken. Choose another."), code="username_taken")
    return None


def invitation_accept(
    *, invitation: Invitation, username: str, password: str, now: dt.datetime | None = None
):
    """Make the person's own login from the invitation and return it.

    Public: whoever holds a valid link may do this, once. Raises InvitationUnusable when the
    invitation can no longer be used (checked again under lock, so two tabs cannot both accept),
    ValidationError keyed "username" when the username is taken.
    """
    now = now or timezone.now()
    user_model = get_user_model()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        locked.person = Person.objects.select_for_update().get(pk=locked.person_id)
        state = invitation_state(locked, now=now)
        if state != InvitationState.OPEN:
            raise InvitationUnusable(state)
        if error := username_error(username):
            raise ValidationError({"username": error})
        person = locked.person
        user = user_model(username=username, email=person.email)
        user.set_password(password)
        user.full_clean()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # Someone took the username between our check and our insert.
            raise ValidationError({"username": username_error(username)}) from None
        person.user = user
        person.save(update_fields=["user"])
        locked.accepted_at = now
        locked.save(update_fields=["accepted_at"])
        audit.record_login_change(
            user, user_id=user.pk, subject=person, change=f"made from invitation {locked.pk}"
        )
    invitation.accepted_at, invitation.person = locked.accepted_at, person
    return user


# --- For the e-mails --------------------------------------------------------------------------


def invitation_for_mail(*, person: Person, now: dt.datetime) -> Invitation | None:
    """The invitation whose link stands in for the links of a mail to `person`, or None when
    the mail's links should be plain ones.

    For the system, not a user: the mail engine asks this for the recipient of each mail it
    writes. None for a person with a login (or inactive), and for one whose last invitation was
    withdrawn: withdrawing must not be undone by the next reminder. Otherwise their open
    invitation, made now if they have none (`created_by` empty), valid for the full time from
    now. Two or three queries, whatever the mail holds.
    """
    if person.user_id is not None or not person.is_active:
        return None
    latest = person.invitations.order_by("-created_at", "-pk").first()
    if latest is not None and latest.revoked_at is not None:
        return None
    expires_at = now + valid_for()
    if latest is not None and latest.accepted_at is None:
        if latest.expires_at < expires_at:
            Invitation.objects.filter(pk=latest.pk).update(expires_at=expires_at)
            latest.expires_at = expires_at
        latest.person = person
        return latest
    # None yet, or the login it made was removed since. Another mail to the same person may be
    # written at the same moment: the open-invitation constraint lets only one row in.
    Invitation.objects.bulk_create(
        [Invitation(person=person, created_at=now, expires_at=expires_at)], ignore_conflicts=True
    )
    invitation = Invitation.objects.get(
        person=person, accepted_at__isnull=True, revoked_at__isnull=True
    )
    invitation.person = person
    return invitation


def reminders_sweep_request() -> None:
    """Ask for a reminder sweep now, so an e-mail that answers someone's action (an invitation,
    a plan submitted or reviewed) goes out within seconds.

    Runs after commit. A broker that is down must not fail the request that invited: the
    periodic sweep sends the e-mail a few minutes later all the same.
    """
    try:
        current_app.signature(SWEEP_TASK).apply_async(retry=True)
    except (KombuError, OSError):
        logger.exception("Could not ask for a reminder sweep; the periodic sweep sends it.")
