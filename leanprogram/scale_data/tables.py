"""The rows of each table, in the order they are written (a table only refers to earlier ones).

Each entry of `TABLES` names a model, the columns it fills (`copy.Table` fills the rest from the
model's defaults) and a function that yields the rows as tuples. The rows are made with plain
Python from `layout.Layout`: ids by arithmetic, dates from each pilot's cohort, and a random
generator seeded per table so one table's content does not depend on another's.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import translation

from followup.models import (
    BoardMeeting,
    FollowUpItem,
    FollowUpMeeting,
    FollowUpPolicy,
    FollowUpStep,
    Reminder,
)
from followup.phases import PhaseFacts, phase_from_facts
from leanprogram.scale_data.copy import has_column
from leanprogram.scale_data.layout import (
    BOARD_MEETINGS,
    COURSE_DAYS,
    FOLLOW_UP,
    INDICATORS,
    JUST_HELD,
    MEASUREMENTS,
    MEASURES,
    PROGRAMME_GOALS,
    QUALITY_GOALS,
    STEPS,
    SUGGESTIONS,
    TO_COME,
    WASTES,
    Layout,
)
from pilots.models import (
    Department,
    DepartmentRole,
    Municipality,
    Person,
    Pilot,
    Programme,
    ProgrammeGoal,
    ProgrammeRole,
)
from plans.models import (
    Indicator,
    Measure,
    Measurement,
    ProjectPlan,
    QualityGoal,
    RootCause,
    Suggestion,
    Waste,
)
from training.models import Attendance, CourseDay, InformationMeeting

OSLO = ZoneInfo("Europe/Oslo")

FIRST_NAMES = (  # noqa: SIM905 - names read best as text
    "Anne Kari Ingrid Marit Liv Hilde Randi Sofie Nora Emma Ida Tone Silje Hanne Kristin "
    "Camilla Ole Per Tore Lars Jan Knut Bjørn Arne Kjell Odd Terje Magnus Jonas Emil Håkon "
    "Øystein Åse"
).split()
LAST_NAMES = (  # noqa: SIM905 - names read best as text
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen "
    "Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen "
    "Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Meltzer "
    "Ervik Lindstrøm"
).split()
SERVICE_AREAS = (
    ("Hjemmetjenesten", "Helse og omsorg"),
    ("Sykehjem", "Helse og omsorg"),
    ("Barnehage", "Oppvekst"),
    ("Skole", "Oppvekst"),
    ("NAV", "Velferd"),
    ("Byggesak", "Teknisk"),
    ("Servicetorg", "Administrasjon"),
)
ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
PRESENT, ABSENT, EXCUSED = Attendance.Status.values


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OSLO)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


@dataclass(frozen=True)
class Spec:
    key: str  # the layout's name for the table's ids
    model: type[models.Model]
    named: tuple[str, ...]
    rows: Callable[[Layout, random.Random], Iterator[tuple]]


def _each_pilot(layout: Layout):
    for m in range(layout.municipalities):
        for p in range(layout.pilots):
            yield m, p, layout.g(m, p)


def municipalities(layout, rng):
    for m in range(layout.municipalities):
        yield (
            layout.id("municipality", m),
            f"Kommune {m + 1:03d}",
            f"kommune-{m + 1:03d}",
            (f"{940000000 + m}"),
        )


def programmes(layout, rng):
    starts_on = layout.today.replace(month=1, day=1) - dt.timedelta(days=365)
    for m in range(layout.municipalities):
        yield (
            layout.id("programme", m),
            layout.id("municipality", m),
            "LæringsLEAN",
            "Vestre Toten kommune",
            "SINTEF",
            "Verdihåndboken",
            "Kontinuerlig forbedring i alle avdelinger.",
            starts_on,
        )


def programme_goals(layout, rng):
    texts = ("Størst mulig verdiskaping", "Sterkere medvirkning", "Gode tjenester til innbyggerne")
    for m in range(layout.municipalities):
        for n in range(PROGRAMME_GOALS):
            yield (
                layout.id("programme_goal", m * PROGRAMME_GOALS + n),
                layout.id("programme", m),
                n + 1,
                texts[n % len(texts)],
            )


def policies(layout, rng):
    for m in range(layout.municipalities):
        yield layout.id("policy", m), layout.id("programme", m)


def steps(layout, rng):
    for m in range(layout.municipalities):
        for n, (amount, unit) in enumerate(FollowUpStep.DEFAULTS):
            yield layout.id("step", m * STEPS + n), layout.id("policy", m), amount, unit


def departments(layout, rng):
    for m, p, g in _each_pilot(layout):
        name, area = SERVICE_AREAS[p % len(SERVICE_AREAS)]
        yield layout.id("department", g), layout.id("municipality", m), f"{name} {p + 1}", area


def people(layout, rng):
    languages = ("nb",) * 8 + ("nn", "en")
    for m in range(layout.municipalities):
        municipality = layout.id("municipality", m)
        domain = f"k{m + 1:03d}.kommune.example"
        for index in range(layout.people_per_municipality):
            pk = layout.id("person", m * layout.people_per_municipality + index)
            name = _name(rng)
            email = f"{name.lower().translate(ASCII).replace(' ', '.')}.{pk}@{domain}"
            phone = f"9{rng.randrange(10**7):07d}"
            yield pk, municipality, name, email, phone, rng.choice(languages)


def programme_roles(layout, rng):
    for m in range(layout.municipalities):
        programme = layout.id("programme", m)
        yield (
            layout.id("programme_role", 2 * m),
            programme,
            layout.coordinator(m),
            (ProgrammeRole.Role.LEAN_COORDINATOR),
            100,
        )
        yield (
            layout.id("programme_role", 2 * m + 1),
            programme,
            layout.guide(m),
            (ProgrammeRole.Role.LEAN_GUIDE),
            100,
        )


def department_roles(layout, rng):
    Role = DepartmentRole.Role
    first = (Role.DEPARTMENT_LEADER, Role.UNION_REP, Role.SAFETY_REP)
    for m, p, g in _each_pilot(layout):
        department = layout.id("department", g)
        for s in range(layout.staff):
            role = first[s] if s < len(first) else Role.STAFF
            pk = layout.id("department_role", g * layout.staff + s)
            yield (
                pk,
                department,
                layout.person(m, p, s),
                role,
                100 if s == 0 else rng.choice((50, 75, 80, 100, 100)),
            )


def _phase(layout: Layout, m: int, p: int) -> str:
    dates = layout.dates(m, p)
    held = sum(1 for due in layout.follow_up_due(dates) if _held(layout, due, m, p))
    facts = PhaseFacts(
        has_information_meeting=True,
        first_course_day=dates.first_day,
        last_course_day=dates.last_day,
        plan_approved=dates.cohort == FOLLOW_UP,
        cadence_meetings=STEPS,
        cadence_meetings_held=held,
    )
    return phase_from_facts(facts, today=layout.today)


def _held(layout: Layout, due: dt.date, m: int, p: int) -> bool:
    """A follow-up meeting is held on its day, except one pilot in nine's, which fell behind."""
    return due < layout.today and layout.g(m, p) % 9 != 4


