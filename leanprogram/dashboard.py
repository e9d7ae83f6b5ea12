"""Reads for the programme dashboard: every pilot the user may see, and the weeks ahead.

Every function starts from pilots the user may see (`pilots.selectors`), and every figure is an
annotation or one query for all rows, so a page costs the same number of queries for two pilots
as for five hundred.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from followup.activity import activity_annotate
from followup.models import FollowUpMeeting, FollowUpPolicy
from pilots.calendar import start_of_local_day
from pilots.collation import norwegian, norwegian_sort_key
from pilots.models import PhaseTarget, Pilot
from pilots.selectors import pilots_for_user
from pilots.services import PHASE_ORDER
from plans.measure_history import MonthState, measure_months
from plans.models import Measure, ProjectPlan, Suggestion
from training.models import Attendance, CourseDay, InformationMeeting


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery.

    A subquery per figure instead of joins: joining course days, attendance, measures and
    follow-ups in one GROUP BY multiplies the rows of each by the others.
    """
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _first(queryset: QuerySet, field_name: str) -> Subquery:
    return Subquery(queryset.values(field_name)[:1])


# The dashboard


def dashboard_pilots_for_user(user, *, phase: str = "") -> QuerySet[Pilot]:
    pilots = pilots_for_user(user)
    return pilots.filter(phase=phase) if phase else pilots


@dataclass(frozen=True)
class NextEvent:
    what: str
    date: dt.date
    starts_at: dt.time | None


@dataclass(frozen=True)
class DashboardRow:
    pilot: Pilot
    next_event: NextEvent | None
    course_days_held: int
    attendance_present: int
    attendance_recorded: int
    plan_status: str | None
    plan_status_label: str
    measures_open: int
    measures_overdue: int
    next_follow_up: dt.date | None
    suggestions_new: int
    suggestions_total: int
    # The programme's target date for the phase the pilot is to reach next, if it has one.
    next_phase: str = ""
    next_phase_target: dt.date | None = None

    @property
    def next_phase_label(self) -> str:
        return Pilot.Phase(self.next_phase).label if self.next_phase else ""

    @property
    def attendance_rate(self) -> int | None:
        """Present as a whole per cent of all attendance recorded on course days."""
        if not self.attendance_recorded:
            return None
        return round(100 * self.attendance_present / self.attendance_recorded)


def _annotate_dashboard(pilots: QuerySet[Pilot], *, today: dt.date) -> QuerySet[Pilot]:
    pilot = OuterRef("pk")
    upcoming_course_days = CourseDay.objects.filter(pilot=pilot, date__gte=today).order_by(
        "date", "starts_at"
    )
    course_attendance = Attendance.objects.filter(course_day__pilot=pilot)
    open_measures = Measure.objects.open().filter(plan__pilot=pilot)
    following_phase = Case(
        *(
            When(phase=current, then=Value(following))
            for current, following in zip(PHASE_ORDER, PHASE_ORDER[1:], strict=False)
        ),
        default=Value(""),
        output_field=CharField(),
    )
    unheld_follow_ups = FollowUpMeeting.objects.filter(pilot=pilot, held_on__isnull=True).order_by(
        "due_on", "pk"
    )
    annotated = activity_annotate(pilots).annotate(
        course_days_total=_count(CourseDay.objects.filter(pilot=pilot)),
        last_course_day=_first(CourseDay.objects.filter(pilot=pilot).order_by("-date"), "date"),
        next_follow_up_pk=_first(unheld_follow_ups, "pk"),
        next_follow_up_label=_first(unheld_follow_ups, "label"),
        plan_submit_days=Coalesce(
            F("programme__follow_up_policy__plan_submit_days"),
            Value(FollowUpPolicy._meta.get_field("plan_submit_days").default),
        ),
        quiet_plan_days=Coalesce(
            F("programme__follow_up_policy__quiet_plan_days"),
            Value(FollowUpPolicy._meta.get_field("quiet_plan_days").default),
        ),
    )
    return annotated.annotate(next_phase=following_phase).annotate(
        next_phase_target=_first(
            PhaseTarget.objects.filter(
                programme_id=OuterRef("programme_id"), phase=OuterRef("next_phase")
            ),
            "reached_by",
        ),
        next_meeting_at=_first(
            InformationMeeting.objects.filter(
                pilot=pilot, starts_at__gte=start_of_local_day(today)
            ).order_by("starts_at"),
            "starts_at",
        ),
        next_course_day_date=_first(upcoming_course_days, "date"),
        next_course_day_starts_at=_first(upcoming_course_days, "starts_at"),
        next_course_day_number=_first(upcoming_course_days, "number"),
        course_days_held=_count(CourseDay.objects.filter(pilot=pilot, date__lt=today)),
        attendance_present=_count(course_attendance.filter(status=Attendance.Status.PRESENT)),
        attendance_recorded=_count(course_attendance),
        measures_open=_count(open_measures),
        measures_overdue=_count(Measure.objects.overdue(today).filter(plan__pilot=pilot)),
        next_follow_up=_first(unheld_follow_ups, "due_on"),
        plan_status=F("plan__status"),
        suggestions_new=_count(
            Suggestion.objects.filter(pilot=pilot, status=Suggestion.Status.NEW)
        ),
        suggestions_total=_count(Suggestion.objects.filter(pilot=pilot)),
    )


