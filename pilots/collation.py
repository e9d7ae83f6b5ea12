"""Norwegian alphabetical order: Æ, Ø and Å after Z, and "Aa" sorted as "Å".

`norwegian(field)` orders a queryset that way. PostgreSQL has the order built in (its ICU
collation `nb-NO-x-icu`); SQLite, used by `make run` without a database server, gets a collation
of the same name from `sqlite_collation_install`, connected when each connection opens.
"""

import unicodedata

from django.db.models.functions import Collate

NORWEGIAN_COLLATION = "nb-NO-x-icu"

# After every other letter in the order the key below builds.
_LAST_LETTERS = {"æ": "\uffe0", "ø": "\uffe1", "å": "\uffe2"}


def norwegian(field: str) -> Collate:
    """`field` in Norwegian alphabetical order, for `order_by()`."""
    return Collate(field, NORWEGIAN_COLLATION)


def norwegian_sort_key(text: str) -> str:
    """A key that sorts strings in Norwegian order, letters before accents before case."""
    folded = text.casefold().replace("aa", "å")
    key = []
    for char in folded:
        if char in _LAST_LETTERS:
            key.append(_LAST_LETTERS[char])
        else:
            # é sorts with e, ü with u: keep the base letter, drop the accent.
            key.append(unicodedata.normalize("NFD", char)[0])
    return "".join(key)


def _compare(left: str, right: str) -> int:
    a, b = norwegian_sort_key(left), norwegian_sort_key(right)
    if a == b:
        a, b = left, right
    return (a > b) - (a < b)


def sqlite_collation_install(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(NORWEGIAN_COLLATION, _compare)
