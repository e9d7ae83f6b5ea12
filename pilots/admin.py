"""Admin for the administrator: municipalities, programmes, departments, people, roles, pilots."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pilots import audit
from pilots.admin_audit import RecordsRoleChanges, person_active_record
from pilots.admin_base import BigListMixin, ModelAdmin, TabularInline
from pilots.collation import norwegian
from pilots.invitations import invitation_revoke

from .models import (
    AuditEvent,
    Department,
    DepartmentRole,
    EarlierProcess,
    HolidayPeriod,
    Invitation,
    Municipality,
    Person,
    PhaseChange,
    PhaseTarget,
    Pilot,
    PilotLessons,
    Programme,
    ProgrammeGoal,
    ProgrammeRole,
)


class HolidayPeriodInline(TabularInline):
    model = HolidayPeriod
    fields = ["name", "starts_on", "ends_on"]
    extra = 0


class ProgrammeGoalInline(TabularInline):
    model = ProgrammeGoal
    fields = ["order", "text"]
    extra = 0


class PhaseTargetInline(TabularInline):
    model = PhaseTarget
    fields = ["phase", "reached_by", "note"]
    extra = 0


class ProgrammeRoleInline(TabularInline):
    model = ProgrammeRole
    fields = ["programme", "person", "role", "position_percent", "ends_on"]
    # The inline's own foreign key is left out of the form, so one class serves both parents.
    autocomplete_fields = ["programme", "person"]
    extra = 0


class DepartmentRoleInline(TabularInline):
    model = DepartmentRole
    fields = ["department", "person", "role", "position_percent", "ends_on"]
    autocomplete_fields = ["department", "person"]
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(ModelAdmin):
    """A municipal administrator sees their own municipality only, and may keep its holiday
    periods and organisation number; only a superuser adds, renames or removes municipalities
    (the name and short name are how people and logins find it)."""

    municipality_path = "pk"
    list_display = ["name", "slug", "organisation_number"]
    search_fields = ["name", "slug", "organisation_number"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HolidayPeriodInline]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "name", "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        return super().get_prepopulated_fields(request, obj) if request.user.is_superuser else {}


@admin.register(Programme)
class ProgrammeAdmin(RecordsRoleChanges, ModelAdmin):
    municipality_path = "municipality"
    list_display = [
        "name",
        "municipality",
        "supplier",
        "starts_on",
        "ends_on",
        "hours_per_fte_week",
        "pilot_count",
    ]
    list_filter = ["municipality"]
    list_select_related = ["municipality"]
    search_fields = ["name", "supplier", "model_origin", "municipality__name"]
    date_hierarchy = "starts_on"
    fields = [
        "municipality",
        "name",
        "description",
        "model_origin",
        "supplier",
        "value_platform",
        "starts_on",
        "ends_on",
        "hours_per_fte_week",
        "allow_anonymous_suggestions",
        "course_year",
        "course_week_first",
        "course_week_last",
        "retention_reminder_body_months",
        "retention_leaver_months",
        "retention_invitation_days",
    ]
    inlines = [ProgrammeGoalInline, PhaseTargetInline, ProgrammeRoleInline]
    # Said again: the count below groups the rows, and a grouped query loses the model's
    # default order (the autocomplete pages through it).
    ordering = Programme._meta.ordering

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(pilot_count=Count("pilots"))

    @admin.display(description=_("pilots"), ordering="pilot_count")
    def pilot_count(self, obj):
        return obj.pilot_count


@admin.register(ProgrammeGoal)
class ProgrammeGoalAdmin(ModelAdmin):
    municipality_path = "programme__municipality"
    list_display = ["text", "programme", "order"]
    list_filter = ["programme"]
    list_select_related = ["programme"]
    search_fields = ["text", "programme__name"]
    autocomplete_fields = ["programme"]


@admin.register(PhaseTarget)
class PhaseTargetAdmin(ModelAdmin):
    municipality_path = "programme__municipality"
    list_display = ["programme", "phase", "reached_by", "note"]
    list_filter = ["programme", "phase"]
    list_select_related = ["programme"]
    search_fields = ["programme__name", "note"]
    autocomplete_fields = ["programme"]
    date_hierarchy = "reached_by"


@admin.register(PhaseChange)
class PhaseChangeAdmin(BigListMixin, ModelAdmin):
    municipality_path = "pilot__programme__municipality"
    list_display = ["pilot", "from_phase", "to_phase", "changed_by", "changed_at"]
    list_filter = ["to_phase", "pilot__programme", "changed_at"]
    list_select_related = ["pilot__department", "pilot__programme", "changed_by"]
    search_fields = ["pilot__department__name", "reason"]
    autocomplete_fields = ["pilot", "changed_by"]


@admin.register(Department)
class DepartmentAdmin(RecordsRoleChanges, ModelAdmin):
    municipality_path = "municipality"
    list_display = ["name", "service_area", "parent", "municipality"]
    list_filter = ["municipality", "service_area"]
    list_select_related = ["municipality", "parent"]
    search_fields = ["name", "service_area"]
    autocomplete_fields = ["parent"]
    inlines = [DepartmentRoleInline]


@admin.register(Person)
class PersonAdmin(BigListMixin, RecordsRoleChanges, ModelAdmin):
    municipality_path = "municipality"
    list_display = ["full_name", "email", "phone", "municipality", "language", "user", "is_active"]
    list_filter = ["is_active", "language", "municipality"]
    list_select_related = ["municipality", "user"]
    search_fields = ["full_name", "email"]
    autocomplete_fields = ["user"]
    inlines = [ProgrammeRoleInline, DepartmentRoleInline]
    actions = ["deactivate", "activate"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # A person gets a login by accepting an invitation (pilots.invitations); only a
        # superuser, who sees every login, may tie one to a person by hand.
        return readonly if request.user.is_superuser else [*readonly, "user"]

    @admin.action(description=_("Mark selected people inactive; their logins stop working"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Mark selected people active; their logins work again"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, active=True)

    def _set_active(self, request, queryset, *, active):
        # One save per person rather than update(): saving is what takes the login along
        # (pilots.signals).
        for person in queryset.exclude(is_active=active):
            person.is_active = active
            person.save(update_fields=["is_active"])
            person_active_record(request.user, person)


@admin.register(ProgrammeRole)
class ProgrammeRoleAdmin(RecordsRoleChanges, ModelAdmin):
    municipality_path = "programme__municipality"
    list_display = ["person", "role", "programme", "position_percent", "ends_on"]
    list_filter = ["role", "programme"]
    list_select_related = ["person", "programme"]
    search_fields = ["person__full_name", "person__email", "programme__name"]
    autocomplete_fields = ["programme", "person"]


@admin.register(DepartmentRole)
class DepartmentRoleAdmin(BigListMixin, RecordsRoleChanges, ModelAdmin):
    municipality_path = "department__municipality"
    list_display = ["person", "role", "department", "municipality", "position_percent", "ends_on"]
    list_filter = ["role", "department__municipality"]
    list_select_related = ["person", "department__municipality"]
    search_fields = ["person__full_name", "person__email", "department__name"]
    autocomplete_fields = ["department", "person"]

    @admin.display(
        description=_("municipality"), ordering=norwegian("department__municipality__name")
    )
    def municipality(self, obj):
        return obj.department.municipality


@admin.register(Pilot)
class PilotAdmin(ModelAdmin):
    municipality_path = "programme__municipality"
    list_display = ["department", "programme", "phase", "course_year", "course_weeks_display"]
    list_filter = ["phase", "programme", "department__municipality"]
    search_fields = ["department__name", "programme__name"]
    autocomplete_fields = ["programme", "department"]
    fields = [
        "programme",
        "department",
        "phase",
        "phase_changed_at",
        "course_year",
        "course_week_first",
        "course_week_last",
    ]
    # The phase moves on the pilot's page, with the coordinator's reason, or by itself from
    # what happened (pilots.services, followup.phases): both record the change. Set here, it
    # would skip that record and the reminders that follow a phase.
    readonly_fields = ["phase", "phase_changed_at"]
    # `training.admin` adds the pilot's information meetings and course days as inlines: the
    # base app does not know the apps built on it.

    def get_queryset(self, request):
        # A pilot's name is its department and programme: the changelist, the autocomplete
        # answers and every inline that names a pilot need both.
        return super().get_queryset(request).select_related("programme", "department")

    @admin.display(description=_("course weeks"), ordering="course_week_first")
    def course_weeks_display(self, obj):
        if obj.course_week_first is None or obj.course_week_last is None:
            return None
        if obj.course_week_first == obj.course_week_last:
            return _("week %(week)s") % {"week": obj.course_week_first}
        return _("week %(first)s–%(last)s") % {
            "first": obj.course_week_first,
            "last": obj.course_week_last,
        }


@admin.register(EarlierProcess)
class EarlierProcessAdmin(ModelAdmin):
    municipality_path = "municipality"
    list_display = ["title", "year", "service_area", "outcome_category", "municipality"]
    list_filter = ["municipality", "year", "outcome_category"]
    list_select_related = ["municipality", "department"]
    search_fields = ["title", "service_area", "outcome", "lessons_learned", "department__name"]
    autocomplete_fields = ["department"]


@admin.register(PilotLessons)
class PilotLessonsAdmin(ModelAdmin):
    municipality_path = "pilot__programme__municipality"
    list_display = ["pilot", "written_by", "updated_at"]
    list_select_related = ["pilot__department", "pilot__programme", "written_by"]
    search_fields = ["pilot__department__name", "what_worked", "what_did_not_work", "advice"]
    autocomplete_fields = ["pilot", "written_by"]


@admin.register(HolidayPeriod)
class HolidayPeriodAdmin(ModelAdmin):
    municipality_path = "municipality"
    list_display = ["name", "starts_on", "ends_on", "municipality"]
    list_filter = ["municipality"]
    list_select_related = ["municipality"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"


@admin.register(Invitation)
class InvitationAdmin(BigListMixin, ModelAdmin):
    """Invitations are made, sent again and withdrawn on the site (the staff list and the
    coordinators' list of invitations), where the e-mail goes with them. Here the administrator
    sees them all and may withdraw one (an action, through the same service as the site) or
    change how long it stays open; one added here is sent by nobody, but its person's reminders
    carry it."""

    municipality_path = "person__municipality"

    list_display = [
        "person",
        "created_by",
        "created_at",
        "sent_at",
        "send_count",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["person__municipality", "created_at"]
    list_select_related = ["person", "created_by"]
    search_fields = ["person__full_name", "person__email"]
    autocomplete_fields = ["person"]
    fields = [
        "person",
        "created_by",
        "created_at",
        "sent_at",
        "send_count",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    # Accepting and withdrawing are the invitation's workflow (pilots.invitations).
    readonly_fields = [
        "created_by",
        "created_at",
        "sent_at",
        "send_count",
        "accepted_at",
        "revoked_at",
    ]
    actions = ["withdraw"]

    @admin.action(description=_("Withdraw the selected invitations"))
    def withdraw(self, request, queryset):
        withdrawn = 0
        for invitation in queryset.select_related("person"):
            try:
                invitation_revoke(user=request.user, invitation=invitation)
            except PermissionDenied:
                self.message_user(
                    request,
                    gettext("You may not withdraw the invitation for %(person)s.")
                    % {"person": invitation.person},
                    messages.ERROR,
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{invitation.person}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                withdrawn += 1
        if withdrawn:
            self.message_user(
                request,
                gettext("Invitations withdrawn: %(count)s.") % {"count": withdrawn},
                messages.SUCCESS,
            )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Whom an invitation is for is fixed once it exists: its links are signed for them.
        return readonly + ["person"] if obj is not None else readonly


# --- The audit log and the logins' permissions -------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(BigListMixin, ModelAdmin):
    """The audit log, read-only: events are written by `pilots.audit.record` alone, and a log
    an administrator could edit or thin out would prove nothing. A municipality's administrator
    reads their own municipality's events; events of no municipality are for superusers."""

    municipality_path = "municipality"
    list_display = ["at", "action", "actor", "municipality", "subject_person_id", "detail"]
    list_filter = ["action", "municipality", "at"]
    # One query for the page however many rows it shows.
    list_select_related = ["actor", "municipality"]
    # By id, so the log answers "what happened to person 42?" after the person is erased too.
    search_fields = ["=subject_person_id"]
    search_help_text = _("A person's id.")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Whoever makes a login staff or superuser, or changes its groups, changes what it may do: the
# audit log says so, with the person behind the login as its subject where there is one.
_LOGIN_FLAGS = {"is_active": "active", "is_staff": "staff", "is_superuser": "superuser"}

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        person = Person.objects.filter(user=obj).first()
        if not change:
            audit.record_login_change(request.user, user_id=obj.pk, subject=person, change="made")
        for field, name in _LOGIN_FLAGS.items():
            if field in form.changed_data:
                state = audit.GRANTED if getattr(obj, field) else audit.ENDED
                audit.record_login_change(
                    request.user, user_id=obj.pk, subject=person, change=f"{name} {state}"
                )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for field in ("groups", "user_permissions"):
            if field in form.changed_data:
                ids = ",".join(str(pk) for pk in sorted(o.pk for o in form.cleaned_data[field]))
                audit.record_login_change(
                    request.user,
                    user_id=form.instance.pk,
                    subject=Person.objects.filter(user=form.instance).first(),
                    change=f"{field} now [{ids}]",
                )
