"""The dashboard's charts, which mix training and plans data: attendance per pilot and the
measures by status month by month. The geometry lives with the data's app (`training.charts`,
`plans.charts_bars`); here the dashboard's figures become their groups and series."""

from django.utils.translation import gettext as _

from leanprogram.dashboard import DashboardRow
from training.charts import ShareBar, ShareBarChart, ShareGroup, share_bar_chart


def attendance_per_pilot_chart(
    rows: list[DashboardRow], information: dict[int, tuple[int, int]]
) -> ShareBarChart:
    """Per pilot of the page: the share present of the attendance recorded on course days (as
    the table's column), and of the people recorded at the information meeting, the share
    present at one of its sessions."""
    course_days = _("Course days")
    meeting = _("Information meeting")
    groups = [
        ShareGroup(
            label=row.pilot.department.name,
            bars=[
                ShareBar(course_days, row.attendance_present, row.attendance_recorded),
                ShareBar(meeting, *information.get(row.pilot.pk, (0, 0))),
            ],
        )
        for row in rows
    ]
    return share_bar_chart(
        groups=groups,
        series=[course_days, meeting],
        title=_("Attendance per pilot: share present of those recorded"),
        group_heading=_("Department"),
        chart_id="dashboard-attendance-chart",
    )
