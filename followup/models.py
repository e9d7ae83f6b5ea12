"""Follow-up after the course weeks: the cadence, follow-up meetings, board meetings, reminders."""

import datetime as dt
import secrets

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from pilots.calendar import validate_plausible_date
from pilots.models import Municipality, Person, Pilot, Programme
from plans.models import Measure


class FollowUpPolicy(models.Model):
    """A programme's follow-up cadence and every number its reminders use.

    Created with the defaults below the first time the programme needs one, so reminders are on
    without anybody visiting the admin.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 1, _("Monday")
        TUESDAY = 2, _("Tuesday")
        WEDNESDAY = 3, _("Wednesday")
        THURSDAY = 4, _("Thursday")
        FRIDAY = 5, _("Friday")
        SATURDAY = 6, _("Saturday")
        SUNDAY = 7, _("Sunday")

    programme = models.OneToOneField(
        Programme,
        on_delete=models.CASCADE,
        related_name="follow_up_policy",
        verbose_name=_("programme"),
    )
    reminders_enabled = models.BooleanField(
        _("send reminders"),
        default=True,
        help_text=_("Turn off to stop every reminder and digest of this programme."),
    )
    send_hour = models.PositiveSmallIntegerField(
        _("send from (hour)"),
        default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("Reminders go out from this hour of the day, Norwegian time."),
    )
    event_notice_working_days = models.PositiveSmallIntegerField(
        _("meeting notice (working days)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "Staff are reminded of an information meeting or a course day this many working "
            "days before."
        ),
    )
    absence_notice_working_days = models.PositiveSmallIntegerField(
        _("absence notice (working days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "Someone recorded absent from a meeting or course day hears how to catch up this "
            "many working days after it."
        ),
    )
    plan_submit_days = models.PositiveSmallIntegerField(
        _("plan due (days after the last course day)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("The department leader is reminded when the plan is not submitted by then."),
    )
    plan_escalation_days = models.PositiveSmallIntegerField(
        _("plan escalation (days after the reminder)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("The lean coordinator is told when the plan is still not submitted by then."),
    )
    follow_up_notice_days = models.PositiveSmallIntegerField(
        _("follow-up meeting notice (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("The leader and the lean guide are reminded this many days before."),
    )
    follow_up_overdue_days = models.PositiveSmallIntegerField(
        _("follow-up meeting overdue (days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "The lean coordinator is told when a follow-up meeting is still not held this many "
            "days after it was due."
        ),
    )
    quiet_plan_days = models.PositiveSmallIntegerField(
        _("plan going quiet (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "During follow-up, the leader is told when nothing in the plan has changed for this "
            "many days."
        ),
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("digest day"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("Weekly digests go out on this day."),
    )
    late_after_days = models.PositiveSmallIntegerField(
        _("too late after (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "A reminder that could not go out within this many days of its moment is dropped "
            "instead of sent late. Meeting reminders are always dropped once the meeting starts."
        ),
    )

    class Meta:
        verbose_name = _("follow-up policy")
        verbose_name_plural = _("follow-up policies")
        ordering = ["programme"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(send_hour__lte=23), name="follow_up_policy_send_hour_0_23"
            ),
            models.CheckConstraint(
                condition=models.Q(digest_weekday__gte=1, digest_weekday__lte=7),
                name="follow_up_policy_digest_weekday_1_7",
            ),
        ]

    def __str__(self):
        return _("Follow-up policy, %(programme)s") % {"programme": self.programme}


class FollowUpStep(models.Model):
    """One follow-up meeting of the cadence, counted from the pilot's last course day."""

    class Unit(models.TextChoices):
        WEEKS = "weeks", _("weeks")
        MONTHS = "months", _("months")

    DEFAULTS = (
        (2, Unit.WEEKS),
        (6, Unit.WEEKS),
        (3, Unit.MONTHS),
        (6, Unit.MONTHS),
        (12, Unit.MONTHS),
    )

    policy = models.ForeignKey(
        FollowUpPolicy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("policy")
    )
    amount = models.PositiveSmallIntegerField(
        _("after"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    unit = models.CharField(_("unit"), max_length=6, choices=Unit.choices)

    class Meta:
        verbose_name = _("follow-up step")
        verbose_name_plural = _("follow-up steps")
        ordering = ["policy", "unit", "amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "amount", "unit"], name="follow_up_step_unique_offset"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=1), name="follow_up_step_amount_positive"
            ),
        ]

    def __str__(self):
        return self.label()

    def label(self) -> str:
        """The step in words, e.g. "after 6 weeks", in the current language."""
        if self.unit == self.Unit.MONTHS:
            text = ngettext("after %(n)d month", "after %(n)d months", self.amount)
        else:
            text = ngettext("after %(n)d week", "after %(n)d weeks", self.amount)
        return text % {"n": self.amount}

    def due_after(self, last_course_day: dt.date) -> dt.date:
        if self.unit == self.Unit.MONTHS:
            return last_course_day + relativedelta(months=self.amount)
        return last_course_day + dt.timedelta(weeks=self.amount)

    def sort_key(self) -> dt.timedelta:
        # Months count as 31 days here only to order a cadence that mixes weeks and months.
        days = self.amount * (31 if self.unit == self.Unit.MONTHS else 7)
        return dt.timedelta(days=days)


class FollowUpMeeting(models.Model):
    pilot = models.ForeignKey(
        Pilot,
        on_delete=models.CASCADE,
        related_name="follow_up_meetings",
        verbose_name=_("pilot"),
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("E.g. after 6 weeks."))
    # The cadence step that created the meeting; a meeting added by hand has none. Deleting a step
    # keeps meetings already held, with their notes.
    step = models.ForeignKey(
        FollowUpStep,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("cadence step"),
    )
    due_on = models.DateField(_("due on"), validators=[validate_plausible_date])
    held_on = models.DateField(
        _("held on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    notes = models.TextField(_("notes"), blank=True)
    attendees = models.ManyToManyField(
        Person, blank=True, related_name="follow_up_meetings", verbose_name=_("who came")
    )
    # The plan for the meeting. Its own date rather than due_on: the cadence moves due_on when
    # the course days move, and a day the people agreed on should not move with it.
    planned_on = models.DateField(
        _("date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.ManyToManyField(
        Person,
        blank=True,
        related_name="planned_follow_up_meetings",
        verbose_name=_("participants"),
    )
    # Raised whenever its planned day, time or place changes, so that calendars replace the
    # invitation they hold (iCalendar SEQUENCE, `followup.ical`).
    calendar_sequence = models.PositiveIntegerField(
        _("calendar version"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("follow-up meeting")
        verbose_name_plural = _("follow-up meetings")
        ordering = ["pilot", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "label"], name="follow_up_meeting_unique_label"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="follow_up_meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.label} – {self.pilot.department}"

    def display_label(self) -> str:
        """The label in the reader's language when the meeting comes from the cadence."""
        return self.step.label() if self.step_id else self.label

    @property
    def is_planned(self) -> bool:
        return self.planned_on is not None

    @property
    def meeting_day(self) -> dt.date:
        """The day people meet: the planned one, else the day it is due."""
        return self.planned_on or self.due_on

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The meeting must end after it starts.")})


class FollowUpItemQuerySet(models.QuerySet):
    def carried(self) -> "FollowUpItemQuerySet":
        """Items still to be followed up: open items and actions not marked done, except an
        action whose measure is already done or dropped on the board."""
        return self.filter(kind__in=FollowUpItem.CARRIED_KINDS, done=False).exclude(
            measure__status__in=[Measure.Status.DONE, Measure.Status.DROPPED]
        )


class FollowUpItem(models.Model):
    """What a follow-up meeting decided or left to do.

    An action becomes a measure of the plan, so it is followed on the board like any other; an
    open item is a question for the next meeting. Both are carried to the pilot's later meetings
    until someone marks them done there.
    """

    MAX_LENGTH = 500

    class Kind(models.TextChoices):
        DECISION = "decision", _("decision")
        ACTION = "action", _("action")
        OPEN = "open", _("open item")

    CARRIED_KINDS = (Kind.ACTION, Kind.OPEN)

    meeting = models.ForeignKey(
        FollowUpMeeting,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("follow-up meeting"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=MAX_LENGTH)
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_items",
        verbose_name=_("measure"),
    )
    done = models.BooleanField(_("done"), default=False)
    # The meeting where it was marked done, when that was a later one.
    done_at_meeting = models.ForeignKey(
        FollowUpMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items_closed",
        verbose_name=_("marked done at"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FollowUpItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        ordering = ["meeting", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="follow_up_item_not_empty"),
            models.CheckConstraint(
                condition=models.Q(measure__isnull=True) | models.Q(kind="action"),
                name="follow_up_item_measure_only_for_action",
            ),
        ]

    def __str__(self):
        return self.text


class BoardMeeting(models.Model):
    """The weekly meeting at the improvement board (tavlemøte)."""

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="board_meetings", verbose_name=_("pilot")
    )
    held_on = models.DateField(_("held on"), validators=[validate_plausible_date])
    minutes = models.TextField(_("minutes"), blank=True)
    present_count = models.PositiveSmallIntegerField(
        _("number present"),
        default=1,
        validators=[
            MinValueValidator(1, message=_("At least one person must be present at a meeting."))
        ],
    )
    measures_touched = models.ManyToManyField(
        Measure, blank=True, related_name="board_meetings", verbose_name=_("measures touched")
    )
    # Corrections and deletions keep what stood before, and who changed it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("board meeting")
        verbose_name_plural = _("board meetings")
        ordering = ["pilot", "-held_on"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "held_on"], name="board_meeting_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(present_count__gte=1),
                name="board_meeting_someone_present",
                violation_error_message=_("At least one person must be present at a meeting."),
            ),
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
        ABSENCE = "absence", _("absent from a meeting or course day")
        INVITATION = "invitation", _("invitation to make a login")
        PLAN_TRANSITION = "plan_transition", _("project plan submitted, returned or approved")
        EVENT_MOVED = "event_moved", _("meeting or course day moved or cancelled")
        PASSWORD_RESET = "password_reset", _("link to choose a new password")
        CALENDAR_INVITATION = "calendar_invitation", _("calendar invitation")
        CALENDAR_CANCELLATION = "calendar_cancellation", _("calendar cancellation")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        CLAIMED = "claimed", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class CancelReason(models.TextChoices):
        NO_LONGER_APPLIES = "no_longer_applies", _("no longer applies")
        TOO_LATE = "too_late", _("too late to send")
        BY_HAND = "by_hand", _("cancelled by an administrator")

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
    # The recipient's municipality, stored so that a municipality's outbox is read through an
    # index instead of joining every reminder in the country to its recipient. Filled in from
    # the recipient whoever writes the row (`save`, the sweep's insert), never chosen by hand.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        # The outbox's indexes below lead with it.
        db_index=False,
        verbose_name=_("municipality"),
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
    # Who holds the claim: a sweep writes a fresh token with every claim, and only a send task
    # carrying that token may send and mark the row sent. A message for an older claim (a
    # redelivery after a worker died) finds another token and does nothing.
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        null=True,
        blank=True,
        help_text=_("After a failed attempt: not tried again before this moment."),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    cancel_reason = models.CharField(
        _("why cancelled"), max_length=20, choices=CancelReason.choices, blank=True
    )
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
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_status_due"),
            models.Index(fields=["claim_token"], name="reminder_claim_token"),
            # The admin's changelist, newest first (issue 14).
            models.Index(fields=["-due_at", "-id"], name="reminder_due_latest"),
            # The outbox: a municipality's reminders, newest first, and filtered by status.
            models.Index(
                fields=["municipality", "-due_at", "-id"], name="reminder_municipality_due"
            ),
            models.Index(
                fields=["municipality", "status", "-due_at", "-id"],
                name="reminder_municipality_status",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    def save(self, *args, **kwargs):
        if self.municipality_id is None and self.recipient_id is not None:
            if Reminder.recipient.is_cached(self):
                self.municipality_id = self.recipient.municipality_id
            else:
                self.municipality_id = (
                    Person.objects.filter(pk=self.recipient_id)
                    .values_list("municipality_id", flat=True)
                    .first()
                )
        super().save(*args, **kwargs)

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.kind, self.recipient_id, self.subject_key, self.period)

    def clean(self):
        if self.expires_at and self.due_at and self.expires_at < self.due_at:
            raise ValidationError({"expires_at": _("A reminder cannot expire before it is due.")})


def _calendar_feed_nonce() -> str:
    return secrets.token_urlsafe(16)


class CalendarFeed(models.Model):
    """A calendar subscription behind a secret link (`followup.feeds`): a person's own feed, or
    for a coordinator one of a pilot or of a whole programme.

    The link's token is a keyed hash over the row, so the database alone opens nothing;
    renewing withdraws the row (`revoked_at`) and makes a new one, and the old link answers 404.
    What a feed holds is worked out on every fetch with its owner's access as it is then.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("my calendar")
        PILOT = "pilot", _("pilot")
        PROGRAMME = "programme", _("programme")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    pilot = models.ForeignKey(
        Pilot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        verbose_name=_("pilot"),
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        verbose_name=_("programme"),
    )
    nonce = models.CharField(max_length=32, default=_calendar_feed_nonce, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="personal", pilot__isnull=True, programme__isnull=True)
                | models.Q(kind="pilot", pilot__isnull=False, programme__isnull=True)
                | models.Q(kind="programme", pilot__isnull=True, programme__isnull=False),
                name="calendar_feed_target_fits_kind",
            ),
            # One open link per person and calendar: renewing withdraws the old one first.
            models.UniqueConstraint(
                fields=["person", "kind", "pilot", "programme"],
                condition=models.Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="calendar_feed_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.person}"
