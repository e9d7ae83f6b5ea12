"""The login forms of the site and of the admin.

AuthenticationForm gives its username field a max_length after building it, so nothing checks
the length: an overlong username went on to authenticate(), and django-axes, recording the
failed login, wrote it into a 255-character column and ended the request in a 500 (axes issue
#1381). Here the length is validated like any other field error, and AuthenticationForm does
not call authenticate() when the username did not validate.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class _UsernameLengthMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(_UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameLengthMixin, AdminAuthenticationForm):
    pass
