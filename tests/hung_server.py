"""A TCP server on 127.0.0.1 that accepts connections and never answers: a frozen Redis.

`kill -STOP` on Redis leaves the kernel accepting connections while nothing reads or writes,
so a client without socket timeouts waits forever; this stands in for it without touching the
machine's real Redis.
"""

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def hung_server() -> Iterator[str]:
    """Yield a redis:// URL whose server accepts connections and stays silent."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    # Closing a socket does not wake a thread blocked in accept(); a short timeout lets the
    # thread see that it should stop.
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept_and_hold():
        while not stopping.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stopping.set()
        thread.join()
        listener.close()
        for connection in held:
            connection.close()


@contextmanager
def fail_after(seconds: float) -> Iterator[None]:
    """Fail the test if the block is still running after `seconds`: a hang fails, not blocks.

    pytest's failure is a BaseException, so code under test that catches Exception (as the
    health check does) cannot swallow it and turn a hang into a pass.
    """

    def fail(signum, frame):
        pytest.fail(f"still waiting after {seconds} s: the broker call hangs")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
