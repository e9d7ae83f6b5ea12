"""Invitations: inviting people to make a login, the list of open ones, and accepting one.

Inviting, sending again and withdrawing are buttons on the staff list and on the coordinators'
list of invitations; each posts, acts through `pilots.invitations` and goes back where it came
from. Accepting is public: the link in the e-mail is all the person has.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilots.access import scope_for
from pilots.forms import InvitationAcceptForm
from pilots.invitations import (
    InvitationState,
    InvitationUnusable,
    invitation_accept,
    invitation_from_token,
    invitation_get_for_user,
    invitation_resend,
    invitation_revoke,
    invitation_state,
    invitations_waiting,
    person_invite,
    safe_next,
    username_suggestion,
)
from pilots.selectors import people_for_user

# Logging in after accepting names the backend, since there are two (django-axes' and ours).
LOGIN_BACKEND = "pilots.auth.PersonBackend"


def _back(request):
    """Back to the page the button was on, or to the list of invitations."""
    if next_path := safe_next(request.POST.get("next")):
        return redirect(next_path)
    if scope_for(request.user).can_view_invitations():
        return redirect("pilots:invitation_list")
    return redirect("home")


def _refused(request, error: ValidationError):
    messages.error(request, " ".join(error.messages))
    return _back(request)


@require_POST
@login_required
def person_invite_view(request, pk: int):
    person = get_object_or_404(people_for_user(request.user), pk=pk)
    try:
        person_invite(user=request.user, person=person)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("An invitation is on its way to %(name)s at %(email)s.")
        % {"name": person.full_name, "email": person.email},
    )
    return _back(request)


@require_POST
@login_required
def invitation_resend_view(request, pk: int):
    invitation = invitation_get_for_user(request.user, pk)
    try:
        invitation_resend(user=request.user, invitation=invitation)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("The invitation was sent again to %(name)s at %(email)s.")
        % {"name": invitation.person.full_name, "email": invitation.person.email},
    )
    return _back(request)


@require_POST
@login_required
def invitation_revoke_view(request, pk: int):
    invitation = invitation_get_for_user(request.user, pk)
    try:
        invitation_revoke(user=request.user, invitation=invitation)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("The invitation for %(name)s was withdrawn; its links no longer work.")
        % {"name": invitation.person.full_name},
    )
    return _back(request)


@require_GET
@login_required
def invitation_list(request):
    """The municipality's invitations nobody has answered yet, pending or expired."""
    scope = scope_for(request.user)
    scope.require(scope.can_view_invitations())
    now = timezone.now()
    rows = [
        (invitation, invitation.has_expired(now))
        for invitation in invitations_waiting(request.user)
    ]
    return render(request, "pilots/invitation_list.html", {"rows": rows})


# --- Accepting --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept_view(request, token: str):
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "pilots/invitation_closed.html", {"state": "invalid"}, status=404)
    person = invitation.person
    next_path = safe_next(request.GET.get("next"))
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # Unless the visitor picked a language, the page speaks the one the e-mail was in.
        translation.activate(person.language)
        request.LANGUAGE_CODE = translation.get_language()
    state = invitation_state(invitation)
    if state in (InvitationState.USED, InvitationState.HAS_LOGIN) and (
        request.user.is_authenticated and request.user.pk == person.user_id
    ):
        return redirect(next_path or "home")
    if state != InvitationState.OPEN:
        return _closed(request, state, next_path)

    if settings.LOCAL_LOGIN == "superusers-only":
        # No password to make: the page offers only the identity provider's login, which links
        # the login to this person (pilots.oidc.person_for_login).
        status = 200 if request.method == "GET" else 400
        return _render_accept(request, invitation, None, status=status)
    if request.method != "POST":
        form = InvitationAcceptForm(
            person=person, initial={"username": username_suggestion(person)}
        )
        return _render_accept(request, invitation, form)
    form = InvitationAcceptForm(request.POST, person=person)
    if not form.is_valid():
        return _render_accept(request, invitation, form, status=400)
    try:
        user = invitation_accept(
            invitation=invitation,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
    except InvitationUnusable as unusable:
        return _closed(request, unusable.state, next_path)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_accept(request, invitation, form, status=400)
    login(request, user, backend=LOGIN_BACKEND)
    messages.success(
        request,
        _("Welcome, %(name)s. Your login is ready; you log in with the username %(username)s.")
        % {"name": person.full_name, "username": user.get_username()},
    )
    return redirect(next_path or "home")


def _render_accept(request, invitation, form, *, status: int = 200):
    return render(
        request,
        "pilots/invitation_accept.html",
        {"invitation": invitation, "person": invitation.person, "form": form},
        status=status,
    )


def _closed(request, state: InvitationState, next_path: str):
    """The page of a link that can no longer be used: what happened, and what to do now."""
    login_url = reverse("login")
    if next_path:
        login_url += "?" + urlencode({"next": next_path})
    return render(
        request,
        "pilots/invitation_closed.html",
        {"state": state.value, "login_url": login_url},
        status=410,
    )
