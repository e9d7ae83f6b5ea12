"""Switching the app's language, which is also the language of the person's e-mails."""

from django.views.i18n import set_language

from pilots.language import person_language_set


def language_set(request):
    """Django's `set_language`, and the choice kept on the signed-in person: one switch, so that
    a person who reads the app in English also gets their reminders in English."""
    response = set_language(request)
    if request.method == "POST" and response.status_code == 302:
        person_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
