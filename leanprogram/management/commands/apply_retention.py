"""Apply the retention policy now, as the daily task does; `--dry-run` only counts."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from leanprogram.privacy.retention import retention_apply


class Command(BaseCommand):
    help = "Purge and anonymise personal data by the retention policy (see docs/privacy.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        result = retention_apply(now=timezone.now(), dry_run=dry_run)
        prefix = "Would purge" if dry_run else "Purged"
        for key, count in result.counts.items():
            self.stdout.write(f"{prefix} {key}: {count}")
