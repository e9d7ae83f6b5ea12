"""The lean coordinators' weekly digest."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from followup.activity import activity_annotate, last_activity
from followup.models import BoardMeeting, FollowUpMeeting, FollowUpPolicy, Reminder
from followup.moments import Holidays
from followup.reminders.context import Context, Due
from followup.reminders.kinds.base import Email, ReminderKind, link, subject_id, weekly
from followup.reminders.kinds.plan_not_submitted import plan_due_on
from pilots.calendar import iso_week_key, local_date
from pilots.collation import norwegian
from pilots.models import Pilot, Programme
from plans.models import Measure, ProjectPlan
from training.models import CourseDay


class CoordinatorDigest(ReminderKind):
    """One e-mail a week to each lean coordinator who receives digests, per programme under way
    (a pilot has course days): what changed, what is overdue, which pilots are quiet. Due on the
    programme's digest day at the send hour; too late once the week is over."""

    kind = Reminder.Kind.COORDINATOR_DIGEST

    def due(self, ctx: Context) -> Iterator[Due]:
        programme_ids = set(
            ctx.pilots()
            .filter(course_days__isnull=False)
            .values_list("programme_id", flat=True)
            .distinct()
            .order_by()
        )
        for programme_id in programme_ids:
            coordinators = [c for c in ctx.coordinators.get(programme_id, []) if c.receives_digests]
            yield from weekly(
                ctx,
                self.kind,
                f"programme:{programme_id}",
                {c.person_id: {programme_id} for c in coordinators},
            )

    def write(self, reminder: Reminder, ctx: Context) -> Email:
        programme = Programme.objects.get(pk=subject_id(reminder))
        policy = ctx.policy(programme.pk)
        week_ago = ctx.now - dt.timedelta(days=7)
        today = ctx.today
        pilot = OuterRef("pk")
        pilots = list(
            activity_annotate(ctx.pilots())
            .filter(programme=programme)
            .select_related("department")
            .annotate(
                last_course_day=Subquery(
                    CourseDay.objects.filter(pilot=pilot).order_by("-date").values("date")[:1]
                ),
                plan_status=F("plan__status"),
                plan_changed_at=F("plan__updated_at"),
                plan_submitted_at=F("plan__submitted_at"),
                plan_approved_at=F("plan__approved_at"),
                plan_returned_at=F("plan__returned_at"),
                measures_changed_at=Subquery(
                    Measure.objects.filter(plan__pilot=pilot)
                    .order_by()
                    .values("plan__pilot")
                    .annotate(last=Max("updated_at"))
                    .values("last")
                ),
                board_meetings_this_week=_count(
                    BoardMeeting.objects.filter(pilot=pilot, held_on__gt=local_date(week_ago))
                ),
                follow_ups_held_this_week=_count(
                    FollowUpMeeting.objects.filter(pilot=pilot, held_on__gt=local_date(week_ago))
                ),
                follow_ups_overdue=_count(
                    FollowUpMeeting.objects.filter(
                        pilot=pilot, held_on__isnull=True, due_on__lt=today
                    )
                ),
                measures_overdue=_count(
                    Measure.objects.overdue(today).filter(plan__pilot=pilot), by="plan__pilot"
                ),
                has_plan=Exists(ProjectPlan.objects.filter(pilot=pilot)),
            )
            .order_by(norwegian("department__name"), "pk")
        )
        changed, overdue, quiet = [], [], []
        quiet_before = ctx.now - dt.timedelta(days=policy.quiet_plan_days)
        for row in pilots:
            entry = {
                "department": row.department.name,
                "link": link("programme:pilot_detail", pk=row.pk),
            }
            news = _news(row, week_ago)
            if news:
                changed.append({**entry, "items": news})
            late = _late(row, today, policy, ctx.holidays(programme.pk))
            if late:
                overdue.append({**entry, "items": late})
            # Quiet by the one definition of activity the quiet-plan reminder uses too.
            activity = last_activity(row, today=today) if row.has_plan else None
            quiet_now = activity is not None and activity.on < local_date(quiet_before)
            if row.phase == Pilot.Phase.FOLLOW_UP and quiet_now:
                quiet.append({**entry, "since": activity.on})
        subject = _("Weekly digest for %(programme)s, %(week)s") % {
            "programme": programme.name,
            "week": _("week %(number)s") % {"number": today.isocalendar().week},
        }
        return Email(
            subject,
            {
                "programme": programme.name,
                "week": iso_week_key(today),
                "changed": changed,
                "overdue": overdue,
                "quiet": quiet,
                "link": link("programme:dashboard"),
                "outbox_link": link("followup:outbox"),
            },
        )


def _count(queryset, by: str = "pilot") -> Coalesce:
    """COUNT(*) of a correlated queryset, as a subquery (joins would multiply each other)."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _news(row: Pilot, week_ago: dt.datetime) -> list[str]:
    news = []
    if row.plan_submitted_at and row.plan_submitted_at >= week_ago:
        news.append(_("plan submitted"))
    if row.plan_approved_at and row.plan_approved_at >= week_ago:
        news.append(_("plan approved"))
    if row.plan_changed_at and row.plan_changed_at >= week_ago and not news:
        news.append(_("plan edited"))
    if row.measures_changed_at and row.measures_changed_at >= week_ago:
        news.append(_("measures updated"))
    if row.board_meetings_this_week:
        news.append(
            ngettext("%(n)d board meeting", "%(n)d board meetings", row.board_meetings_this_week)
            % {"n": row.board_meetings_this_week}
        )
    if row.follow_ups_held_this_week:
        news.append(
            ngettext(
                "%(n)d follow-up meeting held",
                "%(n)d follow-up meetings held",
                row.follow_ups_held_this_week,
            )
            % {"n": row.follow_ups_held_this_week}
        )
    return news


PLAN_NOT_SUBMITTED = (ProjectPlan.Status.DRAFT, ProjectPlan.Status.RETURNED)


def _late(row: Pilot, today: dt.date, policy: FollowUpPolicy, holidays: Holidays) -> list[str]:
    """What is late, by the same due day as the plan reminders (`plan_due_on`)."""
    late = []
    returned = row.plan_status == ProjectPlan.Status.RETURNED
    if row.last_course_day and row.plan_status in (None, *PLAN_NOT_SUBMITTED):
        returned_on = (
            local_date(row.plan_returned_at) if returned and row.plan_returned_at else None
        )
        due_on = plan_due_on(
            policy,
            last_course_day=row.last_course_day,
            returned_on=returned_on,
            holidays=holidays,
        )
        if due_on < today:
            late.append(_("plan not submitted"))
    if row.follow_ups_overdue:
        late.append(
            ngettext(
                "%(n)d follow-up meeting overdue",
                "%(n)d follow-up meetings overdue",
                row.follow_ups_overdue,
            )
            % {"n": row.follow_ups_overdue}
        )
    if row.measures_overdue:
        late.append(
            ngettext(
                "%(n)d measure past its deadline",
                "%(n)d measures past their deadline",
                row.measures_overdue,
            )
            % {"n": row.measures_overdue}
        )
    return late
