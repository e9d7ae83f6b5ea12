"""Lighthouse (mobile) on the key pages, as production serves them: `make bench-lighthouse`.

The demo under gunicorn with DEBUG=0 (benchmarks/served_demo.py); each page opened by the demo
login it is meant for; Lighthouse's default mobile settings (a mid-range phone, simulated slow
4G) in Debian's headless Chromium. The median performance score of LIGHTHOUSE_RUNS runs (3) and
the accessibility score go to benchmarks/results/lighthouse.json, and a table is printed.

The target is performance >= 95 and accessibility 100 on every page. The numbers are recorded,
not asserted: a score moves with the machine's load, so it is no pass/fail test.
"""

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path

from benchmarks.served_demo import BASE_DIR, served_demo, session_cookie

LIGHTHOUSE = BASE_DIR / "frontend/node_modules/.bin/lighthouse"
CHROME = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROME_FLAGS = " ".join(
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
)
RESULTS = BASE_DIR / "benchmarks/results/lighthouse.json"
# The full reports of the last run, to read the details: not committed.
REPORTS = BASE_DIR / "var/lighthouse"
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
ATTEMPTS = 3
TARGET = {"performance": 95, "accessibility": 100}
# Metrics and the audits that explain a low score, kept beside the scores.
METRICS = [
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
]
ADVICE = [
    "render-blocking-resources",
    "uses-text-compression",
    "unused-css-rules",
    "unused-javascript",
    "total-byte-weight",
]


def _run(url: str, cookie: str | None, output: Path) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        "--only-categories=performance,accessibility",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    # Lighthouse now and then fails to record a trace on a busy machine (NO_NAVSTART): try again.
    for attempt in range(1, ATTEMPTS + 1):
        run = subprocess.run(  # noqa: S603 - our own fixed command line
            command, check=False, env={**os.environ, "CHROME_PATH": CHROME}, timeout=300
        )
        if run.returncode == 0:
            return json.loads(output.read_text())
        print(f"  Lighthouse failed on {url} (attempt {attempt} of {ATTEMPTS})", flush=True)
    raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url}")


def _summary(reports: list[dict]) -> dict:
    performance = [round(r["categories"]["performance"]["score"] * 100) for r in reports]
    middle = sorted(range(len(reports)), key=lambda i: performance[i])[len(reports) // 2]
    report = reports[middle]
    audits = report["audits"]
    return {
        "performance": statistics.median_low(performance),
        "performance_runs": performance,
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        # Lighthouse's measure of the machine's speed during each run (higher is faster): under
        # about 500 the simulated phone is slower than Lighthouse assumes, and blocking time grows.
        "benchmark_index": [round(r["environment"]["benchmarkIndex"]) for r in reports],
        "metrics": {name: audits[name]["displayValue"] for name in METRICS},
        "advice": {
            name: audits[name].get("displayValue", "")
            for name in ADVICE
            if audits[name].get("score") is not None and audits[name]["score"] < 1
        },
        "accessibility_failures": sorted(
            audit["id"]
            for audit in audits.values()
            if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0
        ),
    }


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: run `make frontend-dev` (npm).")
    with served_demo() as base:
        import django

        django.setup()
        from tests.key_pages import key_pages

        pages = key_pages()
        cookies = {p.username: session_cookie(base, p.username) for p in pages if p.username}
        results = {}
        REPORTS.mkdir(parents=True, exist_ok=True)
        for page in pages:
            slug = page.name.replace(" ", "-")
            reports = [
                _run(base + page.url, cookies.get(page.username), REPORTS / f"{slug}-{n}.json")
                for n in range(1, RUNS + 1)
            ]
            results[page.name] = {
                "url": page.url,
                "as": page.username or "nobody",
                **_summary(reports),
            }
            print(f"  {page.name}: {results[page.name]['performance_runs']}", flush=True)

    lighthouse_version = reports[0]["lighthouseVersion"]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "lighthouse": lighthouse_version,
                "form_factor": "mobile (Lighthouse default: simulated slow 4G, 4x CPU slowdown)",
                "runs_per_page": RUNS,
                "target": TARGET,
                "pages": results,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    _print_table(results)


def _print_table(results: dict) -> None:
    print(f"\nLighthouse mobile, median of {RUNS} run(s); target {TARGET}")
    print(f"{'page':<14} {'as':<12} {'perf':>5} {'a11y':>5}  LCP      TBT     machine  advice")
    for name, result in results.items():
        low = (
            result["performance"] < TARGET["performance"]
            or result["accessibility"] < TARGET["accessibility"]
        )
        print(
            f"{name:<14} {result['as']:<12} {result['performance']:>5} "
            f"{result['accessibility']:>5}  {result['metrics']['largest-contentful-paint']:<8} "
            f"{result['metrics']['total-blocking-time']:<7} "
            f"{min(result['benchmark_index']):>4}-{max(result['benchmark_index']):<4} "
            + ", ".join(result["advice"])
            + ("  <- below target" if low else "")
        )
    print(f"Recorded in {RESULTS.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
