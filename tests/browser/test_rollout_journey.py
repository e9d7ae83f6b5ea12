"""The rollout of a new pilot, from nothing to a suggestion on the board, in three real browsers.

Issue 9's acceptance test. Jorunn, the lean coordinator, starts Harstad sykehjem: a new
department, a new leader (Hilde) invited to make a login, the staff from an HR export, an
information meeting and the four course days proposed for her. Hilde follows the link in her
invitation e-mail in a browser of her own, makes her login and invites Ørjan, who works there.
Ørjan makes his login on his phone (390 CSS pixels) and sends an improvement suggestion. Hilde
starts the project plan with a measure for Ørjan whose deadline has already passed; the next
weekly digest tells him so, and he marks it done from the digest's link. Hilde makes his
suggestion a measure on the board, and Ørjan's pages say what became of it.

Every e-mail goes the app's own way: inviting asks for a reminder sweep after commit, which Celery
runs at once here (eager mode, in the live server's thread), and the digest comes from a sweep
run at the moment it is due, as beat would run it; the messages land in Django's locmem outbox,
which the live server shares with this test since it runs in a thread of this process. The
clock is pinned before the demo's course year and moved on to the digest's day, when the
12-hour sessions have long expired: Ørjan and Hilde log in again with the logins they made.

Pages are found by their URLs and ids, not their texts (the catalogs are tested elsewhere); the
UI speaks bokmål. Every page the journey reaches passes axe and has one <h1> and one <main>;
Ørjan's pages do not scroll sideways on his phone.
"""

import datetime as dt
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from followup.models import FollowUpPolicy, Reminder
from followup.reminders.sweep import reminders_sweep
from leanprogram.celery import app as celery_app
from pilots.models import DepartmentRole, Invitation, Person, Pilot
from plans.models import Measure, Suggestion
from tests.browser.conftest import axe_violations, describe, login, structure_problems
from training.models import CourseDay, InformationMeeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OSLO = ZoneInfo("Europe/Oslo")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEPARTMENT = "Harstad sykehjem"
LEADER = ("Hilde Sørensen", "hilde.sorensen@harstad.kommune.no")
STAFF_EMAIL = "orjan.kraemer@harstad.kommune.no"
# Chosen by Hilde and Ørjan when they make their logins.
HILDE_LOGIN = ("hilde.sorensen", "Tavlemøte-hver-tirsdag")
ORJAN_LOGIN = ("orjan", "Hansker-i-hver-bil-7")
# As the HR system exports it: UTF-8 with a byte order mark, semicolons, Windows line ends, æøå,
# and columns the import has no use for, one of which it has never heard of.
HR_EXPORT = "\ufeff" + (
    "Fornavn;Etternavn;E-post;Stilling;Stillingsprosent;Ansattnummer;Kostnadssted\r\n"
    "Åshild;Bjørkås;ashild.bjorkas@harstad.kommune.no;Sykepleier;100;20001;4410 Sykehjem\r\n"
    f"Ørjan;Kræmer;{STAFF_EMAIL};Helsefagarbeider;75;20002;4410 Sykehjem\r\n"
    "Mette;Ærø Dahl;mette.aero.dahl@harstad.kommune.no;Assistent;40;20003;4410 Sykehjem\r\n"
)
IDEA = (
    "Hanskene går tomme midt på vakta. Kan vi ha en fast eske med hansker på hvert "
    "medisinrom, som fylles på hver fredag?"
)
MEASURE = "Rydde og merke lageret for sårstell"
INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^\s/]+/(?:\?next=\S+)?")


class Clock:
    """`django.utils.timezone.now` for the live server and the test alike, moved by the test."""

    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def clock(demo):
    """3 December before the demo's course year, 09:00, wherever the calendar is now."""
    course_year = Pilot.objects.values_list("course_year", flat=True).first()
    clock = Clock(dt.datetime(course_year - 1, 12, 3, 9, 0, tzinfo=OSLO))
    with mock.patch("django.utils.timezone.now", new=clock):
        yield clock


@pytest.fixture
def eager_celery(settings, demo):
    """Queued tasks run at once in the thread that queues them; links in e-mails lead to the
    live server."""
    settings.SITE_URL = demo.url
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


# --- Helpers --------------------------------------------------------------------------------------


