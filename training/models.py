"""Information meetings, the four course days of each pilot, and who attended them."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilots.calendar import local_moment, validate_plausible_date
from pilots.collation import norwegian
from pilots.models import Person, Pilot

COURSE_DAYS_PER_PILOT = 4


class InformationMeeting(models.Model):
    """A meeting for all staff of the pilot's department before the course days."""

    pilot = models.ForeignKey(
        Pilot,
        on_delete=models.CASCADE,
        related_name="information_meetings",
        verbose_name=_("pilot"),
    )
    starts_at = models.DateTimeField(_("starts at"), validators=[validate_plausible_date])
    ends_at = models.DateTimeField(_("ends at"), validators=[validate_plausible_date])
    place = models.CharField(_("place"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Raised whenever its time or place changes, so that calendars replace the invitation they
    # hold (iCalendar SEQUENCE) instead of keeping the old one (`followup.ical`).
    calendar_sequence = models.PositiveIntegerField(
        _("calendar version"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("information meeting")
        verbose_name_plural = _("information meetings")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="information_meeting_ends_after_start",
            )
        ]

    def __str__(self):
        return _("Information meeting, %(department)s") % {"department": self.pilot.department}

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The meeting must end after it starts.")})

    @property
    def start_moment(self) -> dt.datetime:
        return self.starts_at

    @property
    def has_started(self) -> bool:
        return self.start_moment <= timezone.now()


class CourseDay(models.Model):
    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="course_days", verbose_name=_("pilot")
    )
    number = models.PositiveSmallIntegerField(
        _("day number"),
        validators=[MinValueValidator(1), MaxValueValidator(COURSE_DAYS_PER_PILOT)],
    )
    date = models.DateField(_("date"), validators=[validate_plausible_date])
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    facilitators = models.ManyToManyField(
        Person, blank=True, related_name="facilitated_course_days", verbose_name=_("facilitators")
    )
    # Raised whenever its date, time or place changes (see InformationMeeting).
    calendar_sequence = models.PositiveIntegerField(
        _("calendar version"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("course day")
        verbose_name_plural = _("course days")
        ordering = ["pilot", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "number"], name="course_day_unique_number"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=COURSE_DAYS_PER_PILOT),
                name="course_day_number_1_to_4",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="course_day_ends_after_start",
            ),
        ]

    def __str__(self):
        return _("Course day %(number)s, %(department)s") % {
            "number": self.number,
            "department": self.pilot.department,
        }

    @property
    def iso_week(self) -> int:
        return self.date.isocalendar().week

    @property
    def start_moment(self) -> dt.datetime:
        """When the day starts: its date and clock time in Norway."""
        return local_moment(self.date, self.starts_at)

    @property
    def has_started(self) -> bool:
        return self.start_moment <= timezone.now()

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The course day must end after it starts.")})


class Attendance(models.Model):
    """One person's attendance at one information meeting or one course day."""

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        ABSENT = "absent", _("absent")
        EXCUSED = "excused", _("excused")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("person")
    )
    information_meeting = models.ForeignKey(
        InformationMeeting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("information meeting"),
    )
    course_day = models.ForeignKey(
        CourseDay,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("course day"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = [norwegian("person__full_name")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(information_meeting__isnull=False, course_day__isnull=True)
                | models.Q(information_meeting__isnull=True, course_day__isnull=False),
                name="attendance_meeting_xor_course_day",
            ),
            models.UniqueConstraint(
                fields=["person", "information_meeting"],
                condition=models.Q(information_meeting__isnull=False),
                name="attendance_unique_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["person", "course_day"],
                condition=models.Q(course_day__isnull=False),
                name="attendance_unique_per_course_day",
            ),
        ]

    def __str__(self):
        return f"{self.person}: {self.get_status_display()}"

    def clean(self):
        if bool(self.information_meeting_id) == bool(self.course_day_id):
            raise ValidationError(
                _("Attendance is for either an information meeting or a course day.")
            )


class SessionChoice(models.Model):
    """Which session of the pilot's information meeting a person attends.

    A pilot's information meetings are sessions of one meeting: a department with a day and an
    evening shift holds it twice, and each person comes to one of them. The person chooses, or
    the department leader or the lean coordinator puts them on one. `pilot` is the meeting's
    pilot, stored so that the database allows one choice per person and pilot.
    """

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="session_choices",
        verbose_name=_("person"),
    )
    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="session_choices", verbose_name=_("pilot")
    )
    meeting = models.ForeignKey(
        InformationMeeting,
        on_delete=models.CASCADE,
        related_name="session_choices",
        verbose_name=_("session"),
    )
    chosen_at = models.DateTimeField(_("chosen"), auto_now=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )

    class Meta:
        verbose_name = _("session choice")
        verbose_name_plural = _("session choices")
        ordering = ["pilot", "meeting__starts_at", norwegian("person__full_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "pilot"], name="session_choice_one_per_person_and_pilot"
            ),
        ]

    def __str__(self):
        return f"{self.person}: {self.meeting}"

    def clean(self):
        if self.meeting_id and self.pilot_id and self.meeting.pilot_id != self.pilot_id:
            raise ValidationError({"meeting": _("The session must be one of the pilot's.")})


class EventChange(models.Model):
    """A course day or information meeting that moved or was cancelled, as it was and became.

    Written by the services that move and delete events, so that the people in it can be told
    once (the outbox in `followup` derives the notices from these rows). `event_id` is a plain
    number rather than a foreign key: it must still name a cancelled event after its row is gone.
    """

    class EventKind(models.TextChoices):
        COURSE_DAY = "courseday", _("course day")
        INFORMATION_MEETING = "meeting", _("information meeting")

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="event_changes", verbose_name=_("pilot")
    )
    event_kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    event_id = models.PositiveIntegerField(_("event number"))
    number = models.PositiveSmallIntegerField(_("course day number"), null=True, blank=True)
    old_starts_at = models.DateTimeField(_("was from"))
    old_ends_at = models.DateTimeField(_("was until"))
    old_place = models.CharField(_("was at"), max_length=200, blank=True)
    new_starts_at = models.DateTimeField(_("now from"), null=True, blank=True)
    new_ends_at = models.DateTimeField(_("now until"), null=True, blank=True)
    new_place = models.CharField(_("now at"), max_length=200, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    at = models.DateTimeField(_("changed"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moved or cancelled event")
        verbose_name_plural = _("moved or cancelled events")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cancelled=True, new_starts_at__isnull=True)
                | models.Q(cancelled=False, new_starts_at__isnull=False, new_ends_at__isnull=False),
                name="event_change_cancelled_or_new_time",
            )
        ]

    def __str__(self):
        return f"{self.event_kind}:{self.event_id} {self.at:%Y-%m-%d %H:%M}"
