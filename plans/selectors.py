"""Reads that the plan views share: scoped querysets, the plan page, the edit form's choices, and
the change history (also what others changed while someone had the edit form open).

Every object comes through the user's pilots (`pilots.selectors.pilots_for_user`): a view that
loads a measure or an indicator by its id from the URL gets a 404 for anything outside the user's
scope. Each read is a fixed number of queries, whatever the number of measures or history records.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import (
    CharField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from pilots.collation import norwegian
from pilots.fte import format_number
from pilots.models import DepartmentRole, Person, Pilot, ProgrammeGoal, active_role
from pilots.selectors import pilots_for_user
from plans.diff import diff_html
from plans.gains import Gains, gains_annotations, gains_of
from plans.models import (
    Indicator,
    Measure,
    Measurement,
    MeasureNote,
    PlanSnapshot,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Suggestion,
    Waste,
)

HISTORY_PAGE_SIZE = 100
# The parts of a plan that the edit form changes, in the order the page shows them.
PLAN_PARTS: tuple[type[Model], ...] = (QualityGoal, Waste, RootCause, Measure, Indicator)
# Fields that say where a row belongs or count saves, not what the plan says.
_BOOKKEEPING_FIELDS = ("id", "plan", "pilot", "indicator", "version", "created_at", "updated_at")
_TEXT_PREVIEW_CHARS = 300


# Scoped reads


def plan_for_pilot(pilot: Pilot) -> ProjectPlan | None:
    """The pilot's plan on its own, or None before it has one. The pilot must be the user's."""
    plan = ProjectPlan.objects.filter(pilot=pilot).first()
    if plan is not None:
        plan.pilot = pilot
    return plan


def measures_for_user(user) -> QuerySet[Measure]:
    return Measure.objects.filter(plan__pilot__in=pilots_for_user(user))


def measure_get_for_user(user, pk: int) -> Measure:
    measures = measures_for_user(user).select_related(
        "plan__pilot__department", "plan__pilot__programme"
    )
    return get_object_or_404(measures, pk=pk)


def with_latest_note(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    """Each measure with its newest progress note in the same query: `latest_note` (the text),
    `latest_note_at` and `latest_note_by` (the author's name; None when unknown)."""
    newest = MeasureNote.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-pk")
    return measures.annotate(
        latest_note=Subquery(newest.values("text")[:1]),
        latest_note_at=Subquery(newest.values("created_at")[:1]),
        latest_note_by=Subquery(newest.values("author__full_name")[:1]),
    )


def indicators_for_user(user) -> QuerySet[Indicator]:
    return Indicator.objects.filter(plan__pilot__in=pilots_for_user(user))


def indicator_get_for_user(user, pk: int) -> Indicator:
    indicators = indicators_for_user(user).select_related(
        "plan__pilot__department", "plan__pilot__programme"
    )
    return get_object_or_404(indicators, pk=pk)


def measurement_get_for_user(user, pk: int) -> Measurement:
    measurements = Measurement.objects.filter(
        indicator__plan__pilot__in=pilots_for_user(user)
    ).select_related("indicator__plan__pilot__department", "indicator__plan__pilot__programme")
    return get_object_or_404(measurements, pk=pk)


def suggestions_for_user(user) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(pilot__in=pilots_for_user(user))


def suggestion_get_for_user(user, pk: int) -> Suggestion:
    suggestions = suggestions_for_user(user).select_related(
        "pilot__department__municipality", "pilot__programme", "author", "measure"
    )
    return get_object_or_404(suggestions, pk=pk)


# Improvement suggestions as their authors follow them


def suggestions_by_author(person: Person) -> QuerySet[Suggestion]:
    """The person's own named suggestions, newest first, with what happened to each (one query).

    Anonymous suggestions are not among them: nothing links them to anyone.
    """
    return (
        Suggestion.objects.filter(author=person)
        .select_related("pilot__department", "measure", "answered_by__person")
        .order_by("-created_at", "-pk")
    )


ANONYMOUS_ANSWERS_SHOWN = 20


def answered_anonymous_suggestions(pilot: Pilot) -> list[Suggestion]:
    """The latest answers to the department's anonymous suggestions: where their senders, whom
    nothing links to them, read what happened to their idea (one query)."""
    return list(
        Suggestion.objects.filter(
            pilot=pilot, author__isnull=True, status__in=Suggestion.HANDLED_STATUSES
        )
        .select_related("measure", "answered_by__person")
        .order_by("-answered_at", "-pk")[:ANONYMOUS_ANSWERS_SHOWN]
    )


def measure_owner_choices(pilot: Pilot) -> QuerySet[Person]:
    """Who can own a measure of the pilot's plan, also before the plan exists."""
    roles = DepartmentRole.objects.filter(department_id=pilot.department_id)
    return Person.objects.filter(pk__in=roles.values("person_id"), is_active=True).order_by(
        norwegian("full_name"), "pk"
    )


# The plan page


@dataclass(frozen=True)
class PlanPage:
    plan: ProjectPlan
    goals: list[QualityGoal]
    wastes: list[Waste]
    root_causes: list[RootCause]
    measures: list[Measure]
    indicators: list[Indicator]
    gains: Gains


def plan_page_for_pilot(pilot: Pilot, *, today: dt.date) -> PlanPage | None:
    """The pilot's plan with its gains and all its parts (six queries), or None before it has one.

    Each measure gets `overdue`, each root cause `why_list` (its whys, one per line) and each
    indicator `latest_value` and `latest_on` (its newest measurement). The plan gets
    `approval_comment`, the comment of its latest approval.
    """
    newest = Measurement.objects.filter(indicator=OuterRef("pk")).order_by("-measured_on")
    latest_approval = PlanSnapshot.objects.filter(plan=OuterRef("pk")).order_by("-approved_at")
    plan = (
        ProjectPlan.objects.filter(pilot=pilot)
        .annotate(**gains_annotations("measures__"))
        .annotate(approval_comment=Subquery(latest_approval.values("comment")[:1]))
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=QualityGoal.objects.select_related("programme_goal").order_by("pk"),
            ),
            Prefetch("wastes", queryset=Waste.objects.order_by("pk")),
            Prefetch("root_causes", queryset=RootCause.objects.order_by("pk")),
            Prefetch("measures", queryset=Measure.objects.select_related("owner")),
            Prefetch(
                "indicators",
                queryset=Indicator.objects.annotate(
                    latest_value=Subquery(newest.values("value")[:1]),
                    latest_on=Subquery(newest.values("measured_on")[:1]),
                ),
            ),
        )
        .first()
    )
    if plan is None:
        return None
    plan.pilot = pilot
    measures = list(plan.measures.all())
    for measure in measures:
        measure.overdue = measure.is_overdue(today)
    root_causes = list(plan.root_causes.all())
    for cause in root_causes:
        cause.why_list = [line.strip() for line in cause.whys.splitlines() if line.strip()]
    return PlanPage(
        plan=plan,
        goals=list(plan.goals.all()),
        wastes=list(plan.wastes.all()),
        root_causes=root_causes,
        measures=measures,
        indicators=list(plan.indicators.all()),
        gains=gains_of(plan),
    )


