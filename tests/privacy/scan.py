"""Search every text column of the database, as PostgreSQL lists them."""

from django.db import connection


def text_hits(needle: str) -> list[tuple[str, str, int]]:
    """(table, column, rows) of every text, varchar or JSON column holding `needle`
    (case-insensitive), in every table of the schema: Django's, the apps', the libraries'."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        columns = cursor.fetchall()
        hits = []
        for table, column in columns:
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                f"WHERE {connection.ops.quote_name(column)}::text ILIKE %s",
                [f"%{needle}%"],
            )
            count = cursor.fetchone()[0]
            if count:
                hits.append((table, column, count))
    return hits
