"""The learning library's pages: the list with its search, the detail pages, curating the
earlier processes (coordinators), importing them, and writing a pilot's lessons.

Everyone with a role in the municipality reads; another municipality's entries are not found.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilots.access import scope_for
from pilots.library import (
    KIND_LESSONS,
    LibraryFilters,
    earlier_process_delete,
    earlier_process_save,
    earlier_processes_for_user,
    lessons_for_user,
    library_entries,
    library_service_areas,
    pilot_lessons_of,
    pilot_lessons_save,
    uses_full_text_search,
)
from pilots.library_forms import (
    EarlierProcessForm,
    LibraryImportConfirmForm,
    LibraryImportForm,
    LibrarySearchForm,
    PilotLessonsForm,
)
from pilots.library_import import (
    ImportFile,
    LibraryImportFileError,
    LibraryImportInvalid,
    LibraryImportPreview,
    library_import_apply,
    library_import_preview,
    library_import_read,
    library_import_template,
)
from pilots.models import EarlierProcess
from pilots.selectors import pilot_get_for_user

ENTRIES_PER_PAGE = 20
IMPORT_SALT = "pilots.library_import"
# Long enough to read the preview, short enough that a forgotten tab does not import stale data.
IMPORT_MAX_AGE = 60 * 60


def _require_reader(request):
    scope = scope_for(request.user)
    scope.require(scope.can_read_library())
    return scope


def _require_curator(request) -> int:
    """The municipality the user curates the library of; 403 for anyone else."""
    scope = scope_for(request.user)
    scope.require(scope.can_curate_library(municipality_id=scope.municipality_id))
    return scope.municipality_id


def _process_to_curate(request, pk: int) -> EarlierProcess:
    process = get_object_or_404(earlier_processes_for_user(request.user), pk=pk)
    scope = scope_for(request.user)
    scope.require(scope.can_curate_library(municipality_id=process.municipality_id))
    return process


@login_required
@require_GET
def library(request):
    """Every earlier process and every pilot's lessons: search, filter, read."""
    scope = _require_reader(request)
    form = LibrarySearchForm(request.GET or None, service_areas=library_service_areas(request.user))
    context = {
        "form": form,
        "can_curate": scope.can_curate_library(municipality_id=scope.municipality_id),
        "full_text": uses_full_text_search(),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "pilots/library.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    filters = LibraryFilters(
        text=(data.get("q") or "").strip(),
        service_area=data.get("service_area") or "",
        year=data.get("year"),
        outcome=data.get("outcome") or "",
    )
    page = Paginator(library_entries(request.user, filters=filters), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        page=page,
        filters=filters,
        searching=any((filters.text, filters.service_area, filters.year, filters.outcome)),
        query=query.urlencode(),
        outcome_labels=dict(EarlierProcess.Outcome.choices),
        kind_lessons=KIND_LESSONS,
    )
    return render(request, "pilots/library.html", context)


@login_required
@require_GET
def earlier_process_detail(request, pk: int):
    scope = _require_reader(request)
    process = get_object_or_404(earlier_processes_for_user(request.user), pk=pk)
    return render(
        request,
        "pilots/library_process.html",
        {
            "process": process,
            "can_curate": scope.can_curate_library(municipality_id=process.municipality_id),
        },
    )


@login_required
@require_GET
def lessons_detail(request, pk: int):
    scope = _require_reader(request)
    lessons = get_object_or_404(lessons_for_user(request.user), pk=pk)
    pilot = lessons.pilot
    return render(
        request,
        "pilots/library_lessons.html",
        {
            "lessons": lessons,
            "pilot": pilot,
            "can_view_pilot": scope.can_view(pilot),
            "can_write": scope.can_write_lessons(pilot),
        },
    )


