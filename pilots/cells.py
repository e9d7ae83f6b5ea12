"""How a value goes into a spreadsheet cell: one rule for every CSV and Excel file we make.

Formula injection (OWASP "CSV injection"): a spreadsheet reads a cell that starts with `=`, `+`,
`-` or `@` as a formula, and a tab or a carriage return at the start lets one slip past that
check in some programs. Such a text is neutralised with a leading single quote, which Excel and
LibreOffice show as text. The rule is by type, not by look:

- text (a name, a title, a comment: anything a person typed) is neutralised when it starts with
  one of those characters, so a name like `=HYPERLINK("x")` or a text like `-1+2` arrives as text;
- a real number, date or time is written by us in a fixed format ("-1,5", "15.02.2027", "08:30"),
  never carries a formula, and is not touched, so a negative number stays a number.

In an Excel file (`leanprogram.exports.xlsx`) a text cell is stored as a string with Excel's
"quote prefix" instead of a visible quote: it reads exactly as typed and cannot turn into a
formula, not even when someone edits it.

CSV files are for Norwegian Excel: UTF-8 with a byte order mark (so æ, ø and å survive), `;`
between fields (the comma is the decimal separator), a decimal comma, and dates as dd.mm.yyyy.
"""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from pilots.calendar import OSLO

# Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Norwegian Excel expects ";" between fields (the comma is the decimal separator there).
CSV_DELIMITER = ";"
# Tells Excel the file is UTF-8.
BYTE_ORDER_MARK = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """A text as a spreadsheet shows it without running it: a leading quote where needed."""
    return "'" + text if is_formula_like(text) else text


def decimal_text(value) -> str:
    """A number with a decimal comma, without exponent or trailing zeros: 2.50 → "2,5"."""
    number = Decimal(str(value)).normalize()
    text = format(number, "f")
    return text.replace(".", ",")


def csv_value(value) -> str:
    """One cell of a CSV file: typed values in the fixed Norwegian formats, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        # A bool is an int to Python; a table says in words what yes and no mean.
        raise TypeError("Give a yes/no column as text.")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, OSLO)
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return decimal_text(value)
    return neutralise(str(value))


class _Line:
    """A file-like object that hands back what is written to it, for csv.writer."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[Iterable]) -> Iterator[bytes]:
    """The CSV file row by row, encoded, for a StreamingHttpResponse: the byte order mark first,
    then each row with its values through `csv_value`."""
    writer = csv.writer(_Line(), delimiter=CSV_DELIMITER, lineterminator="\r\n")
    yield BYTE_ORDER_MARK.encode()
    for row in rows:
        yield writer.writerow([csv_value(value) for value in row]).encode()


def ascii_slug(text: str) -> str:
    """A file name's part in plain ASCII, which every mail program and browser keeps:
    "Omsorg Sør" → "omsorg-sor"."""
    return slugify(
        text.translate(
            str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})
        )
    )
