"""An invitation to make a login: the e-mail someone asked for by inviting a person."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from followup.models import Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, subject_id
from pilots.invitations import invitation_url
from pilots.models import Invitation, Person


class InvitationMail(ReminderKind):
    """To the invited person, as soon as someone invites them or sends the invitation again,
    whatever the hour or the day: it answers that person's action, so neither working days nor
    the send hour nor the programme's reminders being off hold it back. One e-mail per sending
    (the period is the sending's number), so sending again makes a new one and an older one not
    sent yet no longer holds. Holds while the invitation is open and unexpired and the person is
    active without a login; too late once the invitation expires."""

    kind = Reminder.Kind.INVITATION
    follows_programme_policy = False
    on_working_days = False

    def due(self, ctx: Context) -> Iterator[Due]:
        invitations = Invitation.objects.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            send_count__gt=0,
            sent_at__lte=ctx.now,
            expires_at__gt=ctx.now,
            person__is_active=True,
            person__user__isnull=True,
        )
        if ctx.narrow.recipient_id is not None:
            invitations = invitations.filter(person_id=ctx.narrow.recipient_id)
        rows = invitations.values_list("pk", "person_id", "send_count", "sent_at", "expires_at")
        for pk, person_id, send_count, sent_at, expires_at in rows.order_by():
            yield Due(
                self.kind, person_id, f"invitation:{pk}", str(send_count), None, sent_at, expires_at
            )

    def invitation_for(self, recipient: Person, ctx: Context) -> Invitation | None:
        # The e-mail is the invitation itself; it has no other links to stand in for.
        return None

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        invitation = Invitation.objects.select_related(
            "person__municipality", "created_by__person"
        ).get(pk=subject_id(reminder))
        inviter = invitation.created_by
        inviter_name = ""
        if inviter is not None:
            person = getattr(inviter, "person", None)
            inviter_name = person.full_name if person is not None else inviter.get_username()
        municipality = invitation.person.municipality.name
        return Email(
            _("Your login to the lean programme of %(municipality)s")
            % {"municipality": municipality},
            {
                "municipality": municipality,
                "inviter_name": inviter_name,
                "expires_at": invitation.expires_at,
                "link": invitation_url(invitation),
            },
        )
