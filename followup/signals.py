"""Follow-up meetings follow the course days, however the course days were changed.

Follow-up meetings are counted from a pilot's last course day. `training` sits below `followup`
and must not know it exists, so follow-up listens instead: every save or delete of a course day,
whether from the app, the admin, a shell or the demo loader, reschedules that pilot's follow-up
meetings in the same transaction. Bulk writes send no signals; the sweep's fill-in covers those.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from followup.cadence import follow_up_meetings_sync
from pilots.models import Pilot
from training.models import CourseDay


@receiver(post_save, sender=CourseDay, dispatch_uid="followup_course_day_saved")
@receiver(post_delete, sender=CourseDay, dispatch_uid="followup_course_day_deleted")
def course_day_changed(sender, instance: CourseDay, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata writes rows as they are; their follow-up meetings come with them
        return
    pilot = Pilot.objects.filter(pk=instance.pilot_id).select_related("programme").first()
    if pilot is not None:
        follow_up_meetings_sync(pilot=pilot)
