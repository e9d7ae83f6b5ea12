from django.apps import AppConfig


class LeanprogramConfig(AppConfig):
    name = "leanprogram"
    verbose_name = "leanprogram"

    def ready(self):
        from leanprogram import language, middleware  # noqa: F401 - connect the login signals
