"""The pages `make bench` measures on a generated data set, each with the login that opens it.

A leader's pages are those of the first pilot in follow-up of Kommune 001 (the pilot of the
`skala-leder` login); the coordinator's are the programme-wide pages and the admin's lists.
"""

from dataclasses import dataclass

from django.urls import reverse

from leanprogram.scale_data.build import COORDINATOR, LEADER
from pilots.models import Pilot


@dataclass(frozen=True)
class BenchPage:
    name: str
    username: str
    url: str


def bench_pages(*, using: str = "default") -> list[BenchPage]:
    pilot = (
        Pilot.objects.using(using)
        .filter(department__roles__person__user__username=LEADER)
        .select_related("department")
        .get()
    )
    return [
        BenchPage("dashboard", COORDINATOR, reverse("programme:dashboard")),
        BenchPage("pilot", COORDINATOR, reverse("programme:pilot_detail", args=[pilot.pk])),
        BenchPage("plan", LEADER, reverse("plans:plan_detail", args=[pilot.pk])),
        BenchPage("board", LEADER, reverse("plans:plan_board", args=[pilot.pk])),
        BenchPage(
            "attendance summary",
            COORDINATOR,
            reverse("training:attendance_summary", args=[pilot.pk]),
        ),
        BenchPage("staff list", LEADER, reverse("pilots:staff_list", args=[pilot.department_id])),
        BenchPage("outbox", COORDINATOR, reverse("followup:outbox")),
        BenchPage(
            "gains", COORDINATOR, reverse("plans:programme_gains", args=[pilot.programme_id])
        ),
        BenchPage("my tasks", LEADER, reverse("my_tasks")),
        BenchPage("admin people", COORDINATOR, reverse("admin:pilots_person_changelist")),
        BenchPage("admin reminders", COORDINATOR, reverse("admin:followup_reminder_changelist")),
        BenchPage("admin attendance", COORDINATOR, reverse("admin:training_attendance_changelist")),
        BenchPage("admin measures", COORDINATOR, reverse("admin:plans_measure_changelist")),
    ]
