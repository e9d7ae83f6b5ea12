"""`make bench`: the pages people use and the reminder sweep, on a generated data set in
PostgreSQL, each measured against a yardstick in the same run.

1. The data: `generate_scale_data` into a database of its own (BENCH_DATABASE, default
   leanprogram_bench, for SCALE=national; `<name>_small` holds 2 municipalities × 2 pilots), made
   only when it is missing. The server of DATABASE_URL is used; only the database name differs.
2. Query counts of every page at the small and at the measured scale (Django's test client).
3. The pages under gunicorn as in production (DEBUG=0, 2 sync workers), with benchmarks.settings
   adding /bench/bare-db/: one ORM query and a tiny template. Each page runs between two runs of
   bare-db (A/B/A) with 8 connections for BENCH_SECONDS; p50, p95 and throughput are ratios to
   the mean of the two bare-db runs around it; the median of BENCH_ROUNDS rounds is reported,
   with the largest resident memory of a worker while the page ran.
4. The sweep, in a copy of the database, each step in a child process (its peak memory read
   with wait4): a raw read of what it must consider, the burst (a real sweep the Monday after a
   cohort's course weeks), the steady state (the next sweep, 5 minutes later), and a raw COPY of
   as many rows as the burst wrote. Send tasks go to BENCH_REDIS_URL, or to Kombu's filesystem
   transport in a temporary folder.

The table is printed and written to benchmarks/results/bench.json.
"""

import datetime as dt
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

from benchmarks.load import WorkerMemory, load
from benchmarks.served_demo import GUNICORN, PYTHON, _wait_until_up, session_cookie

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "benchmarks" / "results" / "bench.json"
SCALES = {
    "national": [],  # the generator's defaults: 356 municipalities × 70 pilots × 25 people
    "small": ["--municipalities", "2", "--pilots", "2"],
}
BARE = "/bench/bare-db/"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _database_url(name: str) -> str:
    base = urllib.parse.urlsplit(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    )
    if not base.scheme.startswith("postgres"):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    return urllib.parse.urlunsplit(base._replace(path=f"/{name}"))


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(_database_url("postgres"), autocommit=True)


def _exists(name: str) -> bool:
    with _admin_connection() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def _has_data(name: str) -> bool:
    if not _exists(name):
        return False
    with psycopg.connect(_database_url(name)) as conn:
        found = conn.execute("SELECT to_regclass('pilots_municipality')").fetchone()[0]
        if found is None:
            return False
        return bool(
            conn.execute("SELECT 1 FROM pilots_municipality WHERE slug = 'kommune-001'").fetchone()
        )


