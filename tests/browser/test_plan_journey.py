"""A department's project plan on its way to approval, in a real browser, in bokmål.

Tore, the leader of Omsorg Sør, writes his plan: the current and the future state, three more
measures and an indicator, added with the "add" buttons of the edit page. He records two
measurements of the indicator and submits the plan. The lean coordinator returns it with a
comment; Tore reads it, fixes the plan and submits it again; she approves it and the approved plan
is kept as a snapshot. Each step e-mails the people who must act. The plan's pages pass axe, and
Kari, who leads the other pilot, cannot open any of them.
"""

import re
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from followup.models import Reminder
from leanprogram.celery import app as celery_app
from leanprogram.demo import (
    COURSE_WEEK_LAST,
    HOME_CARE,
    LEAN_COORDINATOR,
    LEAN_GUIDE,
    REFUGEE_SERVICE,
)
from pilots.models import Pilot
from plans.models import PlanSnapshot, ProjectPlan
from tests.browser.conftest import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEPARTMENT = HOME_CARE.name
PLAN_HEADING = f"Prosjektplan, {DEPARTMENT}"
EDIT_HEADING = f"Rediger prosjektplanen, {DEPARTMENT}"

CURRENT_STATE = (
    "Morgenrapporten tar 40–45 minutter. Kjørelistene lages om morgenen, og nøkler og utstyr "
    "har ingen fast plass."
)
FUTURE_STATE = (
    "Rapporten tas stående ved tavla på 15 minutter. Kjørelistene er klare dagen før, og hver "
    "bil har en merket kasse med fast utstyr."
)
FUTURE_STATE_FIXED = FUTURE_STATE + " Vi følger opp tiltakene på tavlemøtet hver mandag."
# (title, owner, weeks after the course weeks, status, effort, effect, hours per week)
NEW_MEASURES = (
    ("Sjekkliste for utstyr i bilene", "Marit Olsen", 3, "pågår", "lav", "høy", "2,5"),
    ("Faste ruter etter geografi", "Stian Berg", 5, "ikke startet", "middels", "middels", "4"),
    ("Ukentlig tavlemøte med forslag", "Jonas Nymo", 10, "ikke startet", "høy", "lav", "1,25"),
)
INDICATOR = {"name": "Tid til morgenrapport", "unit": "minutter", "baseline": "42", "target": "15"}
# (dd.mm.yyyy, value as typed, as the chart says it, as the table says it)
MEASUREMENTS = (("02.03.2027", "35", "35", "35"), ("16.03.2027", "27,5", "27,5", "27,5"))
RETURN_COMMENT = (
    "Fin plan! Beskriv også hvordan dere følger opp tiltakene etter kursdagene, "
    "f.eks. på tavlemøtet."
)

COORDINATOR_EMAIL = LEAN_COORDINATOR.email
GUIDE_EMAIL = LEAN_GUIDE.email
LEADER_EMAIL = HOME_CARE.leader.email
SUBJECTS = {
    "submitted": f"Prosjektplan sendt inn til vurdering: {DEPARTMENT}",
    "returned": f"Prosjektplan sendt tilbake med kommentar: {DEPARTMENT}",
    "approved": f"Prosjektplan godkjent: {DEPARTMENT}",
}