# Choices on the edit form


def measure_owners_for_plan(plan: ProjectPlan) -> QuerySet[Person]:
    """Who can own a measure: the people with a role in the plan's department today, and
    whoever already owns one of its measures (so a measure of someone who has left keeps its
    owner when the plan is saved)."""
    owners = Q(owned_measures__plan=plan) if plan.pk else Q(pk__in=[])
    return (
        Person.objects.filter(
            Q(
                active_role(prefix="department_roles__"),
                department_roles__department_id=plan.pilot.department_id,
            )
            | owners
        )
        .distinct()
        .order_by(norwegian("full_name"), "pk")
    )


def programme_goals_for_plan(plan: ProjectPlan) -> QuerySet[ProgrammeGoal]:
    """The goals of the pilot's own programme, which the plan's quality goals serve."""
    return ProgrammeGoal.objects.filter(programme_id=plan.pilot.programme_id).order_by("order")


# Describing changes (shared by the history and the edit conflict)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    # For a text: the changed words, highlighted (`plans.diff`), in place of `old` and `new`.
    diff: str = ""


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return _("system")
    try:
        person = user.person
    except ObjectDoesNotExist:
        person = None
    if person is not None:
        return person.full_name
    return user.get_full_name() or user.get_username()


def _subject(record) -> str:
    return str(capfirst(record.instance_type._meta.verbose_name))


def _changed_fields(new, old) -> list[str]:
    """Names of the fields that differ between two records of one object, in the model's order."""
    delta = new.diff_against(old, excluded_fields=_BOOKKEEPING_FIELDS)
    order = [f.name for f in new.instance_type._meta.fields]
    return sorted(delta.changed_fields, key=order.index)


