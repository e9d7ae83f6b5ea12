"""Calendar feeds: a secret link a calendar (Outlook, Google, Apple) subscribes to.

Everyone has a personal feed: the information meetings and course days of their departments
(less the sessions they did not choose), the course days they facilitate, the follow-up meetings
they take part in (or, for a leader, of the departments they lead) and the deadlines of the open
measures they own, as all-day items. Coordinators and guides also get one feed per pilot and one
per programme. A feed holds nothing its owner could not see in the app: it is worked out on
every fetch with the owner's access as it is then (`pilots.access`, the same selectors as the
pages), so a leader's feed holds their department only, and a coordinator who loses the role
loses the pilot and programme feeds with it.

The token is `<pk>-<mac>`, an HMAC-SHA256 keyed with SECRET_KEY over the row's pk, owner and
random nonce, as for wall-screen links (`plans.screens`): the link can be shown again without
storing a secret, and reading the database is not enough to open a feed. Renewing withdraws
the row and makes a new one; the old link then answers 404, like a forged one.
"""

import base64
import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from followup import ical
from followup.models import CalendarFeed, FollowUpMeeting
from pilots.access import Scope, scope_for
from pilots.calendar import local_date
from pilots.models import Person, Pilot, Programme
from pilots.selectors import pilots_for_user
from plans.models import Measure
from training.models import CourseDay, InformationMeeting, SessionChoice

TOKEN_SALT = "followup.feeds.CalendarFeed"  # noqa: S105 (a salt, not a secret)
_TOKEN = re.compile(r"([1-9][0-9]{0,17})-([A-Za-z0-9_-]{43})")
# How far back a feed reaches: a calendar keeps what it had, and a feed of every year grows.
HISTORY = dt.timedelta(days=366)

Kind = CalendarFeed.Kind


def may_have_feed(scope: Scope, *, kind: str, target: Pilot | Programme | None) -> bool:
    """A personal feed for anyone who is a person; a pilot's or programme's for whoever
    coordinates the programme."""
    if scope.person_id is None:
        return False
    if kind == Kind.PERSONAL:
        return True
    programme = target.programme if isinstance(target, Pilot) else target
    return (
        programme is not None
        and scope.can_manage_programme()
        and (scope.can_view_programme(programme))
    )


# --- Tokens ----------------------------------------------------------------------------------


