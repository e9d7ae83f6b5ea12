"""Harstad kommune's LæringsLEAN programme as demo data, and the service that loads it.

The story follows Harstad kommune's own account of the rollout: two pilots, Omsorg Sør,
hjemmetjenesten 2 and NAV flyktningetjenesten, an information meeting for all staff, four course
days in ISO weeks 7 and 8, a project plan per department, and a lean guide and a lean coordinator
in full-time posts.
Everyone below the two department leaders and the two programme people is fictional.

Rows are found by their natural keys and created only when missing; nothing that exists is
overwritten (except a changed demo password, which is set back). Loading twice therefore changes
nothing, and `make run`, which loads the demo on every start, keeps whatever was done in the demo
since the last start.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import models, transaction
from django.utils import timezone

from followup.phases import phases_follow_events
from pilots.admin_base import MUNICIPAL_ADMIN_GROUP
from pilots.calendar import OSLO
from pilots.models import (
    Department,
    DepartmentRole,
    EarlierProcess,
    HolidayPeriod,
    Invitation,
    Language,
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
    ProjectPlan,
    QualityGoal,
    RootCause,
    Suggestion,
    Waste,
)
from training.models import CourseDay, InformationMeeting

# Printed by `make run` and documented in the README; a demo database holds nothing worth a
# secret, and the command refuses to run unless DEBUG is on.
DEMO_PASSWORD = "lean-demo"  # noqa: S105
DEMO_ADMIN_USERNAME = "admin"

EMAIL_DOMAIN = "harstad.kommune.no"
COURSE_WEEK_FIRST = 7
COURSE_WEEK_LAST = 8
INFORMATION_MEETING_WEEK = 5
COURSE_DAY_STARTS_AT = time(8, 30)
COURSE_DAY_ENDS_AT = time(15, 30)
COURSE_DAY_PLACE = "Harstad rådhus, kursrommet"
COURSE_DAY_TOPICS = (
    "Introduksjon til LæringsLEAN og Verdihåndboken",
    "Nåsituasjonen: prosesskartlegging og sløsing",
    "Rotårsaker (fem hvorfor) og tiltak",
    "Prosjektplan, indikatorer og forbedringstavla",
)

MUNICIPALITY_NAME = "Harstad kommune"
MUNICIPALITY_SLUG = "harstad"
PROGRAMME_NAME = "LæringsLEAN"
PROGRAMME_DESCRIPTION = (
    "Harstad kommune innfører LæringsLEAN, Vestre Toten kommune sin Lean-modell, med SINTEF som "
    "leverandør av modellen og ansvarlig for opplæringen av leanveileder og leankoordinator "
    "samtidig med innføringen i pilotene. Måten vi innfører modellen på er forbedret ut fra "
    "erfaringene fra de 35 prosessene som er gjennomført i ulike avdelinger.\n\n"
    "Hovedmålsettingen er å yte bedre tjenester til innbyggerne. Verdihåndboken er vår "
    "verdiplattform og danner grunnlaget for hvordan vi skal være i møte med hverandre, med "
    "innbyggerne, med tjenestemottakerne og eksterne medspillere. Sammen med LæringsLEAN ønsker vi "
    "å etablere en kultur som bidrar til kontinuerlig forbedring, læring og utvikling som gir "
    "effektive tjenester med god kvalitet.\n\n"
    "Den nye modellen er grundigere og sikrer god informasjon, opplæring og oppfølging av "
    "enhetene: informasjonsmøter for alle ansatte, fire kursdager i uke 7 og 8 der avdelingen "
    "lager sin egen prosjektplan, og oppfølging etter kursdagene."
)
PROGRAMME_GOALS = (
    "Størst mulig verdiskaping med de ressursene vi har.",
    "Sterkere medvirkning for utvikling.",
    "Gi gode tjenester til kommunens befolkning.",
)
HOLIDAY_NAME = "Vinterferie (Troms)"
# School winter holiday in Troms falls on the second course week: the demo shows the collision.
HOLIDAY_WEEK = 8


@dataclass(frozen=True)
class DemoPerson:
    full_name: str
    language: str = Language.BOKMAL
    position_percent: int = 100
    username: str = ""

    @property
    def email(self) -> str:
        local = self.full_name.lower()
        for letter, ascii_letters in (("æ", "ae"), ("ø", "o"), ("å", "a"), (" ", ".")):
            local = local.replace(letter, ascii_letters)
        return f"{local}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoMeasure:
    title: str
    description: str
    owner: str
    weeks_after_course: int
    hours_identified_per_week: Decimal
    effort: str
    effect: str


@dataclass(frozen=True)
class DemoIndicator:
    name: str
    unit: str
    baseline: Decimal
    target: Decimal


@dataclass(frozen=True)
class DemoRootCause:
    problem: str
    whys: tuple[str, ...]
    root_cause: str


@dataclass(frozen=True)
class DemoPlan:
    # (quality goal, order of the programme goal it serves)
    goals: tuple[tuple[str, int], ...]
    current_state: str
    wastes: tuple[tuple[str, str], ...]
    root_causes: tuple[DemoRootCause, ...]
    future_state: str
    measures: tuple[DemoMeasure, ...]
    indicator: DemoIndicator


@dataclass(frozen=True)
class DemoSuggestion:
    text: str
    # Empty for an anonymous suggestion.
    author: str = ""
    # The leader's answer; with `declined` it is the reason it was not taken forward.
    answer: str = ""
    declined: bool = False
    # The title of the plan's measure it became.
    measure: str = ""


@dataclass(frozen=True)
class DemoDepartment:
    name: str
    service_area: str
    leader: DemoPerson
    staff: tuple[DemoPerson, ...]
    union_reps: tuple[str, ...]
    safety_reps: tuple[str, ...]
    # ISO weekdays: the two course days in each of the course weeks, and the information meeting.
    course_weekdays: tuple[int, int]
    information_weekday: int
    information_starts_at: time
    information_ends_at: time
    information_place: str
    plan: DemoPlan
    # One each: anonymous and new, named and new, answered (or declined), became a measure.
    suggestions: tuple[DemoSuggestion, ...] = ()


LEAN_GUIDE = DemoPerson("Monica Lindstrøm", username="veileder")
LEAN_COORDINATOR = DemoPerson("Jorunn Ervik", username="koordinator")

HOME_CARE = DemoDepartment(
    name="Omsorg Sør, hjemmetjenesten 2",
    service_area="Helse og omsorg",
    leader=DemoPerson("Tore Meltzer", username="tore"),
    staff=(
        DemoPerson("Ingrid Johansen", username="ingrid"),
        DemoPerson("Marit Olsen", position_percent=80),
        DemoPerson("Aisha Rahimi", language=Language.ENGLISH, position_percent=75),
        DemoPerson("Stian Berg"),
        DemoPerson("Jonas Nymo", language=Language.NYNORSK, position_percent=60),
    ),
    union_reps=("Marit Olsen",),
    safety_reps=(),
    course_weekdays=(2, 4),
    information_weekday=2,
    # Where day and evening shifts overlap, so that everyone can come.
    information_starts_at=time(14, 0),
    information_ends_at=time(15, 0),
    information_place="Personalrommet, Omsorg Sør",
    plan=DemoPlan(
        goals=(
            (
                "Mer tid hos brukerne: andelen direkte brukertid øker fra 52 % til 60 % av "
                "arbeidstiden.",
                3,
            ),
            (
                "Rapporten ved vaktskiftet tar høyst 15 minutter, og ingen leter etter nøkler "
                "eller utstyr når vakta starter.",
                1,
            ),
            ("Alle ansatte tar med minst ett forbedringsforslag til tavlemøtet hver måned.", 2),
        ),
        current_state=(
            "Dagvakten starter kl. 07.30 med muntlig rapport på personalrommet. Rapporten tar "
            "ofte 40–45 minutter, og det varierer hva som blir sagt. Kjørelistene endres manuelt "
            "om morgenen når noen er syke, og flere må vente før de kan dra ut. Nøkler til "
            "brukerne og utstyr til bilene ligger på forskjellige steder. Mye dokumentasjon "
            "skrives på slutten av vakta, etter hukommelsen."
        ),
        wastes=(
            (Waste.Kind.WAITING, "15–20 minutter hver morgen før kjørelistene er klare."),
            (
                Waste.Kind.MOTION,
                "Leting etter nøkler, blodsukkerapparat og hansker som ikke har fast plass.",
            ),
            (
                Waste.Kind.OVERPROCESSING,
                "Den samme informasjonen gis både muntlig i rapporten og skriftlig i fagsystemet.",
            ),
            (
                Waste.Kind.TRANSPORT,
                "Ruter som krysser hverandre fordi kjørelistene ikke er lagt etter geografi.",
            ),
        ),
        root_causes=(
            DemoRootCause(
                problem="Vi venter 15–20 minutter hver morgen før vi kan dra ut.",
                whys=(
                    "Kjørelistene må lages på nytt om morgenen.",
                    "De er ikke klare dagen før.",
                    "Ingen har fast ansvar for dem på ettermiddagen.",
                    "Oppgaven er aldri fordelt; den blir gjort av den som har tid.",
                ),
                root_cause="Uklart ansvar og ingen standard for å planlegge morgendagen.",
            ),
            DemoRootCause(
                problem="Vi leter etter nøkler og utstyr når vakta starter.",
                whys=(
                    "Tingene har ingen fast plass.",
                    "Hver enkelt rydder bilen på sin måte.",
                    "Ingen eier oppryddingen.",
                ),
                root_cause="Ingen fast plass og ingen med ansvar for orden i bilene.",
            ),
        ),
        future_state=(
            "Kjørelistene er klare kl. 15.00 dagen før. Rapporten tas stående ved "
            "forbedringstavla på 15 minutter med fast agenda. Hver bil har en merket kasse med "
            "fast utstyr, og nøklene henger i nøkkelskap merket med brukernummer."
        ),
        measures=(
            DemoMeasure(
                title="Kjørelister klare dagen før",
                description=(
                    "Ansvarsvakten på ettermiddagen gjør ferdig kjørelistene for neste dag "
                    "innen kl. 15.00, sortert etter geografi."
                ),
                owner="Ingrid Johansen",
                weeks_after_course=2,
                hours_identified_per_week=Decimal("5.0"),
                effort=Measure.Level.LOW,
                effect=Measure.Level.HIGH,
            ),
            DemoMeasure(
                title="Stående rapport ved forbedringstavla, 15 minutter",
                description=(
                    "Fast agenda på tavla: brukere med endringer, fravær, avvik. Det som står "
                    "i fagsystemet leses ikke opp."
                ),
                owner="Stian Berg",
                weeks_after_course=4,
                hours_identified_per_week=Decimal("6.5"),
                effort=Measure.Level.MEDIUM,
                effect=Measure.Level.HIGH,
            ),
            DemoMeasure(
                title="Fast plass for nøkler og utstyr",
                description=(
                    "Nøkkelskap med brukernummer og en merket kasse med fast utstyr i hver "
                    "bil; sjekkes hver fredag."
                ),
                owner="Aisha Rahimi",
                weeks_after_course=6,
                hours_identified_per_week=Decimal("3.0"),
                effort=Measure.Level.LOW,
                effect=Measure.Level.MEDIUM,
            ),
        ),
        indicator=DemoIndicator(
            name="Andel direkte brukertid",
            unit="%",
            baseline=Decimal("52"),
            target=Decimal("60"),
        ),
    ),
    suggestions=(
        DemoSuggestion(
            text=(
                "Morgenrapporten drar ut fordi vi venter på dem som kommer litt for sent. Kan vi "
                "starte presis kl. 07.30 uansett, og la dem som kommer senere lese stikkordene på "
                "tavla?"
            ),
        ),
        DemoSuggestion(
            text=(
                "Telefonene går tomme for strøm før vakta er slutt, og da får vi ikke "
                "dokumentert hos brukeren. Kan vi ha en billader i hver bil?"
            ),
            author="Ingrid Johansen",
        ),
        DemoSuggestion(
            text=(
                "Kan vi bruke nøkkelbokser med kode hos brukerne som får besøk flere ganger om "
                "dagen? Da slipper vi å hente og levere nøkler på kontoret."
            ),
            author="Marit Olsen",
            answer=(
                "Godt forslag! Vi må avklare det med brukerne og de pårørende først. Jeg tar det "
                "opp med tjenestekontoret og kommer tilbake til det på tavlemøtet om to uker."
            ),
        ),
        DemoSuggestion(
            text=(
                "Nøkler og utstyr ligger hulter til bulter. Kan vi få et nøkkelskap merket med "
                "brukernummer og en fast kasse med utstyr i hver bil?"
            ),
            author="Aisha Rahimi",
            answer="Takk, Aisha! Forslaget ble et tiltak i prosjektplanen, og du eier det.",
            measure="Fast plass for nøkler og utstyr",
        ),
    ),
)

REFUGEE_SERVICE = DemoDepartment(
    name="NAV flyktningetjenesten",
    service_area="",
    leader=DemoPerson("Kari Hanssen", language=Language.NYNORSK, username="kari"),
    staff=(
        DemoPerson("Ahmed Yusuf", language=Language.ENGLISH),
        DemoPerson("Sofie Pedersen", username="sofie"),
        DemoPerson("Lars Eriksen"),
        DemoPerson("Nina Karlsen", position_percent=80),
        DemoPerson("Eirik Solheim", language=Language.NYNORSK),
    ),
    union_reps=(),
    safety_reps=("Lars Eriksen",),
    course_weekdays=(3, 5),
    information_weekday=3,
    information_starts_at=time(9, 0),
    information_ends_at=time(10, 30),
    information_place="Møterommet, NAV Harstad",
    plan=DemoPlan(
        goals=(
            (
                "Nyankomne flyktninger starter i introduksjonsprogrammet senest seks uker etter "
                "bosetting.",
                3,
            ),
            ("Halvere antallet henvendelser som må følges opp flere ganger.", 1),
            (
                "Alle veiledere bruker samme sjekkliste i første samtale, laget sammen i "
                "avdelingen.",
                2,
            ),
        ),
        current_state=(
            "Etter bosetting har hver veileder sin egen måte å gjennomføre første samtale på. "
            "Tolk bestilles for én samtale om gangen, ofte med kort varsel. Dokumentene som "
            "trengs til vedtaket kommer inn på ulike måter og må letes fram i flere systemer. "
            "Det tar i snitt ni uker fra bosetting til start i introduksjonsprogrammet."
        ),
        wastes=(
            (Waste.Kind.WAITING, "Samtaler utsettes fordi tolk ikke er bestilt i tide."),
            (
                Waste.Kind.OVERPROCESSING,
                "De samme opplysningene føres både i fagsystemet og i regneark.",
            ),
            (Waste.Kind.MOTION, "Leting etter dokumenter i e-post, på papir og i fagsystemet."),
            (
                Waste.Kind.DEFECTS,
                "Deltakere ringer flere ganger om samme sak fordi de ikke vet hva som skjer "
                "videre.",
            ),
        ),
        root_causes=(
            DemoRootCause(
                problem="Det tar ni uker fra bosetting til start i introduksjonsprogrammet.",
                whys=(
                    "Første samtale utsettes ofte.",
                    "Tolk mangler.",
                    "Tolk bestilles først når samtalen er avtalt, én samtale om gangen.",
                    "Vi har ikke et felles forløp for de første ukene etter bosetting.",
                ),
                root_cause="Ingen standard for de første seks ukene etter bosetting.",
            ),
            DemoRootCause(
                problem="Deltakere ringer flere ganger om samme sak.",
                whys=(
                    "De vet ikke hva som skjer videre.",
                    "De får bare muntlig informasjon.",
                    "Vi har ingen skriftlig plan å gi dem.",
                ),
                root_cause="Ingen skriftlig oversikt over neste steg på deltakerens eget språk.",
            ),
        ),
        future_state=(
            "Et fast forløp for de første seks ukene etter bosetting: tolk bestilles samlet "
            "hver mandag, alle bruker samme sjekkliste i første samtale, og deltakeren får en "
            "skriftlig plan på sitt eget språk."
        ),
        measures=(
            DemoMeasure(
                title="Felles sjekkliste for første samtale",
                description="Én sjekkliste for alle veiledere, lagt i fagsystemet som mal.",
                owner="Sofie Pedersen",
                weeks_after_course=2,
                hours_identified_per_week=Decimal("2.5"),
                effort=Measure.Level.LOW,
                effect=Measure.Level.MEDIUM,
            ),
            DemoMeasure(
                title="Samlet tolkebestilling hver mandag",
                description=(
                    "Alle samtaler som trenger tolk de neste to ukene bestilles samlet hver "
                    "mandag av én person."
                ),
                owner="Ahmed Yusuf",
                weeks_after_course=3,
                hours_identified_per_week=Decimal("4.0"),
                effort=Measure.Level.LOW,
                effect=Measure.Level.HIGH,
            ),
            DemoMeasure(
                title="Skriftlig plan for de første seks ukene",
                description=(
                    "En kort plan på deltakerens språk med datoer, kontaktperson og hva som "
                    "skjer videre."
                ),
                owner="Nina Karlsen",
                weeks_after_course=8,
                hours_identified_per_week=Decimal("3.5"),
                effort=Measure.Level.MEDIUM,
                effect=Measure.Level.HIGH,
            ),
        ),
        indicator=DemoIndicator(
            name="Dager fra bosetting til start i introduksjonsprogrammet",
            unit="dager",
            baseline=Decimal("63"),
            target=Decimal("42"),
        ),
    ),
    suggestions=(
        DemoSuggestion(
            text=(
                "Tolkene får ofte ikke vite hva samtalen skal handle om før de kommer. Kan vi "
                "sende dem en kort oppsummering dagen før?"
            ),
        ),
        DemoSuggestion(
            text=(
                "Mange deltakarar spør om det same: korleis dei får bussbillett til "
                "introduksjonsprogrammet. Kan vi lage eit enkelt ark om det på fleire språk?"
            ),
            author="Eirik Solheim",
        ),
        DemoSuggestion(
            text=(
                "Kan vi ha åpen kontortid for deltakerne to dager i uka i stedet for bare "
                "timeavtaler?"
            ),
            author="Lars Eriksen",
            answer=(
                "Takk for forslaget! Vi prøver det ikkje no: vi har ikkje folk nok til å ta imot "
                "utan avtale samstundes som samtalane. Vi ser på det igjen når den skriftlege "
                "planen for dei første vekene er på plass."
            ),
            declined=True,
        ),
        DemoSuggestion(
            text=(
                "Vi bestiller tolk for én samtale om gangen, ofte med kort varsel. Kan én av oss "
                "bestille tolk samlet hver mandag for alle samtalene de neste to ukene?"
            ),
            author="Ahmed Yusuf",
            answer="Takk, Ahmed! Dette er no eit tiltak i prosjektplanen, og du eig det.",
            measure="Samlet tolkebestilling hver mandag",
        ),
    ),
)

DEPARTMENTS = (HOME_CARE, REFUGEE_SERVICE)
DEMO_USERNAMES = (
    DEMO_ADMIN_USERNAME,
    LEAN_COORDINATOR.username,
    LEAN_GUIDE.username,
    *(demo.leader.username for demo in DEPARTMENTS),
    # One staff member per pilot with a login, to show what staff see and do.
    *(member.username for demo in DEPARTMENTS for member in demo.staff if member.username),
)

# A few of the 35 processes run before this programme; their lessons are why the new model
# informs all staff first, trains over four days and follows the departments up afterwards.
# The seed names only their number, so these four stand for them in the learning library: each
# with its service area (the home care pilot's is "Helse og omsorg", so it is suggested the first)
# and how it ended.
EARLIER_PROCESSES = (
    (
        2019,
        "Helse og omsorg",
        EarlierProcess.Outcome.PARTLY,
        "Legemiddelhåndtering i hjemmetjenesten",
        "Færre avvik ved utdeling av multidose og en ny sjekkliste for medisinrommet.",
        "Forbedringene holdt bare der lederen fulgte opp hver uke. Uten fast tavlemøte gled "
        "rutinene tilbake i løpet av et halvt år.",
    ),
    (
        2020,
        "Plan, bygg og eiendom",
        EarlierProcess.Outcome.COMPLETED,
        "Saksgang for byggesøknader",
        "Saksbehandlingstiden gikk ned fra sju til fire uker.",
        "Tiltakene ble laget av en liten gruppe; resten av de ansatte kjente dem ikke og eide "
        "dem ikke. Alle ansatte må få informasjon før arbeidet starter.",
    ),
    (
        2022,
        "Oppvekst og utdanning",
        EarlierProcess.Outcome.STOPPED,
        "Innkjøp og varemottak i barnehagene",
        "Én felles bestillingsdag i uka og færre hastebestillinger.",
        "Én kursdag var for lite til å lage en gjennomarbeidet plan, og prosjektplanen ble "
        "aldri ferdig.",
    ),
    (
        2023,
        "Oppvekst og utdanning",
        EarlierProcess.Outcome.COMPLETED,
        "Inntak ved voksenopplæringen",
        "Kortere ventetid fra søknad til oppstart for nye elever.",
        "Gevinstene ble identifisert, men aldri dokumentert som realisert; vi manglet "
        "oppfølgingsmøter etter kursdagene.",
    ),
)


@dataclass
class Tally:
    created: int = 0
    present: int = 0


@dataclass
class DemoLoadResult:
    course_year: int
    tallies: dict[type[models.Model], Tally] = field(default_factory=dict)
    passwords_reset: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(t.created for t in self.tallies.values())

    @property
    def present(self) -> int:
        return sum(t.present for t in self.tallies.values())

    def record(self, model: type[models.Model], *, created: bool) -> None:
        tally = self.tallies.setdefault(model, Tally())
        if created:
            tally.created += 1
        else:
            tally.present += 1


def demo_course_year(*, today: date) -> int:
    """The next ISO year in which the course weeks are not over: the last course day is Friday
    of ISO week 8, so on that day the demo still uses this year's weeks."""
    iso_year = today.isocalendar().year
    last_course_day = date.fromisocalendar(iso_year, COURSE_WEEK_LAST, 5)
    return iso_year if last_course_day >= today else iso_year + 1


