import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from followup.models import Reminder
from followup.reminders.sweep import reminders_sweep
from pilots.calendar import OSLO

PRINT_EVERY = 2000


class Command(BaseCommand):
    help = (
        "Run one reminder sweep, the same one Celery beat runs: store what is due, claim it and "
        "queue the e-mails. Prints what it queued."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help=(
                "Stand-in for the current time in everything the sweep decides, in ISO 8601 "
                "(2027-03-08T09:00; without an offset, Norwegian time)."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Work out what would be queued; change nothing."
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        as_of = _parse_now(now) if now else None
        verb = "Would queue" if dry_run else "Queued"
        lines: list[str] = []

        def report(reminder_ids: list[int]) -> None:
            # Tuples, a chunk at a time: a burst of 200,000 is printed in flat memory.
            rows = (
                Reminder.objects.filter(pk__in=reminder_ids)
                .order_by("due_at", "pk")
                .values_list(
                    "pk",
                    "kind",
                    "subject_key",
                    "recipient__full_name",
                    "recipient__email",
                    "recipient__language",
                    "pilot__department__name",
                )
            )
            for pk, kind, subject_key, name, email, language, department in rows:
                lines.append(
                    f"  {verb} #{pk} {kind} → {name} <{email}> ({language}), "
                    f"{department or subject_key}"
                )
            if len(lines) >= PRINT_EVERY:
                self._flush(lines)

        result = reminders_sweep(
            now=as_of or timezone.now(), dry_run=dry_run, as_of=as_of, report=report
        )
        # The summary after the list, which is printed while the sweep goes on.
        self._flush(lines)
        self.stdout.write(
            f"Sweep at {result.now.astimezone(OSLO):%Y-%m-%d %H:%M %Z}: {result.due} due, "
            f"{result.cancelled} cancelled, {len(result.queued)} claimed."
        )
        if result.failed_kinds:
            self.stdout.write(
                self.style.ERROR(
                    "These reminder kinds failed and were left out (see the log): "
                    + ", ".join(result.failed_kinds)
                )
            )
        if result.left_pending:
            self.stdout.write(
                self.style.WARNING(
                    f"The broker did not answer: {result.left_pending} reminder(s) stay pending "
                    "for the next sweep."
                )
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")

    def _flush(self, lines: list[str]) -> None:
        if lines:
            self.stdout.write("\n".join(lines))
            lines.clear()


def _parse_now(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now must be an ISO 8601 date and time; got {value!r}.") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=OSLO)
    return moment
