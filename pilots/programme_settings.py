"""The programme's settings a coordinator keeps in the app, without the Django admin.

The programme's default course weeks (where a new pilot's course days are proposed), the
municipality's holiday periods (which scheduling avoids and warns of) and the dates by which the
programme wants its pilots to have reached each phase. Every service asks `pilots.access` first,
so a shell or a task may do no more than the coordinator's pages.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pilots.access import scope_for
from pilots.models import HolidayPeriod, PhaseTarget, Pilot, Programme
from pilots.services import PHASE_ORDER

# --- Course weeks ---------------------------------------------------------------------------------

# Four course days in ISO weeks 7 and 8, unless the programme or the pilot says otherwise.
DEFAULT_COURSE_WEEK_FIRST = 7
DEFAULT_COURSE_WEEK_LAST = 8


@dataclass(frozen=True)
class CourseWeeks:
    year: int
    first: int
    last: int

    @property
    def weeks(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def next_course_year(*, today: dt.date, first_week: int = DEFAULT_COURSE_WEEK_FIRST) -> int:
    """The ISO year whose course weeks have not started yet on `today`."""
    iso_year = today.isocalendar().year
    return iso_year if dt.date.fromisocalendar(iso_year, first_week, 1) > today else iso_year + 1


def course_weeks_for(
    *, programme: Programme, pilot: Pilot | None = None, today: dt.date
) -> CourseWeeks:
    """The weeks to plan course days in: the pilot's own, else the programme's, else the
    default weeks of the next course year."""
    for source in (pilot, programme):
        if source is not None and source.course_year is not None:
            return CourseWeeks(
                source.course_year, source.course_week_first, source.course_week_last
            )
    return CourseWeeks(
        next_course_year(today=today), DEFAULT_COURSE_WEEK_FIRST, DEFAULT_COURSE_WEEK_LAST
    )


@transaction.atomic
def programme_course_weeks_set(
    *,
    user,
    programme: Programme,
    course_year: int | None,
    course_week_first: int | None,
    course_week_last: int | None,
) -> Programme:
    """Set (or clear, with three Nones) the weeks new pilots' course days are proposed in."""
    scope = scope_for(user)
    scope.require(scope.can_edit_programme_settings(programme))
    # Validate a fresh copy: a refused change must leave the caller's instance as it was stored.
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    locked.course_year = course_year
    locked.course_week_first = course_week_first
    locked.course_week_last = course_week_last
    locked.full_clean()
    locked.save(update_fields=["course_year", "course_week_first", "course_week_last"])
    programme.course_year = locked.course_year
    programme.course_week_first = locked.course_week_first
    programme.course_week_last = locked.course_week_last
    return programme


# --- Retention -----------------------------------------------------------------------------------

RETENTION_FIELDS = (
    "retention_reminder_body_months",
    "retention_leaver_months",
    "retention_invitation_days",
)


@transaction.atomic
def programme_retention_set(*, user, programme: Programme, **values: int) -> Programme:
    """How long the programme keeps e-mail texts, names of people who left, and expired
    invitations (the daily retention run in leanprogram.privacy applies them)."""
    scope = scope_for(user)
    scope.require(scope.can_edit_programme_settings(programme))
    unknown = set(values) - set(RETENTION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown retention settings: {sorted(unknown)}")
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=list(values))
    for name in values:
        setattr(programme, name, getattr(locked, name))
    return programme


# --- Holiday periods ------------------------------------------------------------------------------


@transaction.atomic
def holiday_period_save(
    *,
    user,
    municipality_id: int,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    period: HolidayPeriod | None = None,
) -> HolidayPeriod:
    """Add a holiday period to the municipality, or change one of its periods."""
    scope = scope_for(user)
    scope.require(scope.can_manage_holiday_periods(municipality_id=municipality_id))
    if period is None:
        period = HolidayPeriod(municipality_id=municipality_id)
    elif period.municipality_id != municipality_id:
        raise ValueError("The holiday period belongs to another municipality.")
    period.name = " ".join(name.split())
    period.starts_on = starts_on
    period.ends_on = ends_on
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def holiday_period_delete(*, user, period: HolidayPeriod) -> None:
    scope = scope_for(user)
    scope.require(scope.can_manage_holiday_periods(municipality_id=period.municipality_id))
    period.delete()


# --- Phase targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    """What the coordinator gave for one phase: no date means the phase has no target."""

    reached_by: dt.date | None
    note: str = ""


def _targets_in_order_errors(targets: Mapping[str, TargetInput]) -> dict[str, list[str]]:
    """A phase's target may not come before the target of a phase earlier in the lifecycle."""
    errors: dict[str, list[str]] = {}
    latest: tuple[str, dt.date] | None = None
    for phase in PHASE_ORDER:
        target = targets.get(phase)
        if target is None or target.reached_by is None:
            continue
        if latest is not None and target.reached_by < latest[1]:
            errors[phase] = [
                _("This is before the target for “%(phase)s” (%(date)s), which comes earlier.")
                % {
                    "phase": Pilot.Phase(latest[0]).label,
                    "date": date_format(latest[1], "SHORT_DATE_FORMAT"),
                }
            ]
            continue
        latest = (phase, target.reached_by)
    return errors


@transaction.atomic
def phase_targets_save(
    *, user, programme: Programme, targets: Mapping[str, TargetInput]
) -> list[PhaseTarget]:
    """Replace the programme's phase targets with `targets` (phase → date and note).

    A phase left out or given without a date has no target afterwards. Raises ValidationError
    keyed by phase when a note has no date or a target comes before an earlier phase's target.
    """
    scope = scope_for(user)
    scope.require(scope.can_edit_programme_settings(programme))
    unknown = set(targets) - set(Pilot.Phase.values)
    if unknown:
        raise ValueError(f"Unknown phases: {sorted(unknown)}")
    errors = _targets_in_order_errors(targets)
    for phase, target in targets.items():
        if target.reached_by is None and target.note.strip():
            errors.setdefault(phase, []).append(_("Give the date the note belongs to."))
    if errors:
        raise ValidationError(errors)

    existing = {
        t.phase: t for t in PhaseTarget.objects.select_for_update().filter(programme=programme)
    }
    saved = []
    for phase in PHASE_ORDER:
        target = targets.get(phase)
        current = existing.get(phase)
        if target is None or target.reached_by is None:
            if current is not None:
                current.delete()
            continue
        row = current or PhaseTarget(programme=programme, phase=phase)
        row.reached_by = target.reached_by
        row.note = target.note.strip()
        try:
            row.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ValidationError({phase: error.messages}) from None
        row.save()
        saved.append(row)
    return saved


def phase_targets_by_phase(programme: Programme) -> dict[str, PhaseTarget]:
    return {target.phase: target for target in PhaseTarget.objects.filter(programme=programme)}