def pilots(layout, rng):
    changed = _at(layout.today, 7)
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        year, first, _ = dates.first_day.isocalendar()
        last = dates.last_day.isocalendar()
        # Course weeks across New Year are stored as the first one (the fields hold one year).
        last_week = last.week if last.year == year else first
        yield (
            layout.id("pilot", g),
            layout.id("programme", m),
            layout.id("department", g),
            _phase(layout, m, p),
            year,
            first,
            last_week,
            changed,
        )


def information_meetings(layout, rng):
    for m, p, g in _each_pilot(layout):
        day = layout.dates(m, p).information_meeting
        yield (
            layout.id("information_meeting", g),
            layout.id("pilot", g),
            _at(day, 13),
            _at(day, 14),
            "Kantina",
        )


def course_days(layout, rng):
    topics = ("Lean og verdiskaping", "Nåsituasjon og sløsing", "Tiltak og indikatorer", "Plan")
    for m, p, g in _each_pilot(layout):
        for n, day in enumerate(layout.dates(m, p).course_days):
            yield (
                layout.id("course_day", g * COURSE_DAYS + n),
                layout.id("pilot", g),
                n + 1,
                day,
                dt.time(8, 30),
                dt.time(15, 30),
                "Kommunestyresalen",
                topics[n],
            )


