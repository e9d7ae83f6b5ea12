"""Each pilot's project plan: goals, current state, waste, root causes, measures, indicators."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilots.models import Person, Pilot, ProgrammeGoal

HOURS = {"max_digits": 7, "decimal_places": 2}
# Room for a problem and an idea typed on a phone; a suggestion is not a report.
SUGGESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 2000


class ProjectPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    pilot = models.OneToOneField(
        Pilot, on_delete=models.CASCADE, related_name="plan", verbose_name=_("pilot")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    starts_on = models.DateField(_("plan starts on"), null=True, blank=True)
    current_state = models.TextField(_("current state"), blank=True)
    future_state = models.TextField(_("future state"), blank=True)
    return_comment = models.TextField(_("comment on return"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # When it was last sent back: the leader's time to fix it is counted from here.
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    # Incremented on every save through the services; a save that carries an older value is a
    # conflicting edit and is refused rather than silently overwriting the other person's work.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("project plan")
        verbose_name_plural = _("project plans")
        ordering = ["pilot__department__name"]

    def __str__(self):
        return _("Project plan, %(department)s") % {"department": self.pilot.department}


class QualityGoal(models.Model):
    """A goal of the department's plan (kvalitetsmål), linked to a programme goal it serves."""

    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan")
    )
    text = models.CharField(_("quality goal"), max_length=300)
    programme_goal = models.ForeignKey(
        ProgrammeGoal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quality_goals",
        verbose_name=_("programme goal it serves"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quality goal")
        verbose_name_plural = _("quality goals")
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.text


class Waste(models.Model):
    """Waste found in the current state (sløsing), one of the classic kinds or the team's own."""

    class Kind(models.TextChoices):
        WAITING = "waiting", _("waiting")
        TRANSPORT = "transport", _("transport")
        MOTION = "motion", _("unnecessary movement")
        OVERPROCESSING = "overprocessing", _("overprocessing")
        OVERPRODUCTION = "overproduction", _("overproduction")
        INVENTORY = "inventory", _("inventory and queues")
        DEFECTS = "defects", _("errors and rework")
        UNUSED_TALENT = "unused_talent", _("unused competence")
        OTHER = "other", _("other (describe)")

    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="wastes", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind of waste"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("waste")
        verbose_name_plural = _("waste")
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        if self.kind == self.Kind.OTHER and not self.description.strip():
            raise ValidationError({"description": _("Describe the waste you found.")})


class RootCause(models.Model):
    """A problem traced to its root with five whys (fem hvorfor)."""

    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="root_causes", verbose_name=_("plan")
    )
    problem = models.CharField(_("problem"), max_length=300)
    whys = models.TextField(
        _("the whys"), blank=True, help_text=_("One answer to 'why?' per line, up to five.")
    )
    root_cause = models.CharField(_("root cause"), max_length=300)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.root_cause


class PlanSnapshot(models.Model):
    """The plan as it stood when it was approved, kept unchanged while work goes on."""

    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("plan")
    )
    plan_version = models.PositiveIntegerField(_("plan version"))
    approved_at = models.DateTimeField(_("approved"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    data = models.JSONField(_("content"))
    comment = models.TextField(_("comment on approval"), blank=True)

    class Meta:
        verbose_name = _("approved plan snapshot")
        verbose_name_plural = _("approved plan snapshots")
        ordering = ["plan", "-approved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "plan_version"], name="plan_snapshot_unique_version"
            )
        ]

    def __str__(self):
        return f"{self.plan} v{self.plan_version}"


class PlanTransition(models.Model):
    """One step of a plan's way to approval, as it happened: the record the e-mails about it are
    derived from.

    The plan's own fields keep only the latest state (a return comment is overwritten by the
    next return), and the outbox (a higher layer) needs each step, with its actor and comment,
    to say who hears about it and what they read, however late the mail is written.
    """

    class Transition(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")

    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("plan")
    )
    transition = models.CharField(_("step"), max_length=10, choices=Transition.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["plan", "at"]

    def __str__(self):
        return f"{self.plan} {self.transition} {self.at:%Y-%m-%d %H:%M}"


class MeasureQuerySet(models.QuerySet):
    """The one definition of an open and an overdue measure, for every page, mail and sweep."""

    def open(self) -> "MeasureQuerySet":
        return self.filter(status__in=Measure.OPEN_STATUSES)

    def overdue(self, today: date) -> "MeasureQuerySet":
        """Open measures whose deadline has passed: due yesterday is overdue, due today is not."""
        return self.open().filter(deadline__lt=today)


class Measure(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    # Still to be done; a done or dropped measure is neither open nor overdue.
    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
    # What a measure's owner may set it to; dropping a measure is for those who edit the plan,
    # and a dropped measure stays dropped until one of them takes it up again.
    OWNER_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE)

    class Level(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="measures", verbose_name=_("plan")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_measures",
        verbose_name=_("owner"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    effort = models.CharField(
        _("effort"), max_length=6, choices=Level.choices, default=Level.MEDIUM
    )
    effect = models.CharField(
        _("effect"), max_length=6, choices=Level.choices, default=Level.MEDIUM
    )
    hours_identified_per_week = models.DecimalField(
        _("hours per week identified"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        **HOURS,
    )
    hours_realised_per_week = models.DecimalField(
        _("hours per week realised"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        **HOURS,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["deadline", "title"]
        # The admin's changelist of every measure, in this order (issue 14).
        indexes = [models.Index(fields=["deadline", "title"], name="measure_deadline_title")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours_identified_per_week__gte=0)
                & models.Q(hours_realised_per_week__gte=0),
                name="measure_hours_not_negative",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < today

    def clean(self):
        errors = {}
        if self.plan_id and self.owner_id:
            department = self.plan.pilot.department
            if not self.owner.department_roles.filter(department=department).exists():
                errors["owner"] = _("The owner must be a person in the department.")
        if (
            self.plan_id
            and self.deadline
            and self.plan.starts_on
            and (self.deadline < self.plan.starts_on)
        ):
            errors["deadline"] = _("The deadline cannot be before the plan starts.")
        if errors:
            raise ValidationError(errors)


class MeasureNote(models.Model):
    """A short word on how a measure is going, from its owner or a leader, kept as written.

    A row of its own rather than a change reason in the measure's history: the leader reads the
    notes on the board, a note may come without any change to the measure, and it names the
    person who wrote it even when their login is gone.
    """

    MAX_LENGTH = 500

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="notes", verbose_name=_("measure")
    )
    author = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.CharField(_("note"), max_length=MAX_LENGTH)
    # The status the note came with when it moved the measure; empty when it did not.
    status = models.CharField(
        _("status set"), max_length=12, choices=Measure.Status.choices, blank=True
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["measure", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["measure", "-created_at"], name="measure_note_latest"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="measure_note_not_empty")
        ]

    def __str__(self):
        return self.text


class Indicator(models.Model):
    plan = models.ForeignKey(
        ProjectPlan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan")
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50)
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "name"]
        constraints = [
            # Deferred to the end of the transaction, so that two rows may swap their names in
            # one save; forms and services check the names before they save.
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="indicator_unique_name_per_plan",
                deferrable=models.Deferrable.DEFERRED,
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class Measurement(models.Model):
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("indicator"),
    )
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["indicator", "measured_on"]
        constraints = [
            # Deferred, like an indicator's name: two measurements may swap their dates.
            models.UniqueConstraint(
                fields=["indicator", "measured_on"],
                name="measurement_one_per_day",
                deferrable=models.Deferrable.DEFERRED,
            )
        ]

    def __str__(self):
        return f"{self.measured_on:%d.%m.%Y}: {self.value}"


class Suggestion(models.Model):
    """An improvement suggestion (forbedringsforslag) from someone who works in the department.

    An anonymous suggestion has no author, and neither has any record of its history: the
    services save it without the user who sent it. The leader answers it, declines it or makes it
    a measure of the plan; the author follows what happened to it on their own list.
    """

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ANSWERED = "answered", _("answered")
        MEASURE = "measure", _("became a measure")
        DECLINED = "declined", _("not taken forward")

    # Statuses the leader has dealt with; the author sees the answer.
    HANDLED_STATUSES = (Status.ANSWERED, Status.MEASURE, Status.DECLINED)

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("pilot")
    )
    author = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("author"),
        help_text=_("Empty for an anonymous suggestion."),
    )
    text = models.TextField(_("suggestion"), validators=[MaxLengthValidator(SUGGESTION_MAX_LENGTH)])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    answer = models.TextField(
        _("answer"), blank=True, validators=[MaxLengthValidator(ANSWER_MAX_LENGTH)]
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    measure = models.OneToOneField(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestion",
        verbose_name=_("measure it became"),
    )
    # Not auto_now_add: an anonymous suggestion is stamped with the hour only (see services).
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("improvement suggestion")
        verbose_name_plural = _("improvement suggestions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["pilot", "status"], name="suggestion_pilot_status"),
            # The admin's changelist, newest first (issue 14).
            models.Index(fields=["-created_at", "-id"], name="suggestion_latest"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="suggestion_text_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), SUGGESTION_MAX_LENGTH),
                name="suggestion_text_max_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("answer"), ANSWER_MAX_LENGTH),
                name="suggestion_answer_max_length",
            ),
            # A suggestion linked to a measure is one that became it. The other way round is not
            # a constraint: when the measure is deleted the link goes, and the status stays.
            models.CheckConstraint(
                condition=models.Q(measure__isnull=True) | models.Q(status="measure"),
                name="suggestion_measure_only_when_converted",
            ),
        ]

    def __str__(self):
        return str(Truncator(self.text).chars(60))

    @property
    def is_anonymous(self) -> bool:
        return self.author_id is None

    @property
    def is_handled(self) -> bool:
        return self.status in self.HANDLED_STATUSES

    def clean(self):
        errors = {}
        if (
            self.pilot_id
            and self.author_id
            and self.author.municipality_id != self.pilot.department.municipality_id
        ):
            errors["author"] = _("The author must belong to the pilot's municipality.")
        if self.pilot_id and self.measure_id and self.measure.plan.pilot_id != self.pilot_id:
            errors["measure"] = _("The measure must belong to the same pilot's plan.")
        if self.measure_id and self.status != self.Status.MEASURE:
            errors["status"] = _(
                "A suggestion linked to a measure has the status “%(status)s”."
            ) % {"status": self.Status.MEASURE.label}
        if errors:
            raise ValidationError(errors)


def _board_screen_nonce() -> str:
    return secrets.token_urlsafe(16)


class BoardScreen(models.Model):
    """A read-only link to a pilot's improvement board, for a wall screen nobody logs in at.

    The link's token is a keyed hash over the row (`plans.screens`), so the database alone
    opens nothing; withdrawing the row (`revoked_at`) ends the link for good.
    """

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="board_screens", verbose_name=_("pilot")
    )
    label = models.CharField(
        _("where the screen is"),
        max_length=100,
        help_text=_("For example “Wall by the duty room”, so you know which link to withdraw."),
    )
    nonce = models.CharField(max_length=32, default=_board_screen_nonce, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # When a screen last fetched the board (to within a few minutes): a link nobody uses any
    # more is one to withdraw.
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("board screen link")
        verbose_name_plural = _("board screen links")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(label=""), name="board_screen_label_not_empty"
            ),
        ]

    def __str__(self):
        return self.label