@pytest.fixture
def eager_tasks(settings):
    """The transition e-mail task runs in the live server's thread, into the locmem outbox."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_leader_writes_submits_and_gets_the_plan_approved_after_a_return(
    browser, page, demo, eager_tasks
):
    pilot = Pilot.objects.select_related("plan").get(department__name=DEPARTMENT)
    plan = pilot.plan
    course_ends_on = date.fromisocalendar(pilot.course_year, COURSE_WEEK_LAST, 5)
    assert plan.status == ProjectPlan.Status.DRAFT
    assert plan.measures.count() == 3 and plan.indicators.count() == 1
    mails = Outbox(plan_path=f"/plans/pilots/{pilot.pk}/plan/")

    # 1. Tore logs in on his own tasks and finds his plan from his pilot's page.
    login(page, demo.url, "tore")
    page.locator(f'main a[href="/programme/pilots/{pilot.pk}/"]').click()
    expect_heading(page, DEPARTMENT)
    page.get_by_role("link", name="Åpne prosjektplanen").click()
    expect_heading(page, PLAN_HEADING)
    assert status_badge(page) == "Utkast"
    assert_no_axe_violations(page, "the plan page (tore, draft)")

    page.get_by_role("link", name="Rediger planen").click()
    expect_heading(page, EDIT_HEADING)
    page.get_by_role("textbox", name="Nåsituasjon", exact=True).fill(CURRENT_STATE)
    page.get_by_role("textbox", name="Ønsket situasjon", exact=True).fill(FUTURE_STATE)

    for index, (title, owner, weeks, status, effort, effect, hours) in enumerate(NEW_MEASURES):
        page.get_by_role("button", name="Legg til et tiltak").click()
        row = page.get_by_role("group", name="Nytt tiltak").nth(index)
        # The new row takes the focus, so that a keyboard user types straight into it.
        assert row.locator(":focus").count() == 1, f"new measure row {index + 1} has no focus"
        field(row, "Tittel").fill(title)
        field(row, "Ansvarlig").select_option(label=owner)
        field(row, "Frist").fill((course_ends_on + timedelta(weeks=weeks)).isoformat())
        field(row, "Status").select_option(label=status)
        field(row, "Innsats").select_option(label=effort)
        field(row, "Effekt").select_option(label=effect)
        field(row, "Identifiserte timer per uke").fill(hours)
    assert page.get_by_role("group", name="Nytt tiltak").count() == len(NEW_MEASURES)

    page.get_by_role("button", name="Legg til en indikator").click()
    row = page.get_by_role("group", name="Ny indikator")
    field(row, "Navn").fill(INDICATOR["name"])
    field(row, "Enhet").fill(INDICATOR["unit"])
    field(row, "Utgangspunkt").fill(INDICATOR["baseline"])
    field(row, "Mål").fill(INDICATOR["target"])
    assert_no_axe_violations(page, "the edit page with new rows")

    # Each section is saved on its own, in the background: what is typed in the others stays.
    for section in ("current", "future", "measures", "indicators"):
        save_section(page, section)
    page.get_by_role("link", name=PLAN_HEADING).click()
    expect_heading(page, PLAN_HEADING)

    plan.refresh_from_db()
    assert plan.current_state == CURRENT_STATE
    assert plan.future_state == FUTURE_STATE
    saved = {
        m.title: m
        for m in plan.measures.select_related("owner").filter(
            title__in=[m[0] for m in NEW_MEASURES]
        )
    }
    assert len(saved) == len(NEW_MEASURES), sorted(saved)
    checklist = saved[NEW_MEASURES[0][0]]
    assert checklist.owner.full_name == "Marit Olsen"
    assert checklist.deadline == course_ends_on + timedelta(weeks=3)
    assert (checklist.status, checklist.effort, checklist.effect) == ("in_progress", "low", "high")
    assert checklist.hours_identified_per_week == Decimal("2.5")
    assert saved[NEW_MEASURES[2][0]].hours_identified_per_week == Decimal("1.25")
    assert plan.measures.count() == 6
    indicator = plan.indicators.get(name=INDICATOR["name"])
    assert (indicator.unit, indicator.baseline, indicator.target) == (
        "minutter",
        Decimal("42"),
        Decimal("15"),
    )

    # The plan page lists what he saved, with the deadlines as dd.mm.yyyy.
    measures_table = page.get_by_role("table", name="Planens tiltak")
    checklist_row = measures_table.get_by_role("row").filter(has_text=NEW_MEASURES[0][0])
    assert short(checklist.deadline) in checklist_row.inner_text()
    assert "Marit Olsen" in checklist_row.inner_text()

    # Two measurements of the new indicator, picked in the date picker (which takes ISO dates)
    # and typed with a decimal comma.
    page.get_by_role("table", name="Planens indikatorer").get_by_role(
        "link", name=INDICATOR["name"]
    ).click()
    expect_heading(page, INDICATOR["name"])
    for day, typed, _chart, _table in MEASUREMENTS:
        field(page, "Dato").fill("-".join(reversed(day.split("."))))
        field(page, "Verdi (minutter)").fill(typed)
        page.get_by_role("button", name="Lagre målingen").click()
        expect_heading(page, INDICATOR["name"])
        assert f"Målingen for {day} er lagret." in page.get_by_role("status").all_inner_texts()

    chart = page.locator("svg.run-chart")
    assert chart.get_attribute("role") == "img"
    points = chart.locator("circle.point title").all_text_contents()
    assert points == [f"{day}: {value} minutter" for day, _typed, value, _table in MEASUREMENTS]
    assert chart.locator("polyline.measurements").count() == 1
    description = chart.locator("desc").text_content()
    assert f"2 målinger fra {MEASUREMENTS[0][0]} til {MEASUREMENTS[1][0]}" in description
    table = page.get_by_role("table", name=re.compile(r"^Målinger av Tid til morgenrapport"))
    body_rows = table.locator("tbody tr")
    assert [
        [cell.strip() for cell in body_rows.nth(i).locator("th, td").all_inner_texts()][:2]
        for i in range(body_rows.count())
    ] == [[day, value] for day, _typed, _chart, value in MEASUREMENTS]
    assert indicator.measurements.count() == 2
    assert_no_axe_violations(page, "the indicator page")

    # Submit for review: the coordinator and the guide are told, nobody else.
    page.get_by_role("link", name="Prosjektplan", exact=True).click()
    expect_heading(page, PLAN_HEADING)
    page.get_by_role("button", name="Send inn til vurdering").click()
    expect_heading(page, PLAN_HEADING)
    assert (
        "Planen er sendt inn til vurdering. Leankoordinatoren og leanveilederen får beskjed "
        "på e-post." in page.get_by_role("status").all_inner_texts()
    )
    assert status_badge(page) == "Sendt inn"
    assert page.get_by_role("button", name="Send inn til vurdering").count() == 0
    plan.refresh_from_db()
    assert plan.status == ProjectPlan.Status.SUBMITTED
    mails.expect("submitted", {COORDINATOR_EMAIL, GUIDE_EMAIL})
    check_plan_pages(page, who="tore")

    # 2. The coordinator returns the plan with a comment.
    with new_page(browser) as coordinator:
        # The plan waits for her review on her own tasks.
        login(coordinator, demo.url, LEAN_COORDINATOR.username)
        coordinator.get_by_role("main").get_by_role("link", name=PLAN_HEADING).click()
        expect_heading(coordinator, PLAN_HEADING)
        assert status_badge(coordinator) == "Sendt inn"
        assert coordinator.get_by_role("link", name="Rediger planen").count() == 1
        check_plan_pages(coordinator, who="koordinator")

        coordinator.get_by_label("Kommentar til avdelingen").fill(RETURN_COMMENT)
        coordinator.get_by_role("button", name="Send planen tilbake med kommentaren").click()
        expect_heading(coordinator, PLAN_HEADING)
        assert (
            "Planen er sendt tilbake med kommentaren din. Avdelingslederen får beskjed på e-post."
            in coordinator.get_by_role("status").all_inner_texts()
        )
        assert status_badge(coordinator) == "Sendt tilbake"
        assert RETURN_COMMENT in returned_note(coordinator).inner_text()
        plan.refresh_from_db()
        assert plan.status == ProjectPlan.Status.RETURNED
        assert plan.return_comment == RETURN_COMMENT
        mails.expect("returned", {LEADER_EMAIL}, containing=RETURN_COMMENT)

        # 3. Tore reads the comment, does what it asks and submits again.
        page.reload()
        expect_heading(page, PLAN_HEADING)
        assert status_badge(page) == "Sendt tilbake"
        note = returned_note(page)
        assert note.get_by_role("heading", name="Sendt tilbake med kommentar").count() == 1
        assert RETURN_COMMENT in note.inner_text()
        page.get_by_role("link", name="Rediger planen").click()
        expect_heading(page, EDIT_HEADING)
        page.get_by_role("textbox", name="Ønsket situasjon", exact=True).fill(FUTURE_STATE_FIXED)
        measure_row = page.locator("fieldset[data-formset-row]").filter(
            has=page.locator("textarea", has_text=NEW_MEASURES[1][0])
        )
        field(measure_row, "Status").select_option(label="pågår")
        save_section(page, "future")
        save_section(page, "measures")
        page.get_by_role("link", name=PLAN_HEADING).click()
        expect_heading(page, PLAN_HEADING)
        assert status_badge(page) == "Sendt tilbake", "saving does not move the plan on"
        assert "tavlemøtet hver mandag" in page.locator("#future-heading + *").inner_text()
        mails.expect_none()

        page.get_by_role("button", name="Send inn til vurdering").click()
        expect_heading(page, PLAN_HEADING)
        assert status_badge(page) == "Sendt inn"
        assert returned_note(page).count() == 0
        plan.refresh_from_db()
        assert plan.status == ProjectPlan.Status.SUBMITTED
        assert plan.future_state == FUTURE_STATE_FIXED
        mails.expect("submitted", {COORDINATOR_EMAIL, GUIDE_EMAIL})

        # 4. The coordinator approves; what she approved is kept as a snapshot.
        coordinator.reload()
        expect_heading(coordinator, PLAN_HEADING)
        assert status_badge(coordinator) == "Sendt inn"
        coordinator.get_by_role("button", name="Godkjenn planen").click()
        expect_heading(coordinator, PLAN_HEADING)
        assert (
            "Planen er godkjent. Avdelingslederen får beskjed på e-post."
            in coordinator.get_by_role("status").all_inner_texts()
        )
        assert status_badge(coordinator) == "Godkjent"
        assert coordinator.get_by_role("button", name="Godkjenn planen").count() == 0
        mails.expect("approved", {LEADER_EMAIL})

    plan.refresh_from_db()
    assert plan.status == ProjectPlan.Status.APPROVED
    assert plan.approved_at is not None and plan.return_comment == ""
    snapshot = PlanSnapshot.objects.get(plan=plan)
    assert snapshot.plan_version == plan.version
    assert snapshot.approved_by.username == LEAN_COORDINATOR.username
    assert snapshot.data["future_state"] == FUTURE_STATE_FIXED
    assert {m["title"] for m in snapshot.data["measures"]} >= {m[0] for m in NEW_MEASURES}
    snapshot_indicator = next(
        i for i in snapshot.data["indicators"] if i["name"] == INDICATOR["name"]
    )
    assert [m["measured_on"] for m in snapshot_indicator["measurements"]] == [
        "2027-03-02",
        "2027-03-16",
    ]
    page.reload()
    assert status_badge(page) == "Godkjent"

    # 6. Kari leads the other pilot: none of Tore's plan pages exist for her.
    with new_page(browser) as kari:
        login(kari, demo.url, REFUGEE_SERVICE.leader.username)
        own = Pilot.objects.get(department__name=REFUGEE_SERVICE.name)
        assert kari.goto(f"{demo.url}/plans/pilots/{own.pk}/plan/").status == 200
        base = f"{demo.url}/plans/pilots/{pilot.pk}/plan"
        for url in (
            f"{base}/",
            f"{base}/board/",
            f"{base}/matrix/",
            f"{base}/history/",
            f"{base}/edit/",
            f"{demo.url}/plans/indicators/{indicator.pk}/",
        ):
            assert kari.goto(url).status == 404, url
        export = kari.request.get(f"{demo.url}/training/pilots/{pilot.pk}/attendance.csv")
        assert export.status == 404, export.status
    mails.expect_none()


# The pages around the plan, each opened from the plan page's own links.


def check_plan_pages(page, *, who: str) -> None:
    """Plan page, matrix, board and history: they show the new measures and pass axe."""
    expect_heading(page, PLAN_HEADING)
    assert_no_axe_violations(page, f"the plan page ({who})")
    links = page.get_by_role("navigation", name="Planen")

    links.get_by_role("link", name="Innsats og effekt").click()
    expect_heading(page, f"Innsats/effekt-matrise – {DEPARTMENT}")
    quick_wins = page.locator("td.matrix-quick-win")
    assert NEW_MEASURES[0][0] in quick_wins.inner_text(), "low effort, high effect"
    assert_no_axe_violations(page, f"the matrix ({who})")
    page.go_back()

    links.get_by_role("link", name="Forbedringstavle").click()
    expect_heading(page, f"Forbedringstavle – {DEPARTMENT}")
    in_progress = page.get_by_role("region", name=re.compile(r"^Pågår"))
    assert in_progress.get_by_role("heading", name=NEW_MEASURES[0][0]).count() == 1
    assert_no_axe_violations(page, f"the board ({who})")
    page.go_back()

    links.get_by_role("link", name="Endringshistorikk").click()
    expect_heading(page, f"Endringshistorikk, prosjektplan, {DEPARTMENT}")
    history = page.get_by_role("table").inner_text()
    assert NEW_MEASURES[2][0] in history and INDICATOR["name"] in history
    assert_no_axe_violations(page, f"the change history ({who})")
    page.go_back()
    expect_heading(page, PLAN_HEADING)


# Helpers


class Outbox:
    """The e-mails sent since the last check, read from Django's locmem outbox."""

    def __init__(self, *, plan_path: str):
        self.plan_path = plan_path
        self.seen = len(mail.outbox)

    def new(self) -> list:
        """The plan's e-mails among the new ones: the sweep a step asks for also sends what else
        was due, such as the demo's invitation."""
        messages = mail.outbox[self.seen :]
        self.seen = len(mail.outbox)
        plan_mails = {
            f"<reminder-{pk}@"
            for pk in Reminder.objects.filter(kind=Reminder.Kind.PLAN_TRANSITION).values_list(
                "pk", flat=True
            )
        }
        return [
            m for m in messages if m.extra_headers["Message-ID"].split("@")[0] + "@" in plan_mails
        ]

    def expect(self, transition: str, recipients: set[str], *, containing: str = "") -> None:
        messages = self.new()
        got = sorted(address for message in messages for address in message.to)
        assert got == sorted(recipients), f"{transition}: e-mails to {got}"
        for message in messages:
            assert message.subject == SUBJECTS[transition], message.subject
            assert containing in message.body
            assert self.plan_path in message.body, "the e-mail links to the plan"

    def expect_none(self) -> None:
        messages = self.new()
        assert not messages, [(m.subject, m.to) for m in messages]


@contextmanager
def new_page(browser):
    """A second person at their own computer: a browser context of their own."""
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    # Django's plain 404 page has no icon link, so Chromium asks the server for /favicon.ico
    # while the test already opens the next page. The live server's threads share one SQLite
    # connection, and two requests writing the session at once collide ("table is locked").
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()


def save_section(page, key: str) -> None:
    """Press the section's save button and wait until the page says it was saved."""
    section = page.locator(f"#section-{key}")
    section.locator(".plan-save-bar button[type=submit]").first.click()
    page.locator(f"#section-{key} .plan-save-bar__state--saved").wait_for()


def field(scope, label: str):
    """The field labelled `label`; crispy marks required fields with an asterisk after it."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def status_badge(page) -> str:
    return page.locator("main p", has_text="Status:").locator(".badge").inner_text().strip()


def returned_note(page):
    return page.get_by_role("note").filter(has_text="Sendt tilbake med kommentar")


def expect_heading(page, text: str) -> None:
    page.get_by_role("heading", level=1, name=text, exact=True).wait_for()


def assert_no_axe_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {where}:\n{describe(violations)}"


def short(day: date) -> str:
    return day.strftime("%d.%m.%Y")
