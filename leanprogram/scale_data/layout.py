"""Where every row of the data set sits: ids by arithmetic, and each pilot's cohort and dates.

Every table is written in its own pass, so a foreign key is computed, not looked up: person `s`
of pilot `p` in municipality `m` has the id `person(m, p, s)`, whatever table refers to it.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from followup.models import FollowUpStep
from followup.moments import working_day_on_or_after

# The people of each municipality before its pilots' staff: the lean coordinator and the guide.
PROGRAMME_PEOPLE = 2
COURSE_DAYS = 4
MEASURES = 10
INDICATORS = 2
MEASUREMENTS = 6  # per indicator
STEPS = len(FollowUpStep.DEFAULTS)
PROGRAMME_GOALS = 3
QUALITY_GOALS = 2
WASTES = 3
SUGGESTIONS = 2
BOARD_MEETINGS = 3  # the latest weekly board meetings of a pilot in follow-up

JUST_HELD, FOLLOW_UP, TO_COME = "just_held", "follow_up", "to_come"
COHORTS = (JUST_HELD, FOLLOW_UP, TO_COME)


@dataclass(frozen=True)
class PilotDates:
    cohort: str
    course_days: tuple[dt.date, ...]
    information_meeting: dt.date

    @property
    def first_day(self) -> dt.date:
        return self.course_days[0]

    @property
    def last_day(self) -> dt.date:
        return self.course_days[-1]


@dataclass
class Layout:
    municipalities: int
    pilots: int  # per municipality
    staff: int  # per pilot, the department leader included
    cohort_mix: tuple[int, int, int]
    today: dt.date
    bases: dict[str, int] = field(default_factory=dict)  # first free id per table

    def __post_init__(self) -> None:
        # Pilot p's cohort: the mix laid out over a cycle, e.g. 1:3:1 -> [just, f, f, f, to come].
        self.cycle = [c for c, n in zip(COHORTS, self.cohort_mix, strict=True) for _ in range(n)]

    # Sizes
    @property
    def people_per_municipality(self) -> int:
        return PROGRAMME_PEOPLE + self.pilots * self.staff

    @property
    def all_pilots(self) -> int:
        return self.municipalities * self.pilots

    @property
    def all_people(self) -> int:
        return self.municipalities * self.people_per_municipality

    # Ids. `g` is a pilot's global index m * pilots + p.
    def id(self, table: str, index: int) -> int:
        return self.bases[table] + index

    def g(self, m: int, p: int) -> int:
        return m * self.pilots + p

    def person(self, m: int, p: int, s: int) -> int:
        return self.id(
            "person", m * self.people_per_municipality + PROGRAMME_PEOPLE + p * self.staff + s
        )

    def coordinator(self, m: int) -> int:
        return self.id("person", m * self.people_per_municipality)

    def guide(self, m: int) -> int:
        return self.id("person", m * self.people_per_municipality + 1)

    # Cohorts and dates
    def cohort(self, p: int) -> str:
        return self.cycle[p % len(self.cycle)]

    @cached_property
    def this_monday(self) -> dt.date:
        return self.today - dt.timedelta(days=self.today.weekday())

    @cached_property
    def steps(self) -> list[FollowUpStep]:
        """The default cadence, unsaved: for labels and due dates only."""
        return [FollowUpStep(amount=amount, unit=unit) for amount, unit in FollowUpStep.DEFAULTS]

    def dates(self, m: int, p: int) -> PilotDates:
        """Course weeks: the two weeks before this one (just held), 3 to 60 weeks ago (in
        follow-up), or 3 to 20 weeks ahead (still to come); course days on Tuesday and Thursday."""
        cohort = self.cohort(p)
        g = self.g(m, p)
        if cohort == JUST_HELD:
            weeks = -2
        elif cohort == FOLLOW_UP:
            weeks = -(3 + (g * 7) % 58)
        else:
            weeks = 3 + (g * 5) % 18
        first_monday = self.this_monday + dt.timedelta(weeks=weeks)
        days = tuple(
            first_monday + dt.timedelta(weeks=week, days=day) for week in (0, 1) for day in (1, 3)
        )
        return PilotDates(cohort, days, first_monday - dt.timedelta(days=13))

    def follow_up_due(self, dates: PilotDates) -> list[dt.date]:
        return [working_day_on_or_after(step.due_after(dates.last_day)) for step in self.steps]
