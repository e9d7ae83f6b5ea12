"""Innsyn: everything the system holds about one person, for them or for a coordinator who
answers their request (GDPR art. 15), as JSON to download and as a page to read or print.

One query per registry entry whatever the amount of data: each entry is read with `values()`
over the lookups it names, so related names come in the same query.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from leanprogram.privacy.registry import ENTRIES, Entry, Via
from pilots.access import scope_for
from pilots.audit import record
from pilots.models import AuditEvent, Person

# Values that are not words in a language (addresses, a browser's name, a mail with its links):
# the page lets them break anywhere (.breakable) rather than push a phone's card wider.
_BREAKABLE = {"email", "username", "ip_address", "user_agent", "email_body", "last_error"}


@dataclass
class Column:
    name: str
    label: str

    @property
    def breakable(self) -> bool:
        return self.name in _BREAKABLE


@dataclass
class Section:
    key: str
    label: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def display_rows(self) -> list[list[tuple[Column, Any]]]:
        """Each row as (column, value) pairs, for the page's stacked table."""
        return [[(c, row[c.name]) for c in self.columns] for row in self.rows]


def _field_for(model: type[models.Model], lookup: str) -> models.Field | None:
    current = model
    found = None
    for part in lookup.split("__"):
        try:
            found = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if found.is_relation and found.related_model is not None:
            current = found.related_model
    return found


# Columns of the history tables and the login logs, whose libraries' names are not translated.
_COLUMN_LABELS = {
    "history_date": _lazy("changed"),
    "history_type": _lazy("kind of change"),
    "attempt_time": _lazy("time"),
    "logout_time": _lazy("logged out"),
    "ip_address": _lazy("IP address"),
    "user_agent": _lazy("browser"),
    "failures_since_start": _lazy("failed attempts"),
    "locked_out": _lazy("locked out"),
    "expire_date": _lazy("expires"),
}


def _label(model, lookup: str) -> str:
    if lookup in _COLUMN_LABELS:
        return capfirst(str(_COLUMN_LABELS[lookup]))
    found = _field_for(model, lookup)
    if found is None or not hasattr(found, "verbose_name"):
        return lookup
    if "__" in lookup:
        # "department name" rather than "name": say what the name is of.
        owner = _field_for(model, lookup.rsplit("__", 1)[0])
        if owner is not None and hasattr(owner, "verbose_name"):
            return capfirst(f"{owner.verbose_name}: {found.verbose_name}")
    return capfirst(str(found.verbose_name))


def _choices(model, lookup: str) -> dict:
    found = _field_for(model, lookup)
    return dict(found.flatchoices) if found is not None and found.choices else {}


def _readable(value, choices: dict):
    """The value as the page shows it: choices by their label, times in Norway's time, dates
    and numbers in the reader's format (the template only breaks the lines)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return formats.localize(timezone.localtime(value))
    if isinstance(value, dt.date | Decimal):
        return formats.localize(value)
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    return value


def _login_of(person: Person) -> tuple[int | None, tuple[str, ...]]:
    """The person's login id and the names it is known by in the lock-out logs."""
    user = person.user
    if user is None:
        return None, ()
    names = {user.get_username(), user.email, person.email}
    return user.pk, tuple(sorted(n for n in names if n))


def user_sessions(sessions, user_id: int) -> list[Session]:
    """The sessions that belong to the login: only the decoded data tells."""
    wanted = str(user_id)
    return [s for s in sessions if str(s.get_decoded().get("_auth_user_id")) == wanted]


def _section(entry: Entry, *, person_id, user_id, usernames, readable: bool) -> Section:
    model = entry.model_class
    rows = entry.rows(person_id=person_id, user_id=user_id, usernames=usernames)
    if entry.via is Via.SESSION:
        found = user_sessions(rows, user_id) if user_id is not None else []
        values = [{c: getattr(s, c) for c in entry.columns} for s in found]
    else:
        values = list(rows.values(*entry.columns))
    columns = [Column(name, _label(model, name)) for name in entry.columns]
    if readable:
        choices = {name: _choices(model, name) for name in entry.columns}
        values = [{k: _readable(v, choices[k]) for k, v in row.items()} for row in values]
    return Section(key=entry.key, label=str(entry.label), columns=columns, rows=values)


def person_data_collect(person: Person, *, readable: bool = False) -> list[Section]:
    """Every registry entry's rows about the person (one query per entry)."""
    user_id, usernames = _login_of(person)
    return [
        _section(
            entry, person_id=person.pk, user_id=user_id, usernames=usernames, readable=readable
        )
        for entry in ENTRIES
        if entry.exported
    ]


@transaction.atomic
def person_data_export(*, user, person: Person, fmt: str) -> list[Section]:
    """The person's data for `user`, who must be them or a coordinator of their municipality;
    written to the audit log (who, whose, which format and how much, never the values)."""
    scope = scope_for(user)
    scope.require(scope.can_export_person_data(person))
    sections = person_data_collect(person, readable=fmt == "html")
    record(
        user,
        AuditEvent.Action.EXPORTED,
        subject=person,
        detail=f"format={fmt}; sections={sum(1 for s in sections if s.rows)}; "
        f"rows={sum(len(s.rows) for s in sections)}",
    )
    return sections


def sections_as_json(*, person: Person, sections: list[Section]) -> str:
    document = {
        "person_id": person.pk,
        "exported_at": timezone.now(),
        "sections": {s.key: {"label": s.label, "rows": s.rows} for s in sections if s.rows},
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
