"""Benchmarks run with `make bench` (pytest -p no:xdist benchmarks -q -s): they print numbers.

Speed targets live here, never in timed unit tests. Files are named bench_*.py.
"""

import pytest


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
