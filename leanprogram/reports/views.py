"""PDF downloads: a pilot's project plan, and the programme report for the management.

Each is made on the request, in the requester's language, from the same reads and the same
number rules as the pages; the objects come through the user's scope, so a foreign id is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from leanprogram.reports.pdfs import plan_pdf, plan_title, programme_pdf, programme_title
from leanprogram.reports.selectors import plan_report_for_pilot, programme_report
from pilots.access import scope_for
from pilots.selectors import pilot_get_for_user, programme_get_for_user

_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def _filename(title: str) -> str:
    """ "Prosjektplan, Omsorg Sør" on 1 March 2027 → "prosjektplan-omsorg-sor-2027-03-01.pdf"."""
    stem = slugify(title.translate(_ASCII))[:80].strip("-") or "report"
    return f"{stem}-{timezone.localdate().isoformat()}.pdf"


def _pdf_response(content: bytes, title: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(title)}"'
    # The plan names people; no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def plan_pdf_download(request, pilot_pk: int):
    """The plan as it stands, for everyone who may read the plan page."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    report = plan_report_for_pilot(pilot, today=timezone.localdate())
    return _pdf_response(plan_pdf(report), plan_title(pilot))


@login_required
@require_GET
def programme_report_download(request, pk: int):
    """The programme's goals, gains, attendance, measures, run charts and lessons: the
    coordinators' and guides' report to the management."""
    programme = programme_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_view_programme(programme))
    report = programme_report(user=request.user, programme=programme, today=timezone.localdate())
    return _pdf_response(programme_pdf(report), programme_title(programme))
