"""Generate a national data set for `make bench`: python manage.py generate_scale_data.

The defaults are every Norwegian municipality (356) with 70 pilots of 25 people each: 623,712
people, 249,200 measures, about 2.5 million attendance rows. See leanprogram/scale_data/.
"""

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from leanprogram.scale_data.build import (
    BENCH_PASSWORD,
    COORDINATOR,
    GUIDE,
    LEADER,
    STAFF,
    ScaleDataError,
    Written,
    scale_data_generate,
)


def _cohort_mix(value: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"(\d+):(\d+):(\d+)", value)
    if not match:
        raise CommandError(f"--cohort-mix takes three whole numbers like 1:3:1, not {value!r}.")
    return tuple(int(n) for n in match.groups())


class Command(BaseCommand):
    help = (
        "Write a generated data set (default: all 356 municipalities) into PostgreSQL with COPY, "
        "for benchmarks. Not for a database with real data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipalities", type=int, default=356)
        parser.add_argument("--pilots", type=int, default=70, help="per municipality")
        parser.add_argument(
            "--staff", type=int, default=25, help="people per pilot, the leader included"
        )
        parser.add_argument(
            "--cohort-mix",
            default="1:3:1",
            help="pilots whose course weeks were just held : in follow-up : still to come",
        )
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first empty every table of the apps (a benchmark database only)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        def progress(written: Written) -> None:
            self.stdout.write(
                f"  {written.table:<40} {written.rows:>10,} rows {written.seconds:7.1f} s"
            )

        try:
            result = scale_data_generate(
                municipalities=options["municipalities"],
                pilots=options["pilots"],
                staff=options["staff"],
                cohort_mix=_cohort_mix(options["cohort_mix"]),
                seed=options["seed"],
                today=options["today"],
                reset=options["reset"],
                using=options["database"],
                progress=progress,
            )
        except ScaleDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {result.rows:,} rows in {result.seconds:.0f} s "
                f"({result.layout.municipalities} municipalities, "
                f"{result.layout.all_pilots:,} pilots, {result.layout.all_people:,} people)."
            )
        )
        self.stdout.write(
            f"Logins in Kommune 001 (password {BENCH_PASSWORD}): {COORDINATOR} (also its admin), "
            f"{GUIDE}, {LEADER}, {STAFF}."
        )
