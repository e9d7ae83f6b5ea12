"""The e-mail of each reminder kind, written in the recipient's language with a direct link."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from followup.models import BoardMeeting, FollowUpMeeting, Reminder
from followup.reminders.kinds import OPEN_MEASURE_STATUSES, Context
from pilots.calendar import OSLO, iso_week_key, local_date, local_moment
from pilots.models import DepartmentRole, Person, Pilot, Programme
from plans.models import Measure, ProjectPlan
from training.models import CourseDay, InformationMeeting

Kind = Reminder.Kind


def link(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


@dataclass
class Written:
    subject: str
    template: str
    context: dict


def reminder_message(reminder: Reminder, *, ctx: Context) -> EmailMessage:
    """The reminder's e-mail in the recipient's language (Content-Language says which)."""
    recipient = reminder.recipient
    with translation.override(recipient.language):
        written = WRITERS[reminder.kind](reminder, ctx)
        context = {"recipient": recipient, "reminder": reminder, **written.context}
        body = render_to_string(f"followup/email/{written.template}.txt", context)
        return EmailMessage(
            subject=written.subject,
            body=body,
            to=[recipient.email],
            headers={
                "Content-Language": translation.get_language(),
                # RFC 3834: out-of-office replies should not answer a machine.
                "Auto-Submitted": "auto-generated",
            },
        )


def _subject_id(reminder: Reminder) -> int:
    return int(reminder.subject_key.split(":", 1)[1])


def _department(reminder: Reminder) -> str:
    return reminder.pilot.department.name


def _event(reminder: Reminder) -> dict:
    if reminder.subject_key.startswith("courseday:"):
        day = CourseDay.objects.get(pk=_subject_id(reminder))
        return {
            "is_course_day": True,
            "number": day.number,
            "date": day.date,
            "starts_at": local_moment(day.date, day.starts_at),
            "ends_at": local_moment(day.date, day.ends_at),
            "place": day.place,
            "topic": day.topic,
        }
    meeting = InformationMeeting.objects.get(pk=_subject_id(reminder))
    return {
        "is_course_day": False,
        "date": local_date(meeting.starts_at),
        "starts_at": meeting.starts_at.astimezone(OSLO),
        "ends_at": meeting.ends_at.astimezone(OSLO),
        "place": meeting.place,
        "topic": "",
    }


def _event_coming(reminder: Reminder, ctx: Context) -> Written:
    event = _event(reminder)
    values = {"number": event.get("number"), "department": _department(reminder)}
    if event["is_course_day"]:
        subject = _("Reminder: course day %(number)s for %(department)s") % values
    else:
        subject = _("Reminder: information meeting for %(department)s") % values
    return Written(
        subject,
        "event_coming",
        {
            **event,
            "department": _department(reminder),
            "link": link("pilots:pilot_detail", pk=reminder.pilot_id),
        },
    )


def _absence(reminder: Reminder, ctx: Context) -> Written:
    event = _event(reminder)
    if event["is_course_day"]:
        subject = _("We missed you at course day %(number)s") % {"number": event["number"]}
    else:
        subject = _("We missed you at the information meeting")
    return Written(
        subject,
        "absence",
        {
            **event,
            "department": _department(reminder),
            "link": link("pilots:pilot_detail", pk=reminder.pilot_id),
        },
    )


def _plan_context(reminder: Reminder, ctx: Context) -> dict:
    policy = ctx.policy(reminder.pilot.programme_id)
    last_course_day = dt.date.fromisoformat(reminder.period)
    due_on = last_course_day + dt.timedelta(days=policy.plan_submit_days)
    leaders = Person.objects.filter(
        department_roles__department_id=reminder.pilot.department_id,
        department_roles__role=DepartmentRole.Role.DEPARTMENT_LEADER,
    ).order_by("full_name")
    return {
        "department": _department(reminder),
        "last_course_day": last_course_day,
        "due_on": due_on,
        "days_late": (ctx.today - due_on).days,
        "leaders": [leader.full_name for leader in leaders],
        "link": link("plans:plan_detail", pilot_pk=reminder.pilot_id),
    }


def _plan_not_submitted(reminder: Reminder, ctx: Context) -> Written:
    subject = _("The project plan for %(department)s is not submitted yet") % {
        "department": _department(reminder)
    }
    return Written(subject, "plan_not_submitted", _plan_context(reminder, ctx))


def _plan_escalation(reminder: Reminder, ctx: Context) -> Written:
    subject = _("Still no project plan from %(department)s") % {"department": _department(reminder)}
    return Written(subject, "plan_not_submitted_escalation", _plan_context(reminder, ctx))


def _follow_up_context(reminder: Reminder) -> dict:
    meeting = FollowUpMeeting.objects.select_related("step").get(pk=_subject_id(reminder))
    return {
        "department": _department(reminder),
        "meeting_label": meeting.display_label(),
        "due_on": meeting.due_on,
        "link": link("followup:pilot_follow_up", pilot_pk=reminder.pilot_id),
    }


def _follow_up_due(reminder: Reminder, ctx: Context) -> Written:
    context = _follow_up_context(reminder)
    subject = _("Follow-up meeting for %(department)s due %(date)s") % {
        "department": context["department"],
        "date": date_format(context["due_on"], "SHORT_DATE_FORMAT"),
    }
    return Written(subject, "follow_up_due", context)


def _follow_up_overdue(reminder: Reminder, ctx: Context) -> Written:
    context = _follow_up_context(reminder)
    subject = _("Overdue follow-up meeting: %(department)s") % {"department": context["department"]}
    return Written(subject, "follow_up_overdue", context)


def _plan_quiet(reminder: Reminder, ctx: Context) -> Written:
    subject = _("The project plan for %(department)s is going quiet") % {
        "department": _department(reminder)
    }
    since = dt.date.fromisoformat(reminder.period)
    return Written(
        subject,
        "plan_quiet",
        {
            "department": _department(reminder),
            "since": since,
            "days": (ctx.today - since).days,
            "link": link("plans:plan_board", pilot_pk=reminder.pilot_id),
        },
    )


def _measure_rows(measures) -> list[dict]:
    return [
        {
            "title": measure.title,
            "owner": measure.owner.full_name if measure.owner else "",
            "department": measure.plan.pilot.department.name,
            "deadline": measure.deadline,
            "link": link("plans:plan_board", pilot_pk=measure.plan.pilot_id),
        }
        for measure in measures
    ]


def _measures_overdue(reminder: Reminder, ctx: Context) -> Written:
    recipient = reminder.recipient
    overdue = (
        Measure.objects.filter(
            plan__pilot__in=ctx.pilots(),
            status__in=OPEN_MEASURE_STATUSES,
            deadline__lt=ctx.today,
        )
        .select_related("owner", "plan__pilot__department")
        .order_by("deadline", "title")
    )
    own = overdue.filter(owner=recipient)
    led = DepartmentRole.objects.filter(
        person=recipient, role=DepartmentRole.Role.DEPARTMENT_LEADER
    ).values("department_id")
    department = overdue.filter(plan__pilot__department_id__in=led).exclude(owner=recipient)
    own_rows, department_rows = _measure_rows(own), _measure_rows(department)
    count = len(own_rows) + len(department_rows)
    subject = ngettext(
        "Weekly digest: %(count)d measure past its deadline",
        "Weekly digest: %(count)d measures past their deadline",
        count,
    ) % {"count": count}
    return Written(
        subject,
        "measures_overdue",
        {"own": own_rows, "department": department_rows, "today": ctx.today},
    )


def _count(queryset, by: str = "pilot") -> Coalesce:
    """COUNT(*) of a correlated queryset, as a subquery (joins would multiply each other)."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _coordinator_digest(reminder: Reminder, ctx: Context) -> Written:
    programme = Programme.objects.get(pk=_subject_id(reminder))
    policy = ctx.policy(programme.pk)
    week_ago = ctx.now - dt.timedelta(days=7)
    today = ctx.today
    pilot = OuterRef("pk")
    pilots = list(
        ctx.pilots()
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
                FollowUpMeeting.objects.filter(pilot=pilot, held_on__isnull=True, due_on__lt=today)
            ),
            measures_overdue=_count(
                Measure.objects.filter(
                    plan__pilot=pilot, status__in=OPEN_MEASURE_STATUSES, deadline__lt=today
                ),
                by="plan__pilot",
            ),
            has_plan=Exists(ProjectPlan.objects.filter(pilot=pilot)),
        )
        .order_by("department__name")
    )
    changed, overdue, quiet = [], [], []
    quiet_before = ctx.now - dt.timedelta(days=policy.quiet_plan_days)
    for row in pilots:
        entry = {
            "department": row.department.name,
            "link": link("pilots:pilot_detail", pk=row.pk),
        }
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
                ngettext(
                    "%(n)d board meeting", "%(n)d board meetings", row.board_meetings_this_week
                )
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
        if news:
            changed.append({**entry, "items": news})

        late = []
        if (
            row.last_course_day
            and row.plan_status in (None, ProjectPlan.Status.DRAFT)
            and row.last_course_day + dt.timedelta(days=policy.plan_submit_days) < today
        ):
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
        if late:
            overdue.append({**entry, "items": late})

        if row.phase == Pilot.Phase.FOLLOW_UP and row.plan_changed_at:
            last_change = max(row.plan_changed_at, row.measures_changed_at or row.plan_changed_at)
            if last_change < quiet_before:
                quiet.append({**entry, "since": local_date(last_change)})
    subject = _("Weekly digest for %(programme)s, %(week)s") % {
        "programme": programme.name,
        "week": _("week %(number)s") % {"number": today.isocalendar().week},
    }
    return Written(
        subject,
        "coordinator_digest",
        {
            "programme": programme.name,
            "week": iso_week_key(today),
            "changed": changed,
            "overdue": overdue,
            "quiet": quiet,
            "link": link("pilots:dashboard"),
            "outbox_link": link("followup:outbox"),
        },
    )


WRITERS: dict[str, Callable[[Reminder, Context], Written]] = {
    Kind.EVENT_COMING: _event_coming,
    Kind.ABSENCE: _absence,
    Kind.PLAN_NOT_SUBMITTED: _plan_not_submitted,
    Kind.PLAN_NOT_SUBMITTED_ESCALATION: _plan_escalation,
    Kind.FOLLOW_UP_DUE: _follow_up_due,
    Kind.FOLLOW_UP_OVERDUE: _follow_up_overdue,
    Kind.MEASURES_OVERDUE: _measures_overdue,
    Kind.PLAN_QUIET: _plan_quiet,
    Kind.COORDINATOR_DIGEST: _coordinator_digest,
}
