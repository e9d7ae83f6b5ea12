"""The follow-up cadence: a pilot's follow-up meetings, planned from its last course day, each
on the first working day on or after its step's date.

`follow_up_meetings_sync(pilot=...)` creates the meetings of the programme's cadence and moves
those not yet held when the last course day moves. `followup.signals` calls it whenever a course
day is saved or deleted, and the reminder sweep for pilots whose course days arrived in bulk.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import translation

from followup.models import FollowUpMeeting
from followup.moments import working_calendar_load, working_day_on_or_after
from followup.policies import follow_up_policy_ensure
from pilots.models import Pilot


@transaction.atomic
def follow_up_meetings_sync(*, pilot: Pilot) -> list[FollowUpMeeting]:
    """Create or move the pilot's follow-up meetings from its last course day.

    Meetings already held keep their date. Without course days, the meetings not yet held are
    removed: there is nothing to count from. Returns the pilot's meetings from the cadence.
    """
    # Two saves of the same pilot's course days at once must not both create the meetings.
    Pilot.objects.select_for_update().filter(pk=pilot.pk).first()
    last_course_day = pilot.course_days.aggregate(last=Max("date"))["last"]
    from_cadence = FollowUpMeeting.objects.filter(pilot=pilot, step__isnull=False)
    if last_course_day is None:
        from_cadence.filter(held_on__isnull=True).delete()
        return []

    policy = follow_up_policy_ensure(programme=pilot.programme_id)
    existing = {meeting.step_id: meeting for meeting in from_cadence.select_related("step")}
    by_label = {
        meeting.label: meeting
        for meeting in FollowUpMeeting.objects.filter(pilot=pilot, step__isnull=True)
    }
    # A meeting the app plans falls on a working day of the municipality: a step that lands on
    # a weekend, a public holiday or a holiday period moves to the next working day.
    holidays = working_calendar_load(programme_ids=[pilot.programme_id]).for_programme(
        pilot.programme_id
    )
    meetings = []
    # Labels are stored in the site's language; pages show them in the reader's (display_label).
    with translation.override(settings.LANGUAGE_CODE):
        for step in sorted(policy.steps.all(), key=lambda s: s.sort_key()):
            due_on = working_day_on_or_after(step.due_after(last_course_day), holidays)
            meeting = existing.get(step.pk) or by_label.get(step.label())
            if meeting is None:
                meeting = FollowUpMeeting(pilot=pilot, step=step, label=step.label())
            if meeting.held_on is None and (meeting.due_on != due_on or meeting.step_id is None):
                meeting.step = step
                meeting.due_on = due_on
                meeting.full_clean()
                meeting.save()
            meetings.append(meeting)
    return meetings
