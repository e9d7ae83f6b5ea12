"""A small load generator (wrk is not on these machines): N threads, each with its own HTTP
connection, requesting one URL for a fixed time; and the resident memory of gunicorn's workers.

Threads and http.client are enough for ratios: the client costs the same for the bare view
and for the page it is compared with. Gunicorn's sync workers close the connection after each
response (http.client then opens a new one), as production does behind its proxy.
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(
    host: str, port: int, path: str, *, cookie: str, seconds: float, connections: int = 8
) -> Run:
    """Request `path` from `connections` threads for `seconds`; non-200 answers are errors."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip", "Host": host}
    started = time.perf_counter()
    deadline = started + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        mine = latencies[n]
        while True:
            begun = time.perf_counter()
            if begun >= deadline:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            mine.append(time.perf_counter() - begun)
            if not ok:
                errors[n] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(t for mine in latencies for t in mine)
    if not every:
        return Run(0, sum(errors), elapsed, 0.0, 0.0)
    p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
    return Run(len(every), sum(errors), elapsed, statistics.median(every) * 1000, p95 * 1000)


def children(pid: int) -> list[int]:
    """The process ids of a process's children (gunicorn's workers of its master)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class WorkerMemory:
    """Samples the resident memory of a master's workers while a run goes on: `peak()` is the
    largest of any one worker since the last `reset()`."""

    def __init__(self, master_pid: int, every: float = 0.2) -> None:
        self.master_pid = master_pid
        self.every = every
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "WorkerMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            for pid in children(self.master_pid):
                self._peak = max(self._peak, rss_mib(pid))

    def reset(self) -> None:
        self._peak = 0.0

    def peak(self) -> float:
        for pid in children(self.master_pid):
            self._peak = max(self._peak, rss_mib(pid))
        return self._peak
