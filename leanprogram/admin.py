"""The admin of logins: Django's own, plus resetting a second factor."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from leanprogram.two_factor import second_factor_reset

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


class LoginAdmin(UserAdmin):
    actions = [reset_second_factor]


admin.site.unregister(User)
admin.site.register(User, LoginAdmin)
