"""COPY rows into one model's table, with the columns taken from the model.

A table is written with the columns the generator names; every other concrete column gets the
field's default (or "" for text without one), so a column added later with a default is filled
without touching the generator. A NOT NULL column without a default that the generator does not
name stops the run before anything is written, naming the column.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models


class ScaleDataError(Exception):
    pass


@dataclass
class Table:
    model: type[models.Model]
    named: Sequence[str]
    now: dt.datetime
    columns: list[str] = field(init=False)
    rest: tuple = field(init=False)

    def __post_init__(self) -> None:
        fields = {f.column: f for f in self.model._meta.concrete_fields}
        unknown = [column for column in self.named if column not in fields]
        if unknown:
            raise ScaleDataError(f"{self.model._meta.db_table} has no column {', '.join(unknown)}")
        rest = [f for column, f in fields.items() if column not in self.named]
        self.columns = [*self.named, *(f.column for f in rest)]
        self.rest = tuple(self._filler(f) for f in rest)

    def _filler(self, f: models.Field):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now
        if f.has_default():
            # A callable default is called once per table: fine for a time or a constant, and the
            # generator names the columns whose default must differ per row (a nonce).
            return f.get_default()
        if f.null:
            return None
        if f.empty_strings_allowed and not f.is_relation:
            return ""
        raise ScaleDataError(
            f"{self.model._meta.db_table}.{f.column} is NOT NULL without a default: "
            "the scale data generator must fill it (leanprogram/scale_data/tables.py)."
        )

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def copy(self, cursor, rows: Iterable[tuple]) -> int:
        """COPY the rows (values for `named`, in order) into the table; return how many."""
        sql = 'COPY "{}" ({}) FROM STDIN'.format(
            self.name, ", ".join(f'"{column}"' for column in self.columns)
        )
        rest = self.rest
        written = 0
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *rest))
                written += 1
        return written


def has_column(model: type[models.Model], column: str) -> bool:
    return any(f.column == column for f in model._meta.concrete_fields)
