"""What needs doing, read off the dashboard's pilots: one line per thing, each with its action.

Everything here reads the annotations `leanprogram.dashboard` puts on a page of pilots, so the
list costs no query of its own.
"""

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from followup.activity import last_activity
from pilots.collation import norwegian_sort_key
from pilots.models import Pilot
from plans.models import ProjectPlan

# Below this share of people present at the course days held, attendance needs a word.
LOW_ATTENDANCE_PERCENT = 75
# Plans in these states are still the department's to finish.
UNFINISHED_PLAN = (None, ProjectPlan.Status.DRAFT, ProjectPlan.Status.RETURNED)
NOT_FOLLOWED = (Pilot.Phase.CLOSED, Pilot.Phase.SELF_SUFFICIENT)


@dataclass(frozen=True)
class AttentionItem:
    pilot: Pilot
    what: str
    action_label: str
    action_url: str
    # Sorts the most pressing first: days late (or 0).
    weight: int = 0


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def needs_attention(pilots, *, today: dt.date, can_manage: bool) -> list[AttentionItem]:
    """The lines for pilots annotated by `dashboard._annotate_dashboard`, most pressing first."""
    items: list[AttentionItem] = []
    for pilot in pilots:
        if pilot.phase in NOT_FOLLOWED:
            continue
        items.extend(_for_pilot(pilot, today=today, can_manage=can_manage))
    return sorted(items, key=lambda i: (-i.weight, norwegian_sort_key(i.pilot.department.name)))


def _for_pilot(pilot, *, today: dt.date, can_manage: bool):
    pk = pilot.pk
    if pilot.course_days_total == 0 and can_manage:
        yield AttentionItem(
            pilot,
            _("No course days are scheduled."),
            _("Schedule the course days"),
            reverse("programme:pilot_setup_course_days", kwargs={"pk": pk}),
        )
    if pilot.last_course_day is not None and pilot.plan_status in UNFINISHED_PLAN:
        due = pilot.last_course_day + dt.timedelta(days=pilot.plan_submit_days)
        if due < today:
            yield AttentionItem(
                pilot,
                _("The project plan was due on %(date)s and is %(days)s days late.")
                % {"date": _day(due), "days": (today - due).days},
                _("Open the project plan"),
                reverse("plans:plan_detail", kwargs={"pilot_pk": pk}),
                (today - due).days,
            )
    if pilot.next_follow_up is not None and pilot.next_follow_up <= today:
        late = (today - pilot.next_follow_up).days
        yield AttentionItem(
            pilot,
            (
                _("The follow-up meeting “%(label)s” was due on %(date)s and is not recorded.")
                if late
                else _("The follow-up meeting “%(label)s” is due today.")
            )
            % {"label": pilot.next_follow_up_label, "date": _day(pilot.next_follow_up)},
            _("Record the meeting"),
            reverse("followup:follow_up_meeting_hold", kwargs={"pk": pilot.next_follow_up_pk}),
            late,
        )
    if pilot.phase == Pilot.Phase.FOLLOW_UP:
        activity = last_activity(pilot, today=today)
        if activity is not None and (today - activity.on).days >= pilot.quiet_plan_days:
            yield AttentionItem(
                pilot,
                _(
                    "Quiet for %(days)s days: the last activity was %(what)s on %(date)s. "
                    "Activity is a change to the plan or a measure, a note on a measure, a "
                    "measurement, a board meeting or an answered suggestion."
                )
                % {
                    "days": (today - activity.on).days,
                    "what": activity.what,
                    "date": _day(activity.on),
                },
                _("Open the board"),
                reverse("plans:plan_board", kwargs={"pilot_pk": pk}),
                (today - activity.on).days - pilot.quiet_plan_days,
            )
    if pilot.measures_overdue:
        yield AttentionItem(
            pilot,
            ngettext(
                "%(count)s measure is past its deadline.",
                "%(count)s measures are past their deadline.",
                pilot.measures_overdue,
            )
            % {"count": pilot.measures_overdue},
            _("Open the board"),
            reverse("plans:plan_board", kwargs={"pilot_pk": pk}),
        )
    if pilot.attendance_recorded:
        rate = round(100 * pilot.attendance_present / pilot.attendance_recorded)
        if rate < LOW_ATTENDANCE_PERCENT:
            yield AttentionItem(
                pilot,
                _("Only %(rate)s %% were present at the course days (%(present)s of %(recorded)s).")
                % {
                    "rate": rate,
                    "present": pilot.attendance_present,
                    "recorded": pilot.attendance_recorded,
                },
                _("See the attendance"),
                reverse("training:attendance_summary", kwargs={"pk": pk}),
            )
