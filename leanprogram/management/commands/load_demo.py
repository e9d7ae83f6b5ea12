from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.text import capfirst

from leanprogram.demo import DEMO_PASSWORD, DEMO_USERNAMES, MUNICIPALITY_NAME, demo_load


class Command(BaseCommand):
    help = (
        "Load Harstad kommune's LæringsLEAN programme as demo data, with demo logins. Creates "
        "only what is missing, so running it again changes nothing. Development only."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo only runs with DEBUG on: it creates logins with a published "
                f"password ({DEMO_PASSWORD}). Run it with DEBUG=1 on a development database."
            )
        result = demo_load()

        self.stdout.write(
            f"{MUNICIPALITY_NAME} demo, course days in ISO weeks 7 and 8 of {result.course_year}:"
        )
        # Model names in English, like the rest of this output.
        with translation.override("en"):
            for model, tally in result.tallies.items():
                name = capfirst(model._meta.verbose_name_plural)
                self.stdout.write(
                    f"  {name}: {tally.created} created, {tally.present} already present"
                )
        for username in result.passwords_reset:
            self.stdout.write(self.style.WARNING(f"  Password of {username} set back."))
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} created, {result.present} already present. Log in as "
                f"{', '.join(DEMO_USERNAMES)} with the password {DEMO_PASSWORD}."
            )
        )
