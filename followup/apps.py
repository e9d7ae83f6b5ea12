from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        # Follow-up meetings follow the course days, however those are changed.
        # Reminders queue their send task by name; registering the tasks in every process (not
        # only in workers, where Celery discovers them) lets eager mode run them in-process.
        from followup import (
            signals,  # noqa: F401
            tasks,  # noqa: F401
        )

        # The kinds import the models, so the registry can only be loaded once they are ready.
        from followup.reminders.registry import kinds_check

        checks.register(kinds_check)
