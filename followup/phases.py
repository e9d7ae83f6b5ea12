"""A pilot's phase follows what happened to it.

planned → information: an information meeting is scheduled;
information → course: the first course day has come;
course → planning: the last course day has passed (the department writes its project plan);
planning → follow_up: the project plan has been approved;
follow_up → self_sufficient: every follow-up meeting of the programme's cadence has been held,
    the last of them included: the guided part of the programme is over.
Closing a pilot is always a coordinator's decision.

The phase only moves forward on its own: a meeting moved later does not undo a phase reached.
A phase a coordinator set by hand (`Pilot.phase_set_by_hand`) is left alone until they hand it
back. It lives in `followup` because it reads training, plans and follow-up facts, and the sweep
(`followup/reminders/sweep.py`) applies it before it works out reminders, so the reminders see
the phase the pilot has reached.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup.models import FollowUpMeeting
from pilots.models import PhaseChange, Pilot
from pilots.services import phase_reached
from plans.models import ProjectPlan
from training.models import InformationMeeting

Phase = Pilot.Phase

# Why a pilot moved on by itself, by the phase it reached (shown in the pilot's history).
AUTOMATIC_REASONS = {
    Phase.INFORMATION: _("an information meeting was scheduled"),
    Phase.COURSE: _("the first course day came"),
    Phase.PLANNING: _("the last course day has passed"),
    Phase.FOLLOW_UP: _("the project plan was approved"),
    Phase.SELF_SUFFICIENT: _("the last follow-up meeting of the cadence was held"),
}


@dataclass(frozen=True)
class PhaseFacts:
    has_information_meeting: bool
    first_course_day: dt.date | None
    last_course_day: dt.date | None
    plan_approved: bool
    cadence_meetings: int
    cadence_meetings_held: int


def phase_from_facts(facts: PhaseFacts, *, today: dt.date) -> str:
    """The furthest phase the facts justify (never closed)."""
    if facts.cadence_meetings and facts.cadence_meetings_held == facts.cadence_meetings:
        return Phase.SELF_SUFFICIENT
    if facts.plan_approved:
        return Phase.FOLLOW_UP
    if facts.last_course_day is not None and facts.last_course_day < today:
        return Phase.PLANNING
    if facts.first_course_day is not None and facts.first_course_day <= today:
        return Phase.COURSE
    if facts.has_information_meeting:
        return Phase.INFORMATION
    return Phase.PLANNED


def _with_facts(pilots: QuerySet[Pilot]) -> QuerySet[Pilot]:
    pilot = OuterRef("pk")
    return pilots.annotate(
        has_information_meeting=Exists(InformationMeeting.objects.filter(pilot=pilot)),
        plan_approved=Exists(
            ProjectPlan.objects.filter(pilot=pilot).filter(
                Q(status=ProjectPlan.Status.APPROVED) | Q(approved_at__isnull=False)
            )
        ),
        first_course_day=Min("course_days__date"),
        last_course_day=Max("course_days__date"),
    )


def _cadence_counts(pilot_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = (
        FollowUpMeeting.objects.filter(pilot_id__in=pilot_ids, step__isnull=False)
        .values("pilot_id")
        .annotate(total=Count("pk"), held=Count("pk", filter=Q(held_on__isnull=False)))
        .order_by()
        .values_list("pilot_id", "total", "held")
    )
    return {pilot_id: (total, held) for pilot_id, total, held in rows}


def phases_follow_events(*, today: dt.date, pilot_ids: list[int] | None = None) -> dict[int, str]:
    """Move every open pilot that is not set by hand to the phase its facts justify, if that
    lies ahead of where it is; log each move. Returns the moves (pilot id → new phase).

    Two queries read the facts of all pilots; the moves are one update per phase reached and
    one insert for the log, however many pilots there are.
    """
    pilots = Pilot.objects.exclude(phase=Phase.CLOSED).filter(phase_set_by_hand=False)
    if pilot_ids is not None:
        pilots = pilots.filter(pk__in=pilot_ids)
    rows = list(
        _with_facts(pilots)
        .order_by()
        .values_list(
            "pk",
            "phase",
            "has_information_meeting",
            "first_course_day",
            "last_course_day",
            "plan_approved",
        )
    )
    if not rows:
        return {}
    cadence = _cadence_counts([row[0] for row in rows])
    moves: dict[int, tuple[str, str]] = {}
    for pk, phase, has_meeting, first_day, last_day, approved in rows:
        total, held = cadence.get(pk, (0, 0))
        facts = PhaseFacts(has_meeting, first_day, last_day, approved, total, held)
        derived = phase_from_facts(facts, today=today)
        if phase_reached(phase, derived):
            moves[pk] = (phase, derived)
    if not moves:
        return {}
    now = timezone.now()
    with transaction.atomic():
        # Re-read under lock, so a coordinator's move in between wins and is not logged over.
        still = dict(
            Pilot.objects.select_for_update()
            .filter(pk__in=list(moves), phase_set_by_hand=False)
            .values_list("pk", "phase")
        )
        moves = {pk: move for pk, move in moves.items() if still.get(pk) == move[0]}
        by_target: dict[str, list[int]] = {}
        for pk, (_old, new) in moves.items():
            by_target.setdefault(new, []).append(pk)
        for new, ids in by_target.items():
            Pilot.objects.filter(pk__in=ids).update(phase=new, phase_changed_at=now)
        PhaseChange.objects.bulk_create(
            PhaseChange(pilot_id=pk, from_phase=old, to_phase=new, changed_at=now)
            for pk, (old, new) in moves.items()
        )
    return {pk: new for pk, (_old, new) in moves.items()}