def _mac(feed: CalendarFeed, *, secret: str) -> str:
    value = f"{feed.pk}:{feed.person_id}:{feed.kind}:{feed.nonce}"
    digest = salted_hmac(TOKEN_SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def calendar_feed_token(feed: CalendarFeed) -> str:
    return f"{feed.pk}-{_mac(feed, secret=settings.SECRET_KEY)}"


def calendar_feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse(
        "followup:calendar_feed", kwargs={"token": calendar_feed_token(feed)}
    )


def calendar_feed_from_token(token: str) -> CalendarFeed | None:
    """The open feed the token was made for; None when malformed, forged or withdrawn."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    feed = (
        CalendarFeed.objects.select_related(
            "person__user", "pilot__programme", "pilot__department", "programme"
        )
        .filter(pk=match[1], revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        return None
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if constant_time_compare(match[2], _mac(feed, secret=secret)):
            return feed
    return None


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedLink:
    kind: str
    title: str
    url: str | None  # None: no link made yet
    pilot: Pilot | None = None
    programme: Programme | None = None


def calendar_feeds_open(person: Person) -> dict[tuple[str, int | None, int | None], CalendarFeed]:
    feeds = CalendarFeed.objects.filter(person=person, revoked_at__isnull=True)
    return {(feed.kind, feed.pilot_id, feed.programme_id): feed for feed in feeds}


def calendar_feed_links(user) -> list[FeedLink]:
    """The feeds the user may have, with the link of each that has been made: their own, then
    (for coordinators) each programme's and each pilot's. Three queries."""
    scope = scope_for(user)
    person = Person.objects.filter(pk=scope.person_id).first()
    if person is None:
        return []
    open_feeds = calendar_feeds_open(person)

    def url(kind, pilot=None, programme=None):
        feed = open_feeds.get((kind, getattr(pilot, "pk", None), getattr(programme, "pk", None)))
        return calendar_feed_url(feed) if feed else None

    links = [FeedLink(Kind.PERSONAL, _("My calendar"), url(Kind.PERSONAL))]
    if not scope.can_manage_programme():
        return links
    pilots = list(pilots_for_user(user).order_by("programme__name", "department__name"))
    programmes = {pilot.programme_id: pilot.programme for pilot in pilots}
    for programme in programmes.values():
        links.append(
            FeedLink(
                Kind.PROGRAMME,
                programme.name,
                url(Kind.PROGRAMME, programme=programme),
                programme=programme,
            )
        )
    for pilot in pilots:
        links.append(
            FeedLink(Kind.PILOT, pilot.department.name, url(Kind.PILOT, pilot=pilot), pilot=pilot)
        )
    return links


def personal_feed_link(scope: Scope) -> FeedLink | None:
    """The person's own feed for "my tasks" (one query), or None for a login without a person."""
    if scope.person_id is None:
        return None
    feed = CalendarFeed.objects.filter(
        person_id=scope.person_id, kind=Kind.PERSONAL, revoked_at__isnull=True
    ).first()
    return FeedLink(Kind.PERSONAL, _("My calendar"), calendar_feed_url(feed) if feed else None)


def feed_owner_user(feed: CalendarFeed):
    """The login the feed answers for, or None when the person or login is no longer active."""
    person = feed.person
    user = person.user
    if not person.is_active or user is None or not user.is_active:
        return None
    return user


def calendar_feed_items(feed: CalendarFeed, *, now: dt.datetime) -> list[ical.Item] | None:
    """What the feed holds now, or None when its owner may no longer have it. A fixed number of
    queries whatever the number of events."""
    user = feed_owner_user(feed)
    if user is None:
        return None
    scope = scope_for(user)
    target = feed.pilot or feed.programme
    if not may_have_feed(scope, kind=feed.kind, target=target):
        return None
    pilots = pilots_for_user(user).order_by().values("pk")
    if feed.kind == Kind.PILOT:
        pilots = pilots.filter(pk=feed.pilot_id)
    elif feed.kind == Kind.PROGRAMME:
        pilots = pilots.filter(programme_id=feed.programme_id)
    since = local_date(now) - HISTORY

    course_days = CourseDay.objects.filter(pilot__in=pilots, date__gte=since)
    meetings = InformationMeeting.objects.filter(pilot__in=pilots, starts_at__date__gte=since)
    follow_ups = FollowUpMeeting.objects.filter(pilot__in=pilots).filter(
        Q(planned_on__gte=since) | Q(planned_on__isnull=True, due_on__gte=since)
    )
    measures = Measure.objects.open().filter(
        plan__pilot__in=pilots, deadline__isnull=False, deadline__gte=since
    )
    if feed.kind == Kind.PERSONAL:
        person_id = feed.person_id
        departments = scope.member_department_ids
        course_days = course_days.filter(
            Q(pilot__department_id__in=departments) | Q(facilitators=person_id)
        ).distinct()
        other_session = SessionChoice.objects.filter(
            pilot_id=OuterRef("pilot_id"), person_id=person_id
        ).exclude(meeting_id=OuterRef("pk"))
        meetings = meetings.filter(pilot__department_id__in=departments).exclude(
            Exists(other_session)
        )
        follow_ups = follow_ups.filter(
            Q(participants=person_id) | Q(pilot__department_id__in=scope.led_department_ids)
        ).distinct()
        measures = measures.filter(owner_id=person_id)

    items = [
        ical.course_day_item(day)
        for day in course_days.select_related("pilot__department").order_by("date", "pk")
    ]
    items += [
        ical.information_meeting_item(meeting)
        for meeting in meetings.select_related("pilot__department").order_by("starts_at", "pk")
    ]
    items += [
        ical.follow_up_meeting_item(meeting)
        for meeting in follow_ups.select_related("pilot__department", "step").order_by(
            "due_on", "pk"
        )
    ]
    items += [
        ical.measure_deadline_item(measure)
        for measure in measures.select_related("plan__pilot__department").order_by("deadline", "pk")
    ]
    return items


def calendar_feed_render(feed: CalendarFeed, *, now: dt.datetime | None = None) -> bytes | None:
    """The feed as an iCalendar file in its owner's language, or None (a 404)."""
    now = now or timezone.now()
    with translation.override(feed.person.language):
        items = calendar_feed_items(feed, now=now)
        if items is None:
            return None
        if feed.kind == Kind.PERSONAL:
            name = _("Lean programme: %(name)s") % {"name": feed.person.full_name}
        elif feed.kind == Kind.PILOT:
            name = _("Lean programme: %(name)s") % {"name": feed.pilot.department.name}
        else:
            name = _("Lean programme: %(name)s") % {"name": feed.programme.name}
        return ical.calendar_build(items, name=name, now=now)


# --- Making and renewing -----------------------------------------------------------------------


def calendar_feed_renew(
    *,
    user,
    kind: str,
    pilot: Pilot | None = None,
    programme: Programme | None = None,
    now: dt.datetime | None = None,
) -> tuple[CalendarFeed, bool]:
    """Make the user's feed link, withdrawing the one they had (the old link then answers
    404); returns the new feed and whether there was an old one."""
    scope = scope_for(user)
    target = pilot if kind == Kind.PILOT else programme if kind == Kind.PROGRAMME else None
    scope.require(may_have_feed(scope, kind=kind, target=target))
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=scope.person_id)
        withdrawn = CalendarFeed.objects.filter(
            person=person,
            kind=kind,
            pilot=target if kind == Kind.PILOT else None,
            programme=target if kind == Kind.PROGRAMME else None,
            revoked_at__isnull=True,
        ).update(revoked_at=now or timezone.now())
        feed = CalendarFeed(
            person=person,
            kind=kind,
            pilot=target if kind == Kind.PILOT else None,
            programme=target if kind == Kind.PROGRAMME else None,
        )
        feed.full_clean()
        feed.save()
    return feed, bool(withdrawn)
