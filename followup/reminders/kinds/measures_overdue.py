"""Measures past their deadline: a weekly digest."""

from collections import defaultdict
from collections.abc import Callable, Iterator

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import ngettext

from followup.models import Reminder
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link, weekly
from pilots.models import DepartmentRole
from plans.models import Measure


class MeasuresOverdue(ReminderKind):
    """One e-mail a week per person: to each owner of an overdue measure, and to the department
    leader with everyone's overdue measures in the department; only to people who receive
    digests. Due on the programme's digest day at the send hour; too late once the week is
    over."""

    kind = Reminder.Kind.MEASURES_OVERDUE

    def due(self, ctx: Context) -> Iterator[Due]:
        measures = Measure.objects.overdue(ctx.today).filter(plan__pilot__in=ctx.pilots())
        if ctx.narrow.recipient_id is not None:
            led = (
                DepartmentRole.objects.active(ctx.today)
                .filter(
                    person_id=ctx.narrow.recipient_id, role=DepartmentRole.Role.DEPARTMENT_LEADER
                )
                .values("department_id")
            )
            measures = measures.filter(
                Q(owner_id=ctx.narrow.recipient_id) | Q(plan__pilot__department_id__in=led)
            )
        # An owner who has left the department is no longer told about its measures; the
        # department leader still is.
        owner_in_department = Exists(
            DepartmentRole.objects.active(ctx.today).filter(
                person_id=OuterRef("owner_id"), department_id=OuterRef("plan__pilot__department_id")
            )
        )
        rows = (
            measures.annotate(owner_in_department=owner_in_department)
            .values_list(
                "owner_id",
                "owner_in_department",
                "owner__is_active",
                "owner__receives_digests",
                "plan__pilot__programme_id",
                "plan__pilot__department_id",
            )
            .distinct()
            .order_by()
        )
        programmes_of: dict[int, set[int]] = defaultdict(set)
        for owner_id, in_department, active, receives_digests, programme_id, department_id in rows:
            if owner_id is not None and in_department and active and receives_digests:
                programmes_of[owner_id].add(programme_id)
            for leader in ctx.leaders.get(department_id, []):
                if leader.receives_digests:
                    programmes_of[leader.person_id].add(programme_id)
        yield from weekly(ctx, self.kind, "measures", programmes_of)

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        recipient = reminder.recipient
        overdue = (
            Measure.objects.overdue(ctx.today)
            .filter(plan__pilot__in=ctx.pilots())
            .select_related("owner", "plan__pilot__department")
            .order_by("deadline", "title")
        )
        member_of = (
            DepartmentRole.objects.active(ctx.today)
            .filter(person=recipient)
            .values("department_id")
        )
        own = overdue.filter(owner=recipient, plan__pilot__department_id__in=member_of)
        led = (
            DepartmentRole.objects.active(ctx.today)
            .filter(person=recipient, role=DepartmentRole.Role.DEPARTMENT_LEADER)
            .values("department_id")
        )
        department = overdue.filter(plan__pilot__department_id__in=led).exclude(owner=recipient)
        own_rows = _rows(own, link_to=_own_measure_link)
        department_rows = _rows(department, link_to=_board_link)
        count = len(own_rows) + len(department_rows)
        subject = ngettext(
            "Weekly digest: %(count)d measure past its deadline",
            "Weekly digest: %(count)d measures past their deadline",
            count,
        ) % {"count": count}
        return Email(subject, {"own": own_rows, "department": department_rows, "today": ctx.today})


def _own_measure_link(measure: Measure) -> str:
    """The owner's own page, at the measure, where they can mark it done as the mail asks."""
    return f"{link('my_tasks')}#measure-{measure.pk}"


def _board_link(measure: Measure) -> str:
    return link("plans:plan_board", pilot_pk=measure.plan.pilot_id)


def _rows(measures, *, link_to: Callable[[Measure], str]) -> list[dict]:
    return [
        {
            "title": measure.title,
            "owner": measure.owner.full_name if measure.owner else "",
            "department": measure.plan.pilot.department.name,
            "deadline": measure.deadline,
            "link": link_to(measure),
        }
        for measure in measures
    ]
