"""A department's staff: the list, adding and editing a person, and importing from CSV.

Coordinators and guides manage every department of their municipality; a department leader
manages their own department's staff. Other staff see none of these pages (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilots.access import scope_for
from pilots.calendar import local_today
from pilots.collation import norwegian
from pilots.forms import PersonForm, StaffEndForm, StaffImportConfirmForm, StaffImportForm
from pilots.invitations import login_statuses
from pilots.models import Department, DepartmentRole, Person, active_role
from pilots.selectors import departments_for_user, people_for_user
from pilots.staff import (
    department_former_staff,
    department_staff,
    person_details_editable,
    person_move,
    person_roles_end,
    person_roles_in,
    person_roles_restore,
    person_save,
)
from pilots.staff_import import (
    StaffImportFileError,
    StaffImportInvalid,
    StaffImportPreview,
    staff_import_apply,
    staff_import_preview,
    staff_import_template,
)

IMPORT_SALT = "pilots.staff_import"
# Long enough to read the preview, short enough that a forgotten tab does not import stale data.
IMPORT_MAX_AGE = 60 * 60


def _next_url(request) -> str:
    """The page to go back to when done (the pilot setup's checklist): `next`, if it is ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _staff_list_redirect(request, department: Department):
    url = reverse("pilots:staff_list", kwargs={"pk": department.pk})
    return redirect(_with_next(url, _next_url(request)))


def _render(request, template: str, context: dict, **kwargs):
    next_url = _next_url(request)
    context = {
        **context,
        "next_url": next_url,
        "next_query": f"?{urlencode({'next': next_url})}" if next_url else "",
    }
    return render(request, template, context, **kwargs)


def _department_to_manage(request, pk: int) -> Department:
    department = get_object_or_404(departments_for_user(request.user), pk=pk)
    scope = scope_for(request.user)
    scope.require(scope.can_manage_staff(department))
    return department


@require_GET
@login_required
def staff_list(request, pk: int):
    department = _department_to_manage(request, pk)
    members = department_staff(people=people_for_user(request.user), department=department)
    logins = login_statuses(user=request.user, people=[member.person for member in members])
    rows = [(member, logins[member.person.pk]) for member in members]
    return _render(
        request,
        "pilots/staff_list.html",
        {
            "department": department,
            "members": members,
            "rows": rows,
            **_former_staff_context(request, department),
        },
    )


def _former_staff_context(request, department: Department) -> dict:
    """What the list's "former staff" section and its end and undo links need."""
    scope = scope_for(request.user)
    return {
        "former_members": department_former_staff(
            people=people_for_user(request.user), department=department
        ),
        # A leader does not end their own role (see `person_roles_end`).
        "own_person_id": None if scope.can_manage_programme() else scope.person_id,
        # Coordinators answer requests for access and erasure (leanprogram.privacy).
        "may_answer_privacy_requests": scope.can_manage_programme(),
    }


@require_http_methods(["GET", "POST"])
@login_required
def staff_add(request, pk: int):
    department = _department_to_manage(request, pk)
    form = PersonForm(request.POST or None, initial={"roles": [DepartmentRole.Role.STAFF]})
    if request.method == "POST":
        if form.is_valid():
            try:
                result = person_save(
                    user=request.user, department=department, person=None, **form.person_data()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if result.attached_existing:
                    messages.success(
                        request,
                        _(
                            "%(name)s was already registered in the municipality and now has "
                            "the chosen roles in %(department)s. Their name, phone and "
                            "language were left as they were."
                        )
                        % {"name": result.person.full_name, "department": department.name},
                    )
                else:
                    messages.success(
                        request,
                        _("%(name)s was added to %(department)s.")
                        % {"name": result.person.full_name, "department": department.name},
                    )
                return _staff_list_redirect(request, department)
        return _render_person_form(request, department, form, status=400)
    return _render_person_form(request, department, form)


@require_http_methods(["GET", "POST"])
@login_required
def staff_edit(request, department_pk: int, pk: int):
    department = _department_to_manage(request, department_pk)
    person = _member(request, department, pk)
    roles = person_roles_in(person=person, department=department)
    scope = scope_for(request.user)
    kept_roles = frozenset()
    if person.pk == scope.person_id and not scope.can_manage_programme():
        kept_roles = frozenset({DepartmentRole.Role.DEPARTMENT_LEADER})
    form = PersonForm(
        request.POST or None,
        instance=person,
        kept_roles=kept_roles,
        initial={
            "roles": [r.role for r in roles],
            "position_percent": next(
                (r.position_percent for r in roles if r.position_percent), None
            ),
        },
    )
    details_locked = not person_details_editable(person=person, scope=scope)
    if details_locked:
        # Disabled fields keep the saved values whatever is posted.
        for name in PersonForm.Meta.fields:
            form.fields[name].disabled = True
    if request.method == "POST":
        if form.is_valid():
            try:
                person_save(
                    user=request.user, department=department, person=person, **form.person_data()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request, _("The changes to %(name)s were saved.") % {"name": person.full_name}
                )
                return _staff_list_redirect(request, department)
        return _render_person_form(
            request, department, form, person=person, details_locked=details_locked, status=400
        )
    return _render_person_form(
        request, department, form, person=person, details_locked=details_locked
    )


def _render_person_form(
    request, department, form, *, person=None, details_locked=False, status=200
):
    return _render(
        request,
        "pilots/staff_form.html",
        {
            "department": department,
            "form": form,
            "person": person,
            "details_locked": details_locked,
            # Only coordinators move people between departments (see `person_save`).
            "may_move_people": scope_for(request.user).can_manage_programme(),
            # Coordinators answer requests for access and erasure (leanprogram.privacy).
            "may_answer_privacy_requests": scope_for(request.user).can_manage_programme(),
            # The form has already copied what was typed onto the instance; show the saved name.
            "saved_name": person and form.initial.get("full_name", person.full_name),
        },
        status=status,
    )


def _member(request, department: Department, pk: int) -> Person:
    """A person with a role in the department today (404 otherwise: who has left is restored,
    not edited)."""
    return get_object_or_404(
        people_for_user(request.user)
        .filter(active_role(prefix="department_roles__"), department_roles__department=department)
        .distinct(),
        pk=pk,
    )


def _member_or_former(request, department: Department, pk: int) -> Person:
    return get_object_or_404(
        people_for_user(request.user).filter(department_roles__department=department).distinct(),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@login_required
def staff_end(request, department_pk: int, pk: int):
    """End a person's roles in the department on a date; a coordinator may move them instead."""
    department = _department_to_manage(request, department_pk)
    person = _member(request, department, pk)
    scope = scope_for(request.user)
    may_move = scope.can_move_staff(department)
    roles = person_roles_in(person=person, department=department)
    form = StaffEndForm(
        request.POST or None,
        initial={"ends_on": local_today(), "roles": [r.role for r in roles]},
        move_to_choices=(
            departments_for_user(request.user)
            .filter(municipality_id=department.municipality_id)
            .exclude(pk=department.pk)
            .order_by(norwegian("name"), "pk")
            if may_move
            else None
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if may_move and data.get("move_to"):
                person_move(
                    user=request.user,
                    person=person,
                    from_department=department,
                    to_department=data["move_to"],
                    roles=data["roles"],
                    on=data["ends_on"],
                )
                text = _("%(name)s moves from %(department)s to %(other)s.") % {
                    "name": person.full_name,
                    "department": department.name,
                    "other": data["move_to"].name,
                }
            else:
                person_roles_end(
                    user=request.user, department=department, person=person, ends_on=data["ends_on"]
                )
                text = _("%(name)s leaves %(department)s on %(date)s.") % {
                    "name": person.full_name,
                    "department": department.name,
                    "date": date_format(data["ends_on"], "SHORT_DATE_FORMAT"),
                }
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            messages.success(request, text)
            return redirect("pilots:staff_list", pk=department.pk)
    return render(
        request,
        "pilots/staff_end.html",
        {"department": department, "person": person, "roles": roles, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _add_form_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@require_POST
@login_required
def staff_restore(request, department_pk: int, pk: int):
    """Undo the end of a person's roles (the most recent end date), when it was a mistake."""
    department = _department_to_manage(request, department_pk)
    person = _member_or_former(request, department, pk)
    try:
        person_roles_restore(user=request.user, department=department, person=person)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("%(name)s is back in %(department)s.")
            % {"name": person.full_name, "department": department.name},
        )
    return redirect("pilots:staff_list", pk=department.pk)


@require_http_methods(["GET", "POST"])
@login_required
def staff_import(request, pk: int):
    """Upload a CSV file, see what it would do, then confirm; nothing is written before that."""
    department = _department_to_manage(request, pk)
    if request.method == "POST" and "payload" in request.POST:
        return _staff_import_confirm(request, department)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _render_import(request, department, form=form)
    if not form.is_valid():
        return _render_import(request, department, form=form, status=400)
    try:
        preview = staff_import_preview(
            user=request.user, department=department, data=form.cleaned_data["file"].read()
        )
    except StaffImportFileError as error:
        form.add_error("file", str(error))
        return _render_import(request, department, form=form, status=400)
    if not preview.is_valid:
        return _render_import(request, department, form=form, preview=preview, status=400)
    payload = signing.TimestampSigner(salt=IMPORT_SALT).sign_object(
        {"department": department.pk, "user": request.user.pk, "text": preview.text},
        compress=True,
    )
    return _render_import(
        request,
        department,
        form=StaffImportForm(),
        preview=preview,
        confirm_form=StaffImportConfirmForm(initial={"payload": payload}),
    )


@require_GET
@login_required
def staff_import_template_download(request, pk: int):
    """An empty staff file to fill in: the column names in Norwegian and one example row."""
    _department_to_manage(request, pk)
    response = HttpResponse(staff_import_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ansatte-mal.csv"'
    return response


def _staff_import_confirm(request, department: Department):
    form = StaffImportConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.TimestampSigner(salt=IMPORT_SALT).unsign_object(
            form.cleaned_data["payload"], max_age=IMPORT_MAX_AGE
        )
        if data.get("department") != department.pk or data.get("user") != request.user.pk:
            raise signing.BadSignature
    except signing.SignatureExpired:
        return _import_refused(
            request,
            department,
            _("The preview is more than an hour old. Upload the file again to import it."),
        )
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return _import_refused(
            request,
            department,
            _("The import could not be verified, so nothing was imported. Upload the file again."),
        )
    try:
        result = staff_import_apply(user=request.user, department=department, text=data["text"])
    except StaffImportInvalid as invalid:
        return _render_import(
            request, department, form=StaffImportForm(), preview=invalid.preview, status=400
        )
    except StaffImportFileError as error:
        return _import_refused(request, department, str(error))
    messages.success(
        request,
        _("Import finished: %(people)d new people and %(roles)d new roles in %(department)s.")
        % {"people": result.people_created, "roles": result.roles_added, "department": department},
    )
    return _staff_list_redirect(request, department)


def _import_refused(request, department: Department, message: str):
    return _render_import(request, department, form=StaffImportForm(), refusal=message, status=400)


def _render_import(
    request,
    department: Department,
    *,
    form: StaffImportForm,
    preview: StaffImportPreview | None = None,
    confirm_form: StaffImportConfirmForm | None = None,
    refusal: str = "",
    status: int = 200,
):
    return _render(
        request,
        "pilots/staff_import.html",
        {
            "department": department,
            "form": form,
            "preview": preview,
            "confirm_form": confirm_form,
            "refusal": refusal,
        },
        status=status,
    )
