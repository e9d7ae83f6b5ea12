"""Every link in every e-mail works for the person who gets it.

The demo programme is run through its year: both plans go through the workflow or stay late,
someone is absent, and the reminder sweep runs every morning from January to June. Every e-mail
that goes out is sorted by its kind and by the kind of person it went to (coordinator, guide,
leader, staff with a login, staff without one). For the first e-mail of each pair, every link in
it is opened as its recipient: logged in as them, or, for someone without a login, anonymously
through the invitation the link carries, making a login on the way. Each page must open, and
offer the action the e-mail asks for.
"""

import datetime as dt
import re
from dataclasses import dataclass
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from followup.models import FollowUpMeeting, Reminder
from followup.reminders.sweep import reminders_sweep
from followup.services import password_reset_mail_request
from pilots.models import DepartmentRole, Person, Pilot, ProgrammeRole
from pilots.services import pilot_advance_phase
from plans.models import Measure, ProjectPlan
from plans.services import plan_approve, plan_return, plan_submit
from tests.followup.conftest import oslo
from training.models import Attendance, CourseDay, InformationMeeting
from training.services import course_day_schedule, information_meeting_delete

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

Kind = Reminder.Kind
PLAN_MAILS = {
    "plan_submitted": "Project plan submitted for review: %(department)s",
    "plan_returned": "Project plan returned with a comment: %(department)s",
    "plan_approved": "Project plan approved: %(department)s",
}
LINK = re.compile(r"https?://\S+")
PASSWORD = "Tavle-og-tiltak-2027"  # noqa: S105


@dataclass
class Mail:
    kind: str
    recipient: Person
    audience: str
    links: list[str]


def _audience(person: Person) -> str:
    roles = set(person.programme_roles.values_list("role", flat=True))
    if ProgrammeRole.Role.LEAN_COORDINATOR in roles:
        return "coordinator"
    if ProgrammeRole.Role.LEAN_GUIDE in roles:
        return "guide"
    if person.department_roles.filter(role=DepartmentRole.Role.DEPARTMENT_LEADER).exists():
        return "leader"
    return "staff with a login" if person.user_id else "staff without a login"


def _kind_of(message, person: Person, reminder_kinds: dict[str, str]) -> str:
    message_id = message.extra_headers.get("Message-ID", "")
    kind = reminder_kinds[message_id]
    if kind != Kind.PLAN_TRANSITION:
        return kind
    # One kind of reminder, three e-mails that each ask for something else.
    with translation.override(person.language):
        for kind, subject in PLAN_MAILS.items():
            prefix = gettext(subject).split("%(")[0]
            if message.subject.startswith(prefix):
                return kind
    raise AssertionError(f"an e-mail of no known kind: {message.subject!r}")


class Reader:
    """Reads each new e-mail as it arrives: the first of each kind to each kind of person is
    opened at once, link by link, while what it asks for is still to be done."""

    def __init__(self):
        self.read = 0
        self.seen: dict[tuple[str, str], Mail] = {}
        self.kinds: set[str] = set()
        self.audiences: set[str] = set()
        self.people = {person.email: person for person in Person.objects.all()}
        self.opened: list[str] = []

    def catch_up(self):
        hostname = urlsplit(settings.SITE_URL).hostname
        reminder_kinds = {
            f"<reminder-{pk}@{hostname}>": kind
            for pk, kind in Reminder.objects.values_list("pk", "kind")
        }
        for message in mail.outbox[self.read :]:
            person = self.people[message.to[0]]
            person.refresh_from_db()
            sent = Mail(
                kind=_kind_of(message, person, reminder_kinds),
                recipient=person,
                audience=_audience(person),
                links=LINK.findall(message.body),
            )
            self.kinds.add(sent.kind)
            self.audiences.add(sent.audience)
            if (sent.kind, sent.audience) not in self.seen:
                self.seen[(sent.kind, sent.audience)] = sent
                self.open_every_link(sent)
        self.read = len(mail.outbox)

    def open_every_link(self, sent: Mail):
        assert sent.links, f"{sent.kind} to {sent.audience} has no link"
        for url in sent.links:
            where = f"{sent.kind} to {sent.audience} ({sent.recipient}): {url}"
            page = _open_as(sent.recipient, url)
            assert page.status_code == 200, where
            final_path = page.request["PATH_INFO"]
            assert final_path != reverse("login"), where
            html = page.content.decode()
            for choices in _actions(sent.kind, sent.recipient, final_path):
                assert any(url in html for url in choices), f"{where} does not offer {choices}"
            self.opened.append(where)


