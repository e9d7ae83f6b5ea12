"""Admin for the follow-up cadence and reminder settings, meetings and the reminder log."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from pilots.admin_base import (
    BigListMixin,
    ModelAdmin,
    SafeFormFieldsMixin,
    SaveRefusedMixin,
    ScopedModelAdminMixin,
    TabularInline,
)

from . import services
from .models import (
    BoardMeeting,
    CalendarFeed,
    FollowUpItem,
    FollowUpMeeting,
    FollowUpPolicy,
    FollowUpStep,
    Reminder,
)

# The string of a pilot names its department and programme.
PILOT_RELATED = ["pilot__department", "pilot__programme"]


class FollowUpStepInline(TabularInline):
    model = FollowUpStep
    extra = 1
    fields = ["amount", "unit"]


@admin.register(FollowUpPolicy)
class FollowUpPolicyAdmin(ModelAdmin):
    """Per programme: the cadence of follow-up meetings and every number the reminders use.

    A programme without a policy gets one with the defaults the first time reminders run.
    """

    municipality_path = "programme__municipality"

    list_display = [
        "programme",
        "reminders_enabled",
        "plan_submit_days",
        "plan_escalation_days",
        "follow_up_notice_days",
        "quiet_plan_days",
        "digest_weekday",
    ]
    list_filter = ["reminders_enabled", "programme__municipality"]
    list_select_related = ["programme"]
    search_fields = ["programme__name"]
    autocomplete_fields = ["programme"]
    inlines = [FollowUpStepInline]
    fieldsets = [
        (None, {"fields": ["programme", "reminders_enabled", "send_hour", "late_after_days"]}),
        (
            _("Meetings and course days"),
            {"fields": ["event_notice_working_days", "absence_notice_working_days"]},
        ),
        (
            _("Project plan"),
            {"fields": ["plan_submit_days", "plan_escalation_days", "quiet_plan_days"]},
        ),
        (_("Follow-up meetings"), {"fields": ["follow_up_notice_days", "follow_up_overdue_days"]}),
        (_("Digests"), {"fields": ["digest_weekday"]}),
    ]


@admin.register(FollowUpStep)
class FollowUpStepAdmin(ModelAdmin):
    """The cadence is edited on its policy's page; this list shows every programme's at once."""

    municipality_path = "policy__programme__municipality"

    list_display = ["policy", "amount", "unit"]
    list_filter = ["unit", "policy__programme__municipality"]
    list_select_related = ["policy__programme"]
    search_fields = ["policy__programme__name"]
    autocomplete_fields = ["policy"]


class FollowUpItemInline(TabularInline):
    """Read-only here: an action's measure is made in the plan by the meeting page's service."""

    model = FollowUpItem
    fk_name = "meeting"
    extra = 0
    fields = ["kind", "text", "measure", "done", "done_at_meeting"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FollowUpItem)
class FollowUpItemAdmin(BigListMixin, ModelAdmin):
    municipality_path = "meeting__pilot__programme__municipality"
    list_display = ["text", "kind", "meeting", "done"]
    list_filter = ["kind", "done"]
    list_select_related = ["meeting__pilot__department", "meeting__pilot__programme"]
    search_fields = ["text", "meeting__pilot__department__name"]
    autocomplete_fields = ["meeting", "measure", "done_at_meeting"]


@admin.register(FollowUpMeeting)
class FollowUpMeetingAdmin(BigListMixin, ModelAdmin):
    municipality_path = "pilot__programme__municipality"
    list_display = ["label", "pilot", "due_on", "held_on", "step"]
    list_filter = [("held_on", admin.EmptyFieldListFilter), "pilot__programme", "due_on"]
    list_select_related = [*PILOT_RELATED, "step"]
    # By the pilot's id, not its own order (programme and department name, a sort of every
    # meeting of the country): the pilot's index serves this (issue 14).
    ordering = ["pilot_id", "due_on"]
    search_fields = ["label", "pilot__department__name", "notes"]
    autocomplete_fields = ["pilot", "attendees", "participants"]
    inlines = [FollowUpItemInline]


@admin.register(BoardMeeting)
class BoardMeetingAdmin(
    BigListMixin, ScopedModelAdminMixin, SaveRefusedMixin, SafeFormFieldsMixin, SimpleHistoryAdmin
):
    """Its history page shows each correction and deletion, and who made it."""

    municipality_path = "pilot__programme__municipality"

    list_display = ["pilot", "held_on", "present_count"]
    list_filter = ["pilot__programme", "pilot__department__municipality", "held_on"]
    list_select_related = PILOT_RELATED
    search_fields = ["pilot__department__name", "minutes"]
    autocomplete_fields = ["pilot", "measures_touched"]


@admin.register(Reminder)
class ReminderAdmin(BigListMixin, ModelAdmin):
    """The sweep writes these rows; the administrator reads them, may reschedule one (its due
    time and how late it may go out) and cancel or send again through the actions, which are the
    outbox page's services. The status is the sweep's and the sender's, never set by hand."""

    municipality_path = "municipality"

    list_display = [
        "kind",
        "recipient",
        "pilot",
        "subject_key",
        "period",
        "due_at",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "cancel_reason", "municipality", "due_at"]
    list_select_related = ["recipient", *PILOT_RELATED]
    search_fields = ["recipient__full_name", "recipient__email", "subject_key"]
    autocomplete_fields = ["recipient", "pilot"]
    fieldsets = [
        (None, {"fields": ["kind", "recipient", "pilot", "subject_key", "period"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "status",
                    "due_at",
                    "expires_at",
                    "claimed_at",
                    "sent_at",
                    "next_attempt_at",
                    "attempts",
                    "last_error",
                    "cancel_reason",
                    "created_at",
                ]
            },
        ),
        (_("E-mail"), {"fields": ["email_subject", "email_body"]}),
    ]
    # What the sweep and the sender write is never edited by hand.
    readonly_fields = [
        "status",
        "claimed_at",
        "next_attempt_at",
        "cancel_reason",
        "sent_at",
        "attempts",
        "last_error",
        "email_subject",
        "email_body",
        "created_at",
    ]
    # Who a reminder is for and what it is about are fixed once it exists: a changed unique key
    # would let the sweep create the same reminder again.
    key_fields = ["kind", "recipient", "pilot", "subject_key", "period"]

    actions = ["cancel", "send_again"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += self.key_fields
        return readonly

    @admin.action(description=_("Cancel the selected reminders that have not gone out"))
    def cancel(self, request, queryset):
        self._each(
            request, queryset, services.reminder_cancel, gettext("Reminders cancelled: %(count)s.")
        )

    @admin.action(description=_("Send the selected failed reminders again"))
    def send_again(self, request, queryset):
        self._each(
            request, queryset, services.reminder_resend, gettext("Reminders queued: %(count)s.")
        )

    def _each(self, request, queryset, service, done_message):
        done = 0
        for reminder in queryset.select_related("recipient"):
            try:
                result = service(user=request.user, reminder=reminder)
            except PermissionDenied:
                self.message_user(
                    request,
                    gettext("You may not change the reminders of this municipality."),
                    messages.ERROR,
                )
                return
            except ValidationError as error:
                self.message_user(
                    request, f"{reminder.pk}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                done += result is not False
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ModelAdmin):
    """Calendar subscription links (`followup.feeds`). The link itself is not shown here: its
    owner makes and copies it on "My tasks" or the Calendars page; an administrator can see which
    exist and withdraw one (its calendar then gets a 404)."""

    municipality_path = "person__municipality"

    list_display = ["person", "kind", "pilot", "programme", "created_at", "revoked_at"]
    list_filter = ["kind"]
    list_select_related = ["person", "pilot__department", "pilot__programme", "programme"]
    search_fields = ["person__full_name"]
    autocomplete_fields = ["person", "pilot"]
    fields = ["person", "kind", "pilot", "programme", "created_at", "revoked_at"]
    readonly_fields = ["created_at", "revoked_at"]
    actions = ["withdraw"]

    @admin.action(description=_("Withdraw the selected calendar links"))
    def withdraw(self, request, queryset):
        withdrawn = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            gettext("Calendar links withdrawn: %(count)s.") % {"count": withdrawn},
            messages.SUCCESS,
        )
