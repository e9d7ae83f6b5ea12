"""A table as a CSV file for Norwegian Excel, streamed row by row (the rules: `pilots.cells`)."""

from collections.abc import Iterable, Iterator
from itertools import chain

from django.utils import translation

from leanprogram.exports.tables import Table
from pilots.cells import csv_lines


def _in_language(language: str | None, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The rows are made while the response streams, after the view has returned: in the
    language of the request that asked for them."""
    with translation.override(language):
        yield from chunks


def csv_stream(table: Table) -> Iterator[bytes]:
    header = [column.label for column in table.columns]
    lines = csv_lines(chain([header], table.rows, table.footer))
    return _in_language(translation.get_language(), lines)
