"""EXPLAIN ANALYZE each query a page runs, and say which of them read one of the big tables in
full.

A few thousand rows are few enough that PostgreSQL reads a table whole, or hashes it, where with
the country's data it would look rows up through an index. So the EXPLAIN runs with sequential
scans, hash joins and merge joins turned off: the planner then takes the index lookups wherever
the query allows them (the settings only make the others expensive: a query that no index can
serve still gets a sequential scan, or an index read end to end). A scan of a big table fails if
it is sequential, or if it touches more than a quarter of the table's rows (an index scanned end
to end, which is what an OR across joins gets).
"""

import json

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.perf.conftest import BIG_TABLES


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _touched(node) -> float:
    per_loop = (
        node.get("Actual Rows", 0)
        + node.get("Rows Removed by Filter", 0)
        + node.get("Rows Removed by Index Recheck", 0)
    )
    return per_loop * node.get("Actual Loops", 1)


def full_reads(queries) -> list[str]:
    """What each of `queries` (captured SQL) reads of the big tables in full, with its plan."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(BIG_TABLES)]
        )
        rows_of = dict(cursor.fetchall())
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with transaction.atomic():
                for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                    cursor.execute(f"SET LOCAL {setting} = off")
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
            plan = plan if isinstance(plan, list) else json.loads(plan)
            for node in _nodes(plan[0]["Plan"]):
                table = node.get("Relation Name")
                if table not in BIG_TABLES:
                    continue
                sequential = node["Node Type"] == "Seq Scan"
                if sequential or _touched(node) > rows_of[table] / 4:
                    found.append(
                        f"{node['Node Type']} on {table} touches {_touched(node):.0f} of "
                        f"{rows_of[table]:.0f} rows:\n{sql}\n{json.dumps(plan, indent=1)}"
                    )
    return found


def page_full_reads(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return full_reads(query["sql"] for query in queries.captured_queries)
