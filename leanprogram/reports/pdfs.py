"""The two PDFs: a pilot's project plan, and the programme report for the management.

Both are drawn in the active language with the pages' own numbers (`pilots.fte`), dates
(dd.mm.yyyy) and run charts (`plans.charts`), from what `leanprogram.reports.selectors` read.
"""

from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leanprogram.reports.document import Column, ReportDocument, shorten
from leanprogram.reports.selectors import PlanReport, ProgrammeReport, format_day
from pilots.calendar import local_today
from pilots.fte import format_fte, format_hours, format_number
from pilots.models import Programme
from plans.charts import run_chart
from plans.models import Measure, ProjectPlan

DASH = "–"
# A department's heading stays with the top of its first run chart.
CHART_KEEP = 60


def _document(*, municipality: str, title: str, header_lines: list[str]) -> ReportDocument:
    return ReportDocument(
        municipality=municipality,
        date_text=format_day(local_today()),
        title=title,
        header_lines=header_lines,
        language=get_language() or "nb",
    )


def _field_label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _chart(indicator, measurements):
    return run_chart(
        points=[(m.measured_on, m.value) for m in measurements],
        baseline=indicator.baseline,
        target=indicator.target,
        title=_("Run chart: %(indicator)s") % {"indicator": indicator.name},
        unit=indicator.unit,
        chart_id=f"indicator-{indicator.pk}-chart",
    )


def _draw_chart(doc: ReportDocument, indicator, measurements) -> None:
    chart = _chart(indicator, measurements)
    doc.heading(chart.title, level=3, keep=doc.chart_height(chart))
    doc.chart(chart)


def _gains_note(programme) -> str:
    return _(
        "One full-time equivalent is %(hours)s hours per week. Dropped measures are not counted."
    ) % {"hours": format_hours(programme.hours_per_fte_week)}


# The project plan


def plan_title(pilot) -> str:
    return _("Project plan, %(department)s") % {"department": pilot.department.name}


