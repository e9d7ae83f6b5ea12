"""Follow-up meetings follow the course days, however the course days were changed.

Follow-up meetings are counted from a pilot's last course day. `training` sits below `followup`
and must not know it exists, so follow-up listens instead: every save or delete of a course day,
whether from the app, the admin, a shell or the demo loader, reschedules that pilot's follow-up
meetings in the same transaction. Bulk writes send no signals; the sweep's fill-in covers those.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from followup.cadence import follow_up_meetings_sync
from followup.models import FollowUpMeeting
from followup.phases import phases_follow_events
from pilots.calendar import local_today
from pilots.models import Pilot
from plans.models import ProjectPlan
from training.models import CourseDay, InformationMeeting


@receiver(post_save, sender=CourseDay, dispatch_uid="followup_course_day_saved")
@receiver(post_delete, sender=CourseDay, dispatch_uid="followup_course_day_deleted")
def course_day_changed(sender, instance: CourseDay, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata writes rows as they are; their follow-up meetings come with them
        return
    pilot = Pilot.objects.filter(pk=instance.pilot_id).select_related("programme").first()
    if pilot is not None:
        follow_up_meetings_sync(pilot=pilot)


@receiver(post_save, sender=CourseDay, dispatch_uid="followup_phase_course_day")
@receiver(post_save, sender=InformationMeeting, dispatch_uid="followup_phase_information_meeting")
@receiver(post_save, sender=ProjectPlan, dispatch_uid="followup_phase_plan")
@receiver(post_save, sender=FollowUpMeeting, dispatch_uid="followup_phase_follow_up_meeting")
def phase_fact_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    """A fact the phase follows changed (a meeting scheduled, a plan approved, a course day or a
    follow-up meeting recorded): move that pilot on once the change is committed, instead of
    waiting for the next sweep. One query when nothing moves."""
    if raw:
        return
    # Only these saves can move a phase; a plan edited or submitted cannot.
    if isinstance(instance, ProjectPlan) and instance.status != ProjectPlan.Status.APPROVED:
        return
    if isinstance(instance, FollowUpMeeting) and instance.held_on is None:
        return
    pilot_id = instance.pilot_id
    transaction.on_commit(lambda: phases_follow_events(today=local_today(), pilot_ids=[pilot_id]))
