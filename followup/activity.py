"""What counts as activity on a pilot: one definition for the quiet-plan reminder and the dashboard.

A pilot is active when its people work on the plan, not only when someone edits the plan's text:
a plan edit, a measure created or changed (status included), a note on a measure, a measurement,
a board meeting, a suggestion answered. The latest of these is the pilot's last activity.

Every source is one correlated MAX subquery on the pilot, so the activity of any number of pilots
costs one query.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import DateField, DateTimeField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from followup.models import BoardMeeting
from pilots.calendar import local_date
from pilots.models import Pilot
from plans.models import Measure, Measurement, MeasureNote, ProjectPlan, Suggestion

# Annotation name → (what it is, as the dashboard names it). Kept in one place so the dashboard
# can say what counts.
SOURCES = {
    "activity_plan": _("plan changed"),
    "activity_measure": _("measure changed"),
    "activity_note": _("note on a measure"),
    "activity_measurement": _("measurement"),
    "activity_board": _("board meeting"),
    "activity_suggestion": _("suggestion answered"),
}


@dataclass(frozen=True)
class Activity:
    on: dt.date
    what: str


def _latest(queryset: QuerySet, field_name: str, output_field) -> Subquery:
    newest_first = queryset.filter(**{f"{field_name}__isnull": False}).order_by(f"-{field_name}")
    return Subquery(newest_first.values(field_name)[:1], output_field=output_field)


def activity_annotate(pilots: QuerySet[Pilot]) -> QuerySet[Pilot]:
    """The pilots with one annotation per source of activity (read them with `last_activity`)."""
    pilot = OuterRef("pk")
    return pilots.annotate(
        activity_plan=_latest(
            ProjectPlan.objects.filter(pilot=pilot), "updated_at", DateTimeField()
        ),
        activity_measure=_latest(
            Measure.objects.filter(plan__pilot=pilot), "updated_at", DateTimeField()
        ),
        activity_note=_latest(
            MeasureNote.objects.filter(measure__plan__pilot=pilot), "created_at", DateTimeField()
        ),
        activity_measurement=_latest(
            Measurement.objects.filter(indicator__plan__pilot=pilot), "measured_on", DateField()
        ),
        activity_board=_latest(BoardMeeting.objects.filter(pilot=pilot), "held_on", DateField()),
        activity_suggestion=_latest(
            Suggestion.objects.filter(pilot=pilot), "answered_at", DateTimeField()
        ),
    )


def last_activity(pilot: Pilot, *, today: dt.date | None = None) -> Activity | None:
    """The latest activity of a pilot annotated by `activity_annotate`, or None when it has none.

    A measurement may be dated ahead; activity is never later than `today` when it is given.
    """
    found = []
    for name, what in SOURCES.items():
        value = getattr(pilot, name)
        if value is None:
            continue
        on = local_date(value) if isinstance(value, dt.datetime) else value
        if today is not None:
            on = min(on, today)
        found.append(Activity(on, str(what)))
    return max(found, key=lambda a: a.on, default=None)


def pilots_last_activity(
    pilots: QuerySet[Pilot], *, today: dt.date | None = None
) -> dict[int, Activity | None]:
    """Last activity by pilot id, in one query."""
    return {pilot.pk: last_activity(pilot, today=today) for pilot in activity_annotate(pilots)}
