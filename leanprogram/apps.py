from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LeanprogramConfig(AppConfig):
    name = "leanprogram"
    verbose_name = "leanprogram"
    # This module holds the admin's config too; this is the one "leanprogram" means.
    default = True

    def ready(self):
        from leanprogram import language, middleware  # noqa: F401 - connect the login signals


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site's own AdminSite: who may enter it, and the municipal scope
    (pilots.admin_base). Named in INSTALLED_APPS in place of "django.contrib.admin"."""

    default = False
    default_site = "pilots.admin_base.AdminSite"