def new_page(browser, viewport: dict, *, phone: bool = False):
    context = browser.new_context(
        locale="nb-NO", viewport=viewport, has_touch=phone, is_mobile=phone
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def path_of(page) -> str:
    """The page's path and query, without the live server's address or the fragment."""
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def go(page, selector: str) -> None:
    """Click what `selector` finds first and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(selector).first.click()
    page.wait_for_load_state("load")


def link(path: str) -> str:
    return f'main a[href="{path}"]'


def check(page, where: str, *, phone: bool = False) -> None:
    problems = structure_problems(page)
    if violations := axe_violations(page):
        problems.append(describe(violations))
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{width} px wide on a {PHONE['width']} px phone")
    assert not problems, f"{where}:\n" + "\n".join(problems)


def mails_to(address: str, kind: str) -> list:
    """The e-mails sent to `address` for reminders of one kind (each carries its Message-ID)."""
    ids = {
        f"<reminder-{pk}@"
        for pk in Reminder.objects.filter(kind=kind, recipient__email=address).values_list(
            "pk", flat=True
        )
    }
    return [
        message
        for message in mail.outbox
        if message.to == [address]
        and message.extra_headers["Message-ID"].split("@")[0] + "@" in ids
    ]


def invitation_link(address: str) -> str:
    [message] = mails_to(address, Reminder.Kind.INVITATION)
    [url] = INVITATION_LINK.findall(message.body)
    return url


def make_login(page, url: str, username: str, password: str, *, where: str, phone=False) -> None:
    """Open the invitation's link and make the login it offers."""
    page.goto(url)
    page.wait_for_load_state("load")
    assert path_of(page).startswith("/invitations/"), page.url
    check(page, where, phone=phone)
    page.locator("#id_username").fill(username)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    go(page, "main form button[type=submit]")


def parse_date(text: str) -> dt.date:
    # A date picker's value is ISO, whatever the browser shows.
    return dt.date.fromisoformat(text)


def next_digest(policy: FollowUpPolicy, after: dt.datetime) -> dt.datetime:
    """Five minutes past the send hour on the first digest day after `after`'s date."""
    day = after.astimezone(OSLO).date() + dt.timedelta(days=1)
    while day.isoweekday() != policy.digest_weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(policy.send_hour, 5), tzinfo=OSLO)


# --- The journey ----------------------------------------------------------------------------------


