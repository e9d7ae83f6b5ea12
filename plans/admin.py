"""Admin for project plans and their parts, approved snapshots, and the indicators' measurements.

Models that keep a history (simple_history) use SimpleHistoryAdmin, so the administrator can see
who changed a plan and what it said before. A plan's status moves only through the workflow's
services (the actions below), so the admin takes the same snapshot and sends the same e-mails as
the plan page; the status, its dates and the version are read-only here.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from pilots.admin_base import (
    BigListMixin,
    ModelAdmin,
    MunicipalityScopedMixin,
    SafeFormFieldsMixin,
    SaveRefusedMixin,
    ScopedModelAdminMixin,
)
from pilots.collation import norwegian
from plans import services
from plans.screens import board_screen_revoke

from .models import (
    BoardScreen,
    Indicator,
    Measure,
    Measurement,
    MeasureNote,
    PlanSnapshot,
    PlanTransition,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Suggestion,
    Waste,
)

# A plan is named by its pilot's department; the programme is shown beside it.
PLAN_RELATED = ["plan__pilot__department", "plan__pilot__programme"]


class PlanPartAdminMixin:
    """A part changed or removed here changes its plan: the plan row is locked first (the order
    every plan write keeps) and its version moves on, so a form opened before is stale."""

    def _touch_plan(self, plan_id) -> None:
        if plan_id is not None:
            ProjectPlan.objects.select_for_update().filter(pk=plan_id).update(
                version=F("version") + 1
            )

    def save_model(self, request, obj, form, change):
        self._touch_plan(obj.plan_id)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self._touch_plan(obj.plan_id)
        super().delete_model(request, obj)


class QualityGoalInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.TabularInline):
    model = QualityGoal
    fields = ["text", "programme_goal"]
    autocomplete_fields = ["programme_goal"]
    extra = 0


class WasteInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.TabularInline):
    model = Waste
    fields = ["kind", "description"]
    extra = 0


class RootCauseInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.StackedInline):
    model = RootCause
    fields = ["problem", "whys", "root_cause"]
    extra = 0


class MeasureInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.TabularInline):
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


class IndicatorInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.TabularInline):
    model = Indicator
    fields = ["name", "unit", "baseline", "target"]
    extra = 0
    show_change_link = True


class MeasurementInline(MunicipalityScopedMixin, SafeFormFieldsMixin, admin.TabularInline):
    model = Measurement
    fields = ["measured_on", "value", "note"]
    extra = 0


class PlanColumnsMixin:
    """Department and programme columns for rows that belong to a plan."""

    @admin.display(description=_("department"), ordering=norwegian("plan__pilot__department__name"))
    def department(self, obj):
        return obj.plan.pilot.department

    @admin.display(description=_("programme"), ordering=norwegian("plan__pilot__programme__name"))
    def programme(self, obj):
        return obj.plan.pilot.programme


@admin.register(ProjectPlan)
class ProjectPlanAdmin(
    ScopedModelAdminMixin, SaveRefusedMixin, SafeFormFieldsMixin, SimpleHistoryAdmin
):
    municipality_path = "pilot__programme__municipality"
    ordering = [norwegian("pilot__department__name")]
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
    # The workflow's fields: changed by the actions, through the services, never by hand.
    readonly_fields = [
        "status",
        "return_comment",
        "submitted_at",
        "approved_at",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [QualityGoalInline, WasteInline, RootCauseInline, MeasureInline, IndicatorInline]
    actions = ["submit_plans", "approve_plans", "return_plans"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pilot__department", "pilot__programme")

    @admin.display(description=_("department"), ordering=norwegian("pilot__department__name"))
    def department(self, obj):
        return obj.pilot.department

    @admin.display(description=_("programme"), ordering=norwegian("pilot__programme__name"))
    def programme(self, obj):
        return obj.pilot.programme

    def save_model(self, request, obj, form, change):
        # The plan's version guards against silent overwrites; an edit here must make a
        # department leader's form that was opened before it stale, like any other edit. The
        # row is locked first, as every plan write does, and the version taken from it.
        if change:
            obj.version = services.plan_lock(obj.pk).version + 1
        super().save_model(request, obj, form, change)

    # The workflow

    def _transition(self, request, queryset, step, done_message, **extra):
        done = 0
        for plan in queryset:
            try:
                step(plan=plan, user=request.user, expected_version=plan.version, **extra)
            except PermissionDenied:
                self.message_user(
                    request,
                    gettext("You may not do this with the plan for %(department)s.")
                    % {"department": plan.pilot.department},
                    messages.ERROR,
                )
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{plan.pilot.department}: {' '.join(error.messages)}",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Submit the selected plans for review"))
    def submit_plans(self, request, queryset):
        self._transition(
            request, queryset, services.plan_submit, gettext("Plans submitted: %(count)s.")
        )

    @admin.action(description=_("Approve the selected plans"))
    def approve_plans(self, request, queryset):
        self._transition(
            request, queryset, services.plan_approve, gettext("Plans approved: %(count)s.")
        )

    @admin.action(description=_("Return the selected plans with a comment"))
    def return_plans(self, request, queryset):
        """Asks for the comment on a page of its own, then returns every selected plan."""
        comment = request.POST.get("comment", "").strip()
        if request.POST.get("apply") and comment:
            self._transition(
                request,
                queryset,
                services.plan_return,
                gettext("Plans returned: %(count)s."),
                comment=comment,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "plans": queryset,
            "comment": comment,
            "missing_comment": bool(request.POST.get("apply")),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "title": gettext("Return plans with a comment"),
        }
        return TemplateResponse(request, "plans/admin/return_plans.html", context)


@admin.register(QualityGoal)
class QualityGoalAdmin(
    PlanPartAdminMixin,
    PlanColumnsMixin,
    ScopedModelAdminMixin,
    SaveRefusedMixin,
    SafeFormFieldsMixin,
    SimpleHistoryAdmin,
):
    municipality_path = "plan__pilot__programme__municipality"
    list_display = ["text", "department", "programme", "programme_goal"]
    list_filter = ["plan__pilot__programme"]
    list_select_related = [*PLAN_RELATED, "programme_goal"]
    search_fields = ["text", "plan__pilot__department__name"]
    autocomplete_fields = ["plan", "programme_goal"]


@admin.register(Waste)
class WasteAdmin(
    PlanPartAdminMixin,
    PlanColumnsMixin,
    ScopedModelAdminMixin,
    SaveRefusedMixin,
    SafeFormFieldsMixin,
    SimpleHistoryAdmin,
):
    municipality_path = "plan__pilot__programme__municipality"
    list_display = ["kind", "department", "programme", "description"]
    list_filter = ["kind", "plan__pilot__programme"]
    list_select_related = PLAN_RELATED
    search_fields = ["description", "plan__pilot__department__name"]
    autocomplete_fields = ["plan"]


@admin.register(RootCause)
class RootCauseAdmin(
    PlanPartAdminMixin,
    PlanColumnsMixin,
    ScopedModelAdminMixin,
    SaveRefusedMixin,
    SafeFormFieldsMixin,
    SimpleHistoryAdmin,
):
    municipality_path = "plan__pilot__programme__municipality"
    list_display = ["root_cause", "problem", "department", "programme"]
    list_filter = ["plan__pilot__programme"]
    list_select_related = PLAN_RELATED
    search_fields = ["problem", "whys", "root_cause", "plan__pilot__department__name"]
    autocomplete_fields = ["plan"]


@admin.register(PlanSnapshot)
class PlanSnapshotAdmin(PlanColumnsMixin, ModelAdmin):
    municipality_path = "plan__pilot__programme__municipality"
    list_display = ["department", "programme", "plan_version", "approved_at", "approved_by"]
    list_filter = ["plan__pilot__programme"]
    list_select_related = [*PLAN_RELATED, "approved_by"]
    search_fields = ["plan__pilot__department__name"]
    date_hierarchy = "approved_at"
    autocomplete_fields = ["plan", "approved_by"]
    fields = ["plan", "plan_version", "approved_at", "approved_by", "comment", "data"]

    def get_readonly_fields(self, request, obj=None):
        # A snapshot is the plan as it was approved; changing it afterwards would rewrite history.
        if obj is not None:
            return self.fields
        return super().get_readonly_fields(request, obj)


@admin.register(PlanTransition)
class PlanTransitionAdmin(BigListMixin, PlanColumnsMixin, ModelAdmin):
    """Each step of a plan's way to approval, as it happened: the e-mails about it are derived
    from these rows. The workflow records them; an administrator may add one it missed, but not
    rewrite one whose e-mails may have gone out."""

    municipality_path = "plan__pilot__programme__municipality"

    list_display = ["department", "programme", "transition", "actor", "at"]
    list_filter = ["transition", "plan__pilot__programme", "at"]
    list_select_related = [*PLAN_RELATED, "actor"]
    search_fields = ["plan__pilot__department__name", "comment"]
    fields = ["plan", "transition", "actor", "comment", "at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(
    BigListMixin,
    PlanPartAdminMixin,
    PlanColumnsMixin,
    ScopedModelAdminMixin,
    SaveRefusedMixin,
    SafeFormFieldsMixin,
    SimpleHistoryAdmin,
):
    municipality_path = "plan__pilot__programme__municipality"
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
    list_filter = ["status", "effort", "effect", "plan__pilot__programme", "deadline"]
    list_select_related = [*PLAN_RELATED, "owner"]
    search_fields = ["title", "description", "owner__full_name", "plan__pilot__department__name"]
    autocomplete_fields = ["plan", "owner"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Indicator)
class IndicatorAdmin(
    BigListMixin,
    PlanPartAdminMixin,
    PlanColumnsMixin,
    ScopedModelAdminMixin,
    SaveRefusedMixin,
    SafeFormFieldsMixin,
    SimpleHistoryAdmin,
):
    municipality_path = "plan__pilot__programme__municipality"
    list_display = ["name", "unit", "department", "baseline", "target", "measurement_count"]
    list_filter = ["plan__pilot__programme"]
    search_fields = ["name", "unit", "plan__pilot__department__name"]
    autocomplete_fields = ["plan"]
    inlines = [MeasurementInline]
    # Said again: the count of measurements groups the rows, which loses the default order.
    ordering = Indicator._meta.ordering

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
class MeasurementAdmin(
    BigListMixin, ScopedModelAdminMixin, SaveRefusedMixin, SafeFormFieldsMixin, SimpleHistoryAdmin
):
    municipality_path = "indicator__plan__pilot__programme__municipality"
    list_display = ["indicator", "measured_on", "value", "note"]
    list_filter = ["indicator__plan__pilot__programme", "measured_on"]
    list_select_related = ["indicator"]
    # By the indicator's id, not its own order (which is its plan's department's name, a join
    # through every indicator and plan to sort): the unique key's index serves this (issue 14).
    ordering = ["indicator_id", "measured_on"]
    search_fields = ["indicator__name", "note", "indicator__plan__pilot__department__name"]
    autocomplete_fields = ["indicator"]


@admin.register(Suggestion)
class SuggestionAdmin(
    BigListMixin, ScopedModelAdminMixin, SaveRefusedMixin, SafeFormFieldsMixin, SimpleHistoryAdmin
):
    municipality_path = "pilot__programme__municipality"
    list_display = ["__str__", "department", "programme", "author", "status", "created_at"]
    list_filter = ["status", "pilot__programme", "created_at"]
    list_select_related = ["pilot__department", "pilot__programme", "author"]
    search_fields = ["text", "answer", "pilot__department__name"]
    autocomplete_fields = ["pilot", "author", "answered_by", "measure"]
    fields = [
        "pilot",
        "author",
        "text",
        "created_at",
        "status",
        "answer",
        "answered_by",
        "answered_at",
        "measure",
    ]

    # Answering, declining and making a measure of it are the workflow's
    # (plans.suggestions), which stamps who answered and when.
    workflow_fields = ["status", "answered_by", "answered_at", "measure"]

    def get_readonly_fields(self, request, obj=None):
        # Nobody may put a name on an anonymous suggestion afterwards, or take one off.
        if obj is not None:
            return ["author", "created_at", *self.workflow_fields]
        return ["created_at", *self.workflow_fields]

    @admin.display(description=_("department"), ordering=norwegian("pilot__department__name"))
    def department(self, obj):
        return obj.pilot.department

    @admin.display(description=_("programme"), ordering=norwegian("pilot__programme__name"))
    def programme(self, obj):
        return obj.pilot.programme


@admin.register(MeasureNote)
class MeasureNoteAdmin(BigListMixin, ModelAdmin):
    """Progress notes on measures. Owners and leaders write them on "My tasks"; here an
    administrator can correct or remove one (on the wrong measure, or with personal data that
    does not belong there)."""

    municipality_path = "measure__plan__pilot__programme__municipality"

    list_display = ["measure", "department", "author", "status", "created_at"]
    list_filter = ["status", "measure__plan__pilot__programme", "created_at"]
    list_select_related = ["measure__plan__pilot__department", "author"]
    search_fields = ["text", "measure__title", "author__full_name"]
    autocomplete_fields = ["measure", "author"]
    fields = ["measure", "author", "text", "status", "created_at"]
    readonly_fields = ["created_at"]

    @admin.display(
        description=_("department"), ordering=norwegian("measure__plan__pilot__department__name")
    )
    def department(self, obj):
        return obj.measure.plan.pilot.department


@admin.register(BoardScreen)
class BoardScreenAdmin(ModelAdmin):
    """Wall-screen links (`plans.screens`). The link itself is not shown here: it is made and
    copied on the board page; an administrator can see which are in use and withdraw one."""

    municipality_path = "pilot__programme__municipality"

    list_display = ["label", "department", "created_at", "last_seen_at", "revoked_at"]
    list_filter = ["pilot__programme"]
    list_select_related = ["pilot__department"]
    search_fields = ["label", "pilot__department__name"]
    autocomplete_fields = ["pilot"]
    fields = ["pilot", "label", "created_by", "created_at", "last_seen_at", "revoked_at"]
    # Withdrawing is the action below, through the board page's service.
    readonly_fields = ["created_by", "created_at", "last_seen_at", "revoked_at"]
    actions = ["withdraw"]

    @admin.action(description=_("Withdraw the selected screen links"))
    def withdraw(self, request, queryset):
        withdrawn = 0
        for screen in queryset.select_related("pilot__department"):
            try:
                board_screen_revoke(user=request.user, screen=screen)
            except PermissionDenied:
                self.message_user(
                    request,
                    gettext("You may not withdraw the screen links of %(department)s.")
                    % {"department": screen.pilot.department},
                    messages.ERROR,
                )
            else:
                withdrawn += 1
        if withdrawn:
            self.message_user(
                request,
                gettext("Screen links withdrawn: %(count)s.") % {"count": withdrawn},
                messages.SUCCESS,
            )

    @admin.display(description=_("department"), ordering="pilot__department__name")
    def department(self, obj):
        return obj.pilot.department
