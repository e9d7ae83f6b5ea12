"""Where a person's data lives: the one list that innsyn (export) and erasure both read.

Every model field that points at a `Person` or at a login (`User`) is an `Entry` here, and so
are the places that find a person by something else (the login's user name in the lock-out
logs, the user id inside a session, the person id in the audit log). A test walks
`apps.get_models()` and fails when a model gains such a field without an entry, so a new
feature cannot quietly keep personal data outside export and erasure.

Names written into free text (a plan snapshot, an e-mail body to a colleague, the admin's
log) are not reachable by a key; `text_columns()` lists every text column the erasure scrubs.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


class OnErase(StrEnum):
    # The row stays, linked to the anonymised person or login: counts, dates and statuses
    # (the archive duty) stay true under the neutral label.
    KEEP = "keep"
    # The link is cleared: the row no longer says who (history_user, a suggestion's author).
    UNLINK = "unlink"
    # The row goes: it is about the person only and nothing counts it.
    DELETE = "delete"
    # The listed text fields are emptied; the row's kind, dates and status stay.
    BLANK = "blank"
    # Handled by the erasure itself (the person's row, the login, the sessions).
    SPECIAL = "special"


class Via(StrEnum):
    PERSON = "person"  # the field holds the person's id
    USER = "user"  # the field holds the person's login's id
    USERNAME = "username"  # the field holds the login's user name or e-mail address
    SESSION = "session"  # the login's id is inside the session's signed data


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    model: str  # "app_label.ModelName"
    field: str  # the field that points at the person (or login, or holds the user name)
    via: Via
    columns: tuple[str, ...]  # what the export shows, as `values()` lookups
    on_erase: OnErase
    blank_fields: tuple[str, ...] = ()
    # False for an entry that only tells erasure where to look (it repeats another's data).
    exported: bool = True

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def rows(self, *, person_id: int, user_id: int | None, usernames: tuple[str, ...]) -> QuerySet:
        """The entry's rows about the person, as a queryset (one query when evaluated).

        For sessions: every session, since only decoding tells whose it is
        (`leanprogram.privacy.sessions`)."""
        model = self.model_class
        if self.via is Via.SESSION:
            return model._default_manager.all()
        if self.via is Via.PERSON:
            return model._default_manager.filter(**{self.field: person_id})
        if self.via is Via.USER:
            if user_id is None:
                return model._default_manager.none()
            return model._default_manager.filter(**{self.field: user_id})
        if not usernames:
            return model._default_manager.none()
        return model._default_manager.filter(**{f"{self.field}__iregex": _any_of(usernames)})


def _any_of(values: tuple[str, ...]) -> str:
    return "^(" + "|".join(re.escape(v) for v in values) + ")$"


def _history(model: str, label, columns: tuple[str, ...]) -> Entry:
    """A django-simple-history table's rows written by the person's login."""
    return Entry(
        key=f"{model.lower()}.history_user",
        label=label,
        model=model,
        field="history_user",
        via=Via.USER,
        columns=("history_date", "history_type", *columns),
        on_erase=OnErase.UNLINK,
    )


_HISTORY_LABEL = _("Changes you made (history)")

ENTRIES: tuple[Entry, ...] = (
    # --- The person and their login ---
    Entry(
        "person",
        _("Your details"),
        "pilots.Person",
        "pk",
        Via.PERSON,
        ("full_name", "email", "phone", "language", "is_active", "receives_digests"),
        OnErase.SPECIAL,
    ),
    Entry(
        "login",
        _("Your login"),
        settings.AUTH_USER_MODEL,
        "person__pk",
        Via.PERSON,
        ("username", "email", "first_name", "last_name", "last_login", "date_joined", "is_active"),
        OnErase.SPECIAL,
    ),
    Entry(
        "person.user",
        _("Your login (link)"),
        "pilots.Person",
        "user",
        Via.USER,
        ("id",),
        OnErase.SPECIAL,
        exported=False,
    ),
    Entry(
        "sessions",
        _("Open sessions"),
        "sessions.Session",
        "session_data",
        Via.SESSION,
        ("expire_date",),
        OnErase.SPECIAL,
    ),
    # --- Roles and attendance ---
    Entry(
        "programme_roles",
        _("Roles in programmes"),
        "pilots.ProgrammeRole",
        "person",
        Via.PERSON,
        ("programme__name", "role", "position_percent", "ends_on"),
        OnErase.KEEP,
    ),
    Entry(
        "department_roles",
        _("Roles in departments"),
        "pilots.DepartmentRole",
        "person",
        Via.PERSON,
        ("department__name", "role", "position_percent", "ends_on"),
        OnErase.KEEP,
    ),
    Entry(
        "attendance",
        _("Attendance"),
        "training.Attendance",
        "person",
        Via.PERSON,
        (
            "course_day__date",
            "information_meeting__starts_at",
            "status",
            "recorded_at",
        ),
        OnErase.KEEP,
    ),
    Entry(
        "attendance.recorded_by",
        _("Attendance you recorded"),
        "training.Attendance",
        "recorded_by",
        Via.USER,
        ("recorded_at", "status"),
        OnErase.KEEP,
    ),
    Entry(
        "session_choices",
        _("Information meeting sessions chosen for you"),
        "training.SessionChoice",
        "person",
        Via.PERSON,
        ("pilot__department__name", "meeting__starts_at"),
        OnErase.KEEP,
    ),
    Entry(
        "session_choices.chosen_by",
        _("Information meeting sessions you chose"),
        "training.SessionChoice",
        "chosen_by",
        Via.USER,
        ("pilot__department__name", "meeting__starts_at"),
        OnErase.KEEP,
    ),
    Entry(
        "course_days.facilitators",
        _("Course days you facilitate"),
        "training.CourseDay",
        "facilitators",
        Via.PERSON,
        ("pilot__department__name", "date", "topic"),
        OnErase.KEEP,
    ),
    Entry(
        "follow_up_meetings.attendees",
        _("Follow-up meetings you were invited to"),
        "followup.FollowUpMeeting",
        "attendees",
        Via.PERSON,
        ("pilot__department__name", "label", "held_on"),
        OnErase.KEEP,
    ),
    Entry(
        "follow_up_meetings.participants",
        _("Follow-up meetings you took part in"),
        "followup.FollowUpMeeting",
        "participants",
        Via.PERSON,
        ("pilot__department__name", "label", "held_on"),
        OnErase.KEEP,
    ),
    # --- Plans: the department's content, with the person's part in it ---
    Entry(
        "measures",
        _("Measures you own"),
        "plans.Measure",
        "owner",
        Via.PERSON,
        ("plan__pilot__department__name", "title", "status", "deadline"),
        OnErase.KEEP,
    ),
    Entry(
        "measure_history.owner",
        _("Earlier versions of measures you owned"),
        "plans.HistoricalMeasure",
        "owner",
        Via.PERSON,
        ("history_date", "title", "status"),
        OnErase.KEEP,
    ),
    Entry(
        "measure_notes",
        _("Progress notes you wrote"),
        "plans.MeasureNote",
        "author",
        Via.PERSON,
        ("measure__title", "text", "status", "created_at"),
        OnErase.KEEP,
    ),
    Entry(
        "suggestions",
        _("Improvement suggestions you sent"),
        "plans.Suggestion",
        "author",
        Via.PERSON,
        ("pilot__department__name", "text", "status", "created_at"),
        # As if sent anonymously: the idea is the department's, the name was the person's.
        OnErase.UNLINK,
    ),
    Entry(
        "suggestion_history.author",
        _("Earlier versions of your suggestions"),
        "plans.HistoricalSuggestion",
        "author",
        Via.PERSON,
        ("history_date", "status"),
        OnErase.UNLINK,
    ),
    Entry(
        "suggestions.answered_by",
        _("Suggestions you answered"),
        "plans.Suggestion",
        "answered_by",
        Via.USER,
        ("pilot__department__name", "status", "answered_at"),
        OnErase.KEEP,
    ),
    Entry(
        "suggestion_history.answered_by",
        _("Earlier versions of suggestions you answered"),
        "plans.HistoricalSuggestion",
        "answered_by",
        Via.USER,
        ("history_date", "status"),
        OnErase.UNLINK,
    ),
    Entry(
        "plan_snapshots.approved_by",
        _("Plans you approved"),
        "plans.PlanSnapshot",
        "approved_by",
        Via.USER,
        ("plan__pilot__department__name", "plan_version", "approved_at", "comment"),
        OnErase.KEEP,
    ),
    Entry(
        "plan_transitions.actor",
        _("Plan submissions, returns and approvals you made"),
        "plans.PlanTransition",
        "actor",
        Via.USER,
        ("plan__pilot__department__name", "transition", "comment"),
        OnErase.KEEP,
    ),
    Entry(
        "board_screens.created_by",
        _("Wall screen links you made"),
        "plans.BoardScreen",
        "created_by",
        Via.USER,
        ("pilot__department__name", "label"),
        OnErase.KEEP,
    ),
    Entry(
        "pilot_lessons.written_by",
        _("Lessons from pilots you wrote"),
        "pilots.PilotLessons",
        "written_by",
        Via.USER,
        ("pilot__department__name", "updated_at"),
        # The lessons are the department's, for the library; only who wrote them is the person's.
        OnErase.UNLINK,
    ),
    Entry(
        "calendar_feeds.person",
        _("Your calendar subscription links"),
        "followup.CalendarFeed",
        "person",
        Via.PERSON,
        ("kind", "pilot__department__name", "programme__name", "created_at", "revoked_at"),
        # A link to someone's calendar is theirs alone: erased, it goes.
        OnErase.DELETE,
    ),
    Entry(
        "phase_changes.changed_by",
        _("Phase changes you made"),
        "pilots.PhaseChange",
        "changed_by",
        Via.USER,
        ("pilot__department__name", "from_phase", "to_phase", "reason", "changed_at"),
        # Kept linked: a change without anyone reads as automatic (`PhaseChange.is_automatic`).
        OnErase.KEEP,
    ),
    _history("plans.HistoricalProjectPlan", _HISTORY_LABEL, ("pilot__department__name", "status")),
    _history("plans.HistoricalQualityGoal", _HISTORY_LABEL, ("text",)),
    _history("plans.HistoricalWaste", _HISTORY_LABEL, ("kind",)),
    _history("plans.HistoricalRootCause", _HISTORY_LABEL, ("problem",)),
    _history("plans.HistoricalMeasure", _HISTORY_LABEL, ("title", "status")),
    _history("plans.HistoricalIndicator", _HISTORY_LABEL, ("name",)),
    _history("plans.HistoricalMeasurement", _HISTORY_LABEL, ("measured_on",)),
    _history("plans.HistoricalSuggestion", _HISTORY_LABEL, ("status",)),
    _history("followup.HistoricalBoardMeeting", _HISTORY_LABEL, ("held_on",)),
    # --- Mail and invitations ---
    Entry(
        "reminders",
        _("Reminders and e-mails to you"),
        "followup.Reminder",
        "recipient",
        Via.PERSON,
        ("kind", "status", "due_at", "sent_at", "email_subject", "email_body"),
        OnErase.BLANK,
        blank_fields=("email_subject", "email_body", "last_error"),
    ),
    Entry(
        "invitations",
        _("Invitations to make a login"),
        "pilots.Invitation",
        "person",
        Via.PERSON,
        ("created_at", "sent_at", "expires_at", "accepted_at", "revoked_at"),
        OnErase.DELETE,
    ),
    Entry(
        "invitations.created_by",
        _("Invitations you sent"),
        "pilots.Invitation",
        "created_by",
        Via.USER,
        ("created_at", "expires_at", "accepted_at"),
        OnErase.KEEP,
    ),
    # --- Logs ---
    Entry(
        "admin_log",
        _("Changes you made in the administration"),
        "admin.LogEntry",
        "user",
        Via.USER,
        ("action_time", "content_type__model", "action_flag"),
        OnErase.KEEP,
    ),
    Entry(
        "audit.subject",
        _("Who exported or changed your data"),
        "pilots.AuditEvent",
        "subject_person_id",
        Via.PERSON,
        ("at", "action", "detail"),
        OnErase.SPECIAL,
    ),
    Entry(
        "audit.actor",
        _("Personal data you exported or changed"),
        "pilots.AuditEvent",
        "actor",
        Via.USER,
        ("at", "action", "detail"),
        OnErase.KEEP,
    ),
    Entry(
        "axes.access_log",
        _("Logins"),
        "axes.AccessLog",
        "username",
        Via.USERNAME,
        ("attempt_time", "logout_time", "ip_address", "user_agent"),
        OnErase.DELETE,
    ),
    Entry(
        "axes.access_attempt",
        _("Failed logins"),
        "axes.AccessAttempt",
        "username",
        Via.USERNAME,
        ("attempt_time", "ip_address", "failures_since_start"),
        OnErase.DELETE,
    ),
    Entry(
        "axes.access_failure_log",
        _("Failed logins (log)"),
        "axes.AccessFailureLog",
        "username",
        Via.USERNAME,
        ("attempt_time", "ip_address", "locked_out"),
        OnErase.DELETE,
    ),
)


def _installed(app_label: str) -> bool:
    try:
        apps.get_app_config(app_label)
    except LookupError:
        return False
    return True


# Second-factor devices (django-otp), when the second factor is installed: the device's name
# and when it was used; its secret key is never exported. Deleted on erasure with their tokens.
_OPTIONAL: tuple[Entry, ...] = tuple(
    Entry(
        f"{label}.user",
        _("Second-factor devices"),
        f"{label}.{model}",
        "user",
        Via.USER,
        ("name", "confirmed", "created_at", "last_used_at"),
        OnErase.DELETE,
    )
    for label, model in (("otp_totp", "TOTPDevice"), ("otp_static", "StaticDevice"))
    if _installed(label)
)
ENTRIES += _OPTIONAL


def entries() -> tuple[Entry, ...]:
    return ENTRIES


def covered_fields() -> set[tuple[str, str]]:
    """(model label, field name) of every field the registry reads."""
    return {(entry.model, entry.field) for entry in ENTRIES}


# Text columns whose values are secrets or machine data, never a name someone typed or a
# message rendered for somebody: the erasure's scrub leaves them alone.
_NOT_FREE_TEXT = {
    (settings.AUTH_USER_MODEL, "password"),
    ("sessions.Session", "session_key"),
    ("sessions.Session", "session_data"),
    ("pilots.Invitation", "nonce"),
    ("plans.BoardScreen", "nonce"),
    ("followup.CalendarFeed", "nonce"),
    ("contenttypes.ContentType", "app_label"),
    ("contenttypes.ContentType", "model"),
    ("auth.Permission", "codename"),
}


def text_columns() -> list[tuple[type[models.Model], models.Field]]:
    """Every text column in the database a name or an e-mail address can have been written to:
    char, text and JSON fields of every model, the history tables and the logs included."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.CharField | models.TextField | models.JSONField):
                continue
            if f.choices or (model._meta.label, f.name) in _NOT_FREE_TEXT:
                continue
            found.append((model, f))
    return found
