"""Admin for information meetings, course days and attendance.

Meetings and course days are also edited inline on the pilot: this module extends the pilot's
admin from `pilots.admin` with them, since the base app does not know the apps built on it.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pilots import admin as pilots_admin
from pilots.admin_base import BigListMixin, ModelAdmin, TabularInline
from pilots.models import Pilot

from .models import Attendance, CourseDay, EventChange, InformationMeeting, SessionChoice

# The string of a meeting or course day names the pilot's department.
PILOT_RELATED = ["pilot__department", "pilot__programme"]


@admin.register(InformationMeeting)
class InformationMeetingAdmin(BigListMixin, ModelAdmin):
    municipality_path = "pilot__programme__municipality"
    list_display = ["pilot", "starts_at", "ends_at", "place"]
    list_filter = ["pilot__programme", "pilot__department__municipality", "starts_at"]
    search_fields = ["pilot__department__name", "place", "notes"]
    autocomplete_fields = ["pilot"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*PILOT_RELATED)


@admin.register(CourseDay)
class CourseDayAdmin(BigListMixin, ModelAdmin):
    municipality_path = "pilot__programme__municipality"
    list_display = ["pilot", "number", "date", "iso_week", "starts_at", "ends_at", "place", "topic"]
    list_filter = ["number", "pilot__programme", "pilot__department__municipality", "date"]
    search_fields = ["pilot__department__name", "topic", "place"]
    autocomplete_fields = ["pilot", "facilitators"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*PILOT_RELATED)

    @admin.display(description=_("week"), ordering="date")
    def iso_week(self, obj):
        return obj.iso_week


@admin.register(Attendance)
class AttendanceAdmin(BigListMixin, ModelAdmin):
    municipality_path = "person__municipality"
    list_display = ["person", "occasion", "status", "recorded_at", "recorded_by"]
    list_filter = ["status", "course_day__number", "person__municipality"]
    list_select_related = [
        "person",
        "information_meeting__pilot__department",
        "course_day__pilot__department",
        "recorded_by",
    ]
    search_fields = [
        "person__full_name",
        "person__email",
        "information_meeting__pilot__department__name",
        "course_day__pilot__department__name",
    ]
    autocomplete_fields = ["person", "information_meeting", "course_day"]
    fields = ["person", "information_meeting", "course_day", "status", "recorded_at", "recorded_by"]
    readonly_fields = ["recorded_at", "recorded_by"]

    @admin.display(description=_("meeting or course day"))
    def occasion(self, obj):
        return obj.information_meeting or obj.course_day

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SessionChoice)
class SessionChoiceAdmin(BigListMixin, ModelAdmin):
    municipality_path = "pilot__programme__municipality"
    list_display = ["person", "pilot", "meeting", "chosen_at", "chosen_by"]
    list_filter = ["pilot__programme", "pilot__department__municipality"]
    list_select_related = [
        "person",
        "pilot__department",
        "pilot__programme",
        "meeting__pilot__department",
        "chosen_by",
    ]
    search_fields = ["person__full_name", "person__email", "pilot__department__name"]
    autocomplete_fields = ["person", "pilot", "meeting"]
    readonly_fields = ["chosen_at", "chosen_by"]

    def save_model(self, request, obj, form, change):
        obj.chosen_by = request.user
        super().save_model(request, obj, form, change)


class InformationMeetingInline(TabularInline):
    model = InformationMeeting
    fields = ["starts_at", "ends_at", "place", "notes"]
    extra = 0
    show_change_link = True


class CourseDayInline(TabularInline):
    model = CourseDay
    fields = ["number", "date", "starts_at", "ends_at", "place", "topic", "facilitators"]
    autocomplete_fields = ["facilitators"]
    extra = 0
    max_num = 4
    show_change_link = True


admin.site.unregister(Pilot)


@admin.register(Pilot)
class PilotAdmin(pilots_admin.PilotAdmin):
    inlines = [*pilots_admin.PilotAdmin.inlines, InformationMeetingInline, CourseDayInline]


@admin.register(EventChange)
class EventChangeAdmin(BigListMixin, ModelAdmin):
    """Course days and information meetings that moved or were cancelled: the notices to the
    people in them are derived from these rows. The services record them; an administrator may
    add one they missed (an event removed here), but not rewrite one whose notices went out."""

    municipality_path = "pilot__programme__municipality"

    list_display = ["pilot", "event_kind", "number", "old_starts_at", "new_starts_at", "at"]
    list_filter = ["event_kind", "cancelled", "pilot__programme", "at"]
    list_select_related = PILOT_RELATED
    search_fields = ["pilot__department__name", "old_place", "new_place"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