def facilitators(layout, rng):
    for m, _p, g in _each_pilot(layout):
        for n in range(COURSE_DAYS):
            day = layout.id("course_day", g * COURSE_DAYS + n)
            index = 2 * (g * COURSE_DAYS + n)
            yield layout.id("facilitator", index), day, layout.guide(m)
            yield layout.id("facilitator", index + 1), day, layout.coordinator(m)


def attendance(layout, rng):
    """Everyone in the department, at the information meeting and each course day held."""
    pk = layout.id("attendance", 0)
    statuses = (PRESENT,) * 18 + (ABSENT, EXCUSED)
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        if dates.information_meeting >= layout.today:
            continue
        members = [layout.person(m, p, s) for s in range(layout.staff)]
        meeting = layout.id("information_meeting", g)
        recorded = _at(dates.information_meeting, 15)
        for person in members:
            yield pk, person, meeting, None, rng.choice(statuses), recorded
            pk += 1
        for n, day in enumerate(dates.course_days):
            if day >= layout.today:
                break
            course_day = layout.id("course_day", g * COURSE_DAYS + n)
            recorded = _at(day, 16)
            for person in members:
                yield pk, person, None, course_day, rng.choice(statuses), recorded
                pk += 1


def plans(layout, rng):
    Status = ProjectPlan.Status
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        created = _at(dates.first_day, 15)
        submitted = approved = None
        if dates.cohort == FOLLOW_UP:
            status, submitted, approved = (
                Status.APPROVED,
                _at(dates.last_day, 15),
                _at(dates.last_day + dt.timedelta(days=7), 10),
            )
        elif dates.cohort == JUST_HELD and g % 2:
            status, submitted = Status.SUBMITTED, _at(dates.last_day, 15)
        else:
            status = Status.DRAFT
        yield (
            layout.id("plan", g),
            layout.id("pilot", g),
            status,
            dates.last_day + dt.timedelta(days=1),
            "Mye leting etter utstyr og dobbeltregistrering i fagsystemet.",
            "Faste plasser for utstyr og én registrering per besøk.",
            submitted,
            approved,
            created,
            approved or submitted or created,
        )


def quality_goals(layout, rng):
    texts = ("Mindre leting etter utstyr", "Mer tid hos brukerne")
    for m, _p, g in _each_pilot(layout):
        for n in range(QUALITY_GOALS):
            yield (
                layout.id("quality_goal", g * QUALITY_GOALS + n),
                layout.id("plan", g),
                texts[n],
                layout.id("programme_goal", m * PROGRAMME_GOALS + n),
            )


def wastes(layout, rng):
    kinds = Waste.Kind.values
    for _m, _p, g in _each_pilot(layout):
        for n in range(WASTES):
            yield (
                layout.id("waste", g * WASTES + n),
                layout.id("plan", g),
                kinds[(g + n) % len(kinds)],
                "Venting på nøkler og biler ved vaktskifte.",
            )


def root_causes(layout, rng):
    for _m, _p, g in _each_pilot(layout):
        yield (
            layout.id("root_cause", g),
            layout.id("plan", g),
            "Leting etter nøkler",
            ("Ingen fast plass\nIngen eier\nIkke avtalt"),
            "Ingen har ansvar for nøkkelskapet",
        )


