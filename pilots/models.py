"""Municipalities, their programmes, departments, people and roles, and the pilots themselves."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pilots.calendar import local_today, validate_plausible_date
from pilots.collation import norwegian


class Language(models.TextChoices):
    BOKMAL = "nb", _("Norwegian Bokmål")
    NYNORSK = "nn", _("Norwegian Nynorsk")
    ENGLISH = "en", _("English")


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    organisation_number = models.CharField(
        _("organisation number"), max_length=9, blank=True, help_text=_("Nine digits.")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = [norwegian("name")]
        # A staff user with this permission administers their own municipality in the admin
        # (pilots.admin_base.may_use_admin); the "Kommuneadministrator" group has it.
        permissions = [
            ("administer_municipality", _("Can administer their own municipality in the admin"))
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation_number="")
                | models.Q(organisation_number__regex=r"^[0-9]{9}$"),
                name="municipality_organisation_number_nine_digits",
            )
        ]

    def __str__(self):
        return self.name


def _course_weeks_constraint(name: str) -> models.CheckConstraint:
    """All three course-week fields or none, the year plausible and the weeks in order."""
    return models.CheckConstraint(
        condition=models.Q(
            course_year__isnull=True,
            course_week_first__isnull=True,
            course_week_last__isnull=True,
        )
        | models.Q(
            course_year__isnull=False,
            course_week_first__isnull=False,
            course_week_last__isnull=False,
            course_year__gte=2000,
            course_year__lte=2100,
            course_week_first__gte=1,
            course_week_last__lte=53,
            course_week_first__lte=models.F("course_week_last"),
        ),
        name=name,
    )


def course_weeks_errors(year: int | None, first: int | None, last: int | None) -> dict:
    """What is wrong with a course year and its first and last ISO week, by field name."""
    week_fields = (year, first, last)
    if all(v is None for v in week_fields):
        return {}
    if not all(v is not None for v in week_fields):
        return {"course_year": _("Give the course year together with the first and last week.")}
    if not 2000 <= year <= 2100:
        return {"course_year": _("Give a year between 2000 and 2100.")}
    if first > last:
        return {"course_week_last": _("The last course week cannot be before the first.")}
    if last > iso_weeks_in_year(year):
        return {"course_week_last": _("That year has no such ISO week.")}
    return {}


def _course_year_field():
    return models.PositiveSmallIntegerField(
        _("course year (ISO)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )


def _course_week_field(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(53)],
    )


class Programme(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=150)
    model_origin = models.CharField(
        _("model origin"), max_length=150, blank=True, help_text=_("Who built the model.")
    )
    supplier = models.CharField(
        _("supplier"), max_length=150, blank=True, help_text=_("Who delivers and teaches it.")
    )
    value_platform = models.CharField(_("value platform"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"), validators=[validate_plausible_date])
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    hours_per_fte_week = models.DecimalField(
        _("hours per full-time equivalent per week"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("37.5"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("80"))],
        help_text=_("Used to show gains in hours per week as full-time equivalents."),
    )
    # On by default: a suggestion about a colleague's routine or the leader's own is easier to
    # make without a name, and participation (medvirkning) is one of the programme's goals.
    allow_anonymous_suggestions = models.BooleanField(
        _("allow anonymous improvement suggestions"),
        default=True,
        help_text=_(
            "Staff may send an improvement suggestion without their name. The name is then not "
            "stored anywhere, so nobody can answer them personally."
        ),
    )
    # The weeks a new pilot's course days are proposed in, unless the pilot has its own.
    course_year = _course_year_field()
    course_week_first = _course_week_field(_("first course week"))
    course_week_last = _course_week_field(_("last course week"))
    # Retention (leanprogram/privacy/retention.py applies them daily). Where a person belongs to
    # several programmes of a municipality, the longest period wins: the archive duty first.
    retention_reminder_body_months = models.PositiveSmallIntegerField(
        _("keep sent e-mail texts (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "After this the text of a sent reminder or e-mail is removed; its kind, date and "
            "status stay."
        ),
    )
    retention_leaver_months = models.PositiveSmallIntegerField(
        _("keep the names of people who left (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_(
            "After this, people whose roles have all ended are anonymised. Their attendance, "
            "measures and dates stay, counted under a neutral label."
        ),
    )
    retention_invitation_days = models.PositiveSmallIntegerField(
        _("keep expired invitations (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Invitations that expired or were withdrawn are deleted after this."),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = [norwegian("municipality__name"), "-starts_on", norwegian("name")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="programme_unique_name_per_municipality"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_fte_week__gt=0),
                name="programme_hours_per_fte_positive",
            ),
            _course_weeks_constraint("programme_course_weeks_valid"),
            # Zero would purge at once: a typo must not empty the mail texts overnight.
            models.CheckConstraint(
                condition=models.Q(
                    retention_reminder_body_months__gte=1,
                    retention_leaver_months__gte=1,
                    retention_invitation_days__gte=1,
                ),
                name="programme_retention_periods_positive",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def course_weeks(self) -> list[int]:
        if self.course_week_first is None or self.course_week_last is None:
            return []
        return list(range(self.course_week_first, self.course_week_last + 1))

    def clean(self):
        errors = course_weeks_errors(
            self.course_year, self.course_week_first, self.course_week_last
        )
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The programme cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class ProgrammeGoal(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="goals", verbose_name=_("programme")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("goal"), max_length=300)

    class Meta:
        verbose_name = _("programme goal")
        verbose_name_plural = _("programme goals")
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "order"], name="programme_goal_unique_order"
            )
        ]

    def __str__(self):
        return self.text


class Department(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=150)
    service_area = models.CharField(
        _("service area"), max_length=150, blank=True, help_text=_("E.g. health and care.")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = [norwegian("municipality__name"), norwegian("name")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="department_unique_name_per_municipality"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id is None:
            return
        if self.municipality_id and self.parent.municipality_id != self.municipality_id:
            raise ValidationError(
                {"parent": _("The parent unit must belong to the same municipality.")}
            )
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A unit cannot be placed under itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Person(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("municipality"),
    )
    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("work e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.BOKMAL
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Digests can be turned off by the person; escalations and direct reminders cannot.
    receives_digests = models.BooleanField(_("receives digest e-mails"), default=True)
    # Set when the person was anonymised (on request or by the retention policy): the row stays
    # so that counts and dates stay true, under a neutral label (leanprogram/privacy).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = [norwegian("full_name")]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "municipality", name="person_unique_email_per_municipality"
            ),
        ]
        # A municipality's people in alphabetical order (the recipient picker, the admin) is an
        # index scan, not a sort of every employee.
        indexes = [
            models.Index(
                F("municipality"), norwegian("full_name"), name="person_municipality_name_nb"
            ),
            # Everyone in alphabetical order: a superuser's changelists of people and of
            # attendance (issue 14).
            models.Index(norwegian("full_name"), name="person_name_nb"),
        ]

    def __str__(self):
        return self.full_name


def active_role(today: date | None = None, *, prefix: str = "") -> models.Q:
    """A role that has not ended by `today` (Norway's date): no end date, or one after today.

    `prefix` reaches the role through a relation, e.g. `department_roles__` from a person; keep
    it in the same `filter()` call as the other conditions on that role so they hold for one row.
    """
    today = today or local_today()
    return models.Q(**{f"{prefix}ends_on__isnull": True}) | models.Q(
        **{f"{prefix}ends_on__gt": today}
    )


class RoleQuerySet(models.QuerySet):
    def active(self, today: date | None = None):
        """Roles people hold today: who is reminded, who has access, who is counted."""
        return self.filter(active_role(today))

    def ended(self, today: date | None = None):
        """Roles that have ended: kept so that history keeps the person's name."""
        return self.exclude(active_role(today))


class RoleAssignment(models.Model):
    """A person's role in something of the municipality: a programme or a department.

    Someone who leaves gets an end date instead of being deleted: from `ends_on` on the role no
    longer counts (no access, no reminders, not among the current people), while attendance,
    measures and meetings they were part of still show their name.
    """

    # The field holding what the role is in; it must belong to the person's municipality.
    scope_field: str
    position_percent = models.PositiveSmallIntegerField(
        _("position (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text=_("From this date the person no longer has the role. Empty: no end."),
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_active_on(self, today: date) -> bool:
        return self.ends_on is None or self.ends_on > today

    def clean(self):
        scope = getattr(self, self.scope_field, None) if self.person_id else None
        if scope is not None and self.person.municipality_id != scope.municipality_id:
            raise ValidationError({"person": _("The person must belong to the same municipality.")})


def _position_percent_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(position_percent__isnull=True)
        | models.Q(position_percent__gte=1, position_percent__lte=100),
        name=name,
    )


class ProgrammeRole(RoleAssignment):
    class Role(models.TextChoices):
        LEAN_COORDINATOR = "lean_coordinator", _("lean coordinator")
        LEAN_GUIDE = "lean_guide", _("lean guide")

    scope_field = "programme"
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="roles", verbose_name=_("programme")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="programme_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("programme role")
        verbose_name_plural = _("programme roles")
        ordering = ["programme", "role", norwegian("person__full_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person", "role"], name="programme_role_unique"
            ),
            _position_percent_constraint("programme_role_position_percent_range"),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()}"


class DepartmentRole(RoleAssignment):
    class Role(models.TextChoices):
        DEPARTMENT_LEADER = "department_leader", _("department leader")
        UNION_REP = "union_rep", _("union representative")
        SAFETY_REP = "safety_rep", _("safety representative")
        STAFF = "staff", pgettext_lazy("role", "staff")

    scope_field = "department"
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="roles", verbose_name=_("department")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="department_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("department role")
        verbose_name_plural = _("department roles")
        ordering = ["department", "role", norwegian("person__full_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "person", "role"], name="department_role_unique"
            ),
            _position_percent_constraint("department_role_position_percent_range"),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()} ({self.department})"


class Pilot(models.Model):
    """One department's run through the model inside a programme."""

    class Phase(models.TextChoices):
        PLANNED = "planned", _("planned")
        INFORMATION = "information", _("information")
        COURSE = "course", _("course")
        PLANNING = "planning", _("planning")
        FOLLOW_UP = "follow_up", _("follow-up")
        SELF_SUFFICIENT = "self_sufficient", _("self-sufficient")
        CLOSED = "closed", _("closed")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="pilots", verbose_name=_("programme")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="pilots", verbose_name=_("department")
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.PLANNED
    )
    course_year = _course_year_field()
    course_week_first = _course_week_field(_("first course week"))
    course_week_last = _course_week_field(_("last course week"))
    phase_changed_at = models.DateTimeField(_("phase changed"), auto_now_add=True)
    # Set when a coordinator chose the phase by hand: the phase then stays where they put it
    # and no longer follows events until they hand it back (see followup/phases.py).
    phase_set_by_hand = models.BooleanField(_("phase set by hand"), default=False)

    class Meta:
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        ordering = ["programme", norwegian("department__name")]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "department"], name="pilot_one_per_department_and_programme"
            ),
            _course_weeks_constraint("pilot_course_weeks_valid"),
        ]

    def __str__(self):
        return f"{self.department} ({self.programme})"

    @property
    def course_weeks(self) -> list[int]:
        if self.course_week_first is None or self.course_week_last is None:
            return []
        return list(range(self.course_week_first, self.course_week_last + 1))

    def clean(self):
        errors = {}
        if (
            self.programme_id
            and self.department_id
            and self.department.municipality_id != self.programme.municipality_id
        ):
            errors["department"] = _("The department must belong to the programme's municipality.")
        errors.update(
            course_weeks_errors(self.course_year, self.course_week_first, self.course_week_last)
        )
        if errors:
            raise ValidationError(errors)