def _env(database: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": _database_url(database), **extra}


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def ensure_data(database: str, scale: str) -> float | None:
    """Generate the data set if the database lacks it; return how long that took (or None)."""
    if _has_data(database):
        # A set generated under older code is brought up to date: the migrations backfill.
        _manage("migrate", "--noinput", "-v0", env=_env(database, DEBUG="1"))
        print(f"{database}: generated data found, kept (migrated).")
        return None
    if not _exists(database):
        with _admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
    env = _env(database, DEBUG="1")
    _manage("migrate", "--noinput", "-v0", env=env)
    print(f"{database}: generating the {scale} data set...", flush=True)
    started = time.perf_counter()
    _manage("generate_scale_data", *SCALES[scale], "--reset", env=env)
    return time.perf_counter() - started


def _child(args: list[str], env: dict[str, str]) -> tuple[dict, float]:
    """Run `python -m benchmarks.inprocess ...`; return its JSON and its peak RSS in MiB."""
    process = subprocess.Popen(  # noqa: S603 - our own module
        [PYTHON, "-m", "benchmarks.inprocess", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
    )
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"benchmarks.inprocess {' '.join(args)} failed ({process.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def count_queries(database: str) -> list[dict]:
    pages, _ = _child(["queries"], _env(database, DEBUG="1"))
    for page in pages["pages"]:
        if page["status"] != 200:
            raise RuntimeError(f"{page['name']} answered {page['status']} in {database}")
    return pages["pages"]


def _free_port() -> int:
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _production_env(database: str, folder: Path) -> dict[str, str]:
    return _env(
        database,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        LEANPROGRAM_VAR_DIR=str(folder),
        STATIC_ROOT=str(folder / "static"),
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        # The pages are measured for a person who is in; the second factor has its own tests.
        TWO_FACTOR_REQUIRED="0",
    )


def bench_pages(database: str, pages: list[dict], folder: Path) -> tuple[list[dict], dict]:
    seconds = _env_int("BENCH_SECONDS", 5)
    rounds = _env_int("BENCH_ROUNDS", 3)
    connections = _env_int("BENCH_CONNECTIONS", 8)
    workers = _env_int("BENCH_WORKERS", 2)
    env = _production_env(database, folder)
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - gunicorn from our venv
        [GUNICORN, "leanprogram.wsgi", f"--bind=127.0.0.1:{port}", f"--workers={workers}"]
        + ["--log-level=warning", "--timeout=300"],
        cwd=BASE_DIR,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/accounts/login/", server)
        cookies = {user: session_cookie(base, user) for user in {p["username"] for p in pages}}
        runs: dict[str, list] = {page["name"]: [] for page in pages}
        with WorkerMemory(server.pid) as memory:
            for page in pages:  # warm up every worker on every page
                load("127.0.0.1", port, page["url"], cookie=cookies[page["username"]], seconds=1)
            for round_ in range(rounds):
                print(f"round {round_ + 1} of {rounds}", flush=True)
                cookie = cookies[pages[0]["username"]]
                before = load(
                    "127.0.0.1",
                    port,
                    BARE,
                    cookie=cookie,
                    seconds=seconds,
                    connections=connections,
                )
                for page in pages:
                    memory.reset()
                    cookie = cookies[page["username"]]
                    run = load(
                        "127.0.0.1",
                        port,
                        page["url"],
                        cookie=cookie,
                        seconds=seconds,
                        connections=connections,
                    )
                    peak = memory.peak()
                    after = load(
                        "127.0.0.1",
                        port,
                        BARE,
                        cookie=cookie,
                        seconds=seconds,
                        connections=connections,
                    )
                    runs[page["name"]].append((before, run, after, peak))
                    print(
                        f"  {page['name']:<20} {run.p50_ms:8.1f} ms p50 {run.throughput:7.1f}/s"
                        f" (bare-db {after.p50_ms:.1f} ms, {after.throughput:.1f}/s)",
                        flush=True,
                    )
                    before = after
    finally:
        server.terminate()
        server.wait(timeout=60)
    results = []
    for page in pages:
        measured = runs[page["name"]]

        def ratio(of, measured=measured):
            return statistics.median(of(b, r, a) for b, r, a, _ in measured)

        results.append(
            {
                "name": page["name"],
                "url": page["url"],
                "p50_ms": statistics.median(r.p50_ms for _, r, _, _ in measured),
                "p95_ms": statistics.median(r.p95_ms for _, r, _, _ in measured),
                "throughput": statistics.median(r.throughput for _, r, _, _ in measured),
                "bare_p50_ms": statistics.median(
                    (b.p50_ms + a.p50_ms) / 2 for b, _, a, _ in measured
                ),
                "p50_x": ratio(lambda b, r, a: r.p50_ms / ((b.p50_ms + a.p50_ms) / 2)),
                "p95_x": ratio(lambda b, r, a: r.p95_ms / ((b.p95_ms + a.p95_ms) / 2)),
                "throughput_x": ratio(
                    lambda b, r, a: r.throughput / ((b.throughput + a.throughput) / 2)
                ),
                "errors": sum(r.errors for _, r, _, _ in measured),
                "peak_worker_rss_mib": max(peak for *_, peak in measured),
            }
        )
    setup = {"seconds": seconds, "rounds": rounds, "connections": connections, "workers": workers}
    return results, setup


def bench_sweep(database: str, folder: Path) -> dict:
    """The sweep in a copy of the database (it writes), each step in its own process."""
    copy = f"{database}_sweep"
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        started = time.perf_counter()
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"')
        copied = time.perf_counter() - started
    broker = os.environ.get("BENCH_REDIS_URL", "")
    env = {**_production_env(copy, folder), "DJANGO_SETTINGS_MODULE": "leanprogram.settings"}
    env["REDIS_URL"] = broker  # empty: Kombu's filesystem transport under the temporary folder
    try:
        moment, _ = _child(["burst-moment"], env)
        raw_read, raw_read_rss = _child(["raw-read"], env)
        burst, burst_rss = _child(["sweep", moment["now"]], env)
        later = dt.datetime.fromisoformat(moment["now"]) + dt.timedelta(minutes=5)
        steady, steady_rss = _child(["sweep", later.isoformat()], env)
        raw_insert, _ = _child(["raw-insert", str(max(burst["written"], 1))], env)
    finally:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
    burst_yardstick = raw_read["seconds"] + raw_insert["seconds"]
    return {
        "database_copied_seconds": copied,
        "broker": "redis" if broker else "filesystem",
        "raw_read": {**raw_read, "peak_rss_mib": raw_read_rss},
        "raw_insert": raw_insert,
        "burst": {
            **burst,
            "peak_rss_mib": burst_rss,
            "x_raw_read_plus_insert": burst["seconds"] / burst_yardstick,
        },
        "steady": {
            **steady,
            "peak_rss_mib": steady_rss,
            "x_raw_read": steady["seconds"] / raw_read["seconds"],
        },
    }


def _table(results: list[dict], queries: dict[str, dict[str, int]], scales: list[str]) -> str:
    head = f"{'page':<20}" + "".join(f"{'q ' + s:>11}" for s in scales)
    head += f"{'p50 ms':>9}{'p50 ×':>8}{'p95 ×':>8}{'thru ×':>8}{'RSS MiB':>9}"
    lines = [head, "-" * len(head)]
    for r in results:
        line = f"{r['name']:<20}" + "".join(f"{queries[s].get(r['name'], '-'):>11}" for s in scales)
        line += f"{r['p50_ms']:>9.1f}{r['p50_x']:>8.2f}{r['p95_x']:>8.2f}"
        line += f"{r['throughput_x']:>8.3f}{r['peak_worker_rss_mib']:>9.0f}"
        lines.append(line + (f"  ({r['errors']} errors)" if r["errors"] else ""))
    return "\n".join(lines)


def _sweep_table(sweep: dict) -> str:
    rr, ri, b, s = sweep["raw_read"], sweep["raw_insert"], sweep["burst"], sweep["steady"]
    return "\n".join(
        [
            f"{'sweep':<34}{'time s':>9}{'× yardstick':>13}{'peak RSS MiB':>14}",
            f"{'raw read of what it considers':<34}{rr['seconds']:>9.2f}{'':>13}"
            f"{rr['peak_rss_mib']:>14.0f}",
            f"{'raw COPY of ' + format(ri['rows'], ',') + ' rows':<34}{ri['seconds']:>9.2f}",
            f"{'burst: ' + format(b['due'], ',') + ' due':<34}{b['seconds']:>9.2f}"
            f"{b['x_raw_read_plus_insert']:>13.1f}{b['peak_rss_mib']:>14.0f}"
            "  (× raw read + raw COPY)",
            f"{'steady: next sweep, 5 min later':<34}{s['seconds']:>9.2f}"
            f"{s['x_raw_read']:>13.1f}{s['peak_rss_mib']:>14.0f}  (× raw read)",
        ]
    )


def main() -> None:
    scale = os.environ.get("SCALE", "national")
    if scale not in SCALES:
        raise SystemExit(f"SCALE is national or small, not {scale!r}.")
    name = os.environ.get("BENCH_DATABASE", "leanprogram_bench")
    databases = {"small": f"{name}_small", "national": name}
    scales = ["small"] if scale == "small" else ["small", "national"]
    generated = {s: ensure_data(databases[s], s) for s in scales}
    counted = {s: count_queries(databases[s]) for s in scales}
    queries = {s: {p["name"]: p["queries"] for p in counted[s]} for s in scales}
    pages = counted[scale]
    folder = Path(tempfile.mkdtemp(prefix="leanprogram-bench-"))
    try:
        results, setup = bench_pages(databases[scale], pages, folder)
        sweep = (
            bench_sweep(databases[scale], folder)
            if os.environ.get("BENCH_SWEEP", "1") != "0"
            else None
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    machine = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "client_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    report = {
        "scale": scale,
        "databases": databases,
        "generated_seconds": generated,
        "at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "setup": setup,
        "queries": queries,
        "pages": results,
        "sweep": sweep,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(f"Pages at {scale} scale, ratios to bare-db (median of {setup['rounds']} rounds):")
    print(_table(results, queries, scales))
    if sweep:
        print()
        print(_sweep_table(sweep))
    print(f"\nWritten to {RESULTS.relative_to(BASE_DIR)}.")


if __name__ == "__main__":
    sys.exit(main())