def _process_page(request, *, process: EarlierProcess | None, municipality_id: int):
    form = EarlierProcessForm(
        request.POST if request.method == "POST" else None,
        instance=process,
        municipality_id=municipality_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = earlier_process_save(user=request.user, process=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("pilots:earlier_process_detail", pk=saved.pk)
    return render(
        request,
        "pilots/library_process_form.html",
        {"form": form, "process": process},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def earlier_process_create(request):
    municipality_id = _require_curator(request)
    return _process_page(request, process=None, municipality_id=municipality_id)


@login_required
@require_http_methods(["GET", "POST"])
def earlier_process_edit(request, pk: int):
    process = _process_to_curate(request, pk)
    return _process_page(request, process=process, municipality_id=process.municipality_id)


@login_required
@require_POST
def earlier_process_remove(request, pk: int):
    process = _process_to_curate(request, pk)
    earlier_process_delete(user=request.user, process=process)
    messages.success(
        request, _("“%(title)s” is deleted from the library.") % {"title": process.title}
    )
    return redirect("pilots:library")


@login_required
@require_http_methods(["GET", "POST"])
def pilot_lessons_edit(request, pk: int):
    """What the pilot's department learned, written by its leader or a coordinator."""
    pilot = pilot_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_write_lessons(pilot))
    lessons = pilot_lessons_of(pilot)
    form = PilotLessonsForm(request.POST if request.method == "POST" else None, instance=lessons)
    if request.method == "POST" and form.is_valid():
        try:
            saved = pilot_lessons_save(user=request.user, pilot=pilot, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The lessons from %(department)s are saved in the library.")
                % {"department": pilot.department.name},
            )
            return redirect("pilots:lessons_detail", pk=saved.pk)
    return render(
        request,
        "pilots/library_lessons_form.html",
        {"form": form, "pilot": pilot, "lessons": lessons},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- Import ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def library_import(request):
    """Upload a CSV or Excel file, see every row and its errors, then confirm: all or nothing."""
    _require_curator(request)
    if request.method == "POST" and "payload" in request.POST:
        return _library_import_confirm(request)
    form = LibraryImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _render_import(request, form=form)
    if not form.is_valid():
        return _render_import(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        file = library_import_read(data=upload.read(), name=upload.name or "")
        preview = library_import_preview(user=request.user, file=file)
    except LibraryImportFileError as error:
        form.add_error("file", str(error))
        return _render_import(request, form=form, status=400)
    if not preview.is_valid:
        return _render_import(request, form=form, preview=preview, status=400)
    payload = signing.TimestampSigner(salt=IMPORT_SALT).sign_object(
        {"user": request.user.pk, "file": file.as_data()}, compress=True
    )
    return _render_import(
        request,
        form=LibraryImportForm(),
        preview=preview,
        confirm_form=LibraryImportConfirmForm(initial={"payload": payload}),
    )


def _library_import_confirm(request):
    form = LibraryImportConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.TimestampSigner(salt=IMPORT_SALT).unsign_object(
            form.cleaned_data["payload"], max_age=IMPORT_MAX_AGE
        )
        if data.get("user") != request.user.pk:
            raise signing.BadSignature
        file = ImportFile.from_data(data["file"])
    except signing.SignatureExpired:
        return _import_refused(
            request, _("The preview is more than an hour old. Upload the file again to import it.")
        )
    except (signing.BadSignature, KeyError, ValueError, TypeError, AttributeError):
        return _import_refused(
            request,
            _("The import could not be verified, so nothing was imported. Upload the file again."),
        )
    try:
        result = library_import_apply(user=request.user, file=file)
    except LibraryImportInvalid as invalid:
        return _render_import(
            request, form=LibraryImportForm(), preview=invalid.preview, status=400
        )
    messages.success(
        request,
        _("Import finished: %(count)d earlier processes added to the library.")
        % {"count": result.created},
    )
    return redirect("pilots:library")


def _import_refused(request, message: str):
    return _render_import(request, form=LibraryImportForm(), refusal=message, status=400)


def _render_import(
    request,
    *,
    form: LibraryImportForm,
    preview: LibraryImportPreview | None = None,
    confirm_form: LibraryImportConfirmForm | None = None,
    refusal: str = "",
    status: int = 200,
):
    return render(
        request,
        "pilots/library_import.html",
        {"form": form, "preview": preview, "confirm_form": confirm_form, "refusal": refusal},
        status=status,
    )


@login_required
@require_GET
def library_import_template_download(request):
    """An empty library file to fill in: the column names in Norwegian and one example row."""
    _require_curator(request)
    response = HttpResponse(library_import_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="erfaringsbibliotek-mal.csv"'
    return response
