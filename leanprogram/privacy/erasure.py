"""Anonymising people: on request (a coordinator, `person_erase`) or by the retention policy
(`people_anonymise` for everyone who left long enough ago).

What stays: the department's plan, measures, attendance, meetings and their dates, counts and
statuses (they belong to the department, and the municipality's archive duty keeps them). What
goes: the person's name, e-mail address and phone everywhere, their login (deactivated and
stripped), their sessions, their lock-out log lines, open invitations, the texts of e-mails to
them, the link from history rows to their login, and their name in every other text in the
database (approved-plan snapshots, e-mails to colleagues, the admin's log), replaced by a
neutral label like "Former employee #12".

Everything is set-based: a fixed number of queries per registry entry and per text column,
however many people or rows, so the daily retention run does not grow in queries with the data.
"""

import json
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessAttemptExpiration
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from followup.models import Reminder
from leanprogram.privacy.export import person_data_collect
from leanprogram.privacy.registry import ENTRIES, OnErase, Via, text_columns
from pilots.access import scope_for
from pilots.audit import record
from pilots.calendar import local_today
from pilots.models import AuditEvent, DepartmentRole, Person, ProgrammeRole, active_role

# The scrub replaces at most this many different names in one text per run; a text naming more
# of the people being anonymised (rare) gets the rest on the next daily run.
_MAX_SCRUB_PASSES = 10