def test_a_new_pilot_from_nothing_to_a_suggestion_on_the_board(
    browser, demo, clock, eager_celery, tmp_path
):
    base = demo.url
    course_year = clock.moment.year + 1
    contexts = []

    def open_browser(viewport, *, phone=False):
        context, page = new_page(browser, viewport, phone=phone)
        contexts.append(context)
        return page

    try:
        # --- 1. Jorunn starts the pilot: a new department and a new leader, invited. ----------
        jorunn = open_browser(DESKTOP)
        login(jorunn, base, "koordinator")
        assert path_of(jorunn) == reverse("my_tasks")
        go(jorunn, link(reverse("programme:dashboard")))
        check(jorunn, "the programme dashboard")
        programme_pk = Pilot.objects.values_list("programme_id", flat=True).first()
        go(
            jorunn,
            link(reverse("programme:pilot_setup_start", kwargs={"programme_pk": programme_pk})),
        )
        check(jorunn, "the new pilot page")
        jorunn.locator("#id_name").fill(DEPARTMENT)
        jorunn.locator("#id_service_area").fill("Helse og omsorg")
        go(jorunn, "main form button[type=submit]")

        pilot = Pilot.objects.select_related("department").get(department__name=DEPARTMENT)
        assert pilot.phase == Pilot.Phase.PLANNED
        checklist = reverse("programme:pilot_setup", kwargs={"pk": pilot.pk})
        assert path_of(jorunn) == checklist
        check(jorunn, "the checklist of a new pilot")

        go(jorunn, link(reverse("programme:pilot_setup_leader", kwargs={"pk": pilot.pk})))
        check(jorunn, "the leader step")
        assert jorunn.locator("#id_invite").is_checked(), "inviting is the default"
        jorunn.locator("#id_full_name").fill(LEADER[0])
        jorunn.locator("#id_email").fill(LEADER[1])
        jorunn.locator("#id_phone").fill("+47 900 12 345")
        go(jorunn, "main form button[type=submit]")

        assert path_of(jorunn) == checklist
        hilde = Person.objects.get(email=LEADER[1])
        assert DepartmentRole.objects.filter(
            department=pilot.department, person=hilde, role="department_leader"
        ).exists()
        invitation = Invitation.objects.get(person=hilde)
        assert invitation.created_by.username == "koordinator"
        # The checklist says she is invited today, and offers to send it again.
        leader_row = jorunn.locator(f"#leader-{hilde.pk}")
        resend = reverse("pilots:invitation_resend", kwargs={"pk": invitation.pk})
        assert leader_row.locator(f'form[action="{resend}"]').count() == 1
        assert clock.moment.strftime("%d.%m.%Y") in leader_row.inner_text()
        check(jorunn, "the checklist with an invited leader")

        # --- 2. The staff from the HR system's file, a meeting, the course days. ---------------
        export = tmp_path / "ansatte-sykehjem.csv"
        export.write_bytes(HR_EXPORT.encode("utf-8"))
        staff_import = reverse("pilots:staff_import", kwargs={"pk": pilot.department_id})
        go(jorunn, f'main a[href^="{staff_import}?"]')
        check(jorunn, "the staff import")
        jorunn.locator("#id_file").set_input_files(export)
        go(jorunn, "main form[enctype='multipart/form-data'] button[type=submit]")
        ignored = jorunn.locator(".alert-info[role=status]").first.inner_text()
        assert "Kostnadssted" in ignored and "Ansattnummer" in ignored, ignored
        rows = jorunn.locator("main table tbody tr")
        assert rows.count() == 3
        assert rows.filter(has_text="Ørjan Kræmer").count() == 1
        assert rows.filter(has_text="Mette Ærø Dahl").count() == 1
        check(jorunn, "the staff import's preview")
        go(jorunn, "main form:has(input[name=payload]) button[type=submit]")

        staff_list = reverse("pilots:staff_list", kwargs={"pk": pilot.department_id})
        assert path_of(jorunn).startswith(staff_list)
        assert jorunn.locator("main tbody th[scope=row]", has_text="Åshild Bjørkås").count() == 1
        check(jorunn, "the staff list")
        go(jorunn, link(checklist))

        meeting_day = dt.date.fromisocalendar(course_year, 3, 3)
        go(jorunn, link(reverse("programme:pilot_setup_meetings", kwargs={"pk": pilot.pk})))
        jorunn.locator("#id_date").fill(meeting_day.isoformat())
        jorunn.locator("#id_starts_at").fill("13:00")
        jorunn.locator("#id_ends_at").fill("14:30")
        jorunn.locator("#id_place").fill("Sykehjemmets kantine")
        go(jorunn, "main form button[type=submit]")
        assert InformationMeeting.objects.filter(pilot=pilot).count() == 1
        check(jorunn, "the information meetings step")
        go(jorunn, link(checklist))

        # Weeks 7–8 are full (the other two pilots, the winter holiday): she takes 10–11.
        go(jorunn, link(reverse("programme:pilot_setup_course_days", kwargs={"pk": pilot.pk})))
        check(jorunn, "the course days step")
        jorunn.locator("#id_course_week_first").fill("10")
        jorunn.locator("#id_course_week_last").fill("11")
        go(jorunn, "main button[name=action][value=propose]")
        proposed = [
            parse_date(jorunn.locator(f"#id_day-{index}-date").input_value()) for index in range(4)
        ]
        assert [day.isocalendar().week for day in proposed] == [10, 10, 11, 11]
        for index in range(4):
            jorunn.locator(f"#id_day-{index}-place").fill("Harstad rådhus, kursrommet")
        go(jorunn, "main button[name=action][value=confirm]")

        pilot_page = reverse("programme:pilot_detail", kwargs={"pk": pilot.pk})
        assert path_of(jorunn) == pilot_page
        assert sorted(CourseDay.objects.filter(pilot=pilot).values_list("date", flat=True)) == (
            proposed
        )
        check(jorunn, "the new pilot's page")

        # --- 3. Hilde's invitation: her own browser, her own login. ----------------------------
        [invitation_mail] = mails_to(LEADER[1], Reminder.Kind.INVITATION)
        assert invitation_mail.extra_headers["Content-Language"] == "nb"
        hilde_page = open_browser(DESKTOP)
        make_login(hilde_page, invitation_link(LEADER[1]), *HILDE_LOGIN, where="Hilde's invitation")
        assert path_of(hilde_page) == reverse("my_tasks")
        assert hilde_page.locator(f'form[action="{reverse("logout")}"]').count() == 1
        hilde.refresh_from_db()
        assert hilde.user.username == HILDE_LOGIN[0]
        check(hilde_page, "Hilde's tasks, logged in for the first time")

        # From her tasks to her pilot, its staff list, and an invitation for Ørjan.
        go(hilde_page, link(pilot_page))
        check(hilde_page, "the pilot page, as its leader")
        go(hilde_page, link(staff_list))
        orjan = Person.objects.get(email=STAFF_EMAIL)
        invite = reverse("pilots:person_invite", kwargs={"pk": orjan.pk})
        go(hilde_page, f'main form[action="{invite}"] button[type=submit]')
        assert path_of(hilde_page) == staff_list
        assert Invitation.objects.get(person=orjan).created_by == hilde.user
        check(hilde_page, "the staff list after inviting")

        # --- 4. Ørjan, on his phone: his login, a suggestion. ---------------------------------
        phone = open_browser(PHONE, phone=True)
        make_login(
            phone,
            invitation_link(STAFF_EMAIL),
            *ORJAN_LOGIN,
            where="Ørjan's invitation",
            phone=True,
        )
        assert path_of(phone) == reverse("my_tasks")
        check(phone, "Ørjan's tasks", phone=True)
        go(phone, link(pilot_page))
        check(phone, "the pilot page on the phone", phone=True)
        suggestions = reverse("plans:pilot_suggestions", kwargs={"pilot_pk": pilot.pk})
        go(phone, link(suggestions))
        check(phone, "the suggestion form", phone=True)
        phone.locator("#id_text").tap()
        phone.locator("#id_text").fill(IDEA)
        go(phone, "#suggestion-form button[type=submit]")
        suggestion = Suggestion.objects.get(text=IDEA)
        assert suggestion.author == orjan
        mine = phone.locator(f"#my-suggestion-{suggestion.pk}")
        assert mine.locator(".suggestion-status--new").count() == 1
        check(phone, "the suggestion form with his suggestion", phone=True)

        # Hilde starts the plan with a measure for Ørjan, due two days ago.
        deadline = clock.moment.date() - dt.timedelta(days=2)
        go(hilde_page, f'#main-nav a[href="{reverse("my_tasks")}"]')
        go(hilde_page, link(pilot_page))
        plan_page = reverse("plans:plan_detail", kwargs={"pilot_pk": pilot.pk})
        go(hilde_page, link(plan_page))
        check(hilde_page, "the plan page before there is a plan")
        go(hilde_page, link(reverse("plans:plan_edit", kwargs={"pilot_pk": pilot.pk})))
        measures = hilde_page.locator("#section-measures")
        measures.locator("button[data-formset-add]").click()
        row = measures.locator("fieldset[data-formset-row]").last
        row.locator("[name$='-title']").wait_for()
        row.locator("[name$='-title']").fill(MEASURE)
        row.locator("select[name$='-owner']").select_option(str(orjan.pk))
        row.locator("[name$='-deadline']").fill(deadline.isoformat())
        check(hilde_page, "the plan's first edit")
        # The measures section saves in the background; then back to the plan.
        hilde_page.locator("#section-measures .plan-save-bar button[type=submit]").first.click()
        hilde_page.locator("#section-measures .plan-save-bar__state--saved").wait_for()
        go(hilde_page, link(plan_page))
        assert path_of(hilde_page) == plan_page
        check(hilde_page, "the new plan")
        measure = Measure.objects.get(title=MEASURE)
        assert (measure.owner, measure.deadline, measure.plan.pilot) == (orjan, deadline, pilot)

        # The next weekly digest, when beat's sweep finds it due, has his measure in it.
        policy = FollowUpPolicy.objects.get(programme_id=pilot.programme_id)
        clock.moment = next_digest(policy, after=clock.moment)
        reminders_sweep(now=clock.moment, as_of=clock.moment)
        [digest] = mails_to(STAFF_EMAIL, Reminder.Kind.MEASURES_OVERDUE)
        own_link = f"{base}{reverse('my_tasks')}#measure-{measure.pk}"
        assert own_link in digest.body, digest.body
        assert MEASURE in digest.body
        # Hilde's digest has the department's overdue measures, with the way to the board.
        board = reverse("plans:plan_board", kwargs={"pilot_pk": pilot.pk})
        [leader_digest] = mails_to(LEADER[1], Reminder.Kind.MEASURES_OVERDUE)
        assert MEASURE in leader_digest.body and f"{base}{board}" in leader_digest.body

        # Days later his session is over: the link asks him to log in, then he marks it done.
        phone.goto(own_link)
        phone.wait_for_load_state("load")
        assert path_of(phone).startswith(reverse("login")), phone.url
        check(phone, "the login page from the digest's link", phone=True)
        login_next = f"{reverse('login')}?next={reverse('my_tasks')}"
        assert path_of(phone) == login_next
        phone.locator("#id_username").fill(ORJAN_LOGIN[0])
        phone.locator("#id_password").fill(ORJAN_LOGIN[1])
        go(phone, "main form button[type=submit]")
        assert path_of(phone) == reverse("my_tasks")
        card = phone.locator(f"#measure-{measure.pk}")
        assert card.locator(".my-card__overdue").count() == 1
        check(phone, "Ørjan's tasks with an overdue measure", phone=True)
        card.locator("input[type=radio][value=done]").tap()
        go(phone, f"#measure-{measure.pk} button[type=submit]")
        assert phone.url.endswith(f"{reverse('my_tasks')}#measure-{measure.pk}"), phone.url
        measure.refresh_from_db()
        assert measure.status == Measure.Status.DONE
        check(phone, "Ørjan's tasks after marking it done", phone=True)

        # --- 5. Hilde makes the suggestion a measure; Ørjan sees what became of it. -----------
        hilde_page.goto(f"{base}{board}")
        hilde_page.wait_for_load_state("load")
        assert path_of(hilde_page).startswith(reverse("login")), "her session is over too"
        login_form = hilde_page.locator("main form")
        login_form.locator("#id_username").fill(HILDE_LOGIN[0])
        login_form.locator("#id_password").fill(HILDE_LOGIN[1])
        go(hilde_page, "main form button[type=submit]")
        assert path_of(hilde_page) == board
        card = hilde_page.locator(f".board-column--ideas #suggestion-{suggestion.pk}")
        assert IDEA in card.inner_text()
        check(hilde_page, "the board with Ørjan's idea")
        go(hilde_page, f".board-column--ideas #suggestion-{suggestion.pk} a")
        assert path_of(hilde_page) == reverse(
            "plans:suggestion_detail", kwargs={"pk": suggestion.pk}
        )
        assert hilde_page.locator("#id_owner").input_value() == str(orjan.pk)
        check(hilde_page, "the page for making the idea a measure")
        convert = reverse("plans:suggestion_measure", kwargs={"pk": suggestion.pk})
        go(hilde_page, f'form[action="{convert}"] [type=submit]')
        assert path_of(hilde_page) == board
        from_idea = Measure.objects.get(suggestion__pk=suggestion.pk)
        assert from_idea.owner == orjan
        new_card = hilde_page.locator(f".board-column--not_started #measure-{from_idea.pk}")
        assert new_card.locator(".board-card__origin").count() == 1
        check(hilde_page, "the board after the conversion")

        # Ørjan's tasks now hold the measure his idea became, and his list says so.
        phone.reload()
        phone.wait_for_load_state("load")
        assert phone.locator(f"#measure-{from_idea.pk}").count() == 1
        check(phone, "Ørjan's tasks with the measure his idea became", phone=True)
        go(phone, link(pilot_page))
        go(phone, link(f"{suggestions}#my-suggestions"))
        mine = phone.locator(f"#my-suggestion-{suggestion.pk}")
        assert mine.locator(".suggestion-status--measure").count() == 1
        assert from_idea.title in mine.inner_text()
        check(phone, "Ørjan's suggestions with what became of his", phone=True)
    finally:
        for context in contexts:
            context.close()
