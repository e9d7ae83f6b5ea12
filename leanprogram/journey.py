"""The pilot's journey as a small picture: its phases, course days, measures and board meetings.

`pilot_journey` computes the geometry and the texts from what the pilot page has already read (a
pure function, tested without a database, apart from `board_meetings_per_week`, one aggregated
query); the template `programme/_journey.svg` draws it, escaping every text. The picture is
narrow (320 units wide) and scales with its viewBox, so it reads on a 320 px screen too. Every
mark says what it means by its shape or a text, never by colour alone.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from followup.models import BoardMeeting
from pilots.models import Pilot
from plans.models import Measure
from training.models import COURSE_DAYS_PER_PILOT

# The steps drawn; a closed pilot has been through all of them.
JOURNEY_PHASES: tuple[str, ...] = (
    Pilot.Phase.PLANNED,
    Pilot.Phase.INFORMATION,
    Pilot.Phase.COURSE,
    Pilot.Phase.PLANNING,
    Pilot.Phase.FOLLOW_UP,
    Pilot.Phase.SELF_SUFFICIENT,
)
BOARD_WEEKS = 8

WIDTH = 320
MARGIN = 12
PHASE_ROW = 24
BAR_LEFT = 124
BAR_MAX = 140
BOARD_BAR_MAX = 40
BOARD_COLUMN = 37

INK = "#0a3d62"  # 11:1 on white
TEXT_COLOUR = "#212529"
MUTED = "#595959"  # 7:1 on white, for what lies ahead


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def board_meeting_weeks(today: dt.date) -> list[dt.date]:
    """The Mondays of the last `BOARD_WEEKS` weeks, this week last."""
    this_week = week_start(today)
    return [this_week - dt.timedelta(weeks=n) for n in range(BOARD_WEEKS - 1, -1, -1)]


def board_meetings_per_week(pilot: Pilot, *, today: dt.date) -> dict[dt.date, int]:
    """Board meetings held in each of the last weeks, by the week's Monday (one query)."""
    first = board_meeting_weeks(today)[0]
    rows = (
        BoardMeeting.objects.filter(pilot=pilot, held_on__gte=first, held_on__lte=today)
        .annotate(week=TruncWeek("held_on"))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by()
    )
    # TruncWeek gives a datetime on some backends; the week's Monday is what counts.
    return {
        (row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]): row["count"]
        for row in rows
    }


def _f(number: float) -> str:
    return f"{number:.1f}"


@dataclass(frozen=True)
class PhaseStep:
    phase: str
    label: str
    state: str  # "done", "current" or "ahead"
    state_text: str
    cx: str
    cy: str
    text_y: str

    @property
    def is_done(self) -> bool:
        return self.state == "done"

    @property
    def is_current(self) -> bool:
        return self.state == "current"


@dataclass(frozen=True)
class CourseDayMark:
    number: int
    held: bool
    x: str
    text_x: str


@dataclass(frozen=True)
class MeasureBar:
    status: str
    label: str
    count: int
    y: str
    text_y: str
    width: str
    count_x: str


@dataclass(frozen=True)
class WeekBar:
    week_monday: dt.date
    week_label: str
    count: int
    x: str
    y: str
    height: str
    text_x: str


@dataclass(frozen=True)
class Journey:
    """Everything `programme/_journey.svg` draws, as ready-made coordinates and texts."""

    chart_id: str
    title: str
    description: str
    current_label: str
    phases: list[PhaseStep]
    phases_heading: str
    phases_heading_y: str
    course_heading: str
    course_heading_y: str
    course_days: list[CourseDayMark]
    course_days_y: str
    course_days_text_y: str
    course_days_held: int
    course_days_total: int
    measures_heading: str
    measures_heading_y: str
    measures: list[MeasureBar]
    board_heading: str
    board_heading_y: str
    weeks: list[WeekBar]
    board_baseline_y: str
    board_count_y: str
    board_week_y: str
    board_axis_label: str
    board_axis_y: str
    board_total: int
    height: int
    width: int = WIDTH
    margin: int = MARGIN
    bar_left: int = BAR_LEFT
    board_bar_width: int = BOARD_COLUMN - 13
    ink: str = INK
    text_colour: str = TEXT_COLOUR
    muted: str = MUTED

    @property
    def phase_text_x(self) -> int:
        return self.margin + 22

    @property
    def phase_marker_x(self) -> int:
        return self.margin + 8

    @property
    def board_right(self) -> int:
        return self.margin + BOARD_WEEKS * BOARD_COLUMN


def _phase_state(index: int, current_index: int) -> str:
    if index < current_index:
        return "done"
    if index == current_index:
        return "current"
    return "ahead"


