"""A link to choose a new password: the e-mail someone asked for on the "forgot password" page.

Sent through the outbox like every other mail, so the page that asks does the same quick work
whether or not the address has a login (one row or none, no SMTP in the request) and cannot
reveal by its timing which addresses do. The row is the request: it stores who asked to be
mailed, never a token. The worker makes the link when it writes the mail, with Django's
password reset token generator, and the outbox keeps a copy with the token blanked out.
"""

import datetime as dt
import re
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, subject_id
from pilots.invitations import REDACTED_TOKEN
from pilots.models import Invitation, Person

# A mail that could not go out within this time is dropped: whoever asked has asked again or
# given up, and a link arriving an hour late only confuses.
SEND_WITHIN = dt.timedelta(hours=1)
# One mail per login in each such window however often the form is sent: the form cannot be
# used to flood someone's mailbox.
WINDOW_MINUTES = 10


def waiting(now: dt.datetime):
    """Reset mails asked for and not sent yet, whose person may still log in with a password."""
    return Reminder.objects.filter(
        kind=Reminder.Kind.PASSWORD_RESET,
        status__in=[Reminder.Status.PENDING, Reminder.Status.CLAIMED],
        expires_at__gt=now,
        recipient__is_active=True,
        recipient__user__is_active=True,
    ).exclude(recipient__user__password__startswith=UNUSABLE_PASSWORD_PREFIX)


class PasswordResetMail(ReminderKind):
    """To the person whose login has the address, as soon as it was asked for, whatever the
    hour: it answers their action. Holds while the person is active and the login is still
    theirs, active and with a password; too late after SEND_WITHIN."""

    kind = Reminder.Kind.PASSWORD_RESET
    follows_programme_policy = False
    on_working_days = False

    def due(self, ctx: Context) -> Iterator[Due]:
        rows = waiting(ctx.now)
        if ctx.narrow.recipient_id is not None:
            rows = rows.filter(recipient_id=ctx.narrow.recipient_id)
        values = rows.values_list(
            "recipient_id", "recipient__user_id", "subject_key", "period", "due_at", "expires_at"
        )
        for person_id, user_id, subject_key, period, due_at, expires_at in values.order_by():
            if subject_key == f"user:{user_id}":
                yield Due(self.kind, person_id, subject_key, period, None, due_at, expires_at)

    def invitation_for(self, recipient: Person, ctx: Context) -> Invitation | None:
        return None  # the recipient has a login: the link is the mail's only one

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        user = get_user_model()._default_manager.get(pk=subject_id(reminder))
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        return Email(
            _("Choose a new password for leanprogram"),
            {
                "username": user.get_username(),
                "link": settings.SITE_URL + path,
                "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
            },
        )

    def redact(self, body: str) -> str:
        # /accounts/reset/<uidb64>/<token>/ keeps its uid, so the copy still says whose it was.
        prefix = reverse("password_reset_confirm", kwargs={"uidb64": "U", "token": "T"})
        pattern = re.escape(prefix).replace("U/T", r"([A-Za-z0-9_-]+)/[A-Za-z0-9-]+")
        return re.sub(
            pattern,
            lambda match: prefix.replace("U/T", f"{match[1]}/{REDACTED_TOKEN}"),
            super().redact(body),
        )
