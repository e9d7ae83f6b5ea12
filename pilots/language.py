"""The language a person reads the app and their e-mails in."""

from pilots.models import Language, Person


def person_language_set(*, user, language: str) -> bool:
    """Keep the language a signed-in person chose in the app as the one their e-mails are
    written in. Their own choice, so no permission beyond being that person; returns whether
    anything changed (not for a user without a person, nor for a language we do not write)."""
    if language not in Language.values or not getattr(user, "is_authenticated", False):
        return False
    return bool(
        Person.objects.filter(user=user).exclude(language=language).update(language=language)
    )