class _Labels:
    """Turns raw values from history records into text, looking related names up in bulk."""

    def __init__(self, records):
        wanted: dict[type[Model], set] = defaultdict(set)
        indicator_ids = set()
        for record in records:
            for f in record._meta.fields:
                if f.is_relation and f.name not in _BOOKKEEPING_FIELDS:
                    value = getattr(record, f.attname)
                    if value is not None:
                        wanted[f.related_model].add(value)
            if record.instance_type is Measurement:
                indicator_ids.add(record.indicator_id)
        self.names = {
            model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
            for model, ids in wanted.items()
            if model in (Person, ProgrammeGoal)
        }
        # An indicator may be gone; its history still knows what it was called.
        self.indicators: dict[int, str] = {}
        if indicator_ids:
            rows = (
                Indicator.history.filter(id__in=indicator_ids)
                .order_by("history_date", "history_id")
                .values_list("id", "name")
            )
            self.indicators = dict(rows)

    def value(self, record, name: str) -> str:
        f = record._meta.get_field(name)
        value = getattr(record, f.attname)
        if value is None or value == "":
            return _("(empty)")
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if f.is_relation:
            return self.names.get(f.related_model, {}).get(value, _("(removed)"))
        if isinstance(value, dt.datetime):
            return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        if isinstance(value, dt.date):
            return formats.date_format(value, "SHORT_DATE_FORMAT")
        if isinstance(value, Decimal):
            return format_number(value)
        return Truncator(str(value)).chars(_TEXT_PREVIEW_CHARS)

    def label(self, record, name: str) -> str:
        return str(capfirst(record._meta.get_field(name).verbose_name))

    def changes(self, new, old) -> list[FieldChange]:
        return [
            FieldChange(
                label=self.label(new, name),
                old=self.value(old, name),
                new=self.value(new, name),
                diff=self.diff(new, old, name),
            )
            for name in _changed_fields(new, old)
        ]

    def diff(self, new, old, name: str) -> str:
        """The changed words of a text, whole where it was written or emptied; empty for
        anything that is not a text."""
        f = new._meta.get_field(name)
        if f.choices or f.is_relation or not isinstance(f, (CharField, TextField)):
            return ""
        return diff_html(getattr(old, f.attname) or "", getattr(new, f.attname) or "")

    def name(self, record) -> str:
        """What the object is called, as the record has it (empty for the plan itself)."""
        model = record.instance_type
        if model is ProjectPlan:
            return ""
        if model is Measurement:
            return _("%(date)s in “%(indicator)s”") % {
                "date": formats.date_format(record.measured_on, "SHORT_DATE_FORMAT"),
                "indicator": self.indicators.get(record.indicator_id, _("(removed)")),
            }
        return Truncator(str(record.history_object)).chars(120)


# The change history


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: str
    action: str  # "created", "changed" or "deleted"
    subject: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)


_HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _history_sources(plan: ProjectPlan) -> dict[str, QuerySet]:
    indicator_ids = Indicator.history.filter(plan_id=plan.pk).values("id")
    return {
        "plan": ProjectPlan.history.filter(id=plan.pk),
        "goal": QualityGoal.history.filter(plan_id=plan.pk),
        "waste": Waste.history.filter(plan_id=plan.pk),
        "cause": RootCause.history.filter(plan_id=plan.pk),
        "measure": Measure.history.filter(plan_id=plan.pk),
        "indicator": Indicator.history.filter(plan_id=plan.pk),
        "measurement": Measurement.history.filter(indicator_id__in=indicator_ids),
    }


def plan_history_page(plan: ProjectPlan, page_number) -> tuple[Page, list[HistoryEntry]]:
    """One page of the plan's change log, newest first, across the plan and all its parts.

    One query counts and one pages through all seven history tables together; then, per kind of
    record on the page, one query loads the records with their users and one their previous
    versions; at most three more name owners, programme goals and indicators.
    """
    sources = _history_sources(plan)
    keys = [
        qs.order_by()
        .annotate(history_source=Value(kind, output_field=CharField()))
        .values_list("history_source", "history_id", "history_date")
        for kind, qs in sources.items()
    ]
    combined = keys[0].union(*keys[1:], all=True).order_by("-history_date", "-history_id")
    page = Paginator(combined, HISTORY_PAGE_SIZE).get_page(page_number)
    wanted: dict[str, list[int]] = defaultdict(list)
    for kind, history_id, _when in page.object_list:
        wanted[kind].append(history_id)

    records: dict[tuple[str, int], Model] = {}
    previous: dict[tuple[str, int], Model] = {}
    for kind, ids in wanted.items():
        history = sources[kind].model
        earlier = (
            history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        rows = list(
            history.objects.filter(history_id__in=ids)
            .select_related("history_user__person")
            .annotate(previous_id=Subquery(earlier))
        )
        earlier_ids = [r.previous_id for r in rows if r.history_type == "~" and r.previous_id]
        earlier_rows = {r.history_id: r for r in history.objects.filter(history_id__in=earlier_ids)}
        for row in rows:
            records[kind, row.history_id] = row
            if row.previous_id in earlier_rows:
                previous[kind, row.history_id] = earlier_rows[row.previous_id]

    labels = _Labels([*records.values(), *previous.values()])
    entries = []
    for kind, history_id, _when in page.object_list:
        record = records[kind, history_id]
        before = previous.get((kind, history_id))
        changes = labels.changes(record, before) if before is not None else []
        if record.history_type == "~" and before is not None and not changes:
            # A save that only moved the plan's version on (its parts changed, shown apart).
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=_who(record),
                action=_HISTORY_ACTIONS[record.history_type],
                subject=_subject(record),
                name=labels.name(record),
                changes=changes,
            )
        )
    return page, entries


