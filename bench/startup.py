"""Seconds from `aitickets serve` to the first 200 from /healthz, on a fresh SQLite database
(migrations included) and on one already at the latest schema. Median of 5 runs each.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _server import serve

RUNS = 5


def main() -> int:
    fresh = []
    for _ in range(RUNS):
        with serve() as (_base, ready):
            fresh.append(ready)
    existing = []
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='aitickets-start-')}/start.db"
    for _ in range(RUNS + 1):
        with serve(url) as (_base, ready):
            existing.append(ready)
    existing = existing[1:]  # the first run created the schema
    print(
        f"startup to healthy: fresh database median {statistics.median(fresh):.2f} s "
        f"(max {max(fresh):.2f}), existing database median {statistics.median(existing):.2f} s "
        f"(max {max(existing):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
