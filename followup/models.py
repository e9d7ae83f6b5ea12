"""Follow-up after the course weeks: follow-up meetings, board meetings and reminders."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pilots.models import Person, Pilot
from plans.models import Measure


class FollowUpMeeting(models.Model):
    pilot = models.ForeignKey(
        Pilot,
        on_delete=models.CASCADE,
        related_name="follow_up_meetings",
        verbose_name=_("pilot"),
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("E.g. after 6 weeks."))
    due_on = models.DateField(_("due on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attendees = models.ManyToManyField(
        Person, blank=True, related_name="follow_up_meetings", verbose_name=_("who came")
    )

    class Meta:
        verbose_name = _("follow-up meeting")
        verbose_name_plural = _("follow-up meetings")
        ordering = ["pilot", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "label"], name="follow_up_meeting_unique_label"
            )
        ]

    def __str__(self):
        return f"{self.label} – {self.pilot.department}"


class BoardMeeting(models.Model):
    """The weekly meeting at the improvement board (tavlemøte)."""

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="board_meetings", verbose_name=_("pilot")
    )
    held_on = models.DateField(_("held on"))
    minutes = models.TextField(_("minutes"), blank=True)
    present_count = models.PositiveSmallIntegerField(_("number present"), default=0)
    measures_touched = models.ManyToManyField(
        Measure, blank=True, related_name="board_meetings", verbose_name=_("measures touched")
    )

    class Meta:
        verbose_name = _("board meeting")
        verbose_name_plural = _("board meetings")
        ordering = ["pilot", "-held_on"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "held_on"], name="board_meeting_one_per_day")
        ]

    def __str__(self):
        return f"{self.pilot.department} {self.held_on:%d.%m.%Y}"


class Reminder(models.Model):
    """One reminder to one person about one thing; the row is the source of truth.

    The unique key (kind, recipient, subject_key, period) makes a duplicate impossible however
    often the sweep runs or however many sweeps run at once.
    """

    class Kind(models.TextChoices):
        EVENT_COMING = "event_coming", _("meeting or course day coming")
        PLAN_NOT_SUBMITTED = "plan_not_submitted", _("plan not submitted")
        PLAN_NOT_SUBMITTED_ESCALATION = (
            "plan_not_submitted_escalation",
            _("plan not submitted (escalation)"),
        )
        FOLLOW_UP_DUE = "follow_up_due", _("follow-up meeting due")
        FOLLOW_UP_OVERDUE = "follow_up_overdue", _("follow-up meeting overdue")
        MEASURES_OVERDUE = "measures_overdue", _("overdue measures digest")
        PLAN_QUIET = "plan_quiet", _("plan going quiet")
        COORDINATOR_DIGEST = "coordinator_digest", _("weekly digest for coordinators")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        CLAIMED = "claimed", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("recipient")
    )
    pilot = models.ForeignKey(
        Pilot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("pilot"),
    )
    subject_key = models.CharField(
        _("about"), max_length=100, help_text=_("What the reminder is about, e.g. courseday:12.")
    )
    period = models.CharField(
        _("period"), max_length=20, blank=True, help_text=_("E.g. the ISO week of a digest.")
    )
    due_at = models.DateTimeField(_("due at"))
    expires_at = models.DateTimeField(
        _("too late after"), null=True, blank=True, help_text=_("Not sent after this moment.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    email_subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "subject_key", "period"], name="reminder_unique_key"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True)
                | models.Q(expires_at__gte=models.F("due_at")),
                name="reminder_expires_after_due",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_status_due")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    def clean(self):
        if self.expires_at and self.due_at and self.expires_at < self.due_at:
            raise ValidationError({"expires_at": _("A reminder cannot expire before it is due.")})
