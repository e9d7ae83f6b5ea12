from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from pilots.access import scope_for
from pilots.admin_base import may_use_admin


def navigation(request):
    """The main menu for the logged-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    items = []
    if scope.person_id is not None:
        items.append((reverse("my_tasks"), _("My tasks")))
    if scope.can_manage_programme():
        items.append((reverse("programme:dashboard"), _("Programme")))
    elif scope.member_department_ids:
        items.append((reverse("programme:dashboard"), _("My department")))
    # For the programme's own people the menu is full at 1280 px; they reach the library from
    # the dashboard, the pilot pages and the new pilot's checklist.
    if scope.can_read_library() and not scope.can_manage_programme():
        items.append((reverse("pilots:library"), _("Learning library")))
    if scope.can_manage_programme():
        items.append((reverse("followup:outbox"), _("Reminders")))
    if scope.can_view_invitations():
        items.append((reverse("pilots:invitation_list"), _("Invitations")))
    if may_use_admin(user):
        items.append((reverse("admin:index"), _("Administration")))
    path = request.path
    # Every breadcrumb trail starts where the person starts: the dashboard for whoever runs the
    # programme, their own tasks for everyone else (templates/components/_breadcrumbs.html).
    if scope.can_manage_programme():
        root = {"url": reverse("programme:dashboard"), "label": _("Programme")}
    else:
        root = {"url": reverse("my_tasks"), "label": _("My tasks")}
    return {
        "nav_items": [{"url": url, "label": label, "current": path == url} for url, label in items],
        "breadcrumb_root": root,
    }


def session(request):
    """The idle timeout, for static/js/drafts.js to time its keepalive by."""
    return {"session_idle_timeout": settings.SESSION_IDLE_TIMEOUT}
