"""Whatever is posted to any of our forms or htmx endpoints, the answer is never a server error.

Every URL that accepts a POST (from the URLconf, `tests/post_endpoints.py`) is posted payloads that
Hypothesis makes from the form a browser would send there, read from the page that shows it:
each field kept, or replaced with unicode, a huge value, a NUL byte, a bad date, a wrong type, an
id from another pilot or municipality, a `<script>` marker, left out or sent twice; with and
without htmx's `HX-Request`. A server error raises in the test client. The marker must never come
back unescaped, neither on the answer nor on the page a redirect leads to.

`make test` posts a few hundred payloads (derandomized: the same ones every run);
`make bench-fuzz` (part of `make bench`) posts 10,000: `LEAN_FUZZ_POSTS` sets the total.
"""

import os
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilots.models import Department, Person
from plans.models import Measure, ProjectPlan
from tests.post_endpoints import Form, form_for, forms_on, post_url_names
from tests.test_permission_matrix import MATRIX, _earlier_process

pytestmark = pytest.mark.django_db

ENDPOINTS = post_url_names()
# A few hundred posts in `make test`; the bench spreads its total over the endpoints.
TOTAL_POSTS = int(os.environ.get("LEAN_FUZZ_POSTS", "0")) or 6 * len(ENDPOINTS)
EXAMPLES = max(1, TOTAL_POSTS // len(ENDPOINTS))

MARKER = "<script>lp-fuzz</script>"

# The page a POST-only endpoint's form is on (by default the endpoint's own GET page).
FORM_PAGES = {
    "my_measure_progress": ("my_tasks", None),
    "logout": ("my_tasks", None),
    "set_language": ("my_tasks", None),
    "pilots:pilot_advance_phase": ("programme:pilot_detail", lambda c, o: {"pk": c.pilot_a.pk}),
    "pilots:pilot_phase_follow_events": (
        "programme:pilot_detail",
        lambda c, o: {"pk": c.pilot_a.pk},
    ),
    "pilots:person_invite": ("pilots:staff_list", lambda c, o: {"pk": c.dept_a.pk}),
    "pilots:staff_restore": ("pilots:staff_list", lambda c, o: {"pk": c.dept_a.pk}),
    "pilots:invitation_resend": ("pilots:invitation_list", None),
    "pilots:invitation_revoke": ("pilots:invitation_list", None),
    "pilots:holiday_period_delete": (
        "pilots:holiday_period_edit",
        lambda c, o: {"programme_pk": c.programme.pk, "pk": o.holiday.pk},
    ),
    "training:meeting_delete": ("training:meeting_edit", lambda c, o: {"pk": o.meeting.pk}),
    "plans:plan_submit": ("plans:plan_detail", lambda c, o: {"pilot_pk": c.pilot_a.pk}),
    "plans:plan_review": ("plans:plan_detail", lambda c, o: {"pilot_pk": c.pilot_a.pk}),
    "plans:measure_set_status": ("plans:plan_board", lambda c, o: {"pilot_pk": c.pilot_a.pk}),
    "plans:board_screen_create": ("plans:plan_board", lambda c, o: {"pilot_pk": c.pilot_a.pk}),
    "plans:board_screen_revoke": ("plans:plan_board", lambda c, o: {"pilot_pk": c.pilot_a.pk}),
    "plans:suggestion_answer": ("plans:suggestion_detail", lambda c, o: {"pk": o.suggestion.pk}),
    "plans:suggestion_measure": ("plans:suggestion_detail", lambda c, o: {"pk": o.suggestion.pk}),
    "plans:measurement_delete": ("plans:measurement_edit", lambda c, o: {"pk": o.measurement.pk}),
    "followup:board_meeting_delete": (
        "followup:board_meeting_edit",
        lambda c, o: {"pk": o.board_meeting.pk},
    ),
    "followup:reminder_resend": ("followup:reminder_detail", lambda c, o: {"pk": o.reminder.pk}),
    "pilots:earlier_process_delete": ("pilots:earlier_process_edit", _earlier_process),
    "followup:calendar_feed_renew": ("followup:calendars", None),
}

# Endpoints no page of the cast shows a form for, with the fields their callers send.
FORMLESS = {
    # drafts.js posts an empty body.
    "session_keepalive": lambda c, o: {},
    # The link in the e-mail is made up here (uidb64 "MQ"): the page says the link is invalid.
    "password_reset_confirm": lambda c, o: {"new_password1": "pw", "new_password2": "pw"},
    # Buttons shown in states the cast is not in: a submitted plan, a phase set by hand, a
    # former member of staff, a person without a login or invitation, an upcoming session.
    "plans:plan_review": lambda c, o: {"decision": "approve", "comment": "", "version": "1"},
    "pilots:pilot_phase_follow_events": lambda c, o: {},
    "pilots:staff_restore": lambda c, o: {"next": "/"},
    "pilots:person_invite": lambda c, o: {"next": "/"},
    "training:information_sessions": lambda c, o: {"session": str(o.meeting.pk)},
    # The second-factor steps show their form only while a code is owed, and the suite runs
    # with the second factor off (tests/test_two_factor.py posts wrong and right codes with it
    # on); here they must take any garbage without a server error all the same.
    "two_factor_verify": lambda c, o: {"code": "123456"},
    "two_factor_setup": lambda c, o: {"code": "123456"},
}

# Who uses a formless endpoint, when not the coordinator: choosing a session is for the staff.
FORMLESS_USERS = {"training:information_sessions": "staff_a"}

# The page posts each of its sections to its own URL; the whole page posted at once is the union.
WHOLE_PAGE = {"plans:plan_edit"}

# Who is tried, in order, until one sees the form: the endpoint is fuzzed as them.
USERS = ("coordinator", "tore", "staff_a", "superuser", None)

BAD_DATES = [
    "31.02.2027",
    "2027-02-31",
    "2027-13-01",
    "00.00.0000",
    "1.1.1",
    "31.12.9999",
    "01.01.0001",
    "9999999-01-01",
    "i morgen",
    "25:61",
]
WRONG_TYPES = [
    "abc",
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "99999999999999999999",
    "-99999999999999999999",
    "0x10",
    " ",
    "[]",
    "{}",
    "null",
    "true",
    "١٢٣",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


@dataclass
class Target:
    url: str
    user: object
    form: Form
    foreign_ids: list[str]


def _user(cast, key):
    return None if key is None else getattr(cast.users, key)


def _url(name, kwargs, cast, objects):
    return reverse(name, kwargs=kwargs(cast, objects) if kwargs else None)


def _target(client, cast, objects, name) -> Target:
    _method, kwargs, _spec = MATRIX[name]
    url = _url(name, kwargs, cast, objects)
    page_name, page_kwargs = FORM_PAGES.get(name, (name, kwargs))
    page = _url(page_name, page_kwargs, cast, objects)
    # Ids a form may be given that the person must not reach: another pilot's measure and
    # department, another municipality's pilot and person, and one that does not exist.
    other_plan, _created = ProjectPlan.objects.get_or_create(pilot=cast.pilot_b)
    other_measure = Measure.objects.create(plan=other_plan, title="Annen tavle")
    foreign_ids = [
        str(other_measure.pk),
        str(cast.dept_b.pk),
        str(cast.other_pilot.pk),
        str(Person.objects.filter(municipality=cast.other_municipality).first().pk),
        str(Department.objects.order_by("-pk").first().pk + 1000),
    ]
    for key in USERS:
        user = _user(cast, key)
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(page)
        if response.status_code == 200:
            html = response.content.decode()
            form = _whole_page(html, page, url) if name in WHOLE_PAGE else form_for(html, page, url)
            if form is not None:
                return Target(url, user, form, foreign_ids)
    assert name in FORMLESS, f"no page shows a form posting to {name}: add it to FORM_PAGES"
    fields = FORMLESS[name](cast, objects)
    form = Form(action=url, data={k: [v] for k, v in fields.items()})
    form.kinds = dict.fromkeys(fields, "text")
    user = _user(cast, FORMLESS_USERS.get(name, "coordinator"))
    return Target(url, user, form, foreign_ids)


def _whole_page(html: str, page: str, url: str) -> Form | None:
    merged = Form(action=url)
    for form in forms_on(html, page):
        if form.action.startswith(url):
            merged.data.update(form.data)
            merged.kinds.update(form.kinds)
            merged.options.update(form.options)
    return merged if merged.kinds else None


def _plausible(name: str, kind: str, offered: list[str]) -> list[str]:
    """A value the field would accept on its own, for a form that shows it empty."""
    if kind in {"select", "select-multiple", "radio", "checkbox"}:
        return [value for value in offered if value][:1]
    if kind == "submit":
        return []
    if kind == "date":
        return ["2027-03-15"]
    if kind == "time":
        return ["09:00" if "start" in name else "11:30"]
    if kind == "number":
        return ["2027" if "year" in name else "10"]
    if kind == "email" or "email" in name:
        return ["ny.person@harstad.kommune.no"]
    if "phone" in name:
        return ["+47 900 00 000"]
    if name.endswith(("value", "count", "percent", "_per_week")):
        return ["10"]
    if kind == "password":
        return ["Lean-demo-2027!"]
    return ["Fast plass for bilnøklene"]


def _bad(target: Target, name: str):
    """A strategy for one field's bad values: [] leaves it out, two values send it twice."""
    kind = target.form.kinds.get(name, "text")
    offered = target.form.options.get(name, [])
    single = st.one_of(
        TEXT,
        st.sampled_from(BAD_DATES + WRONG_TYPES + target.foreign_ids),
        st.sampled_from(["x" * 100_000, "ø" * 20_000 + "\n" * 5_000, "a\x00b", "\x00"]),
        st.just(MARKER),
        TEXT.map(lambda text: f"{text}{MARKER}"),
    )
    if offered:
        single = st.one_of(st.sampled_from(offered), single)
    if kind == "file":
        return st.one_of(
            st.binary(max_size=2_000),
            TEXT.map(lambda text: f"Navn;E-post\n{text};{MARKER}\n".encode()),
            st.just(b"\xff\xfe\x00N\x00a\x00v\x00n"),
        )
    return st.one_of(
        single.map(lambda value: [value]),
        st.just([]),
        st.lists(single, min_size=2, max_size=3),
    )


@st.composite
def payloads(draw, target: Target):
    """The form as shown (empty fields filled in plausibly), then up to three fields made bad."""
    form = target.form
    data = {}
    for name, kind in form.kinds.items():
        kept = form.data.get(name, [])
        # Mostly filled in, so that the bad fields below are often the only thing wrong.
        if not any(kept) and draw(st.integers(0, 4)) > 0:
            kept = _plausible(name, kind, form.options.get(name, []))
        data[name] = kept
    names = sorted(form.kinds)
    bad = draw(st.sets(st.sampled_from(names), max_size=3)) if names else set()
    for name in sorted(bad):
        data[name] = draw(_bad(target, name))
    if draw(st.booleans()):
        data[draw(TEXT.filter(bool))] = [draw(TEXT)]
    for name, kind in form.kinds.items():
        if kind == "file" and isinstance(data.get(name), bytes):
            data[name] = SimpleUploadedFile("ansatte.csv", data[name], content_type="text/csv")
    return {name: values for name, values in data.items() if values != []}


def _assert_escaped(response, where: str) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        assert MARKER not in response.content.decode(errors="replace"), f"unescaped in {where}"


def fuzz(client, cast, objects, name, *, examples: int) -> Counter:
    """Post `examples` payloads to the endpoint; return how often each status came back."""
    target = _target(client, cast, objects, name)
    statuses = Counter()

    # Derandomized, so CI posts the same payloads every run; no example database; no deadline
    # (a page takes what it takes on a loaded machine) and no health checks, which would
    # complain of the huge values and slow examples that are the point here.
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=payloads(target), htmx=st.booleans())
    def post_one(data, htmx):
        if target.user is not None:
            client.force_login(target.user)
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.post(target.url, data, headers=headers)
        statuses[response.status_code] += 1
        assert response.status_code < 500, f"{name}: {response.status_code}"
        _assert_escaped(response, f"the answer to {name}")
        location = response.get("Location", "")
        if response.status_code in (301, 302, 303) and location.startswith("/"):
            page = client.get(location)
            assert page.status_code < 500, f"{location} after {name}: {page.status_code}"
            _assert_escaped(page, f"{location} after {name}")

    post_one()
    return statuses


@pytest.mark.parametrize("name", ENDPOINTS)
def test_posted_garbage_is_never_a_server_error(client, cast, objects, name):
    started = time.perf_counter()
    statuses = fuzz(client, cast, objects, name, examples=EXAMPLES)

    assert statuses.total() >= min(EXAMPLES, 2)
    if os.environ.get("LEAN_FUZZ_POSTS"):
        seconds = time.perf_counter() - started
        counts = dict(sorted(statuses.items()))
        print(f"{name}: {statuses.total()} posts in {seconds:.1f} s, {counts}")


def test_the_fuzzer_finds_the_forms(client, cast, objects):
    """The fuzzer posts what the page shows, so that its payloads get past the first check."""
    target = _target(client, cast, objects, "training:meeting_create")

    assert {"date", "starts_at", "ends_at", "place", "notes"} <= set(target.form.kinds)
    assert target.user == cast.users.coordinator


# Posting these would end the session or take away what the pages below show.
_NOT_STORED = ("delete", "revoke", "logout", "login", "password", "keepalive", "restore")


def test_stored_markers_come_back_escaped_on_every_page(client, cast, objects):
    """Every text field of every form is saved with a `<script>` in it; then every page is
    opened as the coordinator, the leader and a member of staff: none shows it unescaped."""
    for name in ENDPOINTS:
        if any(word in name for word in _NOT_STORED):
            continue
        target = _target(client, cast, objects, name)
        data = {}
        for field, kind in target.form.kinds.items():
            kept = target.form.data.get(field, [])
            if kind in {"text", "textarea"} and field not in {"version", "next"}:
                data[field] = [f"Tekst {MARKER}"]
            else:
                data[field] = kept if any(kept) else _plausible(field, kind, [])
        if target.user is not None:
            client.force_login(target.user)
        assert client.post(target.url, data).status_code < 500, name

    pages = [
        (name, kwargs)
        for name, (method, kwargs, _spec) in MATRIX.items()
        if method == "get" and not name.startswith("password_reset")
    ]
    shown = 0
    for user in (cast.users.coordinator, cast.users.tore, cast.users.staff_a):
        client.force_login(user)
        for page_name, kwargs in pages:
            response = client.get(_url(page_name, kwargs, cast, objects))
            if response.streaming:
                # A file download (a spreadsheet, a calendar, a PDF): not HTML, nothing to escape.
                b"".join(response.streaming_content)
                continue
            _assert_escaped(response, f"{page_name} as {user.username}")
            shown += "&lt;script&gt;lp-fuzz" in response.content.decode(errors="replace")
    assert shown, "no page showed a stored marker: the test would not see one unescaped"