def measures(layout, rng):
    Status = Measure.Status
    levels = Measure.Level.values
    titles = ("Fast plass for utstyr", "Tavlemøte hver tirsdag", "Ny rutine for vaktskifte")
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        created = _at(dates.last_day, 14)
        for n in range(MEASURES):
            deadline = dates.last_day + dt.timedelta(weeks=2 + 2 * n)
            if dates.cohort == FOLLOW_UP:
                status = (Status.DONE, Status.IN_PROGRESS, Status.NOT_STARTED, Status.DONE)[
                    (g + n) % 4
                ]
            else:
                status = Status.NOT_STARTED
            identified = Decimal(rng.randrange(0, 40)) / 4
            realised = identified if status == Status.DONE and n % 3 else Decimal(0)
            yield (
                layout.id("measure", g * MEASURES + n),
                layout.id("plan", g),
                f"{titles[n % len(titles)]} ({n + 1})",
                "",
                layout.person(m, p, 1 + n % (layout.staff - 1)) if layout.staff > 1 else None,
                deadline,
                status,
                levels[n % 3],
                levels[(n + 1) % 3],
                identified,
                realised,
                created,
                created,
            )


def indicators(layout, rng):
    names = (("Minutter leting per vakt", "min", 30, 10), ("Tid hos bruker", "%", 55, 70))
    for _m, _p, g in _each_pilot(layout):
        for n in range(INDICATORS):
            name, unit, baseline, target = names[n % len(names)]
            yield (
                layout.id("indicator", g * INDICATORS + n),
                layout.id("plan", g),
                name,
                unit,
                (Decimal(baseline)),
                Decimal(target),
            )


def measurements(layout, rng):
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        for n in range(INDICATORS):
            indicator = layout.id("indicator", g * INDICATORS + n)
            for k in range(MEASUREMENTS):
                if dates.cohort == FOLLOW_UP:
                    day = dates.last_day + dt.timedelta(weeks=k + 1)
                else:  # the weeks before the course: the baseline
                    day = dates.first_day - dt.timedelta(weeks=MEASUREMENTS - k)
                index = (g * INDICATORS + n) * MEASUREMENTS + k
                yield (
                    layout.id("measurement", index),
                    indicator,
                    day,
                    Decimal(rng.randrange(100, 800)) / 10,
                    "",
                )


def suggestions(layout, rng):
    Status = Suggestion.Status
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        for n in range(SUGGESTIONS):
            answered = dates.cohort == FOLLOW_UP and n == 0
            yield (
                layout.id("suggestion", g * SUGGESTIONS + n),
                layout.id("pilot", g),
                layout.person(m, p, min(2 + n, layout.staff - 1)) if n == 0 else None,
                "Kan vi ha en felles huskeliste ved vaktskiftet?",
                Status.ANSWERED if answered else Status.NEW,
                "Ja, vi prøver fra neste uke." if answered else "",
                _at(dates.last_day + dt.timedelta(days=3), 12) if answered else None,
                _at(dates.first_day, 12),
            )


def follow_up_meetings(layout, rng):
    with translation.override(settings.LANGUAGE_CODE):
        labels = [step.label() for step in layout.steps]
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        for n, due in enumerate(layout.follow_up_due(dates)):
            held = _held(layout, due, m, p)
            yield (
                layout.id("follow_up_meeting", g * STEPS + n),
                layout.id("pilot", g),
                labels[n],
                layout.id("step", m * STEPS + n),
                due,
                due if held else None,
                "Gikk gjennom tiltakene og indikatorene." if held else "",
            )


def follow_up_items(layout, rng):
    Kind = FollowUpItem.Kind
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        for n, due in enumerate(layout.follow_up_due(dates)):
            if _held(layout, due, m, p):
                meeting = layout.id("follow_up_meeting", g * STEPS + n)
                yield (
                    layout.id("follow_up_item", g * STEPS + n),
                    meeting,
                    (Kind.DECISION if n % 2 else Kind.OPEN),
                    "Vi fortsetter med tavlemøtet hver tirsdag.",
                    False,
                    _at(due, 12),
                )


