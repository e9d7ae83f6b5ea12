from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = _("Programmes and pilots")

    def ready(self):
        from pilots import signals  # noqa: F401 - connects the receivers