def pilot_journey(
    *,
    phase: str,
    course_days_held: Iterable[int],
    measures_by_status: Mapping[str, int],
    board_meetings: Mapping[dt.date, int],
    today: dt.date,
    chart_id: str = "journey",
) -> Journey:
    """The journey picture of a pilot in `phase`, with the numbers of the course days held (1–4),
    its measures by status and its board meetings by week (keyed by the week's Monday)."""
    closed = phase == Pilot.Phase.CLOSED
    current_index = len(JOURNEY_PHASES) if closed else JOURNEY_PHASES.index(phase)
    state_texts = {"done": _("done"), "current": _("now"), "ahead": ""}
    y = 22
    phases_heading_y = y
    phases = []
    for index, step in enumerate(JOURNEY_PHASES):
        row_y = y + 10 + (index + 0.5) * PHASE_ROW
        state = _phase_state(index, current_index)
        phases.append(
            PhaseStep(
                phase=step,
                label=str(Pilot.Phase(step).label).capitalize(),
                state=state,
                state_text=state_texts[state],
                cx=_f(MARGIN + 8),
                cy=_f(row_y),
                text_y=_f(row_y),
            )
        )
    y += 10 + len(JOURNEY_PHASES) * PHASE_ROW + 28

    held = sorted({number for number in course_days_held if 1 <= number <= COURSE_DAYS_PER_PILOT})
    course_heading_y = y
    course_days = [
        CourseDayMark(
            number=number,
            held=number in held,
            x=_f(MARGIN + (number - 1) * 40),
            text_x=_f(MARGIN + (number - 1) * 40 + 14),
        )
        for number in range(1, COURSE_DAYS_PER_PILOT + 1)
    ]
    course_days_y = y + 10
    course_days_text_y = course_days_y + 14
    y = course_days_y + 28 + 30

    status_labels = {status: str(label).capitalize() for status, label in Measure.Status.choices}
    counts = {status: int(measures_by_status.get(status, 0)) for status in Measure.Status.values}
    most = max(counts.values()) or 1
    measures_heading_y = y
    measures = []
    for index, status in enumerate(Measure.Status.values):
        row_y = y + 10 + index * 22
        width = counts[status] / most * BAR_MAX
        measures.append(
            MeasureBar(
                status=status,
                label=status_labels[status],
                count=counts[status],
                y=_f(row_y + 3),
                text_y=_f(row_y + 11),
                width=_f(width),
                count_x=_f(BAR_LEFT + width + 6),
            )
        )
    y += 10 + len(Measure.Status.values) * 22 + 28

    board_heading_y = y
    week_mondays = board_meeting_weeks(today)
    per_week = [int(board_meetings.get(monday, 0)) for monday in week_mondays]
    busiest = max(max(per_week), 1)
    baseline = y + 22 + BOARD_BAR_MAX
    weeks = []
    for index, (monday, count) in enumerate(zip(week_mondays, per_week, strict=True)):
        height = count / busiest * BOARD_BAR_MAX
        left = MARGIN + index * BOARD_COLUMN
        weeks.append(
            WeekBar(
                week_monday=monday,
                week_label=str(monday.isocalendar().week),
                count=count,
                x=_f(left),
                y=_f(baseline - height),
                height=_f(height),
                text_x=_f(left + (BOARD_COLUMN - 13) / 2),
            )
        )
    height = baseline + 52

    current_label = (
        str(Pilot.Phase.CLOSED.label)
        if closed
        else str(Pilot.Phase(JOURNEY_PHASES[current_index]).label)
    )
    journey = Journey(
        chart_id=chart_id,
        title=_("Where the pilot is in its journey"),
        description="",
        current_label=current_label,
        phases=phases,
        phases_heading=_("Phases"),
        phases_heading_y=_f(phases_heading_y),
        course_heading=_("Course days held: %(held)s of %(total)s")
        % {"held": len(held), "total": COURSE_DAYS_PER_PILOT},
        course_heading_y=_f(course_heading_y),
        course_days=course_days,
        course_days_y=_f(course_days_y),
        course_days_text_y=_f(course_days_text_y),
        course_days_held=len(held),
        course_days_total=COURSE_DAYS_PER_PILOT,
        measures_heading=_("Measures by status"),
        measures_heading_y=_f(measures_heading_y),
        measures=measures,
        # Short, so it fits the 320 units in every language; the axis label says which weeks.
        board_heading=_("Board meetings per week"),
        board_heading_y=_f(board_heading_y),
        weeks=weeks,
        board_baseline_y=_f(baseline),
        board_count_y=_f(baseline - BOARD_BAR_MAX - 6),
        board_week_y=_f(baseline + 16),
        board_axis_label=_("Week number, the last %(weeks)s weeks") % {"weeks": BOARD_WEEKS},
        board_axis_y=_f(baseline + 36),
        board_total=sum(per_week),
        height=int(height),
    )
    return _with_description(journey, closed=closed, step=current_index + 1)


def _with_description(journey: Journey, *, closed: bool, step: int) -> Journey:
    if closed:
        phase = _("The pilot is closed; it has been through all %(count)s phases.") % {
            "count": len(JOURNEY_PHASES)
        }
    else:
        phase = _("Phase: %(phase)s (%(step)s of %(count)s).") % {
            "phase": journey.current_label,
            "step": step,
            "count": len(JOURNEY_PHASES),
        }
    course = _("Course days held: %(held)s of %(total)s.") % {
        "held": journey.course_days_held,
        "total": journey.course_days_total,
    }
    measures = _("Measures: %(counts)s.") % {
        "counts": ", ".join(f"{bar.label.lower()} {bar.count}" for bar in journey.measures)
    }
    board = ngettext(
        "%(count)s board meeting in the last %(weeks)s weeks",
        "%(count)s board meetings in the last %(weeks)s weeks",
        journey.board_total,
    ) % {"count": journey.board_total, "weeks": BOARD_WEEKS}
    per_week = ", ".join(
        _("week %(week)s: %(count)s") % {"week": week.week_label, "count": week.count}
        for week in journey.weeks
    )
    description = f"{phase} {course} {measures} {board} ({per_week})."
    return Journey(**{**journey.__dict__, "description": description})