@transaction.atomic
def demo_load(*, today: date | None = None) -> DemoLoadResult:
    """Create whatever of the Harstad demo is missing; leave everything that exists alone."""
    if today is None:
        today = timezone.localdate(timezone=OSLO)
    course_year = demo_course_year(today=today)
    result = DemoLoadResult(course_year=course_year)

    municipality, _ = _ensure(
        Municipality,
        key={"slug": MUNICIPALITY_SLUG},
        defaults={"name": MUNICIPALITY_NAME},
        result=result,
    )
    _user_ensure(
        username=DEMO_ADMIN_USERNAME, full_name="", email="", is_superuser=True, result=result
    )

    programme = _programme_ensure(municipality=municipality, course_year=course_year, result=result)
    guide = _person_ensure(municipality=municipality, demo=LEAN_GUIDE, result=result)
    coordinator = _person_ensure(municipality=municipality, demo=LEAN_COORDINATOR, result=result)
    for person, role in (
        (guide, ProgrammeRole.Role.LEAN_GUIDE),
        (coordinator, ProgrammeRole.Role.LEAN_COORDINATOR),
    ):
        _ensure(
            ProgrammeRole,
            key={"programme": programme, "person": person, "role": role},
            defaults={"position_percent": 100},
            result=result,
        )
    _municipal_admin_ensure(coordinator.user)

    # Saving the course days schedules their follow-up meetings (followup.signals).
    for demo in DEPARTMENTS:
        _pilot_ensure(
            programme=programme,
            demo=demo,
            facilitators=[guide, coordinator],
            course_year=course_year,
            today=today,
            result=result,
        )

    _invitation_ensure(municipality=municipality, coordinator=coordinator, result=result)

    for year, service_area, category, title, outcome, lessons in EARLIER_PROCESSES:
        _ensure(
            EarlierProcess,
            key={"municipality": municipality, "title": title},
            defaults={
                "year": year,
                "service_area": service_area,
                "outcome_category": category,
                "outcome": outcome,
                "lessons_learned": lessons,
            },
            result=result,
        )
    _ensure(
        HolidayPeriod,
        key={
            "municipality": municipality,
            "name": HOLIDAY_NAME,
            "starts_on": date.fromisocalendar(course_year, HOLIDAY_WEEK, 1),
        },
        defaults={"ends_on": date.fromisocalendar(course_year, HOLIDAY_WEEK, 5)},
        result=result,
    )
    # The pilots take the phase what the demo holds calls for, as the sweep would give them.
    phases_follow_events(today=today)
    return result


