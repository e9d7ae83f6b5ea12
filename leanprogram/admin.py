"""The admin of logins: pilots' audited one (who changed what a login may do), plus resetting a
second factor, which lives up here because the second factor is the project package's."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from leanprogram.two_factor import second_factor_reset
from pilots.admin import AuditedUserAdmin

User = get_user_model()


@admin.action(description=_("Reset second factor (lost phone)"), permissions=["change"])
def reset_second_factor(modeladmin, request, queryset):
    users = list(queryset)
    for user in users:
        second_factor_reset(actor=request.user, user=user)
    modeladmin.message_user(
        request,
        ngettext(
            "The second factor of %(count)d login was reset; "
            "it sets up the app again at its next login.",
            "The second factors of %(count)d logins were reset; "
            "each sets up the app again at its next login.",
            len(users),
        )
        % {"count": len(users)},
        messages.SUCCESS,
    )


# Importing pilots.admin above registered its AuditedUserAdmin first, whatever the app order;
# this one replaces it and keeps all it does.
class LoginAdmin(AuditedUserAdmin):
    actions = [*AuditedUserAdmin.actions, reset_second_factor]


admin.site.unregister(User)
admin.site.register(User, LoginAdmin)