def anonymous_label(person_id: int) -> str:
    """The neutral name an anonymised person gets, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Former employee #%(id)s") % {"id": person_id}


def anonymous_email(person_id: int) -> str:
    # `.invalid` can never be delivered (RFC 2606), and the id keeps it unique.
    return f"former-{person_id}@anonymised.invalid"


@dataclass(frozen=True)
class _Known:
    person_id: int
    user_id: int | None
    full_name: str
    emails: tuple[str, ...]
    usernames: tuple[str, ...]


def _variants(text: str) -> set[str]:
    """The forms a text takes in the database: as typed, as JSON written with and without
    escaping non-ASCII letters (Django's admin log escapes "ø" as \\u00f8), and escaped for
    HTML (an apostrophe in a stored HTML mail)."""
    return {
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        str(escape(text)),
    }


def _replacements(known: list[_Known]) -> list[tuple[str, str]]:
    pairs: dict[str, str] = {}
    for k in known:
        label = anonymous_label(k.person_id)
        email = anonymous_email(k.person_id)
        for address in k.emails:
            for form in _variants(address) | _variants(address.lower()):
                pairs[form] = email
        if len(k.full_name.strip()) >= 3:
            for form in _variants(k.full_name):
                pairs.setdefault(form, label)
    # Longest first: an e-mail address is replaced whole before anything inside it.
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


# Tables the scrub leaves alone because the erasure rewrites the person's own rows directly, and
# a namesake's row there must not change with them.
_SCRUB_SKIPS = {
    ("pilots.Person", "full_name"),
    ("pilots.Person", "email"),
    ("pilots.AuditEvent", "subject_label"),
    (settings.AUTH_USER_MODEL, "username"),
    (settings.AUTH_USER_MODEL, "first_name"),
    (settings.AUTH_USER_MODEL, "last_name"),
    (settings.AUTH_USER_MODEL, "email"),
}


# The few places where PostgreSQL and SQLite (the development database: `make run` and
# `make test` without DATABASE_URL) spell the same set-based statement differently.


def _on_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _values(rows: int, alias: str, columns: tuple[str, ...]) -> str:
    """A table of `rows` parameter rows named `alias`(`columns`). SQLite names a VALUES list's
    columns column1, column2, … and takes no column list after the alias."""
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
    if _on_sqlite():
        named = ", ".join(f"column{n} AS {name}" for n, name in enumerate(columns, 1))
        return f"(SELECT {named} FROM (VALUES {values})) AS {alias}"  # noqa: S608  # nosec B608
    return f"(VALUES {values}) AS {alias}({', '.join(columns)})"


def _position(text: str, pattern: str) -> str:
    """Where `pattern` starts in `text` (1-based, 0 when absent)."""
    return f"instr({text}, {pattern})" if _on_sqlite() else f"strpos({text}, {pattern})"


def _row_id() -> str:
    """The physical row id: every Django table has one, whatever its primary key."""
    return "rowid" if _on_sqlite() else "ctid"


def _first_match_per_row(table: str, as_text: str, values: str) -> str:
    """Each row of `table` holding a pattern, with the first such pattern (lowest `o`)."""
    row_id = _row_id()
    matches = f"{table} t, {values} WHERE {_position(f't.{as_text}', 'm.pat')} > 0"
    if _on_sqlite():
        # No DISTINCT ON: number each row's matches and keep the first.
        return (
            f"SELECT row_id, pat, rep FROM (SELECT t.{row_id} AS row_id, m.pat, m.rep, "  # noqa: S608  # nosec B608
            f"ROW_NUMBER() OVER (PARTITION BY t.{row_id} ORDER BY m.o) AS n FROM {matches}) "
            "WHERE n = 1"
        )
    return (
        f"SELECT DISTINCT ON (t.{row_id}) t.{row_id} AS row_id, m.pat, m.rep "  # noqa: S608  # nosec B608
        f"FROM {matches} ORDER BY t.{row_id}, m.o"
    )


def _scrub_text(pairs: list[tuple[str, str]], *, dry_run: bool) -> int:
    """Replace the names and addresses in every text column; the number of texts changed."""
    if not pairs:
        return 0
    values = _values(len(pairs), "m", ("o", "pat", "rep"))
    params = [p for order, (pat, rep) in enumerate(pairs) for p in (order, pat, rep)]
    row_id = _row_id()
    changed = 0
    with connection.cursor() as cursor:
        for model, column in text_columns():
            if (model._meta.label, column.name) in _SCRUB_SKIPS:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            col = connection.ops.quote_name(column.column)
            # SQLite keeps JSON as text already; PostgreSQL's jsonb is cast there and back.
            is_jsonb = isinstance(column, models.JSONField) and not _on_sqlite()
            as_text = f"{col}::text" if is_jsonb else col
            if dry_run:
                cursor.execute(
                    f"SELECT count(*) FROM {table} t WHERE EXISTS (SELECT 1 FROM "  # noqa: S608  # nosec B608
                    f"{values} WHERE {_position(f't.{as_text}', 'm.pat')} > 0)",
                    params,
                )
                changed += cursor.fetchone()[0]
                continue
            new = f"replace({as_text}, m.pat, m.rep)"
            if is_jsonb:
                new = f"({new})::jsonb"
            # One replacement per row and pass (UPDATE … FROM takes one matching pair); the
            # passes go on while a text still holds a name, up to the limit.
            for _pass in range(_MAX_SCRUB_PASSES):
                cursor.execute(
                    f"UPDATE {table} SET {col} = {new} FROM "  # noqa: S608  # nosec B608
                    f"({_first_match_per_row(table, as_text, values)}) "
                    f"AS m WHERE {table}.{row_id} = m.row_id",
                    params,
                )
                if not cursor.rowcount:
                    break
                changed += cursor.rowcount
    return changed


def _known(person_ids: list[int]) -> list[_Known]:
    rows = Person.objects.filter(pk__in=person_ids).values(
        "pk", "full_name", "email", "user_id", "user__username", "user__email"
    )
    found = []
    for row in rows:
        emails = tuple(e for e in {row["email"], row["user__email"]} if e)
        names = {row["user__username"], *emails} - {None, ""}
        found.append(
            _Known(row["pk"], row["user_id"], row["full_name"], emails, tuple(sorted(names)))
        )
    return found


def _entry_queryset(entry, *, person_ids, user_ids, usernames):
    model = entry.model_class
    if entry.via is Via.PERSON:
        return model._default_manager.filter(**{f"{entry.field}__in": person_ids})
    if entry.via is Via.USER:
        return model._default_manager.filter(**{f"{entry.field}__in": user_ids})
    return model._default_manager.filter(**{f"{entry.field}__in": usernames})


def people_anonymise(*, person_ids: list[int], now, dry_run: bool = False) -> dict[str, int]:
    """Anonymise the people with these ids; what was (or would be) changed, counted by place.

    Call inside a transaction. Counts only, never names, so they go into the audit log as they
    are.
    """
    known = _known(person_ids)
    if not known:
        return {}
    person_ids = [k.person_id for k in known]
    user_ids = [k.user_id for k in known if k.user_id is not None]
    usernames = sorted(
        {n for k in known for n in k.usernames} | {n.lower() for k in known for n in k.usernames}
    )
    counts: dict[str, int] = {"people": len(known)}

    # The lists of what to do per entry: delete, unlink, blank.
    for entry in ENTRIES:
        if entry.on_erase in (OnErase.KEEP, OnErase.SPECIAL):
            continue
        rows = _entry_queryset(entry, person_ids=person_ids, user_ids=user_ids, usernames=usernames)
        if dry_run:
            counts[entry.key] = rows.count()
        elif entry.on_erase is OnErase.DELETE:
            counts[entry.key] = _delete(rows)
        elif entry.on_erase is OnErase.UNLINK:
            counts[entry.key] = rows.update(**{entry.field: None})
        elif entry.on_erase is OnErase.BLANK:
            counts[entry.key] = rows.update(**dict.fromkeys(entry.blank_fields, ""))

    counts["texts"] = _scrub_text(_replacements(known), dry_run=dry_run)
    if dry_run:
        return counts

    # Nobody waits for a reminder to a name that no longer exists; its roles end today.
    Reminder.objects.filter(recipient_id__in=person_ids, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, cancel_reason=Reminder.CancelReason.NO_LONGER_APPLIES
    )
    today = local_today()
    for role_model in (ProgrammeRole, DepartmentRole):
        role_model.objects.filter(active_role(today), person_id__in=person_ids).update(
            ends_on=today
        )

    _anonymise_people_rows(person_ids, now=now)
    if user_ids:
        counts["sessions"] = _sessions_delete(user_ids)
        get_user_model().objects.filter(pk__in=user_ids).update(
            username=models.functions.Concat(
                models.Value("former-"), models.functions.Cast("pk", models.CharField())
            ),
            first_name="",
            last_name="",
            email="",
            # An unusable password: nobody logs in with it, and the change also ends any
            # session whose hash was made from the old one.
            password=make_password(None),
            is_active=False,
            is_staff=False,
            is_superuser=False,
        )
    AuditEvent.objects.filter(subject_person_id__in=person_ids).update(subject_label="")
    return counts


def _anonymise_people_rows(person_ids: list[int], *, now) -> None:
    table = connection.ops.quote_name(Person._meta.db_table)
    values = _values(len(person_ids), "m", ("id", "label", "email"))
    params = [p for pk in person_ids for p in (pk, anonymous_label(pk), anonymous_email(pk))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET full_name = m.label, email = m.email, phone = '', "  # noqa: S608  # nosec B608
            f"user_id = NULL, is_active = false, receives_digests = false, anonymised_at = %s "
            f"FROM {values} WHERE {table}.id = m.id",
            # As the ORM would store it (on SQLite: UTC text in Django's format).
            [connection.ops.adapt_datetimefield_value(now), *params],
        )


def _delete(rows) -> int:
    """Delete the rows. Axes' attempts go without loading them (their expiry rows first): a
    lock-out log can be long. The others are few per person and may have dependants (a
    second-factor device's tokens), so the ORM deletes them."""
    if rows.model is AccessAttempt:
        AccessAttemptExpiration.objects.filter(access_attempt__in=rows.values("pk")).delete()
        return rows._raw_delete(rows.db)
    return rows.delete()[0]


def _sessions_delete(user_ids: list[int]) -> int:
    """End the logins' sessions: one read of every session (only decoding tells whose it is)
    and one delete, however many people."""
    wanted = {str(pk) for pk in user_ids}
    found = [
        s.pk for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) in wanted
    ]
    return Session.objects.filter(pk__in=found).delete()[0] if found else 0


@dataclass(frozen=True)
class ErasurePreview:
    entries: list[tuple[str, str, int]]  # (label, what happens, how many rows)
    # Other texts that name the person or give their address (plans, e-mails to others, logs).
    texts_naming: int


_WHAT_HAPPENS = {
    OnErase.KEEP: _("kept, under the neutral label"),
    OnErase.UNLINK: _("kept, without the link to the person"),
    OnErase.DELETE: _("deleted"),
    OnErase.BLANK: _("kept, the text removed"),
    OnErase.SPECIAL: _("name, e-mail and phone replaced; the login deactivated"),
}


def erasure_preview(person: Person) -> ErasurePreview:
    """What erasing the person would do: entry by entry (one query each), and how many other
    texts name them (one count per text column)."""
    sections = person_data_collect(person)
    by_key = {entry.key: entry for entry in ENTRIES}
    return ErasurePreview(
        entries=[
            (s.label, str(_WHAT_HAPPENS[by_key[s.key].on_erase]), len(s.rows))
            for s in sections
            if s.rows
        ],
        texts_naming=_scrub_text(_replacements(_known([person.pk])), dry_run=True),
    )


@transaction.atomic
def person_erase(*, user, person: Person, confirmation: str) -> dict[str, int]:
    """Anonymise one person on request. `confirmation` must be their name as stored, so that a
    slip of the mouse on the wrong person cannot do it."""
    scope = scope_for(user)
    scope.require(scope.can_erase_person(person))
    if person.anonymised_at is not None:
        raise ValidationError(_("This person has already been anonymised."))
    if " ".join(confirmation.split()).casefold() != " ".join(person.full_name.split()).casefold():
        raise ValidationError(
            {"confirmation": _("Type the person’s name exactly as shown to confirm.")}
        )
    counts = people_anonymise(person_ids=[person.pk], now=timezone.now())
    record(
        user,
        AuditEvent.Action.ANONYMISED,
        subject=person,
        detail="; ".join(f"{key}={n}" for key, n in counts.items() if n),
    )
    # The event above copied the name; the log keeps only the id (see AuditEvent).
    AuditEvent.objects.filter(subject_person_id=person.pk).update(subject_label="")
    person.refresh_from_db()
    return counts