def board_meetings(layout, rng):
    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        if dates.cohort != FOLLOW_UP:
            continue
        for n in range(BOARD_MEETINGS):
            day = layout.this_monday - dt.timedelta(weeks=n + 1, days=-1)
            if day <= dates.last_day:
                break
            yield (
                layout.id("board_meeting", g * BOARD_MEETINGS + n),
                layout.id("pilot", g),
                day,
                "Gikk gjennom tavla.",
                min(layout.staff, 1 + rng.randrange(12)),
            )


def reminders(layout, rng):
    """What the sweep sent before today: the information meeting's notice to everyone in the
    department, and the notice of each follow-up meeting to the leader; a few failed or were
    cancelled by hand. A pilot still to come has its notice stored, not yet due."""
    Kind, Status = Reminder.Kind, Reminder.Status
    with_municipality = has_column(Reminder, "municipality_id")
    pk = layout.id("reminder", 0)
    body = "Hei!\n\nDette er en påminnelse fra LæringsLEAN.\n"

    def row(kind, person, pilot, subject_key, period, due_at, expires_at, status, m, subject):
        nonlocal pk
        sent = status == Status.SENT
        failed = status == Status.FAILED
        values = (
            pk,
            kind,
            person,
            pilot,
            subject_key,
            period,
            due_at,
            expires_at,
            status,
            due_at + dt.timedelta(minutes=1) if sent else None,
            3 if failed else (1 if sent else 0),
            "SMTPRecipientsRefused: 550 mailbox unavailable" if failed else "",
            Reminder.CancelReason.BY_HAND if status == Status.CANCELLED else "",
            subject if status != Status.PENDING else "",
            body if status != Status.PENDING else "",
            due_at,
        )
        pk += 1
        return (*values, layout.id("municipality", m)) if with_municipality else values

    for m, p, g in _each_pilot(layout):
        dates = layout.dates(m, p)
        pilot = layout.id("pilot", g)
        meeting = layout.id("information_meeting", g)
        day = dates.information_meeting
        due_at = _at(day - dt.timedelta(days=2), 8)
        for s in range(layout.staff):
            if dates.cohort == TO_COME:
                status = Status.PENDING
            else:
                status = (Status.SENT,) * 29 + (Status.FAILED, Status.CANCELLED)[
                    : 2 if s % 2 else 1
                ]
                status = status[(g * 7 + s) % len(status)]
            yield row(
                Kind.EVENT_COMING,
                layout.person(m, p, s),
                pilot,
                f"meeting:{meeting}",
                day.isoformat(),
                due_at,
                _at(day, 13),
                status,
                m,
                f"Informasjonsmøte {day:%d.%m.%Y}",
            )
        for n, due in enumerate(layout.follow_up_due(dates)):
            notice = due - dt.timedelta(days=7)
            if notice >= layout.today:
                break
            yield row(
                Kind.FOLLOW_UP_DUE,
                layout.person(m, p, 0),
                pilot,
                f"followup:{layout.id('follow_up_meeting', g * STEPS + n)}",
                due.isoformat(),
                _at(notice, 8),
                _at(due, 0),
                Status.SENT,
                m,
                f"Oppfølgingsmøte {due:%d.%m.%Y}",
            )


def _reminder_columns() -> tuple[str, ...]:
    columns = (
        "id",
        "kind",
        "recipient_id",
        "pilot_id",
        "subject_key",
        "period",
        "due_at",
        "expires_at",
        "status",
        "sent_at",
        "attempts",
        "last_error",
        "cancel_reason",
        "email_subject",
        "email_body",
        "created_at",
    )
    # The municipality the reminder belongs to, where the model stores it.
    return (*columns, "municipality_id") if has_column(Reminder, "municipality_id") else columns


