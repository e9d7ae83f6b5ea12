"""What the login and invitation pages need to offer a login through the identity provider."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from pilots.oidc import button_label

register = template.Library()


@register.simple_tag
def oidc_login(next_path: str = "", invitation_token: str = ""):
    """None while OIDC is off; else the button's label and address, and whether passwords are
    for administrators only."""
    if not settings.OIDC_ENABLED:
        return None
    query = {
        key: value
        for key, value in (("next", next_path), ("invitation", invitation_token))
        if value
    }
    url = reverse("oidc_login") + ("?" + urlencode(query) if query else "")
    return {
        "label": button_label(),
        "url": url,
        "superusers_only": settings.LOCAL_LOGIN == "superusers-only",
    }
