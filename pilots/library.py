"""The learning library: the municipality's earlier processes and what its pilots learned.

Everyone with a role in the municipality reads all of it (`Scope.can_read_library`); its
coordinators curate the earlier processes, and a pilot's leader or a coordinator writes the
pilot's lessons. One search covers both kinds: on PostgreSQL a full-text search in Norwegian
("ventetid" finds "ventetiden"), ranked, through GIN indexes on the very expressions below
(migration `pilots.0012`); on SQLite, which `make run` may use, every word must occur somewhere.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import CharField, F, FloatField, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, ExtractYear

from pilots.access import scope_for
from pilots.collation import norwegian_sort_key
from pilots.models import Department, EarlierProcess, Pilot, PilotLessons

SEARCH_CONFIG = "norwegian"
# The same expressions as the GIN indexes of migration 0012: change both together, or the
# search stops using the index (tests/library/test_search.py checks the plan).
PROCESS_FIELDS = ("title", "service_area", "description", "outcome", "lessons_learned")
LESSON_FIELDS = ("what_worked", "what_did_not_work", "advice")

KIND_PROCESS = "process"
KIND_LESSONS = "lessons"

# The pilot page and the new pilot's checklist show a few of each, most recent first.
SUGGESTIONS_SHOWN = 3

# Whole words for the SQLite fallback; websearch syntax ("quotes", -not, or) is not parsed there,
# and SQLite ignores the case of ASCII letters only ("Ø" does not match "ø").
_WORD = re.compile(r"\w+", re.UNICODE)


def _process_vector() -> SearchVector:
    return SearchVector(*PROCESS_FIELDS, config=SEARCH_CONFIG)


def _lesson_vector() -> SearchVector:
    return SearchVector(*LESSON_FIELDS, config=SEARCH_CONFIG)


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


# --- Reads -------------------------------------------------------------------------------------


def earlier_processes_for_user(user) -> QuerySet[EarlierProcess]:
    """The earlier processes of the user's municipality (every one for an administrator)."""
    scope = scope_for(user)
    processes = EarlierProcess.objects.select_related("department")
    if not scope.can_read_library():
        return processes.none()
    if scope.is_superuser and scope.municipality_id is None:
        return processes
    return processes.filter(municipality_id=scope.municipality_id)


def lessons_for_user(user) -> QuerySet[PilotLessons]:
    """The lessons of every pilot of the user's municipality: written for the whole of it."""
    scope = scope_for(user)
    lessons = PilotLessons.objects.select_related("pilot__department", "written_by__person")
    if not scope.can_read_library():
        return lessons.none()
    if scope.is_superuser and scope.municipality_id is None:
        return lessons
    return lessons.filter(pilot__programme__municipality_id=scope.municipality_id)


@dataclass(frozen=True)
class LibraryFilters:
    text: str = ""
    service_area: str = ""
    year: int | None = None
    outcome: str = ""


def _text_filter(queryset: QuerySet, *, text: str, fields: tuple[str, ...], vector) -> QuerySet:
    """Keep the rows that match `text` and annotate `rank` (0 without a text or on SQLite)."""
    if not text:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if uses_full_text_search():
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return (
            queryset.annotate(search=vector)
            .filter(search=query)
            .annotate(rank=SearchRank(vector, query))
        )
    for word in _WORD.findall(text):
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(any_field)
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))


# The columns both kinds give the list, in the order a UNION needs.
ENTRY_COLUMNS = (
    "pk",
    "kind",
    "entry_title",
    "entry_service_area",
    "entry_year",
    "entry_outcome",
    "summary",
    "rank",
)


def library_entries(user, *, filters: LibraryFilters) -> QuerySet:
    """Earlier processes and pilots' lessons as one list of dicts (`ENTRY_COLUMNS`): the best
    match first when searching, else the most recent. One query per page, one to count."""
    processes = earlier_processes_for_user(user)
    lessons = lessons_for_user(user)
    if filters.service_area:
        processes = processes.filter(service_area__iexact=filters.service_area)
        lessons = lessons.filter(pilot__department__service_area__iexact=filters.service_area)
    if filters.year:
        processes = processes.filter(year=filters.year)
    lessons = lessons.annotate(entry_year=Coalesce("pilot__course_year", ExtractYear("created_at")))
    if filters.year:
        lessons = lessons.filter(entry_year=filters.year)
    if filters.outcome:
        processes = processes.filter(outcome_category=filters.outcome)
        # A pilot's lessons have no outcome of that kind: filtering by one leaves them out.
        lessons = lessons.none()
    processes = _text_filter(
        processes, text=filters.text, fields=PROCESS_FIELDS, vector=_process_vector()
    )
    lessons = _text_filter(
        lessons, text=filters.text, fields=LESSON_FIELDS, vector=_lesson_vector()
    )
    processes = processes.annotate(
        kind=Value(KIND_PROCESS, output_field=CharField()),
        entry_title=F("title"),
        entry_service_area=F("service_area"),
        entry_year=F("year"),
        entry_outcome=F("outcome_category"),
        summary=Coalesce(
            F("outcome"), Value(""), output_field=TextField()
        ),  # the outcome says most in a line
    ).values(*ENTRY_COLUMNS)
    lessons = lessons.annotate(
        kind=Value(KIND_LESSONS, output_field=CharField()),
        entry_title=F("pilot__department__name"),
        entry_service_area=F("pilot__department__service_area"),
        entry_outcome=Value("", output_field=CharField()),
        summary=Coalesce(F("advice"), Value(""), output_field=TextField()),
    ).values(*ENTRY_COLUMNS)
    ordering = ("-rank", "-entry_year", "entry_title", "kind", "pk")
    # The parts' own ordering (`Meta.ordering`) has no place inside a UNION.
    return processes.order_by().union(lessons.order_by(), all=True).order_by(*ordering)


