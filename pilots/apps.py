from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = _("Programmes and pilots")

    def ready(self):
        from django.db.backends.signals import connection_created

        from pilots import oidc, signals  # noqa: F401 - connect the receivers
        from pilots.collation import sqlite_collation_install

        connection_created.connect(sqlite_collation_install, dispatch_uid="pilots_nb_collation")
