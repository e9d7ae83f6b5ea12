from django.apps import AppConfig


class LeanprogramConfig(AppConfig):
    name = "leanprogram"
    verbose_name = "leanprogram"

    def ready(self):
        from leanprogram import language  # noqa: F401 - connects the login signal
