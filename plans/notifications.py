"""Who hears about a step of a plan's way to approval, and what the e-mail about it is called.

The e-mails themselves are rows of the durable outbox (`followup`, a higher layer), derived from
the `PlanTransition` rows the workflow writes: a broker that is down when the plan moves delays
them until the next sweep instead of losing them.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.utils.translation import gettext as _

from pilots.models import DepartmentRole, ProgrammeRole
from plans.models import PlanTransition

Transition = PlanTransition.Transition


def plan_transition_recipients(
    *, transitions: Sequence[PlanTransition], today: dt.date, person_id: int | None = None
) -> dict[int, list[int]]:
    """The people told of each transition, by its id: the programme's lean coordinators and
    guides when a plan is submitted, the department's leaders when it is reviewed. Only roles
    held today count, and the person who made the step is left out (they just did it).

    Two queries however many transitions; the transitions need `plan__pilot` loaded.
    """
    reviewers = _people_by(
        ProgrammeRole.objects.active(today).filter(
            programme_id__in={t.plan.pilot.programme_id for t in transitions},
            role__in=ProgrammeRole.Role.values,
        ),
        "programme_id",
        person_id,
    )
    leaders = _people_by(
        DepartmentRole.objects.active(today).filter(
            department_id__in={t.plan.pilot.department_id for t in transitions},
            role=DepartmentRole.Role.DEPARTMENT_LEADER,
        ),
        "department_id",
        person_id,
    )
    found = {}
    for transition in transitions:
        pilot = transition.plan.pilot
        if transition.transition == Transition.SUBMITTED:
            people = reviewers.get(pilot.programme_id, [])
        else:
            people = leaders.get(pilot.department_id, [])
        found[transition.pk] = [
            pk for pk, user_id in people if user_id is None or user_id != transition.actor_id
        ]
    return found


def _people_by(roles, group: str, person_id: int | None) -> dict[int, list[tuple[int, int]]]:
    roles = roles.filter(person__is_active=True).exclude(person__email="")
    if person_id is not None:
        roles = roles.filter(person_id=person_id)
    grouped: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = roles.values_list(group, "person_id", "person__user").order_by("person_id")
    for group_id, pk, user_id in rows:
        if (pk, user_id) not in grouped[group_id]:
            grouped[group_id].append((pk, user_id))
    return grouped


def plan_transition_subject(transition: str, department: str) -> str:
    subjects = {
        Transition.SUBMITTED: _("Project plan submitted for review: %(department)s"),
        Transition.RETURNED: _("Project plan returned with a comment: %(department)s"),
        Transition.APPROVED: _("Project plan approved: %(department)s"),
    }
    return subjects[transition] % {"department": department}
