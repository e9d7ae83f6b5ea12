"""What each export holds: its columns, each with a type, and its rows as an iterator.

Every table starts from pilots the caller has already scoped to the user (`pilots.selectors`
and the access rules in `leanprogram.exports.views`). Rows are read with `values_list()` and
`.iterator(chunk_size=...)`, or in batches of pilots, so a table costs a fixed number of
queries whatever the number of pilots, and memory does not grow with its rows.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import islice

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from leanprogram.dashboard import dashboard_annotated, dashboard_row
from pilots.calendar import OSLO
from pilots.collation import norwegian
from pilots.fte import fte
from pilots.models import Pilot, Programme
from plans.gains import programme_gains_rows
from plans.models import Measure, Suggestion
from training.models import COURSE_DAYS_PER_PILOT, Attendance
from training.selectors import attendance_lines_for_pilots

# Rows the database hands over at a time; pilots whose attendance is read together.
CHUNK_SIZE = 2000
PILOTS_PER_BATCH = 200


class Kind(StrEnum):
    """What a column holds, which says how Excel formats it."""

    TEXT = "text"
    INTEGER = "integer"
    # Hours per week as typed: up to two decimals.
    HOURS = "hours"
    # Full-time equivalents (årsverk): one decimal.
    FTE = "fte"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT


@dataclass
class Table:
    # The export's name: the sheet's title and part of the file name.
    title: str
    columns: list[Column]
    rows: Iterable[tuple]
    # Rows after the data, outside its filter: a total.
    footer: list[tuple] = field(default_factory=list)


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value, OSLO).date() if value is not None else None


def _batches(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _yes(value: bool) -> str:
    return capfirst(_("yes") if value else _("no"))


def _ordered_pilots(pilots: QuerySet[Pilot]) -> QuerySet[Pilot]:
    return pilots.order_by(norwegian("programme__name"), norwegian("department__name"), "pk")


# The programme status: the dashboard's table, every pilot.


def status_table(pilots: QuerySet[Pilot], *, today: dt.date) -> Table:
    columns = [
        Column(_("Programme")),
        Column(_("Department")),
        Column(_("Phase")),
        Column(_("Next phase")),
        Column(_("Target date for the next phase"), Kind.DATE),
        Column(_("Next event")),
        Column(_("Date of the next event"), Kind.DATE),
        Column(_("Starts"), Kind.TIME),
        Column(_("Course days held"), Kind.INTEGER),
        Column(_("Course days in all"), Kind.INTEGER),
        Column(_("Attendance rate (per cent)"), Kind.INTEGER),
        Column(_("Present"), Kind.INTEGER),
        Column(_("Attendance recorded"), Kind.INTEGER),
        Column(_("Project plan")),
        Column(_("Open measures"), Kind.INTEGER),
        Column(_("Overdue measures"), Kind.INTEGER),
        Column(_("Next follow-up"), Kind.DATE),
        Column(_("New suggestions"), Kind.INTEGER),
        Column(_("Suggestions in all"), Kind.INTEGER),
    ]

    def rows():
        annotated = dashboard_annotated(pilots, today=today)
        for pilot in annotated.iterator(chunk_size=CHUNK_SIZE):
            row = dashboard_row(pilot, today=today)
            event = row.next_event
            yield (
                pilot.programme.name,
                pilot.department.name,
                capfirst(pilot.get_phase_display()),
                capfirst(row.next_phase_label),
                row.next_phase_target,
                event.what if event else "",
                event.date if event else None,
                event.starts_at if event else None,
                row.course_days_held,
                COURSE_DAYS_PER_PILOT,
                row.attendance_rate,
                row.attendance_present,
                row.attendance_recorded,
                capfirst(row.plan_status_label),
                row.measures_open,
                row.measures_overdue,
                row.next_follow_up,
                row.suggestions_new,
                row.suggestions_total,
            )

    return Table(_("Programme status"), columns, rows())


# Every measure of the pilots' plans.


def measures_table(pilots: QuerySet[Pilot], *, today: dt.date) -> Table:
    columns = [
        Column(_("Programme")),
        Column(_("Department")),
        Column(_("Measure")),
        Column(_("Description")),
        Column(_("Owner")),
        Column(_("Deadline"), Kind.DATE),
        Column(_("Status")),
        Column(_("Overdue")),
        Column(_("Effort")),
        Column(_("Effect")),
        Column(_("Hours per week identified"), Kind.HOURS),
        Column(_("Hours per week realised"), Kind.HOURS),
        Column(_("Created"), Kind.DATE),
        Column(_("Last changed"), Kind.DATE),
    ]
    status_labels = dict(Measure.Status.choices)
    level_labels = dict(Measure.Level.choices)

    def rows():
        measures = (
            Measure.objects.filter(plan__pilot__in=pilots.values("pk"))
            .order_by(
                norwegian("plan__pilot__programme__name"),
                norwegian("plan__pilot__department__name"),
                F("deadline").asc(nulls_last=True),
                norwegian("title"),
                "pk",
            )
            .values_list(
                "plan__pilot__programme__name",
                "plan__pilot__department__name",
                "title",
                "description",
                "owner__full_name",
                "deadline",
                "status",
                "effort",
                "effect",
                "hours_identified_per_week",
                "hours_realised_per_week",
                "created_at",
                "updated_at",
            )
        )
        for (
            programme,
            department,
            title,
            description,
            owner,
            deadline,
            status,
            effort,
            effect,
            identified,
            realised,
            created_at,
            updated_at,
        ) in measures.iterator(chunk_size=CHUNK_SIZE):
            # The one rule of what is overdue, on a measure that is never saved.
            overdue = Measure(status=status, deadline=deadline).is_overdue(today)
            yield (
                programme,
                department,
                title,
                description,
                owner or "",
                deadline,
                capfirst(status_labels[status]),
                _yes(overdue),
                capfirst(level_labels[effort]),
                capfirst(level_labels[effect]),
                identified,
                realised,
                _local_date(created_at),
                _local_date(updated_at),
            )

    return Table(_("Measures"), columns, rows())


# Attendance: every information meeting and course day × the people on its list.


def attendance_table(pilots: QuerySet[Pilot]) -> Table:
    columns = [
        Column(_("Programme")),
        Column(_("Department")),
        Column(_("Event")),
        Column(_("Date"), Kind.DATE),
        Column(_("Start"), Kind.TIME),
        Column(_("End"), Kind.TIME),
        Column(_("Duration (hours)"), Kind.HOURS),
        Column(_("Person")),
        Column(_("Role")),
        Column(_("Status")),
    ]
    status_labels = dict(Attendance.Status.choices)

    def rows():
        ordered = _ordered_pilots(pilots).iterator(chunk_size=PILOTS_PER_BATCH)
        for batch in _batches(ordered, PILOTS_PER_BATCH):
            for line in attendance_lines_for_pilots(batch):
                event = line.event
                yield (
                    line.pilot.programme.name,
                    line.pilot.department.name,
                    event.label,
                    event.date,
                    event.starts,
                    event.ends,
                    (Decimal(event.minutes) / 60).quantize(Decimal("0.01")),
                    line.person_name,
                    capfirst(line.roles_text),
                    capfirst(status_labels[line.status] if line.status else _("not recorded")),
                )

    return Table(_("Attendance"), columns, rows())


# Improvement suggestions, with who sent them (only those who may see authors download them).


def suggestions_table(pilots: QuerySet[Pilot]) -> Table:
    columns = [
        Column(_("Programme")),
        Column(_("Department")),
        Column(_("Sent"), Kind.DATE),
        Column(_("Suggestion")),
        Column(_("From")),
        Column(_("Status")),
        Column(_("Answer")),
        Column(_("Answered"), Kind.DATE),
        Column(_("Measure it became")),
    ]
    status_labels = dict(Suggestion.Status.choices)

    def rows():
        suggestions = (
            Suggestion.objects.filter(pilot__in=pilots.values("pk"))
            .order_by(
                norwegian("pilot__programme__name"),
                norwegian("pilot__department__name"),
                "-created_at",
                "-pk",
            )
            .values_list(
                "pilot__programme__name",
                "pilot__department__name",
                "created_at",
                "text",
                "author__full_name",
                "status",
                "answer",
                "answered_at",
                "measure__title",
            )
        )
        for (
            programme,
            department,
            created_at,
            text,
            author,
            status,
            answer,
            answered_at,
            measure,
        ) in suggestions.iterator(chunk_size=CHUNK_SIZE):
            yield (
                programme,
                department,
                _local_date(created_at),
                text,
                author or _("anonymous"),
                capfirst(status_labels[status]),
                answer,
                _local_date(answered_at),
                measure or "",
            )

    return Table(_("Suggestions"), columns, rows())


# Gains per pilot of a programme, as the gains page shows them.


def gains_table(*, user, programme: Programme) -> Table:
    columns = [
        Column(_("Department")),
        Column(_("Project plan")),
        Column(_("Hours per week identified"), Kind.HOURS),
        Column(_("Hours per week realised"), Kind.HOURS),
        Column(_("FTE identified"), Kind.FTE),
        Column(_("FTE realised"), Kind.FTE),
    ]
    per_fte = programme.hours_per_fte_week
    pilot_rows, total = programme_gains_rows(user=user, programme=programme)

    def gains(gains) -> tuple:
        return (
            gains.hours_identified,
            gains.hours_realised,
            fte(gains.hours_identified, per_fte),
            fte(gains.hours_realised, per_fte),
        )

    rows = [
        (
            row.pilot.department.name,
            capfirst(_("yes") if row.has_plan else _("no plan yet")),
            *gains(row.gains),
        )
        for row in pilot_rows
    ]
    return Table(_("Gains"), columns, rows, footer=[(_("Programme total"), "", *gains(total))])
