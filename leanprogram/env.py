"""Strict readers for settings taken from the environment.

A bad value stops start-up with ImproperlyConfigured naming the variable, so a typo in a
deployment fails loudly instead of running with a surprising default.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must be a comma-separated list; got {raw!r}.")
    return items


def env_url(name: str, *, schemes: set[str]) -> str | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    scheme, sep, _rest = raw.partition("://")
    if not sep or scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(
            f"{name} must be a URL with one of the schemes {allowed}; got {raw!r}."
        )
    return raw


def env_origins(name: str, *, allow_http: bool = False) -> list[str]:
    """A comma-separated list of origins (https://host[:port], nothing after), empty when unset.

    For places where an origin is trusted, like a Content-Security-Policy source: a path or a
    wildcard there would trust more than meant. Plain http only when allow_http (development).
    """
    raw = os.environ.get(name, "")
    origins = [item.strip() for item in raw.split(",") if item.strip()]
    schemes = ("https", "http") if allow_http else ("https",)
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if (
            not sep
            or scheme not in schemes
            or not host
            or any(char in host for char in "/?#*@ ;'\"")
        ):
            raise ImproperlyConfigured(
                f"{name} must be comma-separated origins like https://login.example.no "
                f"(scheme {' or '.join(schemes)}, a host, an optional port, no path); "
                f"got {origin!r}."
            )
    return origins


def url_origin(url: str) -> str:
    """scheme://host[:port] of a URL, as a Content-Security-Policy source names it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def require_secret_key() -> None:
    """Refuse to serve without a SECRET_KEY (the settings leave it empty when DEBUG is off)."""
    from django.conf import settings

    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises on an empty key when it is read
    except ImproperlyConfigured:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.") from None