def library_service_areas(user) -> list[str]:
    """The service areas named in the user's municipality, by departments or earlier processes,
    each once (case aside), in Norwegian order: one query."""
    scope = scope_for(user)
    if not scope.can_read_library():
        return []
    processes = earlier_processes_for_user(user).exclude(service_area="")
    departments = Department.objects.exclude(service_area="")
    if scope.municipality_id is not None:
        departments = departments.filter(municipality_id=scope.municipality_id)
    names = (
        processes.order_by()
        .values_list("service_area", flat=True)
        .union(departments.order_by().values_list("service_area", flat=True))
    )
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)
    return sorted(unique.values(), key=norwegian_sort_key)


@dataclass(frozen=True)
class LibrarySuggestions:
    service_area: str
    processes: list[EarlierProcess]
    lessons: list[PilotLessons]

    def __bool__(self) -> bool:
        return bool(self.processes or self.lessons)

    @property
    def count(self) -> int:
        return len(self.processes) + len(self.lessons)


def library_suggestions(user, *, pilot: Pilot) -> LibrarySuggestions:
    """What the library holds from the pilot's service area: a few earlier processes and other
    pilots' lessons, most recent first (two queries; none without a service area)."""
    area = pilot.department.service_area.strip()
    if not area or not scope_for(user).can_read_library():
        return LibrarySuggestions(service_area=area, processes=[], lessons=[])
    municipality_id = pilot.department.municipality_id
    processes = list(
        earlier_processes_for_user(user)
        .filter(municipality_id=municipality_id, service_area__iexact=area)
        .order_by("-year", "-pk")[:SUGGESTIONS_SHOWN]
    )
    lessons = list(
        lessons_for_user(user)
        .filter(
            pilot__programme__municipality_id=municipality_id,
            pilot__department__service_area__iexact=area,
        )
        .exclude(pilot=pilot)
        .order_by("-updated_at", "-pk")[:SUGGESTIONS_SHOWN]
    )
    return LibrarySuggestions(service_area=area, processes=processes, lessons=lessons)


def pilot_lessons_of(pilot: Pilot) -> PilotLessons | None:
    """The pilot's own lessons, or None when nobody has written them yet (one query)."""
    return PilotLessons.objects.select_related("written_by__person").filter(pilot=pilot).first()


# The phases in which a pilot's lessons are asked for.
LESSONS_DUE_PHASES = (Pilot.Phase.SELF_SUFFICIENT, Pilot.Phase.CLOSED)


def lessons_due(pilot: Pilot, lessons: PilotLessons | None) -> bool:
    return lessons is None and pilot.phase in LESSONS_DUE_PHASES


def pilots_with_lessons_due(user, *, pilots: QuerySet[Pilot]) -> list[Pilot]:
    """Of `pilots` (already scoped to the user), those that run on their own without lessons
    and whose lessons the user may write: one query."""
    scope = scope_for(user)
    candidates = pilots.filter(phase=Pilot.Phase.SELF_SUFFICIENT, lessons__isnull=True)
    return [pilot for pilot in candidates if scope.can_write_lessons(pilot)]


# --- Writes ------------------------------------------------------------------------------------


def earlier_process_save(*, user, process: EarlierProcess) -> EarlierProcess:
    """Add or change an earlier process in the library of the user's municipality."""
    scope = scope_for(user)
    if process.municipality_id is None:
        process.municipality_id = scope.municipality_id
    scope.require(scope.can_curate_library(municipality_id=process.municipality_id))
    process.full_clean()
    process.save()
    return process


def earlier_process_delete(*, user, process: EarlierProcess) -> None:
    scope = scope_for(user)
    scope.require(scope.can_curate_library(municipality_id=process.municipality_id))
    process.delete()


@transaction.atomic
def pilot_lessons_save(
    *, user, pilot: Pilot, what_worked: str, what_did_not_work: str, advice: str
) -> PilotLessons:
    """Write or rewrite what the pilot's department learned. Raises ValidationError when all
    three are empty."""
    scope = scope_for(user)
    scope.require(scope.can_write_lessons(pilot))
    lessons = PilotLessons.objects.select_for_update().filter(pilot=pilot).first()
    if lessons is None:
        lessons = PilotLessons(pilot=pilot)
    lessons.what_worked = what_worked.strip()
    lessons.what_did_not_work = what_did_not_work.strip()
    lessons.advice = advice.strip()
    lessons.written_by = user
    lessons.full_clean(exclude=["pilot"])
    lessons.save()
    return lessons
