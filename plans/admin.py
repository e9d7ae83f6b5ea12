"""Admin for project plans and their parts, approved snapshots, and the indicators' measurements.

Models that keep a history (simple_history) use SimpleHistoryAdmin, so the administrator can see
who changed a plan and what it said before.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Indicator,
    Measure,
    Measurement,
    PlanSnapshot,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Waste,
)

# A plan is named by its pilot's department; the programme is shown beside it.
PLAN_RELATED = ["plan__pilot__department", "plan__pilot__programme"]


class QualityGoalInline(admin.TabularInline):
    model = QualityGoal
    fields = ["text", "programme_goal"]
    autocomplete_fields = ["programme_goal"]
    extra = 0


class WasteInline(admin.TabularInline):
    model = Waste
    fields = ["kind", "description"]
    extra = 0


class RootCauseInline(admin.StackedInline):
    model = RootCause
    fields = ["problem", "whys", "root_cause"]
    extra = 0


class MeasureInline(admin.TabularInline):
    model = Measure
    fields = [
        "title",
        "owner",
        "deadline",
        "status",
        "effort",
        "effect",
        "hours_identified_per_week",
        "hours_realised_per_week",
    ]
    autocomplete_fields = ["owner"]
    extra = 0
    show_change_link = True


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["name", "unit", "baseline", "target"]
    extra = 0
    show_change_link = True


class MeasurementInline(admin.TabularInline):
    model = Measurement
    fields = ["measured_on", "value", "note"]
    extra = 0


class PlanColumnsMixin:
    """Department and programme columns for rows that belong to a plan."""

    @admin.display(description=_("department"), ordering="plan__pilot__department__name")
    def department(self, obj):
        return obj.plan.pilot.department

    @admin.display(description=_("programme"), ordering="plan__pilot__programme__name")
    def programme(self, obj):
        return obj.plan.pilot.programme


@admin.register(ProjectPlan)
class ProjectPlanAdmin(SimpleHistoryAdmin):
    list_display = [
        "department",
        "programme",
        "status",
        "starts_on",
        "submitted_at",
        "approved_at",
        "version",
        "updated_at",
    ]
    list_filter = ["status", "pilot__programme", "pilot__department__municipality"]
    search_fields = ["pilot__department__name", "pilot__programme__name"]
    autocomplete_fields = ["pilot"]
    fieldsets = [
        (None, {"fields": ["pilot", "status", "starts_on", "return_comment"]}),
        (_("Plan"), {"fields": ["current_state", "future_state"]}),
        (
            _("Dates and version"),
            {"fields": ["submitted_at", "approved_at", "version", "created_at", "updated_at"]},
        ),
    ]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [QualityGoalInline, WasteInline, RootCauseInline, MeasureInline, IndicatorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pilot__department", "pilot__programme")

    @admin.display(description=_("department"), ordering="pilot__department__name")
    def department(self, obj):
        return obj.pilot.department

    @admin.display(description=_("programme"), ordering="pilot__programme__name")
    def programme(self, obj):
        return obj.pilot.programme

    def save_model(self, request, obj, form, change):
        # The plan's version guards against silent overwrites; an edit here must make a
        # department leader's form that was opened before it stale, like any other edit.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(QualityGoal)
class QualityGoalAdmin(PlanColumnsMixin, SimpleHistoryAdmin):
    list_display = ["text", "department", "programme", "programme_goal"]
    list_filter = ["plan__pilot__programme"]
    list_select_related = [*PLAN_RELATED, "programme_goal"]
    search_fields = ["text", "plan__pilot__department__name"]
    autocomplete_fields = ["plan", "programme_goal"]


@admin.register(Waste)
class WasteAdmin(PlanColumnsMixin, SimpleHistoryAdmin):
    list_display = ["kind", "department", "programme", "description"]
    list_filter = ["kind", "plan__pilot__programme"]
    list_select_related = PLAN_RELATED
    search_fields = ["description", "plan__pilot__department__name"]
    autocomplete_fields = ["plan"]


@admin.register(RootCause)
class RootCauseAdmin(PlanColumnsMixin, SimpleHistoryAdmin):
    list_display = ["root_cause", "problem", "department", "programme"]
    list_filter = ["plan__pilot__programme"]
    list_select_related = PLAN_RELATED
    search_fields = ["problem", "whys", "root_cause", "plan__pilot__department__name"]
    autocomplete_fields = ["plan"]


@admin.register(PlanSnapshot)
class PlanSnapshotAdmin(PlanColumnsMixin, admin.ModelAdmin):
    list_display = ["department", "programme", "plan_version", "approved_at", "approved_by"]
    list_filter = ["plan__pilot__programme"]
    list_select_related = [*PLAN_RELATED, "approved_by"]
    search_fields = ["plan__pilot__department__name"]
    date_hierarchy = "approved_at"
    autocomplete_fields = ["plan", "approved_by"]
    fields = ["plan", "plan_version", "approved_at", "approved_by", "data"]

    def get_readonly_fields(self, request, obj=None):
        # A snapshot is the plan as it was approved; changing it afterwards would rewrite history.
        if obj is not None:
            return self.fields
        return super().get_readonly_fields(request, obj)


@admin.register(Measure)
class MeasureAdmin(PlanColumnsMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "department",
        "owner",
        "deadline",
        "status",
        "effort",
        "effect",
        "hours_identified_per_week",
        "hours_realised_per_week",
    ]
    list_filter = ["status", "effort", "effect", "plan__pilot__programme"]
    list_select_related = [*PLAN_RELATED, "owner"]
    search_fields = ["title", "description", "owner__full_name", "plan__pilot__department__name"]
    date_hierarchy = "deadline"
    autocomplete_fields = ["plan", "owner"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Indicator)
class IndicatorAdmin(PlanColumnsMixin, SimpleHistoryAdmin):
    list_display = ["name", "unit", "department", "baseline", "target", "measurement_count"]
    list_filter = ["plan__pilot__programme"]
    search_fields = ["name", "unit", "plan__pilot__department__name"]
    autocomplete_fields = ["plan"]
    inlines = [MeasurementInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(*PLAN_RELATED)
            .annotate(measurement_count=Count("measurements"))
        )

    @admin.display(description=_("measurements"), ordering="measurement_count")
    def measurement_count(self, obj):
        return obj.measurement_count


@admin.register(Measurement)
class MeasurementAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "measured_on", "value", "note"]
    list_filter = ["indicator__plan__pilot__programme"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name", "note", "indicator__plan__pilot__department__name"]
    date_hierarchy = "measured_on"
    autocomplete_fields = ["indicator"]
