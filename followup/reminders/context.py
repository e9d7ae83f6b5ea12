"""What every reminder kind reads and yields: the moment, the policies, the people, and `Due`.

A `Context` is read once per sweep (or per send) and shared by every kind, so the people of a
programme or department are fetched once however many kinds need them. Narrowed to one pilot or
one person, the same code answers the send task's question "does this reminder still hold?".
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from followup.models import FollowUpPolicy
from followup.moments import Holidays, WorkingCalendar, working_calendar_load
from pilots.calendar import local_date
from pilots.models import DepartmentRole, Pilot, ProgrammeRole


@dataclass(frozen=True)
class Due:
    """One reminder that is due: a row the sweep stores if it is not stored yet."""

    kind: str
    recipient_id: int
    subject_key: str
    period: str
    pilot_id: int | None
    due_at: dt.datetime
    expires_at: dt.datetime

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.kind, self.recipient_id, self.subject_key, self.period)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    receives_digests: bool


@dataclass(frozen=True)
class Narrow:
    """Limits a computation to one pilot and/or one person (the send task's re-check)."""

    pilot_id: int | None = None
    recipient_id: int | None = None


class Context:
    """The moment, the policies and the people, read once and shared by every kind."""

    def __init__(
        self,
        *,
        now: dt.datetime,
        policies: dict[int, FollowUpPolicy],
        narrow: Narrow = Narrow(),
        calendar: WorkingCalendar | None = None,
    ):
        self.now = now
        self.today = local_date(now)
        self.narrow = narrow
        self.policies = {pid: p for pid, p in policies.items() if p.reminders_enabled}
        if calendar is not None:
            self.calendar = calendar

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """The municipalities' holiday periods; the sweep reads them once and passes them in."""
        return working_calendar_load(programme_ids=self.policies)

    def holidays(self, programme_id: int) -> Holidays:
        return self.calendar.for_programme(programme_id)

    def policy(self, programme_id: int) -> FollowUpPolicy:
        return self.policies[programme_id]

    def pilots(self) -> QuerySet[Pilot]:
        """Pilots whose reminders are on: their programme sends reminders, they are not closed."""
        pilots = Pilot.objects.filter(programme_id__in=list(self.policies)).exclude(
            phase=Pilot.Phase.CLOSED
        )
        if self.narrow.pilot_id is not None:
            pilots = pilots.filter(pk=self.narrow.pilot_id)
        return pilots

    def days(self, of: Callable[[FollowUpPolicy], int], pick: Callable = max) -> int:
        """The longest (or shortest) of a number over all policies, to bound a query's window."""
        return pick((of(policy) for policy in self.policies.values()), default=0)

    def _for_recipient(self, queryset: QuerySet) -> QuerySet:
        # Whoever is not the narrowed-to person is filtered out later anyway; do it in SQL.
        if self.narrow.recipient_id is not None:
            return queryset.filter(person_id=self.narrow.recipient_id)
        return queryset

    @cached_property
    def leaders(self) -> dict[int, list[Recipient]]:
        """Department leaders by department, for every department of a pilot in reach."""
        rows = self._for_recipient(
            DepartmentRole.objects.active(self.today).filter(
                role=DepartmentRole.Role.DEPARTMENT_LEADER,
                department_id__in=self.pilots().values("department_id"),
                person__is_active=True,
            )
        ).values_list("department_id", "person_id", "person__receives_digests")
        return _grouped(rows)

    def _programme_people(self, role: str) -> dict[int, list[Recipient]]:
        rows = self._for_recipient(
            ProgrammeRole.objects.active(self.today).filter(
                role=role, programme_id__in=list(self.policies), person__is_active=True
            )
        ).values_list("programme_id", "person_id", "person__receives_digests")
        return _grouped(rows)

    @cached_property
    def coordinators(self) -> dict[int, list[Recipient]]:
        return self._programme_people(ProgrammeRole.Role.LEAN_COORDINATOR)

    @cached_property
    def guides(self) -> dict[int, list[Recipient]]:
        return self._programme_people(ProgrammeRole.Role.LEAN_GUIDE)

    def members(self, department_ids: set[int]) -> dict[int, list[Recipient]]:
        """Everyone with a role in each department today: the staff, their representatives,
        leaders. Whose role has ended is no longer reminded."""
        rows = (
            self._for_recipient(
                DepartmentRole.objects.active(self.today).filter(
                    department_id__in=department_ids, person__is_active=True
                )
            )
            .values_list("department_id", "person_id", "person__receives_digests")
            .distinct()
            .order_by()
        )
        return _grouped(rows)


def _grouped(rows) -> dict[int, list[Recipient]]:
    grouped: dict[int, list[Recipient]] = defaultdict(list)
    for group_id, person_id, receives_digests in rows:
        recipient = Recipient(person_id, receives_digests)
        if recipient not in grouped[group_id]:
            grouped[group_id].append(recipient)
    return grouped