def _next_event(pilot: Pilot, *, today: dt.date) -> NextEvent | None:
    candidates = []
    if pilot.next_meeting_at is not None:
        local = timezone.localtime(pilot.next_meeting_at)
        candidates.append(NextEvent(_("Information meeting"), local.date(), local.time()))
    if pilot.next_course_day_date is not None:
        candidates.append(
            NextEvent(
                _("Course day %(number)s") % {"number": pilot.next_course_day_number},
                pilot.next_course_day_date,
                pilot.next_course_day_starts_at,
            )
        )
    if pilot.next_follow_up is not None and pilot.next_follow_up >= today:
        candidates.append(NextEvent(_("Follow-up meeting"), pilot.next_follow_up, None))
    return min(candidates, key=lambda e: (e.date, e.starts_at or dt.time.min), default=None)


# A page of the table and the weeks of the timeline stay bounded, so the dashboard costs the
# same with 20 pilots as with 2,000 (see benchmarks/bench_pages.py).
PILOTS_PER_PAGE = 50
TIMELINE_WEEKS = 12


def dashboard_annotated(pilots: QuerySet[Pilot], *, today: dt.date) -> QuerySet[Pilot]:
    """The pilots in the table's order, each with what the table shows (one query): for a page
    of the dashboard, and for the programme status export, which reads them all."""
    return _annotate_dashboard(pilots, today=today).order_by(
        norwegian("programme__name"), norwegian("department__name"), "pk"
    )


def dashboard_page(pilots: QuerySet[Pilot], *, today: dt.date, page_number) -> Page:
    """One page of pilots, annotated with what the table shows (a count and one query)."""
    annotated = dashboard_annotated(pilots, today=today)
    return Paginator(annotated, PILOTS_PER_PAGE).get_page(page_number)


def dashboard_row(pilot: Pilot, *, today: dt.date) -> DashboardRow:
    """Everything the dashboard table shows of a pilot from `dashboard_annotated`."""
    status = pilot.plan_status
    return DashboardRow(
        pilot=pilot,
        next_event=_next_event(pilot, today=today),
        course_days_held=pilot.course_days_held,
        attendance_present=pilot.attendance_present,
        attendance_recorded=pilot.attendance_recorded,
        plan_status=status,
        plan_status_label=(ProjectPlan.Status(status).label if status else _("no plan")),
        measures_open=pilot.measures_open,
        measures_overdue=pilot.measures_overdue,
        next_follow_up=pilot.next_follow_up,
        suggestions_new=pilot.suggestions_new,
        suggestions_total=pilot.suggestions_total,
        next_phase=pilot.next_phase,
        next_phase_target=pilot.next_phase_target,
    )


def dashboard_rows(page: Page, *, today: dt.date) -> list[DashboardRow]:
    """One row per pilot of the page with everything the dashboard table shows."""
    return [dashboard_row(pilot, today=today) for pilot in page.object_list]


@dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    starts_at: dt.time | None
    ends_at: dt.time | None
    pilot: Pilot
    what: str
    # Formatted once per pilot and once per day, not per entry: a week of 40 pilots' course
    # days holds many entries of the same pilots and days.
    pilot_url: str = ""
    day: str = ""


@dataclass
class TimelineWeek:
    year: int
    week: int
    entries: list[TimelineEntry] = field(default_factory=list)

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)


def dashboard_timeline(pilot_ids: list[int], *, today: dt.date) -> list[TimelineWeek]:
    """Information meetings, course days and follow-up meetings not yet held of the pilots in
    the coming weeks (3 queries)."""
    horizon = today + dt.timedelta(weeks=TIMELINE_WEEKS)
    entries = []
    pilot_urls: dict[int, str] = {}
    days: dict[dt.date, str] = {}

    def shown(pilot_id: int, date: dt.date) -> dict:
        if pilot_id not in pilot_urls:
            pilot_urls[pilot_id] = reverse("programme:pilot_detail", kwargs={"pk": pilot_id})
        if date not in days:
            days[date] = (
                f"{capfirst(date_format(date, 'l'))} {date_format(date, 'SHORT_DATE_FORMAT')}"
            )
        return {"pilot_url": pilot_urls[pilot_id], "day": days[date]}

    meetings = (
        InformationMeeting.objects.filter(
            pilot__in=pilot_ids,
            starts_at__gte=start_of_local_day(today),
            starts_at__lt=start_of_local_day(horizon),
        )
        .select_related("pilot__department")
        .order_by("starts_at")
    )
    for meeting in meetings:
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        entries.append(
            TimelineEntry(
                starts.date(),
                starts.time(),
                ends.time(),
                meeting.pilot,
                _("Information meeting"),
                **shown(meeting.pilot_id, starts.date()),
            )
        )
    course_days = (
        CourseDay.objects.filter(pilot__in=pilot_ids, date__gte=today, date__lt=horizon)
        .select_related("pilot__department")
        .order_by("date", "starts_at")
    )
    for day in course_days:
        entries.append(
            TimelineEntry(
                day.date,
                day.starts_at,
                day.ends_at,
                day.pilot,
                _("Course day %(number)s") % {"number": day.number},
                **shown(day.pilot_id, day.date),
            )
        )
    follow_ups = (
        FollowUpMeeting.objects.filter(
            pilot__in=pilot_ids, held_on__isnull=True, due_on__gte=today, due_on__lt=horizon
        )
        .select_related("pilot__department", "step")
        .order_by("due_on", "pk")
    )
    for meeting in follow_ups:
        entries.append(
            TimelineEntry(
                meeting.due_on,
                None,
                None,
                meeting.pilot,
                _("Follow-up meeting: %(label)s") % {"label": meeting.display_label()},
                **shown(meeting.pilot_id, meeting.due_on),
            )
        )
    entries.sort(
        key=lambda e: (
            e.date,
            e.starts_at or dt.time.min,
            norwegian_sort_key(e.pilot.department.name),
        )
    )
    weeks: list[TimelineWeek] = []
    for entry in entries:
        year, week, _weekday = entry.date.isocalendar()
        if not weeks or (weeks[-1].year, weeks[-1].week) != (year, week):
            weeks.append(TimelineWeek(year, week))
        weeks[-1].entries.append(entry)
    return weeks


# The dashboard's charts


def dashboard_information_attendance(pilot_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Pilot id → (people present at one of its information meeting's sessions, people with
    attendance recorded at any of them), for the pilots given; one query."""
    counted = (
        Attendance.objects.filter(information_meeting__pilot__in=pilot_ids)
        .values("information_meeting__pilot")
        .annotate(
            present=Count("person", distinct=True, filter=Q(status=Attendance.Status.PRESENT)),
            recorded=Count("person", distinct=True),
        )
        .order_by()
    )
    return {row["information_meeting__pilot"]: (row["present"], row["recorded"]) for row in counted}


def dashboard_measure_months(pilots: QuerySet[Pilot], *, today: dt.date) -> list[MonthState]:
    """The measures of all the pilots shown (every page) by status at the end of each month."""
    return measure_months(pilots, today=today)