def iso_weeks_in_year(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


class EarlierProcess(models.Model):
    """A lean process the municipality ran before this programme, and what it learned.

    With the pilots' own lessons (`PilotLessons`) it makes the learning library
    (`pilots.library`), which everyone in the municipality reads and its coordinators curate.
    """

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("completed")
        PARTLY = "partly", _("partly completed")
        STOPPED = "stopped", _("stopped")
        UNKNOWN = "unknown", _("unknown")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="earlier_processes",
        verbose_name=_("municipality"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="earlier_processes",
        verbose_name=_("department"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    # Free text like the department's own (`Department.service_area`), matched without regard to
    # case, so that an earlier process is suggested to the pilots of the same service area.
    service_area = models.CharField(_("service area"), max_length=150, blank=True)
    outcome_category = models.CharField(
        _("how it ended"), max_length=20, choices=Outcome.choices, default=Outcome.UNKNOWN
    )
    description = models.TextField(_("what was done"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)

    class Meta:
        verbose_name = _("earlier process")
        verbose_name_plural = _("earlier processes")
        ordering = ["-year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=1990, year__lte=2100),
                name="earlier_process_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    outcome_category__in=["completed", "partly", "stopped", "unknown"]
                ),
                name="earlier_process_outcome_category_valid",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def clean(self):
        if (
            self.department_id
            and self.municipality_id
            and self.department.municipality_id != self.municipality_id
        ):
            raise ValidationError(
                {"department": _("The department must belong to the same municipality.")}
            )


class PilotLessons(models.Model):
    """What a pilot's department learned: written when the pilot runs on its own, by its leader
    or a coordinator, and read in the learning library by the departments that come after."""

    pilot = models.OneToOneField(
        Pilot, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("pilot")
    )
    what_worked = models.TextField(_("what worked"), blank=True)
    what_did_not_work = models.TextField(_("what did not work"), blank=True)
    advice = models.TextField(_("advice to the next department"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("lessons from a pilot")
        verbose_name_plural = _("lessons from pilots")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(what_worked="", what_did_not_work="", advice=""),
                name="pilot_lessons_not_empty",
            )
        ]

    def __str__(self):
        return str(self.pilot)

    def clean(self):
        if not (self.what_worked.strip() or self.what_did_not_work.strip() or self.advice.strip()):
            raise ValidationError(
                _("Write at least one of: what worked, what did not work, advice.")
            )


class HolidayPeriod(models.Model):
    """A period an administrator enters so that scheduling can warn, e.g. school winter holiday."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="holiday_periods",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"), validators=[validate_plausible_date])
    ends_on = models.DateField(_("ends on"), validators=[validate_plausible_date])

    class Meta:
        verbose_name = _("holiday period")
        verbose_name_plural = _("holiday periods")
        ordering = ["municipality", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="holiday_period_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y})"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The period cannot end before it starts.")})


def _invitation_nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """An offer of a login to one person who has none, taken up through a link in an e-mail.

    The link carries no secret of this row: its token is a keyed hash over the row, its nonce
    and the person's e-mail address (`pilots.invitations`), so reading the database is not
    enough to accept it, and correcting a wrong address kills every link sent to it.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("person")
    )
    # Nobody when the system made it, to put into a reminder's links.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When someone last asked for the invitation e-mail, and how often: each time is one e-mail
    # in the outbox. None and 0 for an invitation that only travels in reminders' links.
    sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("invitation e-mails"), default=0)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    nonce = models.CharField(max_length=32, default=_invitation_nonce, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per person: every mail to them carries the same link.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_withdrawn",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=models.Q(send_count=0, sent_at__isnull=True)
                | models.Q(send_count__gt=0, sent_at__isnull=False),
                name="invitation_sent_at_with_send_count",
            ),
        ]

    def __str__(self):
        return _("Invitation for %(person)s") % {"person": self.person}

    def clean(self):
        errors = {}
        if self.expires_at and self.created_at and self.expires_at <= self.created_at:
            errors["expires_at"] = _("An invitation must expire after it was made.")
        if self.accepted_at and self.revoked_at:
            errors["revoked_at"] = _("An accepted invitation cannot be withdrawn.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        """Neither accepted nor withdrawn (it may have expired)."""
        return self.accepted_at is None and self.revoked_at is None

    def has_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())


class PhaseTarget(models.Model):
    """The date by which the programme wants its pilots to have reached a phase."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="phase_targets",
        verbose_name=_("programme"),
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Pilot.Phase.choices)
    reached_by = models.DateField(_("reached by"), validators=[validate_plausible_date])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("phase target")
        verbose_name_plural = _("phase targets")
        ordering = ["programme", "reached_by", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "phase"], name="phase_target_one_per_phase"
            ),
        ]

    def __str__(self):
        return _("%(phase)s by %(date)s") % {
            "phase": self.get_phase_display(),
            "date": f"{self.reached_by:%d.%m.%Y}",
        }