def plan_pdf(report: PlanReport) -> bytes:
    pilot, page = report.pilot, report.page
    programme = pilot.programme
    title = plan_title(pilot)
    status = (
        _("Plan status: %(approval)s") % {"approval": report.approval.text}
        if report.approval
        else _("No plan yet.")
    )
    doc = _document(municipality=programme.municipality.name, title=title, header_lines=[status])
    doc.document_heading(title, programme.name)
    if page is None:
        doc.paragraph(
            _("No plan yet.")
            + " "
            + _("The department leader starts the plan, usually during the course days.")
        )
        return doc.render()
    plan = page.plan
    facts = [status]
    if plan.starts_on:
        facts.append(f"{_field_label(ProjectPlan, 'starts_on')}: {format_day(plan.starts_on)}")
    doc.paragraph(" · ".join(facts))
    if plan.status == ProjectPlan.Status.RETURNED and plan.return_comment:
        doc.heading(_("Returned with a comment"), level=2)
        doc.paragraph(plan.return_comment)
    if plan.status == ProjectPlan.Status.APPROVED and plan.approval_comment:
        doc.heading(_("Comment on the approval"), level=2)
        doc.paragraph(plan.approval_comment)

    doc.heading(_("Quality goals"))
    if page.goals:
        doc.items(
            [
                goal.text
                + (
                    "\n"
                    + _("Serves the programme goal: %(goal)s") % {"goal": goal.programme_goal.text}
                    if goal.programme_goal
                    else ""
                )
                for goal in page.goals
            ]
        )
    else:
        doc.paragraph(_("No quality goals yet."), muted=True)

    doc.heading(_("Current state"))
    doc.paragraph(plan.current_state or _("Not described yet."), muted=not plan.current_state)

    doc.heading(_("Waste found"))
    if page.wastes:
        doc.items(
            [
                capfirst(waste.get_kind_display())
                + (f": {waste.description}" if waste.description else "")
                for waste in page.wastes
            ]
        )
    else:
        doc.paragraph(_("No waste recorded yet."), muted=True)

    doc.heading(_("Root causes"))
    for cause in page.root_causes:
        doc.heading(cause.problem, level=3)
        if cause.why_list:
            doc.paragraph(_("Why? (five whys)"))
            doc.items(cause.why_list, numbered=True)
        doc.paragraph(f"{_('Root cause:')} {cause.root_cause}")
    if not page.root_causes:
        doc.paragraph(_("No root causes yet."), muted=True)

    doc.heading(_("Future state"))
    doc.paragraph(plan.future_state or _("Not described yet."), muted=not plan.future_state)

    doc.heading(_("Measures"))
    if page.measures:
        doc.data_table(
            [
                Column(_("Measure"), 0.34),
                Column(_("Owner"), 0.16),
                Column(_("Deadline"), 0.12),
                Column(_("Status"), 0.12),
                Column(_("Hours per week identified"), 0.13, "RIGHT"),
                Column(_("Hours per week realised"), 0.13, "RIGHT"),
            ],
            [_measure_row(measure) for measure in page.measures],
        )
    else:
        doc.paragraph(_("No measures yet."), muted=True)

    doc.heading(_("Indicators"))
    if page.indicators:
        doc.data_table(
            [
                Column(_("Indicator"), 0.3),
                Column(_("Unit"), 0.12),
                Column(_("Baseline"), 0.17, "RIGHT"),
                Column(_("Target"), 0.13, "RIGHT"),
                Column(_("Latest measurement"), 0.28),
            ],
            [
                [
                    indicator.name,
                    indicator.unit,
                    format_number(indicator.baseline),
                    format_number(indicator.target),
                    f"{format_number(indicator.latest_value)} ({format_day(indicator.latest_on)})"
                    if indicator.latest_on
                    else _("No measurements yet"),
                ]
                for indicator in page.indicators
            ],
        )
        for indicator in page.indicators:
            _draw_chart(doc, indicator, report.measurements.get(indicator.pk, []))
    else:
        doc.paragraph(_("No indicators yet."), muted=True)

    doc.heading(_("Gains"))
    hours_per_fte = programme.hours_per_fte_week
    doc.data_table(
        [
            Column(_("Gain"), 0.4),
            Column(_("Hours per week"), 0.3, "RIGHT"),
            Column(_("Full-time equivalents"), 0.3, "RIGHT"),
        ],
        [
            [
                _("Identified"),
                format_hours(page.gains.hours_identified),
                format_fte(page.gains.hours_identified, hours_per_fte),
            ],
            [
                _("Realised"),
                format_hours(page.gains.hours_realised),
                format_fte(page.gains.hours_realised, hours_per_fte),
            ],
        ],
    )
    doc.paragraph(_gains_note(programme), muted=True, size=9)
    return doc.render()


def _measure_row(measure: Measure) -> list[str]:
    what = [measure.title]
    if measure.description:
        what.append(shorten(measure.description, 400))
    what.append(
        f"{_('Effort')}: {measure.get_effort_display()} · "
        f"{_('Effect')}: {measure.get_effect_display()}"
    )
    deadline = format_day(measure.deadline) or DASH
    if measure.overdue:
        deadline = f"{deadline}\n{_('Overdue')}"
    return [
        "\n".join(what),
        measure.owner.full_name if measure.owner else DASH,
        deadline,
        capfirst(measure.get_status_display()),
        format_hours(measure.hours_identified_per_week),
        format_hours(measure.hours_realised_per_week),
    ]


# The programme report


def programme_title(programme) -> str:
    return _("Programme report, %(programme)s") % {"programme": programme.name}


