"""Search every text column of the database, as the database itself lists them."""

from django.db import connection


def _text_columns(cursor) -> list[tuple[str, str]]:
    """(table, column) of every text, varchar or JSON column of every table: Django's, the
    apps', the libraries'."""
    if connection.vendor == "sqlite":
        # SQLite keeps the declared types: Django writes varchar(n), text (JSON too), char(n).
        cursor.execute(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND ("
            "lower(c.type) LIKE '%char%' OR lower(c.type) IN ('text', 'json'))"
        )
    else:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
    return cursor.fetchall()


def text_hits(needle: str) -> list[tuple[str, str, int]]:
    """(table, column, rows) of every text column holding `needle` (case-insensitive; on
    SQLite for ASCII letters only, which the tests' needles are)."""
    assert needle.isascii()
    hits = []
    with connection.cursor() as cursor:
        for table, column in _text_columns(cursor):
            col = connection.ops.quote_name(column)
            matches = f"{col} LIKE %s" if connection.vendor == "sqlite" else f"{col}::text ILIKE %s"
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {matches}",  # noqa: S608
                [f"%{needle}%"],
            )
            count = cursor.fetchone()[0]
            if count:
                hits.append((table, column, count))
    return hits
