"""Innsyn and erasure pages.

A person reads and downloads their own data from "My tasks". A coordinator (or guide) opens a
person of their municipality's data, to answer a request, and anonymises a person on request.
Others get 403 (a leader about a colleague), another municipality's people 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leanprogram.privacy.erasure import erasure_preview, person_erase
from leanprogram.privacy.export import person_data_export, sections_as_json
from leanprogram.privacy.forms import ErasureConfirmForm
from pilots.access import scope_for
from pilots.models import Person
from pilots.selectors import people_for_user


def _person(request, pk: int) -> Person:
    return get_object_or_404(people_for_user(request.user).select_related("user"), pk=pk)


def _own_person(request) -> Person:
    scope = scope_for(request.user)
    if scope.person_id is None:
        raise PermissionDenied
    return Person.objects.select_related("user", "municipality").get(pk=scope.person_id)


def _page(request, person: Person, *, own: bool):
    sections = person_data_export(user=request.user, person=person, fmt="html")
    scope = scope_for(request.user)
    return render(
        request,
        "privacy/person_data.html",
        {
            "person": person,
            "own": own,
            "sections": [s for s in sections if s.rows],
            "exported_at": timezone.now(),
            "can_erase": not own and scope.can_erase_person(person),
        },
    )


def _download(request, person: Person):
    sections = person_data_export(user=request.user, person=person, fmt="json")
    response = HttpResponse(
        sections_as_json(person=person, sections=sections),
        content_type="application/json; charset=utf-8",
    )
    # The id, not the name, in the file name: it ends up in download lists and logs.
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-{person.pk}-{stamp}.json"'
    )
    return response


@login_required
@require_GET
def my_data(request):
    return _page(request, _own_person(request), own=True)


@login_required
@require_GET
def my_data_json(request):
    return _download(request, _own_person(request))


@login_required
@require_GET
def person_data(request, pk: int):
    return _page(request, _person(request, pk), own=False)


@login_required
@require_GET
def person_data_json(request, pk: int):
    return _download(request, _person(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def person_erase_view(request, pk: int):
    person = _person(request, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_erase_person(person))
    if person.anonymised_at is not None:
        messages.info(request, _("This person has already been anonymised."))
        return redirect("privacy:person_data", pk=person.pk)
    form = ErasureConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(
                user=request.user,
                person=person,
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The person is anonymised. They are now shown as “%(label)s”.")
                % {"label": person.full_name},
            )
            return redirect("programme:dashboard")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "privacy/person_erase.html",
        {"person": person, "form": form, "preview": erasure_preview(person)},
        status=status,
    )
