"""A person's login follows the person: an inactive or deleted person cannot sign in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist

from pilots.models import Person


class PersonBackend(ModelBackend):
    """ModelBackend that also refuses a login whose person is inactive.

    Saving a person keeps the login's own `is_active` in step (`pilots.signals`); this catches
    what skips signals, such as a queryset `update()`. Django asks `user_can_authenticate`
    for every request of an open session too, so such a session ends on its next request.
    A login without a person (the administrator) is judged by `is_active` alone.
    """

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        try:
            return user.person.is_active
        except ObjectDoesNotExist:
            return True

    def get_user(self, user_id):
        # Fetch the person in the same query: this runs on every request of a session.
        user_model = get_user_model()
        user = user_model._default_manager.select_related("person").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def person_login_sync(*, person: Person) -> None:
    """Make the person's login active exactly when the person is."""
    if person.user_id is None:
        return
    get_user_model()._default_manager.filter(pk=person.user_id).exclude(
        is_active=person.is_active
    ).update(is_active=person.is_active)


def person_login_delete(*, person: Person) -> None:
    """Delete the login of a person who is gone: nobody may sign in as them any more."""
    if person.user_id is not None:
        get_user_model()._default_manager.filter(pk=person.user_id).delete()