def programme_pdf(report: ProgrammeReport) -> bytes:
    programme = report.programme
    title = programme_title(programme)
    approved = _("Plans approved: %(approved)s of %(pilots)s") % {
        "approved": report.plans_approved,
        "pilots": len(report.pilots),
    }
    doc = _document(municipality=programme.municipality.name, title=title, header_lines=[approved])
    period = f"{_field_label(Programme, 'starts_on')}: {format_day(programme.starts_on)}"
    if programme.ends_on:
        period = f"{period} · {_field_label(Programme, 'ends_on')}: {format_day(programme.ends_on)}"
    doc.document_heading(title, period)
    if programme.description:
        doc.paragraph(programme.description)

    doc.heading(_("Programme goals"))
    if report.goals:
        doc.items([goal.text for goal in report.goals], numbered=True)
    else:
        doc.paragraph(_("The programme has no goals yet."), muted=True)

    hours_per_fte = programme.hours_per_fte_week
    doc.heading(_("Gains"))
    doc.paragraph(
        _(
            "Identified hours are what the measures are expected to free; realised hours are "
            "documented as moved to other value-creating work."
        )
    )
    gains_rows = [
        [
            summary.pilot.department.name,
            format_hours(summary.row.gains.hours_identified),
            format_hours(summary.row.gains.hours_realised),
            format_fte(summary.row.gains.hours_identified, hours_per_fte),
            format_fte(summary.row.gains.hours_realised, hours_per_fte),
        ]
        for summary in report.pilots
    ]
    gains_rows.append(
        [
            _("Programme total"),
            format_hours(report.total.hours_identified),
            format_hours(report.total.hours_realised),
            format_fte(report.total.hours_identified, hours_per_fte),
            format_fte(report.total.hours_realised, hours_per_fte),
        ]
    )
    doc.data_table(
        [
            Column(_("Department"), 0.32),
            Column(_("Hours per week identified"), 0.17, "RIGHT"),
            Column(_("Hours per week realised"), 0.17, "RIGHT"),
            Column(_("FTE identified"), 0.17, "RIGHT"),
            Column(_("FTE realised"), 0.17, "RIGHT"),
        ],
        gains_rows,
        bold_last=True,
    )
    doc.paragraph(_gains_note(programme), muted=True, size=9)

    doc.heading(_("Project plans"))
    doc.data_table(
        [Column(_("Department"), 0.4), Column(_("Plan status"), 0.6)],
        [
            [
                summary.pilot.department.name,
                summary.approval.text if summary.approval else _("No plan yet."),
            ]
            for summary in report.pilots
        ],
    )

    doc.heading(_("Attendance"))
    doc.paragraph(_("Attendance on the course days, as recorded."), muted=True, size=9)
    doc.data_table(
        [
            Column(_("Department"), 0.4),
            Column(_("Course days held"), 0.2, "RIGHT"),
            Column(_("Present"), 0.2, "RIGHT"),
            Column(_("Attendance"), 0.2, "RIGHT"),
        ],
        [
            [
                summary.pilot.department.name,
                str(summary.course_days_held),
                _("%(present)s of %(recorded)s")
                % {
                    "present": summary.attendance_present,
                    "recorded": summary.attendance_recorded,
                },
                f"{summary.attendance_rate} %" if summary.attendance_rate is not None else DASH,
            ]
            for summary in report.pilots
        ],
    )

    doc.heading(_("Measures by status"))
    statuses = list(Measure.Status)
    share = 0.6 / (len(statuses) + 1)
    rows = []
    totals = [0] * (len(statuses) + 1)
    for summary in report.pilots:
        counts = [summary.measures.get(status, 0) for status in statuses]
        counts.append(summary.measures_overdue)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append([summary.pilot.department.name, *map(str, counts)])
    rows.append([_("Programme total"), *map(str, totals)])
    doc.data_table(
        [
            Column(_("Department"), 0.4),
            *(Column(capfirst(status.label), share, "RIGHT") for status in statuses),
            Column(_("Overdue"), share, "RIGHT"),
        ],
        rows,
        bold_last=True,
    )

    doc.heading(_("Run charts"))
    charted = False
    for summary in report.pilots:
        if not summary.indicators:
            continue
        charted = True
        doc.heading(summary.pilot.department.name, level=2, keep=CHART_KEEP)
        for indicator in summary.indicators:
            _draw_chart(doc, indicator, report.measurements.get(indicator.pk, []))
    if not charted:
        doc.paragraph(_("No indicators yet."), muted=True)

    doc.heading(_("Lessons learned"))
    for lesson in report.lessons:
        doc.heading(lesson.heading, level=3)
        for label, text in lesson.parts:
            doc.paragraph(label, bold=True, size=9)
            doc.paragraph(text)
    if not report.lessons:
        doc.paragraph(_("No lessons recorded yet."), muted=True)
    return doc.render()
