"""Which language a request is shown in.

Bokmål unless the person chose otherwise: the language switcher's cookie first, then the
preferred language on the person's profile (remembered at login), never the browser's
Accept-Language, since municipal PCs often run an English Windows for Norwegian staff.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

SESSION_KEY = "leanprogram_language"
_SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for_request(request) -> str:
    for candidate in (
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        request.session.get(SESSION_KEY) if hasattr(request, "session") else None,
    ):
        if candidate in _SUPPORTED:
            return candidate
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


@receiver(user_logged_in)
def remember_preferred_language(sender, request, user, **kwargs):
    person = getattr(user, "person", None)
    if request is not None and person is not None and person.language in _SUPPORTED:
        request.session[SESSION_KEY] = person.language