def _open_as(person: Person, url: str):
    """Open a link from an e-mail as its recipient; returns the page it ends on."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == settings.SITE_URL, url
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    client = Client()
    person.refresh_from_db()
    if person.user_id is not None:
        client.force_login(person.user)
        return client.get(path, follow=True)
    # No login yet: the link is their invitation, and making a login leads to the page it named.
    assert parts.path.startswith("/invitations/"), f"{url} for {person} who has no login"
    page = client.get(path)
    assert page.status_code == 200
    assert person.full_name in page.content.decode()
    return client.post(
        path,
        {"username": f"user{person.pk}", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )


def _actions(kind: str, person: Person, path: str) -> list[tuple[str, ...]]:
    """What the e-mail asks its recipient to do, as the URLs the page must offer (any one of
    each tuple)."""
    pilot_pk = _pilot_in(path)
    if kind in (Kind.FOLLOW_UP_DUE, Kind.FOLLOW_UP_OVERDUE):
        meeting = FollowUpMeeting.objects.filter(pilot_id=pilot_pk, held_on__isnull=True).first()
        return [(reverse("followup:follow_up_meeting_hold", kwargs={"pk": meeting.pk}),)]
    if kind in (Kind.PLAN_NOT_SUBMITTED, "plan_returned"):
        return [(reverse("plans:plan_submit", kwargs={"pilot_pk": pilot_pk}),)]
    if kind == "plan_submitted":
        return [(reverse("plans:plan_review", kwargs={"pilot_pk": pilot_pk}),)]
    if kind in (Kind.MEASURES_OVERDUE, Kind.PLAN_QUIET):
        measures = Measure.objects.open()
        if pilot_pk is not None:
            measures = measures.filter(plan__pilot_id=pilot_pk)
        if kind == Kind.MEASURES_OVERDUE and (pilot_pk is None or not _leads(person, pilot_pk)):
            measures = measures.filter(owner=person)
        return [
            (
                reverse("plans:measure_set_status", kwargs={"pk": pk}),
                reverse("my_measure_progress", kwargs={"pk": pk}),
            )
            for pk in measures.values_list("pk", flat=True)[:3]
        ]
    return []


def _pilot_in(url: str) -> int | None:
    found = re.search(r"/pilots/(\d+)/", url)
    return int(found.group(1)) if found else None


def _leads(person: Person, pilot_pk: int) -> bool:
    return DepartmentRole.objects.filter(
        person=person,
        role=DepartmentRole.Role.DEPARTMENT_LEADER,
        department__pilots__pk=pilot_pk,
    ).exists()


def test_every_link_in_every_mail_works_for_its_recipient(
    settings, eager, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    refugees, home_care = Pilot.objects.select_related("department").order_by("department__name")
    coordinator = Person.objects.get(user__username="koordinator").user
    kari = Person.objects.get(user__username="kari").user
    year = home_care.course_year
    reader = Reader()

    # Someone without a login and someone with one miss the first course day.
    for pilot, username in ((home_care, None), (refugees, "sofie")):
        staff = Person.objects.filter(
            department_roles__department=pilot.department,
            department_roles__role=DepartmentRole.Role.STAFF,
        )
        absent = (
            staff.get(user__username=username)
            if username
            else staff.filter(user__isnull=True).order_by("pk").first()
        )
        day = CourseDay.objects.get(pilot=pilot, number=1)
        Attendance.objects.create(person=absent, course_day=day, status=Attendance.Status.ABSENT)

    def sweep(at: dt.datetime):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_sweep(now=at, as_of=at)
        reader.catch_up()

    def workflow(step, **kwargs):
        plan = ProjectPlan.objects.get(pilot=refugees)
        with django_capture_on_commit_callbacks(execute=True):
            step(plan=plan, expected_version=plan.version, **kwargs)
        reader.catch_up()

    # Omsorg Sør's second course day moves to another room: everyone in it is told at once.
    moved = CourseDay.objects.get(pilot=home_care, number=2)
    with django_capture_on_commit_callbacks(execute=True):
        course_day_schedule(
            user=coordinator,
            pilot=home_care,
            number=moved.number,
            date=moved.date,
            starts_at=moved.starts_at,
            ends_at=moved.ends_at,
            place=f"{moved.place} (nytt rom)",
            topic=moved.topic,
            facilitators=moved.facilitators.all(),
            course_day=moved,
        )
    # Kari has forgotten her password and asks for a link.
    password_reset_mail_request(email=Person.objects.get(user=kari).email)
    # The demo's invitation and Kari's link go out at once; then the programme's year, a
    # morning at a time.
    sweep(timezone.now())
    # NAV goes through the whole workflow and on into follow-up, where its plan then goes quiet;
    # Omsorg Sør's plan stays a draft and is chased.
    workflow(plan_submit, user=kari)
    workflow(plan_return, user=coordinator, comment="Mål tidsbruken før og etter.")
    workflow(plan_submit, user=kari)
    workflow(plan_approve, user=coordinator, comment="Bra!")
    refugees.refresh_from_db()
    while refugees.phase != Pilot.Phase.FOLLOW_UP:
        refugees = pilot_advance_phase(pilot=refugees, user=coordinator, reason="Neste steg")
    day = dt.date(year, 1, 4)
    while day <= dt.date(year, 6, 30):
        if day == dt.date(year, 1, 6):
            # Omsorg Sør's information meeting (week 5) is cancelled after its calendar
            # invitations went out: the calendars that got one are told to drop it.
            with django_capture_on_commit_callbacks(execute=True):
                information_meeting_delete(
                    meeting=InformationMeeting.objects.get(pilot=home_care), user=coordinator
                )
        sweep(oslo(day.year, day.month, day.day, 9))
        day += dt.timedelta(days=1)

    every_kind = {*Kind.values, *PLAN_MAILS} - {Kind.PLAN_TRANSITION}
    assert reader.kinds == every_kind, "every kind of e-mail went out"
    assert reader.audiences == {
        "coordinator",
        "guide",
        "leader",
        "staff with a login",
        "staff without a login",
    }
    assert len(reader.opened) >= len(reader.seen)