class PhaseChange(models.Model):
    """One move of a pilot from one phase to another: by a coordinator (with their reason) or
    automatically, when what happened called for it (`changed_by` is then empty)."""

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="phase_changes", verbose_name=_("pilot")
    )
    from_phase = models.CharField(_("from phase"), max_length=20, choices=Pilot.Phase.choices)
    to_phase = models.CharField(_("to phase"), max_length=20, choices=Pilot.Phase.choices)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        ordering = ["pilot", "-changed_at", "-pk"]
        indexes = [models.Index(fields=["pilot", "-changed_at"], name="phase_change_pilot_latest")]

    def __str__(self):
        return f"{self.pilot}: {self.from_phase} → {self.to_phase}"

    @property
    def is_automatic(self) -> bool:
        return self.changed_by_id is None


class AuditEvent(models.Model):
    """Who read, exported, changed or erased personal data, or changed what someone may do.

    Written only through `pilots.audit.record`, never edited: the administrators' answer to
    "who looked at Kari's data, and who made Tore a coordinator?". It holds ids and the
    action's name, never the personal data itself, so erasing a person leaves it truthful
    without keeping what was erased (`subject_label` is blanked by the erasure).
    """

    class Action(models.TextChoices):
        EXPORTED = "exported", _("exported personal data")
        CHANGED = "changed", _("changed personal data")
        ANONYMISED = "anonymised", _("anonymised a person")
        ERASED = "erased", _("erased a person")
        PERMISSIONS = "permissions", _("changed permissions")
        PURGED = "purged", _("purged by retention policy")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # The person whose data it concerns, by id: kept after erasure (the row then says so).
    subject_person_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    subject_label = models.CharField(_("concerning"), max_length=150, blank=True)
    # What was touched, in words an auditor reads: model and field names, counts; no values.
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "-at"], name="audit_municipality_latest"),
            models.Index(fields=["subject_person_id"], name="audit_subject"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"
