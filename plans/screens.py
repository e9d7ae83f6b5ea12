"""Wall-screen links: a pilot's improvement board on a screen nobody is logged in at.

Why a link and not a long-lived login on the screen: a screen session would be a full login
(the leader's, or a special user's) left open on a wall in a corridor, which anyone passing
could use to read or change the plan; and the idle timeout, the reason a forgotten PC logs
out, would have to be switched off for it. A link opens one thing only: the board of one
pilot, read-only, without the names of those who sent suggestions. It is made, copied and
withdrawn from the board page by those who may change the plan.

The token is `<pk>-<mac>`, an HMAC-SHA256 keyed with SECRET_KEY over the row's pk, pilot and
random nonce, as for invitations (`pilots.invitations`): the link can be shown again at any
time without storing a secret, and reading the database is not enough to open a board. A
withdrawn link answers 404, like a forged one, and the screen stops asking.
"""

import base64
import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from pilots.access import Scope, scope_for
from pilots.models import Pilot
from pilots.selectors import pilots_for_user
from plans.models import BoardScreen

TOKEN_SALT = "plans.screens.BoardScreen"  # noqa: S105 (a salt, not a secret)
_TOKEN = re.compile(r"([1-9][0-9]{0,17})-([A-Za-z0-9_-]{43})")
# A screen's `last_seen_at` is written at most this often: a write per poll would cost a
# database write a minute per screen for a date shown to the day and hour.
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=5)
# Enough for every wall in a department; more is a sign of links nobody withdraws.
MAX_OPEN_PER_PILOT = 10


def may_manage_screens(scope: Scope, pilot: Pilot) -> bool:
    """Make and withdraw wall-screen links: whoever may change the plan and move its cards,
    that is the department's leader, and the programme's coordinator and guide."""
    return scope.can_edit_plan(pilot)


# --- Tokens ----------------------------------------------------------------------------------


def _mac(screen: BoardScreen, *, secret: str) -> str:
    value = f"{screen.pk}:{screen.pilot_id}:{screen.nonce}"
    digest = salted_hmac(TOKEN_SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def board_screen_token(screen: BoardScreen) -> str:
    return f"{screen.pk}-{_mac(screen, secret=settings.SECRET_KEY)}"


def board_screen_path(screen: BoardScreen) -> str:
    return reverse("board_screen", kwargs={"token": board_screen_token(screen)})


def board_screen_from_token(token: str) -> BoardScreen | None:
    """The open screen link the token was made for, with its pilot; None when the token is
    malformed, forged or withdrawn (one query)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    screen = (
        BoardScreen.objects.select_related("pilot__department", "pilot__programme")
        .filter(pk=match[1], revoked_at__isnull=True)
        .first()
    )
    if screen is None:
        return None
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if constant_time_compare(match[2], _mac(screen, secret=secret)):
            return screen
    return None


def board_screen_seen(screen: BoardScreen, *, now: dt.datetime | None = None) -> None:
    """Note that the screen fetched the board; one conditional UPDATE, none written within
    LAST_SEEN_RESOLUTION of the last."""
    now = now or timezone.now()
    BoardScreen.objects.filter(pk=screen.pk).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - LAST_SEEN_RESOLUTION)
    ).update(last_seen_at=now)


# --- Reading ---------------------------------------------------------------------------------


def board_screens_open(pilot: Pilot) -> QuerySet[BoardScreen]:
    return BoardScreen.objects.filter(pilot=pilot, revoked_at__isnull=True).order_by(
        "created_at", "pk"
    )


def board_screen_get_for_user(user, pk: int) -> BoardScreen:
    """An open screen link of a pilot the user can see (404 otherwise)."""
    return get_object_or_404(
        BoardScreen.objects.filter(
            pilot__in=pilots_for_user(user).order_by().values("pk"), revoked_at__isnull=True
        ).select_related("pilot__department"),
        pk=pk,
    )


# --- Making and withdrawing ------------------------------------------------------------------


def board_screen_create(*, user, pilot: Pilot, label: str) -> BoardScreen:
    scope = scope_for(user)
    scope.require(may_manage_screens(scope, pilot))
    with transaction.atomic():
        # The lock keeps two clicks at once from passing the limit together.
        Pilot.objects.select_for_update().filter(pk=pilot.pk).first()
        if board_screens_open(pilot).count() >= MAX_OPEN_PER_PILOT:
            raise ValidationError(
                _("This board already has %(count)s screen links. Withdraw one you no longer use.")
                % {"count": MAX_OPEN_PER_PILOT},
                code="too_many",
            )
        screen = BoardScreen(pilot=pilot, label=label.strip(), created_by=user)
        screen.full_clean()
        screen.save()
    return screen


def board_screen_revoke(*, user, screen: BoardScreen, now: dt.datetime | None = None) -> None:
    """Withdraw the link: the screen showing it gets a 404 at its next refresh and stops."""
    scope = scope_for(user)
    scope.require(may_manage_screens(scope, screen.pilot))
    BoardScreen.objects.filter(pk=screen.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