def specs() -> list[Spec]:
    """Every table the generator writes, in dependency order."""
    return [
        Spec(
            "municipality",
            Municipality,
            ("id", "name", "slug", "organisation_number"),
            municipalities,
        ),
        Spec(
            "programme",
            Programme,
            (
                "id",
                "municipality_id",
                "name",
                "model_origin",
                "supplier",
                "value_platform",
                "description",
                "starts_on",
            ),
            programmes,
        ),
        Spec(
            "programme_goal",
            ProgrammeGoal,
            ("id", "programme_id", "order", "text"),
            programme_goals,
        ),
        Spec("policy", FollowUpPolicy, ("id", "programme_id"), policies),
        Spec("step", FollowUpStep, ("id", "policy_id", "amount", "unit"), steps),
        Spec(
            "department", Department, ("id", "municipality_id", "name", "service_area"), departments
        ),
        Spec(
            "person",
            Person,
            ("id", "municipality_id", "full_name", "email", "phone", "language"),
            people,
        ),
        Spec(
            "programme_role",
            ProgrammeRole,
            ("id", "programme_id", "person_id", "role", "position_percent"),
            programme_roles,
        ),
        Spec(
            "department_role",
            DepartmentRole,
            ("id", "department_id", "person_id", "role", "position_percent"),
            department_roles,
        ),
        Spec(
            "pilot",
            Pilot,
            (
                "id",
                "programme_id",
                "department_id",
                "phase",
                "course_year",
                "course_week_first",
                "course_week_last",
                "phase_changed_at",
            ),
            pilots,
        ),
        Spec(
            "information_meeting",
            InformationMeeting,
            ("id", "pilot_id", "starts_at", "ends_at", "place"),
            information_meetings,
        ),
        Spec(
            "course_day",
            CourseDay,
            ("id", "pilot_id", "number", "date", "starts_at", "ends_at", "place", "topic"),
            course_days,
        ),
        Spec(
            "facilitator",
            CourseDay.facilitators.through,
            ("id", "courseday_id", "person_id"),
            facilitators,
        ),
        Spec(
            "attendance",
            Attendance,
            ("id", "person_id", "information_meeting_id", "course_day_id", "status", "recorded_at"),
            attendance,
        ),
        Spec(
            "plan",
            ProjectPlan,
            (
                "id",
                "pilot_id",
                "status",
                "starts_on",
                "current_state",
                "future_state",
                "submitted_at",
                "approved_at",
                "created_at",
                "updated_at",
            ),
            plans,
        ),
        Spec(
            "quality_goal",
            QualityGoal,
            ("id", "plan_id", "text", "programme_goal_id"),
            quality_goals,
        ),
        Spec("waste", Waste, ("id", "plan_id", "kind", "description"), wastes),
        Spec(
            "root_cause",
            RootCause,
            ("id", "plan_id", "problem", "whys", "root_cause"),
            root_causes,
        ),
        Spec(
            "measure",
            Measure,
            (
                "id",
                "plan_id",
                "title",
                "description",
                "owner_id",
                "deadline",
                "status",
                "effort",
                "effect",
                "hours_identified_per_week",
                "hours_realised_per_week",
                "created_at",
                "updated_at",
            ),
            measures,
        ),
        Spec(
            "indicator",
            Indicator,
            ("id", "plan_id", "name", "unit", "baseline", "target"),
            indicators,
        ),
        Spec(
            "measurement",
            Measurement,
            ("id", "indicator_id", "measured_on", "value", "note"),
            measurements,
        ),
        Spec(
            "suggestion",
            Suggestion,
            (
                "id",
                "pilot_id",
                "author_id",
                "text",
                "status",
                "answer",
                "answered_at",
                "created_at",
            ),
            suggestions,
        ),
        Spec(
            "follow_up_meeting",
            FollowUpMeeting,
            ("id", "pilot_id", "label", "step_id", "due_on", "held_on", "notes"),
            follow_up_meetings,
        ),
        Spec(
            "follow_up_item",
            FollowUpItem,
            ("id", "meeting_id", "kind", "text", "done", "created_at"),
            follow_up_items,
        ),
        Spec(
            "board_meeting",
            BoardMeeting,
            ("id", "pilot_id", "held_on", "minutes", "present_count"),
            board_meetings,
        ),
        Spec("reminder", Reminder, _reminder_columns(), reminders),
    ]
