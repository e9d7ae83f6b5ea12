"""What the PDF reports read: a fixed number of queries each, however many pilots, measures,
indicators or measurements there are. Every read starts from what the user may see."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pilots.calendar import local_date
from pilots.models import EarlierProcess, Pilot, PilotLessons, Programme, ProgrammeGoal
from pilots.selectors import pilots_for_user
from plans.gains import Gains, PilotGains, programme_gains_rows
from plans.models import Indicator, Measure, Measurement, PlanSnapshot, ProjectPlan
from plans.selectors import PlanPage, plan_page_for_pilot
from training.models import Attendance, CourseDay


def format_day(day: dt.date | dt.datetime | None) -> str:
    """dd.mm.yyyy in every language; an instant is first turned into Norway's date."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = local_date(day)
    return date_format(day, "SHORT_DATE_FORMAT")


# Who approved a plan


@dataclass(frozen=True)
class Approval:
    """Where a plan stands, and its latest approval: when and by whom."""

    status: str
    approved_at: dt.datetime | None = None
    approved_by: str = ""

    @property
    def text(self) -> str:
        status = capfirst(ProjectPlan.Status(self.status).label)
        if self.approved_at is None:
            return status
        values = {
            "date": format_day(self.approved_at),
            "name": self.approved_by or _("unknown"),
            "status": status,
        }
        if self.status == ProjectPlan.Status.APPROVED:
            return _("Approved on %(date)s by %(name)s") % values
        return _("%(status)s (last approved on %(date)s by %(name)s)") % values


def _with_approval(plans: QuerySet[ProjectPlan]) -> QuerySet[ProjectPlan]:
    """Each plan with its latest approval's time and approver, in the same query."""
    latest = PlanSnapshot.objects.filter(plan=OuterRef("pk")).order_by("-approved_at", "-pk")
    return plans.annotate(
        last_approved_at=Subquery(latest.values("approved_at")[:1]),
        approver_name=Subquery(latest.values("approved_by__person__full_name")[:1]),
        approver_username=Subquery(latest.values("approved_by__username")[:1]),
    )


def _approval_of(plan) -> Approval:
    return Approval(
        status=plan.status,
        approved_at=plan.last_approved_at,
        approved_by=plan.approver_name or plan.approver_username or "",
    )


def _measurements_by_indicator(indicators: QuerySet[Indicator]) -> dict[int, list[Measurement]]:
    by_indicator = defaultdict(list)
    for measurement in Measurement.objects.filter(indicator__in=indicators).order_by(
        "indicator_id", "measured_on"
    ):
        by_indicator[measurement.indicator_id].append(measurement)
    return by_indicator


# The plan


@dataclass(frozen=True)
class PlanReport:
    pilot: Pilot
    page: PlanPage | None
    approval: Approval | None
    measurements: dict[int, list[Measurement]] = field(default_factory=dict)


def plan_report_for_pilot(pilot: Pilot, *, today: dt.date) -> PlanReport:
    """The plan page's content, its approval and every indicator's measurements (nine queries).

    The pilot must come through the user's scope (`pilots.selectors.pilot_get_for_user`).
    """
    page = plan_page_for_pilot(pilot, today=today)
    if page is None:
        return PlanReport(pilot=pilot, page=None, approval=None)
    plan = _with_approval(ProjectPlan.objects.filter(pk=page.plan.pk)).get()
    measurements = _measurements_by_indicator(Indicator.objects.filter(plan=plan))
    return PlanReport(
        pilot=pilot, page=page, approval=_approval_of(plan), measurements=measurements
    )


# The programme report


@dataclass
class PilotSummary:
    row: PilotGains
    approval: Approval | None = None
    course_days_held: int = 0
    attendance_present: int = 0
    attendance_recorded: int = 0
    measures: dict[str, int] = field(default_factory=dict)
    measures_overdue: int = 0
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def pilot(self) -> Pilot:
        return self.row.pilot

    @property
    def attendance_rate(self) -> int | None:
        """Present as a whole per cent of all attendance recorded on course days (as on the
        dashboard)."""
        if not self.attendance_recorded:
            return None
        return round(100 * self.attendance_present / self.attendance_recorded)


