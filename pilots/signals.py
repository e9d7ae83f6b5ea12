"""Keep each person's login in step with the person, however the person is saved or deleted.

A queryset `.delete()` (the admin's bulk delete too) sends post_delete for every row; a
queryset `.update()` sends nothing, which is why `pilots.auth.PersonBackend` checks the person
itself as well.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from pilots.auth import person_login_delete, person_login_sync
from pilots.models import Person


@receiver(post_save, sender=Person)
def login_follows_person(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or {"is_active", "user"} & set(update_fields):
        person_login_sync(person=instance)


@receiver(post_delete, sender=Person)
def login_leaves_with_person(sender, instance, **kwargs):
    person_login_delete(person=instance)
