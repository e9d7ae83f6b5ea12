"""Downloads of the exports, by the same access rules as the pages they come from.

Everything the dashboard shows (status, measures) is for whoever sees the pilots; attendance
for those who take it and suggestions (with their authors) for those who answer them: the
programme's people, and a department leader for their own department; gains for those who see
the programme's gains page. A programme or pilot of another municipality is a 404, an export
the person may not have a 403, as on the pages.
"""

import tempfile
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leanprogram.exports import csvfile, tables, xlsx
from pilots.access import Scope, scope_for
from pilots.calendar import local_today
from pilots.cells import CSV_CONTENT_TYPE, ascii_slug
from pilots.models import Pilot, Programme
from pilots.selectors import pilot_get_for_user, pilots_for_user, programme_get_for_user

FORMATS = ("xlsx", "csv")
# In the order the download area lists them.
PROGRAMME_KINDS = ("status", "measures", "attendance", "suggestions", "gains")
PILOT_KINDS = ("measures", "attendance", "suggestions")


def _labels() -> dict[str, str]:
    return {
        "status": _("Programme status"),
        "measures": _("Measures"),
        "attendance": _("Attendance"),
        "suggestions": _("Suggestions"),
        "gains": _("Gains"),
    }


# Who may download what


def _leads_only(scope: Scope) -> bool:
    """A department leader sees attendance and suggestions of the departments they lead only."""
    return not scope.can_manage_programme()


def may_export_programme(scope: Scope, kind: str, programme: Programme) -> bool:
    if kind in ("status", "measures"):
        return True
    if kind in ("attendance", "suggestions"):
        return scope.can_manage_programme() or bool(scope.led_department_ids)
    if kind == "gains":
        return scope.can_view_programme(programme)
    return False


def may_export_pilot(scope: Scope, kind: str, pilot: Pilot) -> bool:
    if kind == "measures":
        return scope.can_view(pilot)
    if kind == "attendance":
        return scope.can_take_attendance(pilot)
    if kind == "suggestions":
        return scope.can_see_suggestion_authors(pilot)
    return False


@dataclass(frozen=True)
class ExportLink:
    label: str
    xlsx_url: str
    csv_url: str


def programme_export_links(user, programme: Programme) -> list[ExportLink]:
    """The programme's exports the user may download, for the dashboard's download area."""
    scope = scope_for(user)
    labels = _labels()
    return [
        ExportLink(
            labels[kind],
            *(
                reverse(
                    "exports:programme_export",
                    kwargs={"programme_pk": programme.pk, "kind": kind, "fmt": fmt},
                )
                for fmt in FORMATS
            ),
        )
        for kind in PROGRAMME_KINDS
        if may_export_programme(scope, kind, programme)
    ]


def pilot_export_links(user, pilot: Pilot) -> list[ExportLink]:
    """The pilot's exports the user may download, for the pilot page."""
    scope = scope_for(user)
    labels = _labels()
    return [
        ExportLink(
            labels[kind],
            *(
                reverse("exports:pilot_export", kwargs={"pk": pilot.pk, "kind": kind, "fmt": fmt})
                for fmt in FORMATS
            ),
        )
        for kind in PILOT_KINDS
        if may_export_pilot(scope, kind, pilot)
    ]


# The table of each export


def _table(kind: str, *, user, pilots, programme: Programme | None) -> tables.Table:
    today = local_today()
    if kind == "status":
        return tables.status_table(pilots, today=today)
    if kind == "measures":
        return tables.measures_table(pilots, today=today)
    if kind == "attendance":
        return tables.attendance_table(pilots)
    if kind == "suggestions":
        return tables.suggestions_table(pilots)
    return tables.gains_table(user=user, programme=programme)


def _download(table: tables.Table, *, fmt: str, name: str, subject: str, author: str):
    filename = f"{name}-{ascii_slug(table.title)}-{local_today():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        # Written row by row to a temporary file, then streamed from it (FileResponse is a
        # StreamingHttpResponse), so neither step holds the whole export in memory.
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        try:
            xlsx.xlsx_write(table, file, subject=subject, creator=author)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = FileResponse(
            file, as_attachment=True, filename=filename, content_type=xlsx.CONTENT_TYPE
        )
    else:
        response = StreamingHttpResponse(csvfile.csv_stream(table), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def programme_export(request, programme_pk: int, kind: str, fmt: str):
    if kind not in PROGRAMME_KINDS or fmt not in FORMATS:
        raise Http404
    programme = programme_get_for_user(request.user, programme_pk)
    scope = scope_for(request.user)
    scope.require(may_export_programme(scope, kind, programme))
    pilots = pilots_for_user(request.user).filter(programme=programme)
    if kind in ("attendance", "suggestions") and _leads_only(scope):
        pilots = pilots.filter(department_id__in=scope.led_department_ids)
    table = _table(kind, user=request.user, pilots=pilots, programme=programme)
    municipality = programme.municipality
    return _download(
        table,
        fmt=fmt,
        name=f"{municipality.slug}-{ascii_slug(programme.name)}",
        subject=programme.name,
        author=municipality.name,
    )


@login_required
@require_GET
def pilot_export(request, pk: int, kind: str, fmt: str):
    if kind not in PILOT_KINDS or fmt not in FORMATS:
        raise Http404
    pilot = pilot_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(may_export_pilot(scope, kind, pilot))
    pilots = pilots_for_user(request.user).filter(pk=pilot.pk)
    table = _table(kind, user=request.user, pilots=pilots, programme=pilot.programme)
    municipality = pilot.programme.municipality
    department = ascii_slug(pilot.department.name) or str(pilot.department_id)
    return _download(
        table,
        fmt=fmt,
        name=f"{municipality.slug}-{department}",
        subject=f"{pilot.programme.name}: {pilot.department.name}",
        author=municipality.name,
    )