@dataclass(frozen=True)
class Lesson:
    """One source of lessons and what it says, as labelled parts ("Outcome", "Lessons learned")."""

    heading: str
    parts: list[tuple[str, str]]


@dataclass(frozen=True)
class ProgrammeReport:
    programme: Programme
    goals: list[ProgrammeGoal]
    pilots: list[PilotSummary]
    total: Gains
    lessons: list[Lesson]
    measurements: dict[int, list[Measurement]]

    @property
    def plans_approved(self) -> int:
        return sum(
            1
            for summary in self.pilots
            if summary.approval and summary.approval.status == ProjectPlan.Status.APPROVED
        )


def _lessons(programme: Programme) -> list[Lesson]:
    """The lessons the report ends with: what the programme's own pilots wrote when they came to
    run on their own, then the municipality's earlier processes (two queries)."""
    lessons = []
    written = (
        PilotLessons.objects.filter(pilot__programme=programme)
        .select_related("pilot__department")
        .order_by("pilot__department__name", "pk")
    )
    for entry in written:
        parts = [
            (label, text.strip())
            for label, text in (
                (_("What worked"), entry.what_worked),
                (_("What did not work"), entry.what_did_not_work),
                (_("Advice to the next department"), entry.advice),
            )
            if text.strip()
        ]
        if parts:
            lessons.append(Lesson(heading=entry.pilot.department.name, parts=parts))
    processes = EarlierProcess.objects.filter(
        municipality_id=programme.municipality_id
    ).select_related("department")
    for process in processes.order_by("-year", "title", "pk"):
        heading = f"{process.title} ({process.year})"
        if process.department is not None:
            heading = f"{heading}, {process.department.name}"
        parts = [
            (label, text.strip())
            for label, text in (
                (_("Outcome"), process.outcome),
                (_("Lessons learned"), process.lessons_learned),
            )
            if text.strip()
        ]
        if parts:
            lessons.append(Lesson(heading=heading, parts=parts))
    return lessons


def programme_report(*, user, programme: Programme, today: dt.date) -> ProgrammeReport:
    """Everything the programme report shows, for the pilots of the programme the user may see
    (twelve queries)."""
    rows, total = programme_gains_rows(user=user, programme=programme)
    summaries = {row.pilot.pk: PilotSummary(row=row) for row in rows}
    pilots = pilots_for_user(user).filter(programme=programme).values("pk")

    plans = _with_approval(ProjectPlan.objects.filter(pilot__in=pilots))
    for plan in plans:
        summaries[plan.pilot_id].approval = _approval_of(plan)

    attendance = (
        Attendance.objects.filter(course_day__pilot__in=pilots)
        .values("course_day__pilot")
        .annotate(
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)), recorded=Count("pk")
        )
        .order_by()
    )
    for counts in attendance:
        summary = summaries[counts["course_day__pilot"]]
        summary.attendance_present = counts["present"]
        summary.attendance_recorded = counts["recorded"]

    held = (
        CourseDay.objects.filter(pilot__in=pilots, date__lt=today)
        .values("pilot")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for counts in held:
        summaries[counts["pilot"]].course_days_held = counts["n"]

    measures = Measure.objects.filter(plan__pilot__in=pilots)
    for counts in measures.values("plan__pilot", "status").annotate(n=Count("pk")).order_by():
        summaries[counts["plan__pilot"]].measures[counts["status"]] = counts["n"]
    overdue = measures.overdue(today).values("plan__pilot").annotate(n=Count("pk")).order_by()
    for counts in overdue:
        summaries[counts["plan__pilot"]].measures_overdue = counts["n"]

    indicators = Indicator.objects.filter(plan__pilot__in=pilots).select_related("plan")
    for indicator in indicators.order_by("plan__pilot", "name", "pk"):
        summaries[indicator.plan.pilot_id].indicators.append(indicator)
    measurements = _measurements_by_indicator(Indicator.objects.filter(plan__pilot__in=pilots))

    return ProgrammeReport(
        programme=programme,
        goals=list(programme.goals.order_by("order", "pk")),
        pilots=list(summaries.values()),
        total=total,
        lessons=_lessons(programme),
        measurements=measurements,
    )