# What changed while someone had the edit form open


@dataclass(frozen=True)
class PlanState:
    """The plan and its parts as they stood at one version, as unsaved model instances."""

    plan: ProjectPlan
    parts: dict[type[Model], dict[int, Model]]


@dataclass(frozen=True)
class PartChange:
    action: str  # "added", "changed" or "removed"
    subject: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class PlanChanges:
    """What others changed since a version: who, the plan's own fields, and its parts."""

    base: PlanState | None
    authors: list[str] = field(default_factory=list)
    plan_changes: list[FieldChange] = field(default_factory=list)
    part_changes: list[PartChange] = field(default_factory=list)


def plan_changes_since(*, plan: ProjectPlan, version: int) -> PlanChanges:
    """Compare the plan as it stood at `version` with the plan now, through its history.

    Every save that moves the version on writes the plan row first and its parts after it
    (`plans.services` and the plan's admin page do), so the plan's first history record past
    `version` marks the moment: what was recorded before it is what the user started from.
    """
    first_newer = (
        plan.history.filter(version__gt=version).order_by("history_date", "history_id").first()
    )
    if first_newer is None:
        return PlanChanges(base=None)
    until = first_newer.history_date
    base_record = (
        plan.history.filter(history_date__lt=until).order_by("-history_date", "-history_id").first()
    )
    if base_record is None:
        return PlanChanges(base=None)

    newer_plan = list(
        plan.history.filter(history_date__gte=until)
        .select_related("history_user__person")
        .order_by("history_date", "history_id")
    )
    newer_parts: dict[type[Model], list] = {}
    base_parts: dict[type[Model], dict[int, Model]] = {}
    for model in PLAN_PARTS:
        history = model.history
        newer_parts[model] = list(
            history.filter(plan_id=plan.pk, history_date__gte=until)
            .select_related("history_user__person")
            .order_by("history_date", "history_id")
        )
        latest_then = (
            history.filter(id=OuterRef("id"), history_date__lt=until)
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        standing = (
            history.filter(plan_id=plan.pk, history_date__lt=until)
            .filter(history_id=Subquery(latest_then))
            .exclude(history_type="-")
        )
        base_parts[model] = {record.id: record for record in standing}

    every_record = [base_record, *newer_plan]
    for model in PLAN_PARTS:
        every_record += newer_parts[model] + list(base_parts[model].values())
    labels = _Labels(every_record)

    authors: list[str] = []
    for record in [*newer_plan, *(r for model in PLAN_PARTS for r in newer_parts[model])]:
        who = _who(record)
        if who not in authors:
            authors.append(who)

    plan_changes = labels.changes(newer_plan[-1], base_record) if newer_plan else []
    part_changes = []
    for model in PLAN_PARTS:
        latest: dict[int, Model] = {}
        for record in newer_parts[model]:
            latest[record.id] = record
        for object_id, last in latest.items():
            before = base_parts[model].get(object_id)
            if before is None and last.history_type == "-":
                continue
            if before is None:
                part_changes.append(PartChange("added", _subject(last), labels.name(last)))
            elif last.history_type == "-":
                part_changes.append(PartChange("removed", _subject(before), labels.name(before)))
            elif changes := labels.changes(last, before):
                part_changes.append(
                    PartChange("changed", _subject(last), labels.name(last), changes)
                )

    base = PlanState(
        plan=base_record.history_object,
        parts={
            model: {pk: record.history_object for pk, record in records.items()}
            for model, records in base_parts.items()
        },
    )
    return PlanChanges(
        base=base, authors=authors, plan_changes=plan_changes, part_changes=part_changes
    )
