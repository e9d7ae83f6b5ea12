"""Norwegian alphabetical order: Æ, Ø and Å after Z, and "Aa" sorted as "Å".

`norwegian(field)` orders a queryset that way; every list of names uses it (the models'
`Meta.ordering` too, so the admin and every form's choices follow). PostgreSQL has the order
built in: ICU's `nb-NO-x-icu`, which `initdb` imports on every server built with ICU (Debian's
are), so no migration creates a collation. SQLite, used by `make run` without a database server,
gets a collation of the same name from `sqlite_collation_install`, connected when each connection
opens. `norwegian_sort_key` is the same order for a list sorted in Python.

The order is CLDR's for Norwegian, as ICU has it: letters first (case and accents aside), then
accents, then case, lower case first. So "anna" < "Anna" < "Bjørn" < "Émile" < "Zara" < "Ærlig"
< "Øystein" < "Aase" and "Åse" (aa is å, as in Norwegian phone books); "ä" sorts with "æ", "ö"
with "ø", "ü" with "y". The Python key reaches the same order for names; where ICU breaks a tie
by finer rules (aa against å) it may differ, never in where a name's first letters put it.
"""

import unicodedata
from functools import lru_cache

from django.db.models.functions import Collate

NORWEGIAN_COLLATION = "nb-NO-x-icu"

# Letters that count as another letter in Norwegian.
_AS_LETTERS = str.maketrans(
    {"ä": "æ", "ö": "ø", "ő": "ø", "ü": "y", "ű": "y", "đ": "d", "ð": "d", "þ": "th"}
)
# After every other letter, in this order; ŋ after every n.
_LAST_LETTERS = {"æ": "\uffe0", "ø": "\uffe1", "å": "\uffe2", "ŋ": "n\uffff"}


def norwegian(field: str) -> Collate:
    """`field` in Norwegian alphabetical order, for `order_by()` and `Meta.ordering`."""
    return Collate(field, NORWEGIAN_COLLATION)


def _letters(text: str) -> list[tuple[str, str, int, bool]]:
    """Each letter of `text`: its base letter, its accents, whether it was written "aa", and
    whether in upper case."""
    letters = []
    i = 0
    while i < len(text):
        upper = text[i].isupper()
        if text[i : i + 2].casefold() == "aa":
            letters.append((_LAST_LETTERS["å"], "å", 1, upper))
            i += 2
            continue
        for char in text[i].casefold():
            if char in _LAST_LETTERS:
                # Æ, Ø and Å are letters of their own: decomposed, å would be an a with a ring.
                letters.append((_LAST_LETTERS[char], char, 0, upper))
                continue
            counted = char.translate(_AS_LETTERS)
            # ä sorts as æ but after it; é with e, č with c: the accent only breaks a tie.
            mark = "" if counted == char else "\uffff"
            for letter in counted:
                base = _LAST_LETTERS.get(letter) or unicodedata.normalize("NFD", letter)[0]
                accents = (
                    letter if letter in _LAST_LETTERS else unicodedata.normalize("NFD", letter)
                )
                letters.append((base, accents + mark, 0, upper))
        i += 1
    return letters


# SQLite compares a row with many others: each name's key is built once.
@lru_cache(maxsize=4096)
def norwegian_sort_key(text: str) -> tuple:
    """A key that sorts strings in Norwegian order: letters, then accents, then case."""
    letters = _letters(text)
    primary = "".join(base for base, _accents, _aa, _upper in letters)
    accents = tuple(accents for _base, accents, _aa, _upper in letters)
    # Then case, lower first, and å before aa: å < Å < aa < Aa, as ICU has it.
    case = tuple((aa, upper) for _base, _accents, aa, upper in letters)
    # Last the code points, so that only equal strings are equal, as in PostgreSQL.
    return primary, accents, case, text


def _compare(left: str, right: str) -> int:
    a, b = norwegian_sort_key(left), norwegian_sort_key(right)
    return (a > b) - (a < b)


def sqlite_collation_install(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(NORWEGIAN_COLLATION, _compare)
