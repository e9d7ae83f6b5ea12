"""The login forms of the site and of the admin.

AuthenticationForm gives its username field a max_length after building it, so nothing checks
the length: an overlong username went on to authenticate(), and django-axes, recording the
failed login, wrote it into a 255-character column and ended the request in a 500 (axes issue
#1381). Here the length is validated like any other field error, and AuthenticationForm does
not call authenticate() when the username did not validate.
"""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class _UsernameLengthMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class _LocalLoginPolicyMixin:
    """LOCAL_LOGIN=superusers-only: the password works for break-glass administrators alone.

    Everyone else is refused with the very message a wrong password gets, so the form does not
    tell whether a guessed password was right; and the refusal counts as a failed login for
    django-axes, like a wrong password.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings.OIDC_ENABLED:
            # The page leads with the provider's button: the focus starts at the top, not
            # past the button in the username field.
            self.fields["username"].widget.attrs.pop("autofocus", None)

    def get_invalid_login_error(self):
        if settings.LOCAL_LOGIN == "superusers-only":
            return ValidationError(
                _(
                    "Only administrators can log in with a password here; everyone else uses "
                    "the button on the login page. Administrators: check the username and "
                    "password."
                ),
                code="invalid_login",
            )
        return super().get_invalid_login_error()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if settings.LOCAL_LOGIN == "superusers-only" and not user.is_superuser:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise self.get_invalid_login_error()


class LoginForm(_LocalLoginPolicyMixin, _UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(_LocalLoginPolicyMixin, _UsernameLengthMixin, AdminAuthenticationForm):
    pass