M = TypeVar("M", bound=models.Model)


def _ensure(
    model: type[M],
    *,
    key: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
    lookup: Mapping[str, Any] | None = None,
    result: DemoLoadResult,
) -> tuple[M, bool]:
    """The row found by `lookup` (default: `key`), or a new, validated one made of key and
    defaults. Unlike get_or_create, a new row is full_clean()ed before it is saved."""
    obj = model._default_manager.filter(**(lookup or key)).first()
    if obj is not None:
        result.record(model, created=False)
        return obj, False
    obj = model(**key, **(defaults or {}))
    obj.full_clean()
    obj.save()
    result.record(model, created=True)
    return obj, True


def _user_ensure(
    *,
    username: str,
    full_name: str,
    email: str,
    is_superuser: bool = False,
    result: DemoLoadResult,
) -> AbstractBaseUser:
    user_model = get_user_model()
    user = user_model._default_manager.filter(username=username).first()
    if user is None:
        first_name, _, last_name = full_name.rpartition(" ")
        user = user_model(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_staff=is_superuser,
            is_superuser=is_superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        result.record(user_model, created=True)
        return user
    result.record(user_model, created=False)
    # Someone changed a demo password: put it back, since `make run` tells people to use it.
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        result.passwords_reset.append(username)
    return user


def _municipal_admin_ensure(user: AbstractBaseUser) -> None:
    """The coordinator also administers Harstad in the admin, to show it scoped to one
    municipality (pilots.admin_base): staff, and in the group a migration made."""
    group = Group.objects.filter(name=MUNICIPAL_ADMIN_GROUP).first()
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if group is not None:
        user.groups.add(group)


def _person_ensure(
    *, municipality: Municipality, demo: DemoPerson, result: DemoLoadResult
) -> Person:
    user = None
    if demo.username:
        user = _user_ensure(
            username=demo.username, full_name=demo.full_name, email=demo.email, result=result
        )
        if Person.objects.filter(user=user).exists():
            user = None
    person, created = _ensure(
        Person,
        key={"municipality": municipality, "email": demo.email},
        lookup={"municipality": municipality, "email__iexact": demo.email},
        defaults={"full_name": demo.full_name, "language": demo.language, "user": user},
        result=result,
    )
    if not created and user is not None and person.user_id is None:
        # The login was deleted and made anew (Person.user is SET_NULL): link it again.
        person.user = user
        person.save(update_fields=["user"])
    return person


def _invitation_ensure(
    *, municipality: Municipality, coordinator: Person, result: DemoLoadResult
) -> None:
    """The coordinator has invited one of Tore's staff to make a login: the first, in the
    demo's order, who has no login and no open invitation yet. Once she has invited anyone in
    the department, that invitation stands, whatever became of it since."""
    staff = Person.objects.filter(
        municipality=municipality, department_roles__department__name=HOME_CARE.name
    )
    if coordinator.user_id is None:
        return
    if Invitation.objects.filter(person__in=staff, created_by_id=coordinator.user_id).exists():
        result.record(Invitation, created=False)
        return
    open_invitations = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    uninvited = staff.filter(user__isnull=True, is_active=True).exclude(
        pk__in=open_invitations.values("person_id")
    )
    by_name = {person.full_name: person for person in uninvited}
    invitee = next(
        (by_name[member.full_name] for member in HOME_CARE.staff if member.full_name in by_name),
        None,
    )
    if invitee is None:
        return
    now = timezone.now()
    invitation = Invitation(
        person=invitee,
        created_by_id=coordinator.user_id,
        created_at=now,
        sent_at=now,
        send_count=1,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    result.record(Invitation, created=True)


def _programme_ensure(
    *, municipality: Municipality, course_year: int, result: DemoLoadResult
) -> Programme:
    programme, _ = _ensure(
        Programme,
        key={"municipality": municipality, "name": PROGRAMME_NAME},
        defaults={
            "model_origin": "Vestre Toten kommune",
            "supplier": "SINTEF",
            "value_platform": "Verdihåndboken",
            "description": PROGRAMME_DESCRIPTION,
            # Under way in the autumn before the course weeks.
            "starts_on": date(course_year - 1, 8, 1),
        },
        result=result,
    )
    for order, text in enumerate(PROGRAMME_GOALS, start=1):
        _ensure(
            ProgrammeGoal,
            key={"programme": programme, "order": order},
            defaults={"text": text},
            result=result,
        )
    return programme


def _pilot_ensure(
    *,
    programme: Programme,
    demo: DemoDepartment,
    facilitators: list[Person],
    course_year: int,
    today: date,
    result: DemoLoadResult,
) -> Pilot:
    municipality = programme.municipality
    department, _ = _ensure(
        Department,
        key={"municipality": municipality, "name": demo.name},
        defaults={"service_area": demo.service_area},
        result=result,
    )
    people = {
        member.full_name: _person_ensure(municipality=municipality, demo=member, result=result)
        for member in (demo.leader, *demo.staff)
    }
    Role = DepartmentRole.Role
    roles = [(demo.leader.full_name, Role.DEPARTMENT_LEADER, demo.leader.position_percent)]
    roles += [(member.full_name, Role.STAFF, member.position_percent) for member in demo.staff]
    # Representatives are staff too; the extra role carries no position of its own.
    roles += [(name, Role.UNION_REP, None) for name in demo.union_reps]
    roles += [(name, Role.SAFETY_REP, None) for name in demo.safety_reps]
    for name, role, position_percent in roles:
        _ensure(
            DepartmentRole,
            key={"department": department, "person": people[name], "role": role},
            defaults={"position_percent": position_percent},
            result=result,
        )

    course_dates = [
        date.fromisocalendar(course_year, week, weekday)
        for week in (COURSE_WEEK_FIRST, COURSE_WEEK_LAST)
        for weekday in demo.course_weekdays
    ]
    pilot, _ = _ensure(
        Pilot,
        key={"programme": programme, "department": department},
        defaults={
            "phase": Pilot.Phase.COURSE if today >= course_dates[0] else Pilot.Phase.INFORMATION,
            "course_year": course_year,
            "course_week_first": COURSE_WEEK_FIRST,
            "course_week_last": COURSE_WEEK_LAST,
        },
        result=result,
    )

    meeting_day = date.fromisocalendar(
        course_year, INFORMATION_MEETING_WEEK, demo.information_weekday
    )
    # The demo's meeting is the pilot's information meeting; any meeting already there counts.
    _ensure(
        InformationMeeting,
        key={"pilot": pilot},
        defaults={
            "starts_at": datetime.combine(meeting_day, demo.information_starts_at, tzinfo=OSLO),
            "ends_at": datetime.combine(meeting_day, demo.information_ends_at, tzinfo=OSLO),
            "place": demo.information_place,
            "notes": (
                "For alle ansatte. Leanveileder og leankoordinator presenterer LæringsLEAN, "
                "kursdagene i uke 7 og 8 og hvordan avdelingen lager sin prosjektplan."
            ),
        },
        result=result,
    )
    for number, (day, topic) in enumerate(zip(course_dates, COURSE_DAY_TOPICS, strict=True), 1):
        course_day, created = _ensure(
            CourseDay,
            key={"pilot": pilot, "number": number},
            defaults={
                "date": day,
                "starts_at": COURSE_DAY_STARTS_AT,
                "ends_at": COURSE_DAY_ENDS_AT,
                "place": COURSE_DAY_PLACE,
                "topic": topic,
            },
            result=result,
        )
        if created:
            course_day.facilitators.set(facilitators)

    plan = _plan_ensure(
        pilot=pilot,
        demo=demo.plan,
        people=people,
        starts_on=course_dates[0],
        course_ends_on=date.fromisocalendar(course_year, COURSE_WEEK_LAST, 5),
        result=result,
    )
    _suggestions_ensure(
        pilot=pilot,
        plan=plan,
        demo=demo.suggestions,
        people=people,
        leader=demo.leader,
        result=result,
    )
    return pilot


def _plan_ensure(
    *,
    pilot: Pilot,
    demo: DemoPlan,
    people: Mapping[str, Person],
    starts_on: date,
    course_ends_on: date,
    result: DemoLoadResult,
) -> ProjectPlan:
    plan, _ = _ensure(
        ProjectPlan,
        key={"pilot": pilot},
        defaults={
            "status": ProjectPlan.Status.DRAFT,
            "starts_on": starts_on,
            "current_state": demo.current_state,
            "future_state": demo.future_state,
        },
        result=result,
    )
    programme_goals = {goal.order: goal for goal in pilot.programme.goals.all()}
    for text, order in demo.goals:
        _ensure(
            QualityGoal,
            key={"plan": plan, "text": text},
            defaults={"programme_goal": programme_goals.get(order)},
            result=result,
        )
    for kind, description in demo.wastes:
        _ensure(
            Waste,
            key={"plan": plan, "kind": kind, "description": description},
            result=result,
        )
    for cause in demo.root_causes:
        _ensure(
            RootCause,
            key={"plan": plan, "problem": cause.problem},
            defaults={"whys": "\n".join(cause.whys), "root_cause": cause.root_cause},
            result=result,
        )
    for measure in demo.measures:
        _ensure(
            Measure,
            key={"plan": plan, "title": measure.title},
            defaults={
                "description": measure.description,
                "owner": people[measure.owner],
                "deadline": course_ends_on + timedelta(weeks=measure.weeks_after_course),
                "effort": measure.effort,
                "effect": measure.effect,
                "hours_identified_per_week": measure.hours_identified_per_week,
            },
            result=result,
        )
    _ensure(
        Indicator,
        key={"plan": plan, "name": demo.indicator.name},
        defaults={
            "unit": demo.indicator.unit,
            "baseline": demo.indicator.baseline,
            "target": demo.indicator.target,
        },
        result=result,
    )
    return plan


def _suggestions_ensure(
    *,
    pilot: Pilot,
    plan: ProjectPlan,
    demo: tuple[DemoSuggestion, ...],
    people: Mapping[str, Person],
    leader: DemoPerson,
    result: DemoLoadResult,
) -> None:
    """The department's suggestions, found by their text; answered by the department leader."""
    answered_by = people[leader.full_name].user
    for suggestion in demo:
        author = people[suggestion.author] if suggestion.author else None
        defaults: dict[str, Any] = {"author": author}
        if not suggestion.author:
            # As the service stores an anonymous suggestion: to the hour only.
            defaults["created_at"] = timezone.now().replace(minute=0, second=0, microsecond=0)
        if suggestion.answer:
            defaults.update(answer=suggestion.answer, answered_by=answered_by)
            defaults["answered_at"] = timezone.now()
            defaults["status"] = (
                Suggestion.Status.DECLINED if suggestion.declined else Suggestion.Status.ANSWERED
            )
        # Renamed or removed in a running demo: the suggestion is then just answered.
        measure = Measure.objects.filter(plan=plan, title=suggestion.measure).first()
        if suggestion.measure and measure is not None:
            defaults.update(status=Suggestion.Status.MEASURE, measure=measure)
        _ensure(
            Suggestion,
            key={"pilot": pilot, "text": suggestion.text},
            defaults=defaults,
            result=result,
        )
